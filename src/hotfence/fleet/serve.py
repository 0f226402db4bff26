"""`hotfence serve`'s web application: the fleet's crash groups, read-only.

HTML pages (server-side Jinja2 templates, no JavaScript) and a JSON API under /api with
its OpenAPI document at /openapi.json serve the same store queries; /metrics exports
crash counts per group and host for Prometheus. The store is opened read-only (SQLite
`mode=ro`, PostgreSQL `default_transaction_read_only`) and only GET routes exist, so no
request can change it.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import FastAPI, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.templating import Jinja2Templates
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from pydantic import BaseModel
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from hotfence.fleet import chart
from hotfence.fleet.metrics import StoreCollector
from hotfence.store import (
    CrashGroup,
    CrashRow,
    CrashStore,
    DailyCount,
    HostRow,
    StoreError,
)

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).with_name("templates")))
READ_METHODS = {"GET", "HEAD", "OPTIONS"}
MAX_ID = 2**31 - 1  # ids are 32-bit integers on PostgreSQL

Id = Annotated[int, PathParam(ge=1, le=MAX_ID)]
Title = Annotated[str, Query(min_length=1, max_length=4096)]
Limit = Annotated[int, Query(ge=1, le=1000)]


class KnownBugOut(BaseModel):
    bug_id: str
    summary: str
    mitigations: list[str]


class GroupOut(BaseModel):
    title: str
    type: str
    count: int
    first_seen: float
    last_seen: float
    hosts: list[str]
    kernels: list[str]
    known_bugs: list[KnownBugOut]


class CrashOut(BaseModel):
    id: int
    title: str
    type: str
    hostname: str
    host_id: int
    kernel_release: str | None
    source_kind: str
    source_path: str
    seen_at: float
    known_bug_ids: list[str]


class CrashDetailOut(CrashOut):
    report: dict[str, Any]


class HostOut(BaseModel):
    id: int
    hostname: str
    machine_id: str
    kernel_release: str | None
    distribution: str | None
    first_seen: float
    last_seen: float
    crash_count: int


class DailyOut(BaseModel):
    title: str
    day: str  # YYYY-MM-DD, UTC
    count: int


class GroupDetailOut(BaseModel):
    group: GroupOut
    crashes: list[CrashOut]
    daily: list[DailyOut]


class HostDetailOut(BaseModel):
    host: HostOut
    crashes: list[CrashOut]


def _group(g: CrashGroup) -> GroupOut:
    return GroupOut(
        title=g.title,
        type=g.type,
        count=g.count,
        first_seen=g.first_seen,
        last_seen=g.last_seen,
        hosts=g.hosts,
        kernels=g.kernels,
        known_bugs=[KnownBugOut(bug_id=b.bug_id, summary=b.summary, mitigations=list(b.mitigations)) for b in g.known_bugs],
    )  # fmt: skip


def _crash(c: CrashRow) -> CrashOut:
    return CrashOut(
        id=c.id,
        title=c.title,
        type=c.type,
        hostname=c.hostname,
        host_id=c.host_id,
        kernel_release=c.kernel_release,
        source_kind=c.source_kind,
        source_path=c.source_path,
        seen_at=c.seen_at,
        known_bug_ids=c.known_bug_ids,
    )


def _host(h: HostRow) -> HostOut:
    return HostOut(**h.__dict__)


def _report(c: CrashRow) -> dict[str, Any]:
    try:
        value = json.loads(c.report_json or "{}")
    except ValueError:
        return {"text": c.report_json}
    return value if isinstance(value, dict) else {"report": value}


def _title_ok(title: str) -> str:
    # PostgreSQL text cannot hold NUL; no stored title can contain one.
    if "\x00" in title:
        raise HTTPException(404, "no such crash group")
    return title


class Summaries:
    """Fleet-wide summaries (groups, hosts, per-day counts), recomputed only when the store
    changed rather than on every request.

    On 100,000 crashes the group list costs ~0.6 s of queries; crashes arrive far less
    often than the dashboard is read. A cheap version check (highest crash id, hosts'
    last update) runs per request, so a new crash shows on the next page load.
    """

    def __init__(self, store: CrashStore):
        self.store = store
        self.lock = threading.RLock()  # group() computes from groups() under the lock
        self.version: tuple[Any, ...] | None = None
        self.values: dict[str, Any] = {}

    def _get(self, key: str, compute: Callable[[], Any]) -> Any:
        version = self.store.version()
        # One computation at a time: concurrent requests after a change wait for it
        # instead of each running the same scans.
        with self.lock:
            if version != self.version:
                self.values, self.version = {}, version
            if key not in self.values:
                self.values[key] = compute()
            return self.values[key]

    def groups(self) -> list[CrashGroup]:
        result: list[CrashGroup] = self._get("groups", self.store.groups)
        return result

    def group(self, title: str) -> CrashGroup | None:
        by_title: dict[str, CrashGroup] = self._get(
            "by_title", lambda: {g.title: g for g in self.groups()}
        )
        return by_title.get(title)

    def hosts(self) -> list[HostRow]:
        result: list[HostRow] = self._get("hosts", self.store.hosts)
        return result

    def daily(self, title: str | None = None) -> list[DailyCount]:
        counts: list[DailyCount] = self._get("daily", self.store.daily_counts)
        return counts if title is None else [d for d in counts if d.title == title]

    def daily_chart(self, title: str | None = None) -> chart.Chart:
        """The per-day chart of the fleet (or of one group): building the fleet's from
        its ~20,000 (group, day) counts took 40 ms, half of the group list page."""
        key = "chart" if title is None else f"chart:{title}"
        built: chart.Chart = self._get(key, lambda: chart.build(self.daily(title)))
        return built


class ReadOnly(BaseHTTPMiddleware):
    """Refuse every method that could change something, on every path, before routing."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        if request.method not in READ_METHODS:
            return JSONResponse(
                {"detail": "read-only: this server never changes the store"},
                status_code=405,
                headers={"Allow": "GET, HEAD"},
            )
        return await call_next(request)


def create_app(store: CrashStore) -> FastAPI:
    """The application over an open (read-only) store."""
    app = FastAPI(
        title="hotfence fleet crashes",
        version="1",
        description="Crash groups across the fleet, read-only.",
    )
    app.add_middleware(ReadOnly)
    summaries = Summaries(store)
    registry = CollectorRegistry()
    registry.register(StoreCollector(store))

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=503)

    def when(t: float) -> str:
        return dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M")

    TEMPLATES.env.filters["when"] = when
    TEMPLATES.env.filters["q"] = lambda s: quote(str(s), safe="")

    # -- JSON API ------------------------------------------------------------------------

    @app.get("/api/groups", response_model=list[GroupOut])
    def api_groups(limit: Limit = 200) -> list[GroupOut]:
        """Crash groups, most recently seen first."""
        return [_group(g) for g in summaries.groups()[:limit]]

    @app.get("/api/group", response_model=GroupDetailOut, responses={404: {}})
    def api_group(title: Title, limit: Limit = 100) -> GroupDetailOut:
        """One group: its newest crashes and its crashes per day."""
        g = summaries.group(_title_ok(title))
        if g is None:
            raise HTTPException(404, "no such crash group")
        return GroupDetailOut(
            group=_group(g),
            crashes=[_crash(c) for c in store.crashes(title=title, limit=limit)],
            daily=[
                DailyOut(title=d.title, day=chart.day_str(d.day), count=d.count)
                for d in summaries.daily(title)
            ],
        )

    @app.get("/api/crashes/{crash_id}", response_model=CrashDetailOut, responses={404: {}})
    def api_crash(crash_id: Id) -> CrashDetailOut:
        """One crash with its full triage report."""
        c = store.crash(crash_id)
        if c is None:
            raise HTTPException(404, "no such crash")
        return CrashDetailOut(**_crash(c).model_dump(), report=_report(c))

    @app.get("/api/hosts", response_model=list[HostOut])
    def api_hosts() -> list[HostOut]:
        """Every host that stored a crash, most recently seen first."""
        return [_host(h) for h in summaries.hosts()]

    @app.get("/api/hosts/{host_id}", response_model=HostDetailOut, responses={404: {}})
    def api_host(host_id: Id, limit: Limit = 100) -> HostDetailOut:
        """One host and its newest crashes."""
        h = store.host(host_id)
        if h is None:
            raise HTTPException(404, "no such host")
        return HostDetailOut(
            host=_host(h), crashes=[_crash(c) for c in store.crashes(host_id=host_id, limit=limit)]
        )

    @app.get("/api/daily", response_model=list[DailyOut])
    def api_daily() -> list[DailyOut]:
        """Crashes per day (UTC) per group."""
        return [
            DailyOut(title=d.title, day=chart.day_str(d.day), count=d.count)
            for d in summaries.daily()
        ]

    @app.get("/metrics", include_in_schema=False)
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    # -- HTML ----------------------------------------------------------------------------

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def index(request: Request) -> HTMLResponse:
        groups = summaries.groups()[:500]
        return TEMPLATES.TemplateResponse(
            request,
            "index.html",
            {
                "groups": groups,
                "chart": summaries.daily_chart(),
                "hosts": len(summaries.hosts()),
                "total": sum(g.count for g in groups),
            },
        )

    @app.get("/group", response_class=HTMLResponse, include_in_schema=False)
    def group_page(request: Request, title: Title) -> HTMLResponse:
        g = summaries.group(_title_ok(title))
        if g is None:
            raise HTTPException(404, "no such crash group")
        return TEMPLATES.TemplateResponse(
            request,
            "group.html",
            {
                "group": g,
                "crashes": store.crashes(title=title, limit=200),
                "chart": summaries.daily_chart(title),
            },
        )

    @app.get("/crash/{crash_id}", response_class=HTMLResponse, include_in_schema=False)
    def crash_page(request: Request, crash_id: Id) -> HTMLResponse:
        c = store.crash(crash_id)
        if c is None:
            raise HTTPException(404, "no such crash")
        return TEMPLATES.TemplateResponse(
            request,
            "crash.html",
            {"crash": c, "report": _report(c), "group": summaries.group(c.title)},
        )

    @app.get("/host/{host_id}", response_class=HTMLResponse, include_in_schema=False)
    def host_page(request: Request, host_id: Id) -> HTMLResponse:
        h = store.host(host_id)
        if h is None:
            raise HTTPException(404, "no such host")
        return TEMPLATES.TemplateResponse(
            request, "host.html", {"host": h, "crashes": store.crashes(host_id=host_id, limit=500)}
        )

    return app
