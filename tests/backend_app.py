"""A small real HTTP app server for tests: stands in for the learner's `npm start` app on a VM.

Run as a separate process (so tests can stop it by pid, like Ctrl-C on a VM):

    python tests/backend_app.py --host 127.0.0.2 --port 3000 --name app1 [--mode ok]

Modes: ok (200 with an HTML page naming the app, like the DumbSound page), status (answers --status),
hang (accepts, reads the request and never answers), slow (waits --delay seconds first).
Hostile modes (for live-check tests): evil (terminal control sequences and Rich markup in the
Server/X-Upstream headers and the page title), huge (a 64 MiB body, sent as fast as possible),
trickle (headers at once, then the body one byte every --delay seconds), garbage (answers with
an SSH banner instead of HTTP, as if another program owned the port).
Each answer carries `X-App: <name>`. Every request is appended to --log as `<name> <method> <path>`.
"""

from __future__ import annotations

import argparse
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PAGE = (
    "<!doctype html><html><head><title>DumbPlay - Bootcamp DevOps</title></head>"
    "<body><h1>Connect on DumbSound</h1><p>served by {name}</p></body></html>"
)


# Control sequences (7-bit ESC and 8-bit C1 CSI), a bidi override and Rich markup.
EVIL_TITLE = "\x1b]0;pwned\x07\x1b[2J\x1b[31m[bold red]HACKED[/bold red] \u202e\u009b5m[link=http://evil]x[/link]"
EVIL_HEADER = "nginx \u009b2J[bold red]HACKED[/] \u202eevil"
HUGE_SIZE = 64 * 1024 * 1024


def make_handler(opts: argparse.Namespace) -> type[BaseHTTPRequestHandler]:
    log_lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
            return

        def _record(self) -> None:
            if opts.log:
                with log_lock, open(opts.log, "a", encoding="utf-8") as fh:
                    fh.write(f"{opts.name} {self.command} {self.path}\n")

        def _answer(self) -> None:
            self._record()
            length = int(self.headers.get("Content-Length") or 0)
            if length:
                self.rfile.read(length)
            if opts.mode == "hang":
                time.sleep(3600)
                return
            if opts.mode in HOSTILE:
                self.close_connection = True
                HOSTILE[opts.mode](self)
                return
            if opts.mode == "slow":
                time.sleep(opts.delay)
            status = opts.status if opts.mode == "status" else 200
            body = PAGE.format(name=opts.name).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-App", opts.name)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        do_GET = do_POST = do_HEAD = _answer

        def _raw_head(self, headers: list[tuple[str, str]]) -> None:
            lines = ["HTTP/1.1 200 OK", *(f"{name}: {value}" for name, value in headers), "", ""]
            self.wfile.write("\r\n".join(lines).encode("utf-8"))
            self.wfile.flush()

        def evil(self) -> None:
            body = f"<html><head><title>{EVIL_TITLE}</title></head><body>{EVIL_TITLE}</body></html>".encode()
            self._raw_head([("Server", EVIL_HEADER), ("X-Upstream", f"[blink]{opts.name}[/blink]\u009b"),
                            ("X-App", opts.name), ("Content-Type", "text/html"),
                            ("Content-Length", str(len(body)))])
            self.wfile.write(body)

        def huge(self) -> None:
            self._raw_head([("Server", "nginx"), ("Content-Type", "text/html"),
                            ("Content-Length", str(HUGE_SIZE))])
            chunk = b"<p>" + b"A" * 65533
            try:
                for _ in range(HUGE_SIZE // len(chunk)):
                    self.wfile.write(chunk)
            except OSError:
                return

        def trickle(self) -> None:
            self._raw_head([("Server", "nginx"), ("Content-Type", "text/html"),
                            ("Content-Length", "100000")])
            try:
                for _ in range(100000):
                    self.wfile.write(b"A")
                    self.wfile.flush()
                    time.sleep(opts.delay)
            except OSError:
                return

        def garbage(self) -> None:
            self.wfile.write(b"SSH-2.0-OpenSSH_8.9p1 Ubuntu-3ubuntu0.1\r\n")

    HOSTILE = {"evil": Handler.evil, "huge": Handler.huge, "trickle": Handler.trickle,
               "garbage": Handler.garbage}
    return Handler


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--name", required=True)
    parser.add_argument("--mode", default="ok", choices=["ok", "status", "hang", "slow", "evil", "huge", "trickle", "garbage"])
    parser.add_argument("--status", type=int, default=500)
    parser.add_argument("--delay", type=float, default=1.0)
    parser.add_argument("--log")
    opts = parser.parse_args()
    server = ThreadingHTTPServer((opts.host, opts.port), make_handler(opts))
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
