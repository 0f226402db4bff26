"""A throwaway PostgreSQL server for the store tests: Debian's binaries, our own data
directory and port on 127.0.0.1, stopped by its pid. Nothing is started outside pytest,
and the server does not outlive the process that started it (a killed test run).

As root, the server runs as the `postgres` user (initdb refuses root); otherwise as the
current user.
"""

from __future__ import annotations

import contextlib
import ctypes
import glob
import itertools
import os
import pwd
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else shutil.which(name)


# prctl, looked up before the fork: the child runs as `postgres`, which cannot read this
# interpreter's modules to import ctypes there.
_PRCTL = ctypes.CDLL(None).prctl


def _stop_with_parent() -> None:
    """In the forked child before exec (after Popen's user= switch, which would clear
    it): a fast shutdown (SIGINT) of the server when the Python process that started it
    dies, so that a test run killed mid-way (a timeout, ^C twice) leaves no server
    running (prctl PR_SET_PDEATHSIG, as hotfence.lab.guest does for QEMU)."""
    _PRCTL(1, signal.SIGINT)  # 1 = PR_SET_PDEATHSIG


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PgServer:
    port: int
    proc: subprocess.Popen[bytes]
    datadir: Path
    _names: Iterator[int] = itertools.count()

    @property
    def admin_url(self) -> str:
        return f"postgresql://hotfence@127.0.0.1:{self.port}/postgres"

    def new_database(self) -> str:
        """A fresh, empty database on this server; returns its URL."""
        import psycopg

        name = f"t{os.getpid()}_{next(self._names)}"
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return f"postgresql://hotfence@127.0.0.1:{self.port}/{name}"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    if not _pg_bin("initdb") or not _pg_bin("postgres"):
        pytest.skip("PostgreSQL server binaries not installed (apt package postgresql)")
    with running_pg() as server:
        yield server


@contextlib.contextmanager
def running_pg() -> Iterator[PgServer]:
    """Start a server (benchmarks use this too); stopped and removed on exit."""
    initdb, postgres = _pg_bin("initdb"), _pg_bin("postgres")
    if not initdb or not postgres:
        raise RuntimeError("PostgreSQL server binaries not installed (apt package postgresql)")
    run_as: dict[str, object] = {}  # user= / group= for subprocess
    top = Path(tempfile.mkdtemp(prefix="hotfence-pg-"))
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        run_as = {"user": pw.pw_uid, "group": pw.pw_gid}
        os.chown(top, pw.pw_uid, pw.pw_gid)
    datadir, sockdir = top / "data", top / "sock"
    subprocess.run(
        [initdb, "-D", str(datadir), "-U", "hotfence", "--auth=trust", "-E", "UTF8", "--no-sync"],
        check=True,
        capture_output=True,
        **run_as,  # type: ignore[arg-type]
    )
    sockdir.mkdir()
    if run_as:
        os.chown(sockdir, pw.pw_uid, pw.pw_gid)
    port = _free_port()
    log = open(top / "server.log", "wb")  # the server writes it until it is stopped
    proc = subprocess.Popen(
        [postgres, "-D", str(datadir), "-p", str(port), "-h", "127.0.0.1", "-k", str(sockdir),
         "-c", "fsync=off", "-c", "max_connections=200"],
        stdout=log,
        stderr=subprocess.STDOUT,
        preexec_fn=_stop_with_parent,
        **run_as,  # type: ignore[arg-type]
    )  # fmt: skip
    server = PgServer(port, proc, datadir)
    try:
        _wait_ready(server)
        yield server
    finally:
        proc.send_signal(signal.SIGINT)  # "fast" shutdown: end sessions, checkpoint, exit
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()
        shutil.rmtree(top, ignore_errors=True)


def _wait_ready(server: PgServer, timeout: float = 60.0) -> None:
    import psycopg

    deadline = time.monotonic() + timeout
    while True:
        if server.proc.poll() is not None:
            log = (server.datadir.parent / "server.log").read_text(errors="replace")
            raise RuntimeError(f"postgres exited with {server.proc.returncode}:\n{log}")
        try:
            psycopg.connect(server.admin_url, connect_timeout=2).close()
            return
        except psycopg.OperationalError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same store test on a SQLite file and on a fresh PostgreSQL database."""
    if request.param == "sqlite":
        return str(tmp_path / "crashes.sqlite")
    server: PgServer = request.getfixturevalue("pg_server")
    return server.new_database()
