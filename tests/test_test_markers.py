"""The suite's own split into unit, kernel and guest tests (tests/conftest.py).

Each case copies conftest.py and its helper modules next to a few synthetic tests in a
scratch directory and runs pytest there in a subprocess, so nothing boots or touches the
kernel: collection shows what `-m` selects, and the unmarked kernel test fails before it
makes its child.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

TESTS = Path(__file__).resolve().parent

SYNTHETIC = """
import pytest
from kernel_helpers import run_socket_calls


@pytest.fixture(scope="module")
def module_guest(guest_pool):  # a module fixture over the pool, like lsm_guest
    return guest_pool


def test_crashes_its_guest(disposable_guest):
    pass


def test_plain():
    pass


def test_through_a_module_fixture(module_guest):
    pass


def test_guest_fixture(guest):
    pass


@pytest.mark.kernel
def test_marked_kernel():
    pass


def test_unmarked_but_reaches_the_kernel():
    run_socket_calls(None, [("socket", 2, 1, 0)])
"""


def _pytest(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    # conftest.py with every helper module it imports (the tests/*.py that are not tests).
    for helper in TESTS.glob("*.py"):
        if not helper.name.startswith("test_"):
            shutil.copy(helper, tmp_path / helper.name)
    (tmp_path / "test_synthetic.py").write_text(SYNTHETIC)
    (tmp_path / "pytest.ini").write_text("[pytest]\nmarkers =\n  kernel: k\n  guest: g\n")
    env = os.environ | {"PATH": "/nonexistent"}  # no clang: the session start builds nothing
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--strict-markers", *args],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def _collected(tmp_path: Path, selection: str) -> list[str]:
    res = _pytest(tmp_path, "--collect-only", "-q", "-m", selection)
    assert res.returncode in (0, 5), res.stdout + res.stderr  # 5: nothing selected
    return [line.split("::")[1] for line in res.stdout.splitlines() if "::" in line]


def test_guest_fixtures_mark_their_tests_guest(tmp_path: Path) -> None:
    assert _collected(tmp_path, "guest") == [
        "test_through_a_module_fixture",
        "test_guest_fixture",
        "test_crashes_its_guest",  # ends its guest, so it runs after the other guest tests
    ]


def test_unit_selection_leaves_out_kernel_and_guest_tests(tmp_path: Path) -> None:
    assert _collected(tmp_path, "not kernel and not guest") == [
        "test_plain",
        "test_unmarked_but_reaches_the_kernel",
    ]
    assert _collected(tmp_path, "kernel") == ["test_marked_kernel"]


def test_an_unmarked_test_that_reaches_the_kernel_fails(tmp_path: Path) -> None:
    res = _pytest(tmp_path, "-q", "-k", "unmarked_but_reaches_the_kernel or plain")
    assert res.returncode == 1, res.stdout + res.stderr
    assert "1 failed, 1 passed" in res.stdout
    assert "run_socket_calls() needs the running kernel: mark the test @pytest.mark.kernel" in (
        res.stdout
    )
