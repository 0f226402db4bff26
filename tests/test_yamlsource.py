"""The one YAML loader (policies, known-bug entries): hostile files fail fast and located."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotfence.fence.policy import POLICY_LIMITS, PolicyError, load_policy, parse_policy
from hotfence.known.catalog import load_catalog
from hotfence.yamlsource import Limits, SourceError, parse_yaml

HEAD = """\
apiVersion: hotfence/v1
kind: SocketPolicy
metadata:
  name: t
spec:
  mode: enforce
  default: allow
  rules:
"""
RULE = "    - action: deny\n      socket: {family: inet6, type: raw}\n"


def _bomb(levels: int, width: int) -> str:
    """The "billion laughs": each level is a list of `width` aliases to the one below."""
    out = ["a0: &a0 [x]"]
    for i in range(1, levels + 1):
        out.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * width) + "]")
    return "\n".join(out) + "\n"


def test_alias_bomb_is_refused_at_the_budget_with_its_line() -> None:
    # 10**9 values once expanded; before the budget this took 53 s and 3.7 GB, then failed.
    with pytest.raises(SourceError) as info:
        parse_yaml(_bomb(9, 10), "bomb.yaml", Limits(max_nodes=100_000))
    (issue,) = info.value.issues
    assert issue.file == "bomb.yaml" and issue.line >= 1 and issue.field.startswith("a")
    assert "aliases are expanded" in issue.message and "100000" in issue.message


def test_aliases_within_the_budget_expand() -> None:
    doc = parse_yaml("base: &b {x: 1}\nuse: [*b, *b]\n", "ok.yaml")
    assert doc.data == {"base": {"x": 1}, "use": [{"x": 1}, {"x": 1}]}
    assert doc.lines[("use", 1, "x")] == 1  # the alias's values keep the anchor's line


@pytest.mark.parametrize(
    "text",
    ["rules: &r [*r]\n", "a: &m {self: *m}\n", "a: &m\n  - b: [1, *m]\n"],
)
def test_recursive_alias_is_a_clear_error(text: str) -> None:
    with pytest.raises(SourceError, match="recursive alias") as info:
        parse_yaml(text, "loop.yaml")
    assert str(info.value).startswith("loop.yaml:")


def test_policy_with_too_many_rules_stops_at_the_limit() -> None:
    limit = POLICY_LIMITS.max_items[("spec", "rules")]
    text = HEAD + RULE * 100_000
    with pytest.raises(PolicyError) as info:
        parse_policy(text, "big.yaml")
    (issue,) = info.value.issues
    # The error is located at the first rule past the limit: nothing after it was read.
    assert issue.line == HEAD.count("\n") + 2 * limit + 1
    assert issue.field == "spec.rules" and f"more than {limit} entries" in issue.message


def test_policy_at_the_rule_limit_still_parses() -> None:
    limit = POLICY_LIMITS.max_items[("spec", "rules")]
    policy = parse_policy(HEAD + RULE * limit, "full.yaml")
    assert len(policy.model.spec.rules) == limit


def test_policy_file_over_the_byte_limit_is_refused_unread(tmp_path: Path) -> None:
    path = tmp_path / "huge.yaml"
    with path.open("w") as fh:
        fh.write(HEAD)
        fh.writelines("#" * 100 + "\n" for _ in range(POLICY_LIMITS.max_bytes // 100 + 1))
    with pytest.raises(PolicyError, match=r"huge.yaml: <document>: larger than \d+ bytes"):
        load_policy(path)


def test_non_utf8_policy_names_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes((HEAD + "    - name: caf\xe9\n      action: deny\n").encode("latin-1"))
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    (issue,) = info.value.issues
    assert issue.file == str(path) and issue.line == HEAD.count("\n") + 1
    assert "not UTF-8" in issue.message and "0xe9" in issue.message


def test_non_utf8_known_bug_entry_names_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "mine.yaml").write_bytes(b"id: my-bug\nsummary: caf\xe9\n")
    with pytest.raises(SourceError) as info:
        load_catalog([tmp_path], builtin=False)
    (issue,) = info.value.issues
    assert issue.file.endswith("mine.yaml") and issue.line == 2 and "not UTF-8" in issue.message


def test_known_bug_alias_bomb_is_refused(tmp_path: Path) -> None:
    (tmp_path / "bomb.yaml").write_text("id: b\nsummary: s\n" + _bomb(9, 10))
    with pytest.raises(SourceError, match="aliases are expanded"):
        load_catalog([tmp_path], builtin=False)


def test_unreadable_known_bugs_dir_is_a_warning_not_a_traceback(tmp_path: Path) -> None:
    """As an unprivileged user whose $HOME cannot be read (root reads everything)."""
    setpriv = shutil.which("setpriv")
    if os.geteuid() != 0 or setpriv is None:
        pytest.skip("needs root and setpriv to run the CLI as another user")
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    tmp_path.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith("HOTFENCE_KNOWN")}
    env["HOME"] = str(home)
    env.pop("XDG_CONFIG_HOME", None)
    crash = Path(__file__).parent / "lab" / "null-deref.log"
    for args in (["patch", "list"], ["triage", "--no-store", "-o", "json", str(crash)]):
        proc = subprocess.run(
            [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]
            + [sys.executable, "-c", "from hotfence.cli import main; main()", *args],
            capture_output=True,
            text=True,
            env=env,
            timeout=120,
        )
        assert "Traceback" not in proc.stderr, proc.stderr
        assert proc.returncode == 0, proc.stderr
        assert f"known-bug directory {home}/.config/hotfence/known-bugs skipped" in proc.stderr
        assert "Permission denied" in proc.stderr
        # the shipped entries still load and match
        assert "af-alg-crash" in proc.stdout or "known_bugs" in proc.stdout
