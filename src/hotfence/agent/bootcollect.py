"""The agent's crash collection: ``hotfence collect`` once per boot, when it has a store.

Collection runs as a child process (the same ``hotfence collect`` the systemd unit
runs), so that analysing a damaged vmcore (drgn, libkdumpfile) can neither crash the
agent nor grow its memory; the store URL goes to the child in $HOTFENCE_DB, never on a
command line that ``ps`` shows. The kernel's boot id is remembered with the store it was
collected into, so an agent restarted within a boot does not read /var/crash and pstore
again; the store's own deduplication keeps a crash counted once even when it does (the
state file lost, or the agent and hotfence-collect.service both running).

A store that cannot be reached (exit status 3: the network or the database is not up
yet at boot) is retried with backoff for as long as the agent runs; any other failure
is logged and counted, and the boot is not tried again by this agent process.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

from hotfence.store.engine import StoreError, default_path, resolve

log = logging.getLogger("hotfence.agent")
BOOT_ID = Path("/proc/sys/kernel/random/boot_id")
# `hotfence collect`'s exit statuses (hotfence.fleet.collect_cli) that the agent tells
# apart: a source (a vmcore) not analysed, the others stored; the store not writable.
EXIT_SOURCE = 2
EXIT_STORE = 3
RETRY_FIRST = 30.0  # seconds before the first retry of an unreachable store
RETRY_MAX = 900.0


def state_path() -> Path:
    """Beside the default store: $XDG_DATA_HOME/hotfence/agent-collected.json."""
    return default_path().parent / "agent-collected.json"


@dataclass
class CollectStats:
    runs: int = 0  # `hotfence collect` runs started
    errors: int = 0  # runs that failed (each is in the log)
    found: int = 0  # crash reports found in the sources
    stored: int = 0  # of those, new to the store
    skipped: int = 0  # starts that found this boot already collected
    done: bool = False  # this boot's crashes are in the store
    last_error: str = ""


@dataclass
class BootCollector:
    db: str  # --db / $HOTFENCE_DB: a path or a postgresql:// URL
    collect_args: list[str] = field(default_factory=list)  # --crash-dir ... for the child
    state: Path = field(default_factory=state_path)
    boot_id_path: Path = BOOT_ID
    stats: CollectStats = field(default_factory=CollectStats)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _key(self) -> dict[str, str]:
        """What a finished collection is remembered by: this boot, this store."""
        try:
            boot_id = self.boot_id_path.read_text().strip()
        except OSError as exc:
            log.warning("collect: no boot id (%s): collecting at every start", exc)
            boot_id = ""
        return {"boot_id": boot_id, "store": resolve(self.db).display}

    def _already(self, key: dict[str, str]) -> bool:
        if not key["boot_id"]:
            return False  # nothing to compare: collect (deduplication keeps it harmless)
        try:
            return bool(json.loads(self.state.read_text()) == key)
        except (OSError, ValueError):
            return False

    def _remember(self, key: dict[str, str]) -> None:
        try:
            self.state.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state.with_name(self.state.name + ".tmp")
            tmp.write_text(json.dumps(key) + "\n")
            tmp.replace(self.state)
        except OSError as exc:
            # Not fatal: the next start collects again, and the store counts nothing twice.
            log.warning("collect: cannot record boot %s in %s: %s", key["boot_id"], self.state, exc)

    def _fail(self, why: str) -> None:
        with self.lock:
            self.stats.errors += 1
            self.stats.last_error = why
        log.error("collect: %s", why)

    def run_once(self, stop: threading.Event) -> int | None:
        """One ``hotfence collect`` run; its exit status (None: stopped, or not started)."""
        with self.lock:
            self.stats.runs += 1
        env = dict(os.environ, HOTFENCE_DB=self.db)
        # -o json: the counts are read from the document, not from the sentence for people.
        argv = [sys.executable, "-m", "hotfence", "collect", "-o", "json", *self.collect_args]
        try:
            child = subprocess.Popen(
                argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
            )
        except OSError as exc:
            self._fail(f"cannot start {' '.join(argv)}: {exc}")
            return None
        piped: list[tuple[str, str]] = []
        reader = threading.Thread(target=lambda: piped.append(child.communicate()), daemon=True)
        reader.start()
        while reader.is_alive():
            if stop.wait(0.2):
                child.terminate()
                try:
                    child.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    child.kill()
                    child.wait()
                return None
        out, err = piped[0]
        for line in err.splitlines():
            log.info("collect: %s", line.removeprefix("hotfence collect: "))
        try:
            summary = json.loads(out) if out.strip() else None
        except ValueError:
            summary = None
            log.warning("collect: output is not JSON: %s", out[:200])
        if isinstance(summary, dict):
            for source in summary.get("sources", []):
                log.info(
                    "collect: %s %s: %s found, %s new",
                    source.get("kind"), source.get("path"), source.get("found"), source.get("new"),
                )  # fmt: skip
            with self.lock:
                self.stats.found += int(summary.get("found", 0))
                self.stats.stored += int(summary.get("new", 0))
        return child.returncode

    def run(self, stop: threading.Event) -> None:
        """Collect this boot's crashes once (see the module's docstring)."""
        try:
            key = self._key()
        except StoreError as exc:
            self._fail(str(exc))
            return
        if self._already(key):
            with self.lock:
                self.stats.skipped += 1
                self.stats.done = True
            log.info(
                "collect: boot %s already collected into %s (%s)",
                key["boot_id"],
                key["store"],
                self.state,
            )
            return
        delay = RETRY_FIRST
        while not stop.is_set():
            rc = self.run_once(stop)
            if rc is None:
                return
            if rc in (0, EXIT_SOURCE):
                if rc == EXIT_SOURCE:
                    self._fail("a source could not be analysed (above); the others are stored")
                with self.lock:
                    self.stats.done = True
                if key["boot_id"]:
                    self._remember(key)
                return
            if rc != EXIT_STORE:
                self._fail(f"hotfence collect exited with status {rc}; not retried until restart")
                return
            self._fail(f"the store {key['store']} cannot be written; retrying in {delay:.0f} s")
            if stop.wait(delay):
                return
            delay = min(delay * 2, RETRY_MAX)

    def start(self, stop: threading.Event) -> threading.Thread:
        t = threading.Thread(target=self.run, args=(stop,), name="collect", daemon=True)
        t.start()
        return t
