"""What ``hotfence-runc create`` does to a bundle before runc reads it (see :mod:`.runtime`).

Kept light: it runs for every container; only a selected one loads :mod:`.bundle` (and
with it the policy schema and compiler). Only os and json at import (see :mod:`.meta`).
"""

from __future__ import annotations

import json
import os

from hotfence.oci import meta as meta_mod
from hotfence.oci.common import bundle_and_id, log_error, log_fenced
from hotfence.oci.selectors import Entry, entries

# typing itself costs start-up; mypy reads any TYPE_CHECKING as true.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TextIO


class SelectionError(RuntimeError):
    """More than one policy selects a container."""


class RestoreRefused(RuntimeError):
    """runc restore of a selected container (a checkpoint's state cannot be fenced here)."""


def selected(policy_dir: str, who: meta_mod.ContainerMeta) -> Entry | None:
    """The one policy of ``policy_dir`` whose selector matches ``who`` (None: none does)."""
    chosen = [e for e in entries(policy_dir) if meta_mod.matches(e.selector, who)]
    if len(chosen) > 1:
        raise SelectionError(
            f"{who.text()} is selected by more than one policy ("
            + ", ".join(e.file for e in chosen)
            + "); a container takes one policy"
        )
    return chosen[0] if chosen else None


def _plan(policy_file: str, seccomp: object, key: str) -> dict[str, Any]:
    """Validate, compile and merge ``policy_file`` now (and keep it for the next container)."""
    from hotfence.fence.compiler import compile_policy
    from hotfence.fence.policy import load_policy
    from hotfence.oci import prepared
    from hotfence.oci.bundle import merge_plan

    stamp = prepared.stamp(policy_file)  # before reading: a later edit makes it stale
    compiled = compile_policy(load_policy(policy_file))
    merged = merge_plan(seccomp, compiled)  # type: ignore[arg-type]
    prepared.store(policy_file, stamp, compiled, key, merged)
    return merged


def prepare(
    args: list[str],
    at: int,
    policy_dir: str,
    restore: bool = False,
    cwd: str = "",
    err: TextIO | None = None,
    decided: Callable[[str, meta_mod.ContainerMeta | None], None] | None = None,
    said: TextIO | None = None,
) -> bool:
    """Edit the bundle of a create/run; False when the container must not start.

    ``restore``: runc restores a checkpoint, whose process state the wrapper cannot fence;
    a selected container is refused (fail closed) unless its policy says ``failure: open``.
    ``cwd`` and ``err``: the wrapper's, when ``hotfence agent`` does this for it, and
    ``said`` the agent's log, where the fence done as asked is told (common.log_fenced);
    ``decided(container id, who)``: told who the container is once its bundle is ready
    for a policy of ``policy_dir``, and None when no policy there selects it.
    """
    bundle, cid = bundle_and_id(args, at)
    bundle = os.path.join(cwd, bundle)
    config_path = os.path.join(bundle, "config.json")
    chosen: Entry | None = None
    try:
        with open(config_path, "rb") as f:
            config = json.load(f)
        who = meta_mod.from_bundle(config, cid)
        chosen = selected(policy_dir, who)
        if chosen is None:
            if decided is not None:
                decided(cid, None)
            return True
        if restore:
            raise RestoreRefused(
                f"{who.text()}: runc restore of a container selected by {chosen.file}: "
                "hotfence-runc fences containers at create only"
            )
        from hotfence.oci import prepared  # hashlib: only for a selected container

        seccomp = (config.get("linux") or {}).get("seccomp")
        key = prepared.profile_key(seccomp)
        plan = prepared.load(chosen.file)
        merged = (plan or {}).get("profiles", {}).get(key)
        if merged is None:
            merged = _plan(chosen.file, seccomp, key)
        prepared.apply(config, chosen.file, chosen.failure, merged, bundle)
        tmp = os.path.join(bundle, f".config.json.hotfence.{os.getpid()}")
        with open(tmp, "w") as f:
            # dumps, not dump: json.dump encodes in pure Python, chunk by chunk (a
            # profile of Docker's ~300 syscalls costs ~1 ms that way, ~0.2 ms in C).
            f.write(json.dumps(config))
        os.replace(tmp, config_path)  # runc reads a whole file, old or new
        log_fenced(
            args, f"{who.text()}: policy {chosen.file}: {prepared.coverage_text(merged)}", said
        )
        if decided is not None:
            decided(cid, who)
        return True
    except Exception as exc:  # whatever went wrong, the container must not start unfenced
        if chosen is not None and chosen.failure == "open":
            log_error(
                args,
                f"policy {chosen.file} (failure: open): container started WITHOUT its fence: {exc}",
                level="warning",
                err=err,
            )
            return True
        log_error(args, f"container not started (fail closed): {exc}", err=err)
        return False
