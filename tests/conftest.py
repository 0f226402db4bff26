"""Shared pytest set-up: keep every test away from the user's own hotfence state."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(autouse=True)
def _private_hotfence_state(tmp_path_factory, monkeypatch):
    # The crash store and the user's known-bug directory default to paths under $HOME.
    state = tmp_path_factory.mktemp("hotfence-state")
    monkeypatch.setenv("HOTFENCE_DB", str(state / "crashes.sqlite"))
    monkeypatch.setenv("HOTFENCE_KNOWN_BUGS", str(state / "known-bugs"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With HOTFENCE_REQUIRE_KERNEL=1 (set by .ci/run) a skipped test fails instead.

    Kernel and guest tests skip when the kernel, root or QEMU is missing; in CI that would
    let the run pass with no kernel coverage at all, so there every skip is an error.
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("HOTFENCE_REQUIRE_KERNEL") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped, but HOTFENCE_REQUIRE_KERNEL=1 requires it to run: {reason}"


def pytest_sessionstart(session):
    """Tests load the BPF objects of the sources they run with: rebuild any that are stale.

    At run time hotfence only loads the objects shipped with it (bpf.build.object_path);
    in a checkout this stamped build (a no-op when nothing changed) plays the part of the
    package build. Without clang the tests use the objects already there.
    """
    import shutil

    from hotfence.bpf import build

    if shutil.which("clang") is None:
        return
    result = build.build()
    if result.errors:
        raise pytest.UsageError(
            "BPF build failed:\n" + "\n".join(f"{n}: {e}" for n, e in result.errors.items())
        )
