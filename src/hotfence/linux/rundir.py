"""Where hotfence keeps its runtime state on this host: one setting for every layer.

``$HOTFENCE_STATE_DIR`` (``/run/hotfence/fence`` by default) holds the fences' state;
what else hotfence keeps at run time (the OCI wrapper's plans, the agent's socket, the
cut kernel BTF) sits beside it, so a test that points the state elsewhere moves all of it.
Only ``os`` at import: the OCI wrapper's hooks import this for every container.
"""

from __future__ import annotations

import os

DEFAULT_STATE_DIR = "/run/hotfence/fence"


def state_dir() -> str:
    """The fences' state directory."""
    return os.environ.get("HOTFENCE_STATE_DIR", DEFAULT_STATE_DIR)


def beside_state(name: str) -> str:
    """``name`` beside the fences' state directory (``/run/hotfence/<name>`` by default)."""
    return os.path.join(os.path.dirname(state_dir()), name)
