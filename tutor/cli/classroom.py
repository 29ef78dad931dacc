"""`tutor class serve`: check the arguments, open the class's store, bind, print both URLs, serve."""

from __future__ import annotations

import argparse
import socket
import sys

from tutor.i18n import LANGUAGES, tr
from tutor.paths import user_data_dir
from tutor.web.listen import CannotListen, is_loopback, listening_socket, shown_origin

TEXT = "classroom"
DEFAULT_MAX_LEARNERS = 200
DEFAULT_PORT = 8100


class _Refused(Exception):
    """A reason, already worded for the user, why the class cannot start (exit 2)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    """Add `tutor class serve ...` (help texts: the [cli] catalogue, keys "class.*")."""
    klass = sub.add_parser("class")
    actions = klass.add_subparsers(dest="class_command", metavar="ACTION", required=True)
    serve = actions.add_parser("serve")
    serve.add_argument("--bind", default="127.0.0.1", metavar="ADDR")
    serve.add_argument("--port", default=str(DEFAULT_PORT), metavar="P")
    serve.add_argument("--public", action="store_true")
    serve.add_argument("--title", default="", metavar="T")
    serve.add_argument("--max-learners", default=str(DEFAULT_MAX_LEARNERS), metavar="N")


def _number(text: str, low: int, high: int, key: str, lang: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = low - 1
    if not low <= value <= high:
        raise _Refused(tr(TEXT, key, lang, value=text))
    return value


def _bind(host: str, port: int, lang: str) -> socket.socket:
    try:
        return listening_socket(host, port, backlog=512)
    except CannotListen as exc:
        raise _Refused(tr(TEXT, "serve.cannot_listen", lang, address=exc.address, reason=exc.reason)) from None


def run(args: argparse.Namespace) -> int:
    """Entry point of `tutor class serve`; returns the exit code."""
    import asyncio
    import signal


    lang = args.lang
    title = args.title.strip() or tr(TEXT, "serve.default_title", lang)
    try:
        port = _number(args.port, 0, 65535, "serve.bad_port", lang)
        max_learners = _number(args.max_learners, 1, 10_000, "serve.bad_max_learners", lang)
        if len(title) > 80 or not title.isprintable():
            raise _Refused(tr(TEXT, "serve.bad_title", lang))
        if not args.public and not is_loopback(args.bind):
            raise _Refused(tr(TEXT, "serve.needs_public", lang, host=args.bind))
        sock = _bind(args.bind, port, lang)
    except _Refused as exc:
        print(exc, file=sys.stderr)
        return 2

    from tutor.classroom.board import lesson_catalog
    from tutor.classroom.server import ClassServer
    from tutor.classroom.store import Store
    from tutor.paths import shipped_scenarios

    folder = user_data_dir() / "class"
    try:
        store = Store(folder)
    except Exception as exc:  # sqlite3.Error, OSError: a folder we cannot write, a file that is no database
        sock.close()
        print(tr(TEXT, "serve.bad_store", lang, folder=folder, reason=str(exc)), file=sys.stderr)
        return 2
    server = ClassServer(store, lang=lang, title=title, lessons={code: lesson_catalog(code) for code in LANGUAGES},
                         scenarios=shipped_scenarios(), max_learners=max_learners)
    origin = shown_origin(sock, args.bind)

    def ready() -> None:
        if args.public:
            address = f"{args.bind}:{sock.getsockname()[1]}"
            print(tr(TEXT, "serve.public_warning", lang, address=address), file=sys.stderr, flush=True)
        print(tr(TEXT, "serve.title", lang, title=title, folder=folder), flush=True)
        print(tr(TEXT, "serve.join_url", lang, url=f"{origin}/join?token={store.tokens.join}"), flush=True)
        print(tr(TEXT, "serve.board_url", lang, url=f"{origin}/?token={store.tokens.instructor}"), flush=True)

    async def serve() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await server.run(sock, stop, ready)

    try:
        asyncio.run(serve())
    finally:
        store.close()
    print(tr(TEXT, "serve.stopped", lang), flush=True)
    return 0
