"""The fleet end to end with real components: `hotfence triage --db postgresql://...` from two
host identities, `hotfence serve` as a real server on loopback, Debian's chromium driven by
Playwright, and schemathesis fuzzing the server's OpenAPI document."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from corpus import syz_log

ALG = "KASAN: use-after-free Read in aead_recvmsg"
RDS = "WARNING in rds_rdma_extra_size"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Screenshots are kept here for a person to look at (set to keep them past the test run).
SHOTS = Path(os.environ["HOTFENCE_SCREENSHOTS"]) if os.environ.get("HOTFENCE_SCREENSHOTS") else None


def hotfence() -> str:
    return str(Path(sys.executable).with_name("hotfence"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def served(pg_server, tmp_path_factory) -> Iterator[str]:
    """A PostgreSQL store written by two hosts' triage runs, served on loopback."""
    db = pg_server.new_database()
    logs = tmp_path_factory.mktemp("logs")
    (logs / "alg.log").write_text(syz_log("130"))
    (logs / "rds.log").write_text(syz_log("575"))
    for host, files in (("node-a", ["alg.log", "rds.log"]), ("node-b", ["alg.log"])):
        r = subprocess.run(
            [hotfence(), "triage", "--db", db, "--host-id", host, *(str(logs / f) for f in files)],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert r.returncode == 0, r.stderr
    port = free_port()
    proc = subprocess.Popen(
        [hotfence(), "serve", "--db", db, "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"serve exited {proc.returncode}: {proc.stderr.read()}")
            try:
                if httpx.get(f"{base}/api/groups", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("hotfence serve did not answer within 60 s")
            time.sleep(0.1)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def test_serve_listens_on_loopback_only(served):
    port = int(served.rsplit(":", 1)[1])
    out = subprocess.run(["ss", "-Hltn", f"sport = :{port}"], capture_output=True, text=True)
    assert out.stdout.split()[3] == f"127.0.0.1:{port}"


def test_two_hosts_one_group_in_a_real_browser(served, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium not installed (apt package chromium)")
    from playwright.sync_api import sync_playwright

    shots = SHOTS or tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    errors: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(served + "/")

        rows = page.locator("#groups tr.group")
        assert rows.count() == 2
        alg_row = rows.filter(has_text=ALG)
        assert "2: node-a, node-b" in alg_row.inner_text()
        assert "af-alg-crash" in alg_row.inner_text()
        bars = page.locator("#daily-chart rect.bar")
        assert bars.count() >= 2
        box = page.locator("#daily-chart").bounding_box()
        assert box is not None and box["width"] > 100 and box["height"] > 100
        assert all(bars.nth(i).bounding_box()["height"] > 0 for i in range(bars.count()))
        page.screenshot(path=str(shots / "groups.png"), full_page=True)

        alg_row.get_by_role("link", name=ALG).click()
        page.wait_for_url("**/group?title=*")
        assert page.locator("h1").inner_text() == ALG
        crashes = page.locator("#crashes tr.crash")
        assert crashes.count() == 2
        assert sorted(crashes.nth(i).locator("td").nth(1).inner_text() for i in range(2)) == [
            "node-a",
            "node-b",
        ]
        page.screenshot(path=str(shots / "group.png"), full_page=True)

        crashes.first.get_by_role("link", name="report").click()
        page.wait_for_url("**/crash/*")
        assert page.locator("#report-title").inner_text() == ALG
        assert "aead_recvmsg" in page.locator("#trace").inner_text()
        assert page.locator("#report-text").inner_text().strip()
        page.screenshot(path=str(shots / "report.png"), full_page=True)

        page.locator("p").first.get_by_role("link").first.click()
        page.wait_for_url("**/host/*")
        assert page.locator("#host").inner_text().count("machine-id") == 1
        page.screenshot(path=str(shots / "host.png"), full_page=True)
        browser.close()
    assert errors == []


def test_openapi_fuzzed_by_schemathesis_gives_no_server_error(served, tmp_path):
    st = shutil.which("schemathesis") or str(Path(sys.executable).with_name("schemathesis"))
    r = subprocess.run(
        [st, "run", f"{served}/openapi.json", "--checks", "all", "--max-examples", "30",
         "--seed", "1", "--no-color", "--report-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=600,
    )  # fmt: skip
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    assert "Tested: 6" in r.stdout and "No issues found" in r.stdout, r.stdout[-4000:]
