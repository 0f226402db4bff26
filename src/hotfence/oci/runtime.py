"""``hotfence-runc``: an OCI runtime that is runc, plus a fence for containers a policy selects.

Registered as a Docker runtime (``daemon.json``)::

    {"runtimes": {"hotfence": {"path": "/usr/local/bin/hotfence-runc",
                               "runtimeArgs": ["--policy-dir", "/etc/hotfence/policies.d"]}}}

then ``docker run --runtime hotfence ...`` (or ``"default-runtime": "hotfence"``).

The installed ``hotfence-runc`` is a POSIX sh front (``oci/hotfence-runc``, a setuptools
script): it execs runc for every command but ``create``, ``run`` and ``restore`` without
starting Python, and hands those to this module, installed as ``hotfence-runc-py``, which
parses runc's arguments the same way. On ``create`` (and ``run``) the wrapper reads the bundle's ``config.json``, finds the policies of the
policy directory whose ``spec.selector`` matches the container (:mod:`.meta`) and, for
the one that does:

* merges its socket() rules for the families cgroup-BPF cannot see into the container's
  seccomp profile (:mod:`.profile`);
* adds a ``createRuntime`` hook, ``hotfence-runc hook POLICY``: runc runs it once the
  container's cgroup exists and before the container's first instruction; it applies the
  policy to that cgroup as ``fence apply`` does, and a ``poststop`` hook removes it again;
* writes the coverage, per rule and mechanism, into the annotation ``org.hotfence.coverage``,

then execs runc. ``restore`` of a container a policy selects is refused: a checkpoint
carries its own state, which the wrapper cannot fence. If any of that fails the container does not start: the reason goes to
runc's log, which is what ``docker run`` prints, unless the policy says ``failure: open``
(then the container starts unfenced and the log says so).

Policy directory: ``--policy-dir`` (first, before runc's own arguments), else
``$HOTFENCE_POLICY_DIR``, else ``/etc/hotfence/policies.d``. Only policies with a
``spec.selector`` are considered. The real runc: ``--runc`` or ``$HOTFENCE_RUNC``, else
``runc`` on PATH.
"""

from __future__ import annotations

# Only os, sys and .common at import: whatever reaches Python pays its start-up, and every
# container's create does.
import os
import sys

from hotfence.oci.common import DEFAULT_POLICY_DIR

# typing itself costs start-up; mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

    from hotfence.oci.meta import ContainerMeta

# runc's global options (runc 1.1, urfave/cli on Go's flag package: -opt or --opt, and
# "--opt value" or "--opt=value"); the sh front (hotfence-runc) carries the same table.
RUNC_VALUE_OPTIONS = ("root", "log", "log-format", "criu", "rootless")
RUNC_BOOL_OPTIONS = ("debug", "systemd-cgroup", "help", "h", "version", "v")
# The commands that start a container from a bundle: only these need hotfence.
STARTING = ("create", "run", "restore")


class UnknownOption(ValueError):
    """A global option runc 1.1 does not have: it may take a value, so the command is unsure."""


def _split(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Our own leading options (--policy-dir, --runc) and runc's arguments."""
    ours: dict[str, str] = {}
    while argv and argv[0] in ("--policy-dir", "--runc") and len(argv) > 1:
        ours[argv[0][2:]] = argv[1]
        argv = argv[2:]
    return ours, argv


def _scan(args: list[str]) -> tuple[int, str]:
    """Where runc's command is (``len(args)`` when there is none), and the first option
    runc 1.1 does not know ("" if none), parsed as runc's flag parser and the sh front do."""
    i = 0
    unknown = ""
    while i < len(args):
        a = args[i]
        if a == "--":
            return i + 1, unknown
        if a == "-" or not a.startswith("-"):
            break
        name = a.lstrip("-")
        if a.startswith("---") or name.split("=", 1)[0] not in (
            *RUNC_VALUE_OPTIONS,
            *RUNC_BOOL_OPTIONS,
        ):
            unknown = unknown or a
            i += 1
        elif name in RUNC_VALUE_OPTIONS:
            i += 2
        else:
            i += 1
    return min(i, len(args)), unknown


def _command(args: list[str]) -> tuple[int, str]:
    """Index and name of runc's command in ``args`` (-1, "" when there is none).

    Raises UnknownOption for an option runc 1.1 does not know, when a later argument
    names a command that starts a container: the caller cannot tell which one is the
    command, and must not let a container start unfenced.
    """
    i, unknown = _scan(args)
    if unknown and any(a in STARTING for a in args[i:]):
        raise UnknownOption(
            f"unknown runc option {unknown!r} before {' '.join(args[i:])!r}: hotfence-runc "
            "cannot tell whether this starts a container, so it does not run it"
        )
    if i >= len(args):
        return -1, ""
    return i, args[i]


def _exec_runc(runc: str, args: list[str]) -> None:
    os.execvp(runc, [runc, *args])


def prepare_in_agent(
    argv: list[str],
    cwd: str,
    decided: Callable[[str, str, ContainerMeta | None], None] | None = None,
) -> tuple[int, str, str]:
    """What :func:`main` does before it execs runc, done by ``hotfence agent`` for
    ``hotfence-hook prepare`` (the sh front then execs runc itself): the exit code (0: run
    runc), what :func:`main` would have printed, and what it told runc's log only (the
    fence it did as asked, for the agent's log). ``decided(container id, policy
    directory, who)``: wrap.prepare's ``decided``, with the directory it read."""
    import io

    from hotfence.oci.common import log_error
    from hotfence.oci.wrap import prepare

    err, said = io.StringIO(), io.StringIO()
    ours, args = _split(argv)
    try:
        at, command = _command(args)
    except UnknownOption as exc:
        log_error(args, str(exc), err=err)
        return 1, err.getvalue(), ""
    if command not in STARTING:  # the sh front sends only these
        return (
            2,
            f"hotfence-runc: {command or 'no command'}: not a command that starts a container\n",
            "",
        )
    policy_dir = ours.get("policy-dir") or DEFAULT_POLICY_DIR
    told = None if decided is None else lambda cid, who: decided(cid, policy_dir, who)
    restore = command == "restore"
    ok = prepare(args, at, policy_dir, restore, cwd, err=err, decided=told, said=said)
    return (0 if ok else 1), err.getvalue(), said.getvalue()


def main(argv: list[str] | None = None) -> None:
    ours, args = _split(list(sys.argv[1:] if argv is None else argv))
    runc = ours.get("runc") or os.environ.get("HOTFENCE_RUNC") or "runc"
    if args[:1] == ["hook"]:
        from hotfence.oci.hook import main as hook_main

        sys.exit(hook_main(args[1:]))
    if args[:1] == ["hooks-d"]:
        from hotfence.oci.hook import hooks_d

        sys.exit(hooks_d(args[1:]))
    try:
        at, command = _command(args)
    except UnknownOption as exc:
        from hotfence.oci.common import log_error

        log_error(args, str(exc))
        sys.exit(1)
    if command in STARTING:
        policy_dir = (
            ours.get("policy-dir") or os.environ.get("HOTFENCE_POLICY_DIR") or DEFAULT_POLICY_DIR
        )
        from hotfence.oci.wrap import prepare

        if not prepare(args, at, policy_dir, restore=command == "restore"):
            sys.exit(1)
    _exec_runc(runc, args)


if __name__ == "__main__":
    main()
