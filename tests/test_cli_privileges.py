"""Without the capabilities a command needs, it says which in one line and exits 77.

The commands run as root with an empty capability bounding set (``setpriv``), which is how
an unprivileged user meets them, while the files of the checkout stay readable.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from hotfence.cli import EXIT_NO_PERMISSION, PRIVILEGED

REPO = Path(__file__).resolve().parent.parent
POLICY = str(REPO / "examples" / "policies" / "deny-raw-icmpv6.yaml")

ARGS = {
    "fence run": [POLICY, "--cgroup", "/sys/fs/cgroup/unified"],
    "fence apply": [POLICY, "--cgroup", "/sys/fs/cgroup/unified"],
    "fence remove": ["--cgroup", "/sys/fs/cgroup/unified"],
    "fence status": [],
    "fence counters": ["--cgroup", "/sys/fs/cgroup/unified"],
    "fence events": ["--cgroup", "/sys/fs/cgroup/unified"],
    "fence prune": ["--dry-run"],
    "patch apply": ["ip6mr-sk-done-netns-setup", "--cgroup", "/sys/fs/cgroup/unified"],
    "watch": [],
    "agent": ["--policy-dir", str(REPO / "examples" / "policies"), "--metrics-port", "0"],
}


def run_without_capabilities(*argv: str) -> subprocess.CompletedProcess[str]:
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv (util-linux) is needed to drop capabilities")
    return subprocess.run(
        [
            "setpriv",
            "--bounding-set=-all",
            "--inh-caps=-all",
            sys.executable,
            "-m",
            "hotfence",
            *argv,
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_every_privileged_command_is_exercised() -> None:
    assert set(ARGS) == set(PRIVILEGED)


@pytest.mark.parametrize("command", sorted(ARGS))
def test_privileged_command_names_the_missing_capability(command: str) -> None:
    proc = run_without_capabilities(*command.split(), *ARGS[command])
    assert proc.returncode == EXIT_NO_PERMISSION, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"hotfence {command}: needs root (")
    for cap in PRIVILEGED[command]:
        assert cap in lines[0]
    assert proc.stdout == ""


def test_help_needs_no_capability() -> None:
    proc = run_without_capabilities("fence", "apply", "--help")
    assert proc.returncode == 0, proc.stderr
    assert "Usage: hotfence fence apply" in proc.stdout
