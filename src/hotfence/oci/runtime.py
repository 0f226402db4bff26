"""``hotfence-runc``: an OCI runtime that is runc, plus a fence for containers a policy selects.

Registered as a Docker runtime (``daemon.json``)::

    {"runtimes": {"hotfence": {"path": "/usr/local/bin/hotfence-runc",
                               "runtimeArgs": ["--policy-dir", "/etc/hotfence/policies.d"]}}}

then ``docker run --runtime hotfence ...`` (or ``"default-runtime": "hotfence"``).

Every runc command but ``create`` is passed straight to runc (``exec``, nothing imported).
On ``create`` the wrapper reads the bundle's ``config.json``, finds the policies of the
policy directory whose ``spec.selector`` matches the container (:mod:`.meta`) and, for
the one that does:

* merges its socket() rules for the families cgroup-BPF cannot see into the container's
  seccomp profile (:mod:`.profile`);
* adds a ``createRuntime`` hook, ``hotfence-runc hook POLICY``: runc runs it once the
  container's cgroup exists and before the container's first instruction; it applies the
  policy to that cgroup as ``fence apply`` does, and a ``poststop`` hook removes it again;
* writes the coverage, per rule and mechanism, into the annotation ``org.hotfence.coverage``,

then execs runc. If any of that fails the container does not start: the reason goes to
runc's log, which is what ``docker run`` prints, unless the policy says ``failure: open``
(then the container starts unfenced and the log says so).

Policy directory: ``--policy-dir`` (first, before runc's own arguments), else
``$HOTFENCE_POLICY_DIR``, else ``/etc/hotfence/policies.d``. Only policies with a
``spec.selector`` are considered. The real runc: ``--runc`` or ``$HOTFENCE_RUNC``, else
``runc`` on PATH.
"""

from __future__ import annotations

# Only os, sys and .common: every runc command goes through here, so start-up time is per
# command.
import os
import sys

from hotfence.oci.common import DEFAULT_POLICY_DIR

# runc's global options that take a value (everything before the command).
RUNC_VALUE_OPTIONS = {"--root", "--log", "--log-format", "--criu", "--rootless"}


def _split(argv: list[str]) -> tuple[dict[str, str], list[str]]:
    """Our own leading options (--policy-dir, --runc) and runc's arguments."""
    ours: dict[str, str] = {}
    while argv and argv[0] in ("--policy-dir", "--runc") and len(argv) > 1:
        ours[argv[0][2:]] = argv[1]
        argv = argv[2:]
    return ours, argv


def _command(args: list[str]) -> tuple[int, str]:
    """Index and name of runc's command in ``args`` ("" when there is none)."""
    i = 0
    while i < len(args):
        a = args[i]
        if a in RUNC_VALUE_OPTIONS:
            i += 2
        elif a.startswith("-"):
            i += 1
        else:
            return i, a
    return -1, ""


def _exec_runc(runc: str, args: list[str]) -> None:
    os.execvp(runc, [runc, *args])


def main(argv: list[str] | None = None) -> None:
    ours, args = _split(list(sys.argv[1:] if argv is None else argv))
    runc = ours.get("runc") or os.environ.get("HOTFENCE_RUNC") or "runc"
    if args[:1] == ["hook"]:
        from hotfence.oci.hook import main as hook_main

        sys.exit(hook_main(args[1:]))
    if args[:1] == ["hooks-d"]:
        from hotfence.oci.hook import hooks_d

        sys.exit(hooks_d(args[1:]))
    if args[:1] == ["shim"]:
        policy_dir = (
            ours.get("policy-dir") or os.environ.get("HOTFENCE_POLICY_DIR") or DEFAULT_POLICY_DIR
        )
        sys.stdout.write(shim(policy_dir, runc))
        return
    at, command = _command(args)
    if command in ("create", "run"):
        policy_dir = (
            ours.get("policy-dir") or os.environ.get("HOTFENCE_POLICY_DIR") or DEFAULT_POLICY_DIR
        )
        from hotfence.oci.wrap import prepare

        if not prepare(args, at, policy_dir):
            sys.exit(1)
    _exec_runc(runc, args)


SHIM = """#!/bin/sh
# hotfence-runc shim, made by `hotfence-runc --policy-dir DIR shim`: runc's commands other
# than create and run go straight to runc, without starting Python.
skip=0
cmd=
for a in "$@"; do
  if [ "$skip" = 1 ]; then skip=0; continue; fi
  case "$a" in
    {value_options}) skip=1 ;;
    -*) ;;
    *) cmd=$a; break ;;
  esac
done
case "$cmd" in
  create|run) exec {wrapper} --policy-dir {policy_dir} --runc {runc} "$@" ;;
esac
exec {runc} "$@"
"""


def _sh_quote(text: str) -> str:
    return "'" + text.replace("'", "'\\''") + "'"


def shim(policy_dir: str, runc: str) -> str:
    """A POSIX sh front for this wrapper, to register as the runtime instead of it."""
    wrapper = os.path.join(os.path.dirname(os.path.abspath(sys.argv[0])), "hotfence-runc")
    if not os.access(wrapper, os.X_OK):
        wrapper = sys.argv[0]
    return SHIM.format(
        value_options="|".join(sorted(RUNC_VALUE_OPTIONS)),
        wrapper=_sh_quote(os.path.abspath(wrapper)),
        policy_dir=_sh_quote(os.path.abspath(policy_dir)),
        runc=_sh_quote(runc),
    )


if __name__ == "__main__":
    main()
