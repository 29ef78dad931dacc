"""The class server of `tutor class serve`: the HTTP API, the board page, and their limits.

Routes (API documented in README.md, section "A class"):
- `GET /` the board page (instructor token in `?token=`), `GET /join` a page telling learners what to run;
- `POST /api/v1/events` (join token) a learner's events, `GET /api/v1/pushes?after=N` (join token)
  what the instructor pushed since N;
- `GET /api/v1/board`, `GET /api/v1/catalog`, `GET /api/v1/export.csv`, `GET /api/v1/export.json`,
  `POST /api/v1/push`, `POST /api/v1/settings` (instructor token).
Tokens come as `Authorization: Bearer ...` (the pages take `?token=`); a wrong or missing one is a 403
and nothing is stored. The board page loads nothing from elsewhere (CSP 'self').
"""

from __future__ import annotations

import asyncio
import csv
import hmac
import io
import json
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from tutor.classroom import events as ev
from tutor.classroom.board import board, export
from tutor.classroom.store import Store
from tutor.i18n import LANGUAGES, catalogue, tr

HERE = Path(__file__).resolve().parent
FAVICON = HERE.parent / "web" / "static" / "favicon.svg"  # tutor's one icon
TEXT = "classroom"
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
MAX_LEARNER_EVENTS = 50_000
REQUEST_RATE, REQUEST_BURST = 10.0, 40.0  # per learner: requests per second, and the burst allowed
EVENT_RATE, EVENT_BURST = 50.0, 1000.0  # per learner: events per second, and the burst (a backlog)
MAX_PUSH_TEXT = 200


class Bucket:
    """A token bucket: `take(n)` is False when more than the rate allows."""

    def __init__(self, rate: float, burst: float) -> None:
        self.rate, self.burst, self.level, self.at = rate, burst, burst, time.monotonic()

    def take(self, n: float = 1.0) -> bool:
        now = time.monotonic()
        self.level = min(self.burst, self.level + (now - self.at) * self.rate)
        self.at = now
        if self.level < n:
            return False
        self.level -= n
        return True


class ClassServer:
    """One class: a Store, the lessons the board shows, and the per-learner limits."""

    def __init__(self, store: Store, *, lang: str, title: str, lessons: dict[str, list[dict[str, Any]]],
                 scenarios: list[str], max_learners: int) -> None:
        """`lessons`: the lesson catalogue (tutor.classroom.board.lesson_catalog) in each language."""
        self.store = store
        self.lang = lang
        self.title = title
        self.lessons_in = lessons
        self.lessons = lessons[lang]
        self.scenarios = scenarios
        self.max_learners = max_learners
        self.limits: dict[str, tuple[Bucket, Bucket]] = {}
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)

    def t(self, key: str, lang: str | None = None, **values: object) -> str:
        return tr(TEXT, key, lang or self.lang, **values)

    def make_app(self) -> web.Application:
        app = web.Application(client_max_size=ev.MAX_BODY)
        app.add_routes([
            web.get("/", self.handle_board_page),
            web.get("/join", self.handle_join_page),
            web.get("/static/{name}", self.handle_static),
            web.get("/favicon.svg", self.handle_favicon),
            web.post("/api/v1/events", self.handle_events),
            web.get("/api/v1/pushes", self.handle_pushes),
            web.get("/api/v1/board", self.handle_board),
            web.get("/api/v1/catalog", self.handle_catalog),
            web.get("/api/v1/export.csv", self.handle_export_csv),
            web.get("/api/v1/export.json", self.handle_export_json),
            web.post("/api/v1/push", self.handle_push),
            web.post("/api/v1/settings", self.handle_settings),
        ])
        return app

    # Tokens
    @staticmethod
    def _same(given: str | None, token: str) -> bool:
        return given is not None and hmac.compare_digest(given.encode(), token.encode())

    def _bearer(self, request: web.Request, token: str) -> bool:
        header = request.headers.get("Authorization", "")
        return header.startswith("Bearer ") and self._same(header[7:].strip(), token)

    def _forbidden(self) -> web.Response:
        return _error(403, "wrong or missing token")

    # Pages
    def _page_lang(self, request: web.Request) -> str:
        lang = request.query.get("lang", self.lang)
        return lang if lang in LANGUAGES else self.lang

    def _html(self, template: str, lang: str, status: int = 200, **context: object) -> web.Response:
        page = self.templates.get_template(template).render(
            t=lambda key, **v: self.t(key, lang, **v), lang=lang, title=self.title, **context)
        return web.Response(text=page, status=status, content_type="text/html", headers=_page_headers())

    async def handle_board_page(self, request: web.Request) -> web.Response:
        lang = self._page_lang(request)
        if not self._same(request.query.get("token"), self.store.tokens.instructor):
            return self._html("message.html", lang, 403, message=self.t("page.forbidden", lang))
        strings = {key[6:]: value for key, value in catalogue(lang).get(TEXT, {}).items() if key.startswith("board.")}
        return self._html("board.html", lang, strings=strings)

    async def handle_join_page(self, request: web.Request) -> web.Response:
        lang = self._page_lang(request)
        if not self._same(request.query.get("token"), self.store.tokens.join):
            return self._html("message.html", lang, 403, message=self.t("page.forbidden", lang))
        return self._html("message.html", lang, message=self.t("page.join", lang), command=f"tutor --join {request.url}")

    async def handle_static(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        if name not in ("class.js", "class.css"):
            raise web.HTTPNotFound()
        kind = "text/javascript" if name.endswith(".js") else "text/css"
        return web.FileResponse(HERE / "static" / name, headers={"Content-Type": kind, "Cache-Control": "no-cache"})

    async def handle_favicon(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(FAVICON, headers={"Content-Type": "image/svg+xml"})

    # Learners
    async def handle_events(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.join):
            return self._forbidden()
        body = await _json(request)
        if isinstance(body, web.Response):
            return body
        now = time.time()
        try:
            learner_id, name, events = ev.batch(body, now)
        except ev.Invalid as exc:
            return _error(400, str(exc))
        if not self.store.has_learner(learner_id) and self.store.learner_count() >= self.max_learners:
            return _error(503, f"the class is full ({self.max_learners} learners)")
        requests, event_budget = self.limits.setdefault(
            learner_id, (Bucket(REQUEST_RATE, REQUEST_BURST), Bucket(EVENT_RATE, EVENT_BURST)))
        if not requests.take() or not event_budget.take(len(events)):
            return _error(429, "too many events; try again in a few seconds", {"Retry-After": "2"})
        if self.store.events_of_learner(learner_id) + len(events) > MAX_LEARNER_EVENTS:
            return _error(413, f"this learner has sent the most events a class keeps ({MAX_LEARNER_EVENTS})")
        stored = self.store.add_events(learner_id, name, events, now)
        return web.json_response({"stored": stored, "push": self.store.latest_push_seq()})

    async def handle_pushes(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.join):
            return self._forbidden()
        try:
            after = int(request.query.get("after", "-1"))
        except ValueError:
            return _error(400, "after must be a number")
        latest = self.store.latest_push_seq()
        pushes = [] if after < 0 else self.store.pushes_after(after)
        return web.json_response({"latest": latest, "pushes": pushes, "title": self.title})

    # Instructor
    async def handle_board(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.instructor):
            return self._forbidden()
        lessons = self.lessons_in.get(request.query.get("lang", ""), self.lessons)
        return web.json_response(board(self.store, lessons, request.query.get("lesson"), time.time()),
                                 headers={"Cache-Control": "no-store"})

    async def handle_catalog(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.instructor):
            return self._forbidden()
        lessons = self.lessons_in.get(request.query.get("lang", ""), self.lessons)
        return web.json_response({"title": self.title, "lessons": lessons, "scenarios": self.scenarios,
                                  "stuck_minutes": self.store.stuck_minutes})

    async def handle_export_json(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.instructor):
            return self._forbidden()
        return web.json_response({"title": self.title, "learners": export(self.store)}, headers={
            "Content-Disposition": 'attachment; filename="class.json"'})

    async def handle_export_csv(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.instructor):
            return self._forbidden()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["learner", "name", "steps_done", "steps", "checks_passed", "answers_right",
                         "answers", "drills"])
        for row in export(self.store):
            writer.writerow([
                row["id"], _cell(row["name"]), len(row["steps_done"]),
                " ".join(f"{s['lesson']}/{s['step']}@{s['at']}" for s in row["steps_done"]),
                len(row["checks_passed"]), sum(1 for a in row["answers"] if a["right"]), len(row["answers"]),
                " ".join(f"{_cell(d['drill'])}:{_cell(d['outcome'])}" for d in row["drills"]),
            ])
        return web.Response(text=out.getvalue(), content_type="text/csv", headers={
            "Content-Disposition": 'attachment; filename="class.csv"'})

    async def handle_push(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.instructor):
            return self._forbidden()
        body = await _json(request)
        if isinstance(body, web.Response):
            return body
        try:
            kind, data = self._push(body)
        except ev.Invalid as exc:
            return _error(400, str(exc))
        return web.json_response(self.store.add_push(kind, data))

    def _push(self, body: Any) -> tuple[str, dict[str, Any]]:
        if not isinstance(body, dict):
            raise ev.Invalid("the body must be a JSON object with kind")
        kind = body.get("kind")
        if kind == "step":
            lesson, step = ev.text(body.get("lesson"), "lesson"), ev.text(body.get("step"), "step")
            known = next((item for item in self.lessons if item["id"] == lesson), None)
            if known is None or step not in {s["id"] for s in known["steps"]}:
                raise ev.Invalid("no such lesson and step")
            return kind, {"lesson": lesson, "step": step}
        if kind == "scenario":
            scenario = ev.text(body.get("scenario"), "scenario")
            if scenario not in self.scenarios:
                raise ev.Invalid("no such scenario")
            return kind, {"scenario": scenario}
        if kind == "broadcast":
            return kind, {"text": ev.text(body.get("text"), "text", MAX_PUSH_TEXT, empty=True)}
        raise ev.Invalid("kind must be step, scenario or broadcast")

    async def handle_settings(self, request: web.Request) -> web.Response:
        if not self._bearer(request, self.store.tokens.instructor):
            return self._forbidden()
        body = await _json(request)
        if isinstance(body, web.Response):
            return body
        minutes = body.get("stuck_minutes") if isinstance(body, dict) else None
        if isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 1 <= minutes <= 240:
            return _error(400, "stuck_minutes must be a number from 1 to 240")
        self.store.put("stuck_minutes", str(float(minutes)))
        return web.json_response({"stuck_minutes": self.store.stuck_minutes})

    # Running
    async def run(self, sock: socket.socket, stop: asyncio.Event, on_ready: Callable[[], None]) -> None:
        """Serve on the bound `sock` until `stop` is set."""
        runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        on_ready()
        await stop.wait()
        await runner.cleanup()


def _page_headers() -> dict[str, str]:
    return {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY, "X-Content-Type-Options": "nosniff"}


def _error(status: int, message: str, headers: dict[str, str] | None = None) -> web.Response:
    return web.json_response({"error": message}, status=status, headers=headers)


async def _json(request: web.Request) -> Any:
    """The request's JSON body, or an error response (too big, not JSON)."""
    try:
        raw = await request.read()
    except web.HTTPRequestEntityTooLarge:
        return _error(413, f"the body is larger than {ev.MAX_BODY} bytes")
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        return _error(400, "the body is not JSON")


def _cell(value: str) -> str:
    """A CSV cell that a spreadsheet will not run as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
