"""Shared pytest set-up: keep every test away from the user's own hotfence state."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _private_hotfence_state(tmp_path_factory, monkeypatch):
    # The crash store and the user's known-bug directory default to paths under $HOME.
    state = tmp_path_factory.mktemp("hotfence-state")
    monkeypatch.setenv("HOTFENCE_DB", str(state / "crashes.sqlite"))
    monkeypatch.setenv("HOTFENCE_KNOWN_BUGS", str(state / "known-bugs"))
