"""Shared pytest set-up: private hotfence state, the kernel/guest markers, the one guest.

* Every test gets its own crash store and known-bug directory (never the user's).
* ``-m kernel`` / ``-m guest`` / ``-m "not kernel and not guest"`` select the tests that
  need the running kernel, a QEMU guest, or neither: a test using a guest fixture is
  marked ``guest`` here; kernel_helpers fails a test that touches the kernel unmarked.
* The guest: one Debian 6.1 boot per test session, only if a guest test runs.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

import kernel_helpers

# These machines are shared and noisy: a property test's data generation can be slow for
# reasons that have nothing to do with the code under test. Timing belongs in benchmarks,
# so no hypothesis test fails on time (deadline, too_slow); every other health check stays.
settings.register_profile("hotfence", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("hotfence")

if TYPE_CHECKING:
    from hotfence.lab.guest import GuestSession

# The PostgreSQL server fixture and the SQLite/PostgreSQL `store_url` fixture.
pytest_plugins = ["pgserver"]


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


# The private Docker engine (session-scoped): defined beside its helpers, registered here so
# every test module shares one dockerd.
from docker_helpers import docker_engine  # noqa: E402, F401

# ------------------------------------------------------------------ markers and the guest --

# Fixtures whose use makes a test a guest test: it is marked `guest` at collection (so
# `-m guest` / `-m "not guest"` select it) however it reaches them, directly or through a
# module fixture such as test_lsm_backend's `lsm_guest`.
GUEST_FIXTURES = frozenset({"guest_pool", "guest", "disposable_guest"})


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    """Mark guest tests by the fixtures they use, and run the guest-killing ones last.

    tryfirst: before pytest's own `-m` deselection, which must see the added markers.
    A test that crashes its guest (``disposable_guest``) runs after every other guest
    test, so the session boots the shared guest once instead of once more after the crash.
    """
    for item in items:
        if GUEST_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.guest)
    items.sort(key=lambda item: "disposable_guest" in getattr(item, "fixturenames", ()))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    # kernel_helpers refuses to touch the kernel for a test not marked `kernel` (or
    # `guest`), so `-m "not kernel and not guest"` really runs no kernel code.
    kernel_helpers.current_markers = {m.name for m in item.iter_markers()}


def pytest_runtest_teardown(item):
    kernel_helpers.current_markers = None


# The files every boot of the shared guest carries in $HOTFENCE_IN (test_guest_harness
# checks they arrive); tests that need more pass them through the guest's $HOTFENCE_OUT.
GUEST_FILES: dict[str, bytes | Path] = {"greeting.txt": b"from the host\n"}


class GuestPool:
    """The test session's one Debian guest: booted on first use, closed at session end.

    A guest that died (a test crashed its kernel) is replaced by a fresh boot on the next
    request. ``boots`` records each boot's seconds for the summary line.
    """

    def __init__(self) -> None:
        self._session: GuestSession | None = None
        self.boots: list[float] = []

    def get(self) -> GuestSession:
        if self._session is not None and not self._session.alive:
            self.discard()
        if self._session is None:
            from hotfence.lab.guest import GuestConfig, GuestSession

            session = GuestSession(GuestConfig(), files=GUEST_FILES)
            session.start()  # raises GuestError with the console tail if the boot fails
            assert session.boot_seconds is not None
            self.boots.append(session.boot_seconds)
            self._session = session
        return self._session

    def discard(self) -> None:
        if self._session is not None:
            self._session.close(grace=10)
            self._session = None


_POOL = GuestPool()


@pytest.fixture(scope="session")
def guest_pool() -> Iterator[GuestPool]:
    """The session's guest; module fixtures that set up guest state take it from here."""
    try:
        yield _POOL
    finally:
        _POOL.discard()


@pytest.fixture
def guest(guest_pool: GuestPool) -> GuestSession:
    """The running shared guest (booted now if no test has needed it yet)."""
    return guest_pool.get()


@pytest.fixture
def disposable_guest(guest_pool: GuestPool) -> Iterator[GuestSession]:
    """The shared guest for a test that ends it (e.g. crashes its kernel); runs last."""
    try:
        yield guest_pool.get()
    finally:
        guest_pool.discard()


def pytest_terminal_summary(terminalreporter):
    """The guest's boot figures (QEMU start to agent ready), when a guest test ran."""
    if _POOL.boots:
        from hotfence.lab.guest import kvm_usable

        each = ", ".join(f"{s:.1f} s" for s in _POOL.boots)
        accel = "kvm" if kvm_usable()[0] else "tcg"
        terminalreporter.write_line(
            f"guest: {len(_POOL.boots)} boot(s) of the shared Debian guest, accel {accel} ({each})"
        )
