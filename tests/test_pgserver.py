"""The throwaway PostgreSQL server of the store tests stops with the run that started it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pgserver import _pg_bin

HERE = Path(__file__).resolve().parent

_CHILD = """
import sys, time
sys.path.insert(0, {here!r})
from pgserver import running_pg
with running_pg() as server:
    print(server.proc.pid, server.datadir.parent, flush=True)
    time.sleep(600)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # A zombie is gone for this purpose: its parent (the killed child) is dead too, and
    # init reaps it.
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_killed_test_run_leaves_no_server_running() -> None:
    """SIGKILL the process that started the server (no finally runs): the server, which
    would otherwise run on as init's child, shuts itself down."""
    if not _pg_bin("initdb") or not _pg_bin("postgres"):
        pytest.fail("PostgreSQL server binaries not installed (apt package postgresql)")
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD.format(here=str(HERE))],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    pid_text, top = child.stdout.readline().split()
    postmaster = int(pid_text)
    try:
        assert _alive(postmaster)
        child.send_signal(signal.SIGKILL)
        child.wait()
        deadline = time.monotonic() + 30
        while _alive(postmaster) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(postmaster), "the server outlived the test run that started it"
    finally:
        if _alive(postmaster):
            os.kill(postmaster, signal.SIGQUIT)  # ours: started by this test's child
        if child.poll() is None:
            child.kill()
            child.wait()
        shutil.rmtree(top, ignore_errors=True)
