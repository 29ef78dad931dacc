"""The web server of `tutor serve`: the page, the websocket that runs one app per tab, and their limits.

Routes: `/` the page (a start overlay, then the terminal), `/ws` (or `/ws/<token>` with an access
token) the session, `/static/` textual-serve's own files (terminal script, stylesheet, fonts),
`/favicon.svg`. Everything the page needs comes from this server: no web-font service, no CDN.
(textual-serve's `/download/` route is left out: tutor hands no files to the browser.)
"""

from __future__ import annotations

import asyncio
import dataclasses
import hmac
import json
import logging
import socket
from collections.abc import Callable
from pathlib import Path

import jinja2
import textual_serve
from aiohttp import WSMsgType, web
from aiohttp.http_exceptions import HttpProcessingError
from textual_serve.download_manager import DownloadManager

from tutor.i18n import tr
from tutor.web import learner
from tutor.web.origin import ServedHosts
from tutor.web.session import Session
from tutor.web.strings import SERVE_STRINGS

HERE = Path(__file__).resolve().parent
TEXTUAL_SERVE_STATIC = Path(textual_serve.__file__).resolve().parent / "static"
DEFAULT_FONT_SIZE = 16
FONT_SIZES = range(8, 49)
TERMINAL_SIZES = range(10, 1001)
HEARTBEAT = 15.0  # seconds: a tab that vanished without closing its socket is noticed within ~2 of these
# The browser itself refuses anything from elsewhere; inline code is the page's own (the templates).
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
                           "img-src 'self' data:; font-src 'self'; connect-src 'self'; frame-ancestors 'none'; "
                           "base-uri 'none'; form-action 'self'")
MAX_MESSAGE = 64 * 1024  # bytes of one websocket message: a big paste fits, a flood does not
MAX_DEPTH = 3  # brackets deep in a message: ["resize", {"width": 80, "height": 24}] is 2


def _not_malformed_http(record: logging.LogRecord) -> bool:
    """A log filter: a request aiohttp could not parse (it already answered 400) is no error of ours."""
    return not (record.exc_info and isinstance(record.exc_info[1], HttpProcessingError))


REQUEST_LOG = logging.getLogger("tutor.web.requests")
"""aiohttp's per-request error log: a real fault still prints its traceback, a malformed request does not."""
REQUEST_LOG.addFilter(_not_malformed_http)


def _learner(request: web.Request) -> str | None:
    """This browser's learner id from its cookie (tutor.web.learner), if it has a well-formed one."""
    return learner.learner_id(request.cookies.get(learner.COOKIE))


def _envelope(text: str) -> list | None:
    """A browser message as `[kind, data]`, or None for anything else (nested too deeply, not JSON...)."""
    if _depth(text) > MAX_DEPTH:
        return None
    try:
        envelope = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return envelope if isinstance(envelope, list) and envelope else None


def _depth(text: str) -> int:
    """How deep the brackets of a JSON text nest (brackets inside strings do not count)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _int_in(value: str | None, allowed: range, default: int) -> int:
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number in allowed else default


class TutorServer:
    """Serves one app process per browser tab, at most `max_sessions` at once.

    `token`: when set, the page and the websocket answer 403 unless the request carries it, or
    the learner cookie's pass this server made with it (tutor.web.learner: a second tab on the bare URL).
    `app_argv`: the command each session runs (the `tutor` app).
    `learners_dir`: when set (a classroom), each browser keeps its progress, settings and saved
    machines in its own folder there, named by a random cookie; otherwise every tab uses the
    same data folder as `tutor` in a terminal.
    `hosts`: the `Host` names it answers to (tutor.web.origin; the loopback names by default);
    a request for another host, or from a web page of another origin, gets 403 (no app starts).
    """

    def __init__(self, *, lang: str, app_argv: list[str], max_sessions: int, token: str | None = None,
                 learners_dir: Path | None = None, hosts: ServedHosts | None = None) -> None:
        self.lang = lang
        self.app_argv = app_argv
        self.max_sessions = max_sessions
        self.token = token
        self.learners_dir = learners_dir
        self.hosts = hosts or ServedHosts()
        self.sessions: set[Session] = set()
        self.sockets: set[web.WebSocketResponse] = set()
        self.download_manager = DownloadManager()  # AppService needs one; it stays empty
        self.templates = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)

    def t(self, key: str, **values: object) -> str:
        return tr(SERVE_STRINGS, key, self.lang, **values)

    # The web application
    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._only_own_origin])
        app.add_routes([
            web.get("/", self.handle_page),
            web.get("/ws", self.handle_websocket),
            web.get("/ws/{token}", self.handle_websocket),
            web.get("/favicon.svg", self.handle_favicon),
            web.static("/static", TEXTUAL_SERVE_STATIC),
        ])
        return app

    @web.middleware
    async def _only_own_origin(self, request: web.Request, handler) -> web.StreamResponse:
        """Every route: 403 for another host's name (DNS rebinding) or another site's page (its Origin)."""
        host = request.headers.get("Host")
        if not (self.hosts.host_ok(host) and self.hosts.origin_ok(request.headers.get("Origin"), host)):
            return self._html("message.html", status=403, title=self.t("page.forbidden.title"),
                              message=self.t("page.foreign"), retry=None)
        return await handler(request)

    def _token_ok(self, given: str | None) -> bool:
        if self.token is None:
            return True
        return given is not None and hmac.compare_digest(given.encode(), self.token.encode())

    def _let_in(self, request: web.Request, given: str | None) -> bool:
        """The page's and the websocket's one rule: the token `given` in the URL, or the learner
        cookie with this server's pass."""
        if self._token_ok(given):
            return True
        return self.token is not None and learner.has_pass(request.cookies.get(learner.COOKIE), self.token)

    def _html(self, template: str, status: int = 200, **context: object) -> web.Response:
        page = self.templates.get_template(template).render(t=self.t, lang=self.lang, **context)
        return web.Response(text=page, status=status, content_type="text/html", headers={
            "Cache-Control": "no-store",  # the URL may hold the access token
            "Referrer-Policy": "no-referrer",
            "Content-Security-Policy": CONTENT_SECURITY_POLICY,
        })

    def _forbidden(self) -> web.Response:
        return self._html("message.html", status=403, title=self.t("page.forbidden.title"),
                          message=self.t("page.forbidden"), retry=None)

    def _full(self) -> web.Response:
        return self._html("message.html", status=503, title=self.t("page.full.title"),
                          message=self.t("page.full", limit=self.max_sessions),
                          retry=self.t("page.try_again"))

    async def handle_page(self, request: web.Request) -> web.Response:
        given = request.query.get("token")
        if not self._let_in(request, given):
            return self._forbidden()
        if len(self.sessions) >= self.max_sessions:
            return self._full()
        scheme = "wss" if request.secure else "ws"
        with_token = self.token is not None and self._token_ok(given)
        path = f"/ws/{self.token}" if with_token else "/ws"  # let in by its cookie: the socket is too
        response = self._html(
            "page.html",
            websocket_url=f"{scheme}://{request.host}{path}",
            font_size=_int_in(request.query.get("fontsize"), FONT_SIZES, DEFAULT_FONT_SIZE),
        )
        if self.learners_dir is not None:
            self._give_cookie(request, response)
        return response

    def _give_cookie(self, request: web.Request, response: web.Response) -> None:
        """The learner cookie, when this browser has none yet or (with the token) no pass from this server."""
        value = request.cookies.get(learner.COOKIE)
        current = learner.learner_id(value)
        if self.token is None:
            fresh = None if current else learner.new_id()
        else:
            fresh = None if learner.has_pass(value, self.token) else \
                learner.value_with_pass(current or learner.new_id(), self.token)
        if fresh is not None:
            response.set_cookie(learner.COOKIE, fresh, max_age=learner.MAX_AGE, path="/", httponly=True,
                                samesite="Strict")

    def _session_env(self, request: web.Request) -> dict[str, str]:
        """TUTOR_DATA_DIR for this browser's own folder (classroom mode), else nothing."""
        if self.learners_dir is None:
            return {}
        folder = _learner(request) or learner.new_id()  # no cookie: a folder for this tab only
        return {"TUTOR_DATA_DIR": str(self.learners_dir / folder)}

    async def handle_favicon(self, _request: web.Request) -> web.FileResponse:
        return web.FileResponse(HERE / "static" / "favicon.svg", headers={"Content-Type": "image/svg+xml"})

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        """One tab's session: start the app, pass keys and screen both ways, end the app with the socket."""
        if not self._let_in(request, request.match_info.get("token")):
            return self._forbidden()
        if len(self.sessions) >= self.max_sessions:
            return self._full()
        websocket = web.WebSocketResponse(heartbeat=HEARTBEAT, max_msg_size=MAX_MESSAGE)
        if not websocket.can_prepare(request).ok:
            raise web.HTTPBadRequest(text="a websocket upgrade is expected here")
        session = Session(
            self.app_argv,
            env=self._session_env(request),
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.sessions.add(session)  # counted before the first await, so the limit holds under a rush
        self.sockets.add(websocket)
        try:
            await websocket.prepare(request)
            await session.start(
                _int_in(request.query.get("width"), TERMINAL_SIZES, 80),
                _int_in(request.query.get("height"), TERMINAL_SIZES, 24),
            )
            await self._relay(websocket, session)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            await session.stop()
            self.sessions.discard(session)
            self.sockets.discard(websocket)
            if websocket.prepared:
                await websocket.close()
        return websocket

    @staticmethod
    async def _relay(websocket: web.WebSocketResponse, session: Session) -> None:
        """Pass the browser's messages to the app until the socket closes; malformed ones are dropped."""
        async for message in websocket:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = _envelope(message.data)
            if envelope is None:
                continue
            kind, data = envelope[0], envelope[1] if len(envelope) > 1 else None
            if kind == "stdin" and isinstance(data, str):
                try:
                    keys = data.encode("utf-8")
                except UnicodeEncodeError:  # a lone surrogate ("\\ud800") is no text a keyboard types
                    continue
                await session.send_bytes(keys)
            elif kind == "resize" and isinstance(data, dict):
                width = _int_in(str(data.get("width")), TERMINAL_SIZES, 0)
                height = _int_in(str(data.get("height")), TERMINAL_SIZES, 0)
                if width and height:
                    await session.set_terminal_size(width, height)
            elif kind == "ping" and isinstance(data, str):
                await websocket.send_json(["pong", data])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    # Running and stopping
    async def run(self, sock: socket.socket, stop: asyncio.Event, on_ready: Callable[[], None]) -> int:
        """Serve on the bound `sock` until `stop` is set; then end every session. Returns how many were open."""
        self.hosts = dataclasses.replace(self.hosts, port=sock.getsockname()[1])
        runner = web.AppRunner(self.make_app(), handle_signals=False, access_log=None, logger=REQUEST_LOG)
        await runner.setup()
        await web.SockSite(runner, sock).start()
        on_ready()
        await stop.wait()
        open_sessions = len(self.sessions)
        await asyncio.gather(*(session.stop() for session in list(self.sessions)), return_exceptions=True)
        await asyncio.gather(*(ws.close() for ws in list(self.sockets)), return_exceptions=True)
        await runner.cleanup()
        return open_sessions
