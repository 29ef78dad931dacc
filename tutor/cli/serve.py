"""`tutor serve`: check the arguments, bind the port, print the URL, serve until Ctrl+C."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import secrets
import signal
import socket
import sys

from tutor.i18n import tr
from tutor.paths import user_data_dir
from tutor.web.listen import CannotListen, is_loopback, listening_socket, shown_origin
from tutor.web.origin import allowed_name
from tutor.web import DEFAULT_MAX_SESSIONS
from tutor.web.strings import SERVE_STRINGS


STOP_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
"""Ctrl+C, `kill`, and the terminal closing: each stops the server and ends every session cleanly."""


MAX_ALLOWED_HOSTS = 20
"""More `--allow-host` names than a few reverse proxies would need is a mistake, not a setup."""


class _Refused(Exception):
    """A reason, already worded for the user, why the server cannot start (exit 2)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor serve` (help texts: the [cli] catalogue, keys "serve.*")."""
    serve = sub.add_parser("serve")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR")
    serve.add_argument("--host", dest="bind", default=argparse.SUPPRESS, help=argparse.SUPPRESS)  # its old name
    serve.add_argument("--allow-host", action="append", default=[], metavar="NAME")
    serve.add_argument("--port", default="8000", metavar="P")
    serve.add_argument("--public", action="store_true")
    serve.add_argument("--max-sessions", default=str(DEFAULT_MAX_SESSIONS), metavar="N")


def app_argv(args: argparse.Namespace) -> list[str]:
    """The command each browser session runs: this Python's `tutor`, with `--lang` if one was given."""
    argv = [sys.executable, "-m", "tutor"]
    if getattr(args, "lang_explicit", False):
        argv += ["--lang", args.lang]
    return argv


def _port(text: str, lang: str) -> int:
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise _Refused(tr(SERVE_STRINGS, "serve.bad_port", lang, port=text))
    return port


def _max_sessions(text: str, lang: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if not 1 <= value <= 1000:
        raise _Refused(tr(SERVE_STRINGS, "serve.bad_max_sessions", lang, value=text))
    return value


def _allowed_hosts(names: list[str], lang: str) -> tuple[str, ...]:
    """The `--allow-host` names, each checked (tutor.web.origin.allowed_name), or _Refused."""
    allowed: list[str] = []
    for name in names[:MAX_ALLOWED_HOSTS + 1]:
        host = allowed_name(name)
        if host is None or len(allowed) == MAX_ALLOWED_HOSTS:
            raise _Refused(tr(SERVE_STRINGS, "serve.bad_allow_host", lang, name=name[:100]))
        allowed.append(host)
    return tuple(allowed)


def _bind(host: str, port: int, lang: str) -> socket.socket:
    """A listening socket on host:port, or _Refused with the system's reason in one line."""
    try:
        return listening_socket(host, port)
    except CannotListen as exc:
        raise _Refused(tr(SERVE_STRINGS, "serve.cannot_listen", lang, address=exc.address, reason=exc.reason)) from None


def _url(sock: socket.socket, host: str, token: str | None) -> str:
    return shown_origin(sock, host) + "/" + (f"?token={token}" if token else "")


def run(args: argparse.Namespace) -> int:
    """Entry point of `tutor serve`; returns the exit code."""
    lang = args.lang
    try:
        port = _port(args.port, lang)
        max_sessions = _max_sessions(args.max_sessions, lang)
        allowed = _allowed_hosts(args.allow_host, lang)
        if not args.public and not is_loopback(args.bind):
            raise _Refused(tr(SERVE_STRINGS, "serve.needs_public", lang, host=args.bind))
        sock = _bind(args.bind, port, lang)
    except _Refused as exc:
        print(exc, file=sys.stderr)
        return 2

    from tutor.web.origin import ServedHosts
    from tutor.web.server import TutorServer  # aiohttp and textual-serve: only once the port is ours

    token = secrets.token_urlsafe(24) if args.public else None
    learners_dir = user_data_dir() / "serve" if args.public else None  # a classroom: one folder per browser
    server = TutorServer(lang=lang, app_argv=app_argv(args), max_sessions=max_sessions, token=token,
                         learners_dir=learners_dir, hosts=ServedHosts.for_bind(args.bind, sock.getsockname()[1], allowed))
    url = _url(sock, args.bind, token)

    def ready() -> None:
        if args.public:
            address = f"{args.bind}:{sock.getsockname()[1]}"
            print(tr(SERVE_STRINGS, "serve.public_warning", lang, address=address), file=sys.stderr, flush=True)
            print(tr(SERVE_STRINGS, "serve.learners", lang, folder=learners_dir), flush=True)
        print(tr(SERVE_STRINGS, "serve.listening", lang, url=url, max_sessions=max_sessions), flush=True)

    async def serve() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        return await server.run(sock, stop, ready)

    closed = asyncio.run(serve())
    with contextlib.suppress(OSError):  # after SIGHUP the terminal may be gone
        print(tr(SERVE_STRINGS, "serve.stopped", lang, count=closed), flush=True)
    return 0
