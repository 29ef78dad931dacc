"""`tutor serve` against hostile clients, on a real server on loopback (raw sockets and aiohttp):

- another site's page (its `Origin`) or another host name (DNS rebinding) gets no page and no session;
- websocket messages with a lone surrogate, deep nesting or too many bytes are dropped quietly;
- malformed HTTP requests are answered 400 without a traceback on the server's terminal;
- the sessions' apps never outlive the server: SIGHUP stops them cleanly, SIGKILL takes them along.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys

import aiohttp
import pytest
from hypothesis import given
from hypothesis import strategies as st

from serve_support import ServeProcess, alive, wait_for
from test_fuzz import FUZZ
from tutor.web.origin import ServedHosts, split_host
from tutor.web.server import MAX_DEPTH, _depth, _envelope

SESSION_START = 90.0


def raw_request(port: int, request: bytes, host: str = "127.0.0.1") -> bytes:
    """Send `request` as is on a new connection; the first bytes of the answer (the status line)."""
    with socket.create_connection((host, port), timeout=30) as sock:
        sock.sendall(request)
        return first_bytes(sock)


def first_bytes(sock: socket.socket) -> bytes:
    """What the server sends on `sock` up to the end of its status line (or until it closes)."""
    answer = b""
    while b"\r\n" not in answer:
        chunk = sock.recv(4096)
        if not chunk:
            break
        answer += chunk
    return answer


def upgrade(port: int, host_header: str, origin: str | None, path: str = "/ws") -> bytes:
    """A browser's websocket handshake, as bytes (the headers a page's `new WebSocket()` sends)."""
    lines = [f"GET {path}?width=80&height=24 HTTP/1.1", f"Host: {host_header}", "Upgrade: websocket",
             "Connection: Upgrade", "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Version: 13"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def page(port: int, host_header: str, origin: str | None = None) -> bytes:
    lines = ["GET / HTTP/1.1", f"Host: {host_header}", "Connection: close"]
    if origin is not None:
        lines.append(f"Origin: {origin}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def status(answer: bytes) -> int:
    return int(answer.split(b" ", 2)[1])


@pytest.fixture
def server():
    serving = ServeProcess("--lang", "en")
    try:
        yield serving
    finally:
        assert serving.close() == 0
        assert not any("Traceback" in line for line in serving.stdout + serving.stderr), serving.stderr


def test_another_sites_page_and_another_host_name_get_neither_the_page_nor_a_session(server):
    port = int(server.origin.rsplit(":", 1)[1])
    own = f"127.0.0.1:{port}"
    refused = {
        "foreign origin": upgrade(port, own, "http://evil.example"),
        "null origin": upgrade(port, own, "null"),
        "other port": upgrade(port, own, "http://127.0.0.1:1"),
        "rebinding": upgrade(port, f"evil.example:{port}", f"http://evil.example:{port}"),
        "rebinding, no origin": upgrade(port, f"evil.example:{port}", None),
        "page, rebinding": page(port, f"evil.example:{port}"),
        "page, other port": page(port, "127.0.0.1:1"),
        "page, foreign origin": page(port, own, "https://evil.example"),
    }
    for what, request in refused.items():
        answer = raw_request(port, request)
        assert status(answer) == 403, (what, answer[:200])
    assert server.session_pids() == set()  # no refused handshake started an app
    assert status(raw_request(port, page(port, own))) == 200
    assert status(raw_request(port, page(port, f"localhost:{port}", f"http://localhost:{port}"))) == 200
    # The page's own websocket still opens (from the page's origin, and from a program with none)
    for origin in (f"http://{own}", None):
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(upgrade(port, own, origin))
            assert sock.recv(4096).startswith(b"HTTP/1.1 101"), origin
            pid = wait_for(lambda: next(iter(server.session_pids()), None), SESSION_START, "the app process")
        wait_for(lambda: not alive(pid), 60, "the session to end with its socket")


def test_public_mode_refuses_another_host_name_even_with_the_token():
    serving = ServeProcess("--lang", "en", "--public", "--bind", "127.0.0.2")
    try:
        port = int(serving.origin.rsplit(":", 1)[1])
        token = serving.url.split("?token=", 1)[1]
        ask = lambda host, origin=None: status(raw_request(  # noqa: E731
            port, upgrade(port, host, origin, path=f"/ws/{token}"), host="127.0.0.2"))
        assert ask(f"evil.example:{port}") == 403
        assert ask(f"127.0.0.2:{port}", "http://evil.example") == 403
        assert ask(f"127.0.0.2:{port}", f"http://127.0.0.2:{port}") == 101
        pid = wait_for(lambda: next(iter(serving.session_pids()), None), SESSION_START, "the app process")
    finally:
        assert serving.close() == 0
    assert not alive(pid)


def test_an_allowed_host_name_gets_the_page_and_a_session_on_any_port_and_others_still_do_not():
    """Behind a reverse proxy (`--allow-host tutor.example.com`): the proxy's Host and the page's
    Origin name the public name, on the proxy's port; another name is still refused."""
    serving = ServeProcess("--lang", "en", "--allow-host", "Tutor.Example.com", "--allow-host", "10.0.0.9")
    try:
        port = int(serving.origin.rsplit(":", 1)[1])
        for host in ("tutor.example.com", "tutor.example.com:443", "10.0.0.9:8080"):
            assert status(raw_request(port, page(port, host, f"https://{host}"))) == 200, host
        refused = (page(port, f"evil.example:{port}"), page(port, "tutor.example.com", "https://evil.example"),
                   page(port, "tutor.example.com.evil.example"), upgrade(port, "evil.example", "https://evil.example"),
                   upgrade(port, "tutor.example.com", "http://tutor.example.com:1"))
        for request in refused:
            assert status(raw_request(port, request)) == 403, request
        assert serving.session_pids() == set()
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            sock.sendall(upgrade(port, "tutor.example.com", "https://tutor.example.com"))
            assert sock.recv(4096).startswith(b"HTTP/1.1 101")
            pid = wait_for(lambda: next(iter(serving.session_pids()), None), SESSION_START, "the app process")
        wait_for(lambda: not alive(pid), 60, "the session to end with its socket")
    finally:
        assert serving.close() == 0
    assert not any("Traceback" in line for line in serving.stdout + serving.stderr), serving.stderr


@pytest.mark.parametrize(("bound", "header", "ok"), [
    ("127.0.0.1", "127.0.0.1:8000", True), ("127.0.0.1", "localhost:8000", True), ("127.0.0.1", "[::1]:8000", True),
    ("127.0.0.1", "LOCALHOST.:8000", True), ("127.0.0.1", "evil.example:8000", False),
    ("127.0.0.1", "127.0.0.1:8001", False), ("127.0.0.1", "127.0.0.1", False), ("127.0.0.1", "", False),
    ("127.0.0.1", "::1:8000", False), ("127.0.0.1", "[::1", False), ("127.0.0.1", "127.0.0.1:80x", False),
    ("127.0.0.1", "10.0.0.5:8000", False), ("0.0.0.0", "10.0.0.5:8000", True), ("0.0.0.0", "evil.example:8000", False),
    ("::", "[fe80::1]:8000", True), ("0.0.0.0", "[fe80::1%25eth0]:8000", False),
    ("tutor.lan", "tutor.lan:8000", True), ("tutor.lan", "other.lan:8000", False),
])
def test_which_host_headers_name_this_server(bound, header, ok):
    assert ServedHosts.for_bind(bound, 8000).host_ok(header) is ok


@pytest.mark.parametrize(("origin", "ok"), [
    (None, True), ("http://127.0.0.1:8000", True), ("https://127.0.0.1:8000", True),
    ("http://127.0.0.1:8001", False), ("http://evil.example", False), ("null", False), ("", False),
    ("file://", False), ("http://127.0.0.1:8000/x", False), ("http://u@127.0.0.1:8000", False),
    ("javascript:alert(1)", False), ("http://[::1", False),
])
def test_which_origins_are_this_servers_own(origin, ok):
    assert ServedHosts.origin_ok(origin, "127.0.0.1:8000") is ok


@FUZZ
@given(st.text(max_size=40), st.one_of(st.none(), st.text(max_size=40)))
def test_fuzz_host_and_origin_headers_never_raise_and_only_name_this_server(header, origin):
    hosts = ServedHosts.for_bind("127.0.0.1", 8000)
    ok = hosts.host_ok(header) and hosts.origin_ok(origin, header)
    if ok:
        assert split_host(header) in {(name, 8000) for name in hosts.names}


# -- websocket messages ----------------------------------------------------------------------------

HOSTILE_MESSAGES = [
    '["stdin", "\\ud800"]',                    # a lone surrogate: valid JSON, no UTF-8
    '["stdin", "a\\udfffb"]',
    "[" * 20_000 + "]" * 20_000,              # RecursionError in json.loads (40 kB: under the size limit)
    '["resize", ' + "[" * 50 + "]" * 50 + "]",
    '["stdin", "' + "x" * 200_000 + '"]',      # above the message size limit: the socket closes
]


def test_hostile_websocket_messages_are_dropped_quietly(server):
    async def scenario():
        async with aiohttp.ClientSession() as client:
            async with client.ws_connect(f"{server.origin}/ws?width=80&height=24") as websocket:
                pid = await asyncio.to_thread(
                    wait_for, lambda: next(iter(server.session_pids()), None), SESSION_START, "the app process")
                for message in HOSTILE_MESSAGES[:-1]:
                    await websocket.send_str(message)
                await websocket.send_str('["ping", "\\ud800 still here"]')
                pong = await asyncio.wait_for(_next_text(websocket), 30)
                assert alive(pid)
                await websocket.send_str(HOSTILE_MESSAGES[-1])
                closed = await asyncio.wait_for(_until_closed(websocket), 30)
                return pid, pong, closed

    pid, pong, closed = asyncio.run(scenario())
    assert pong == '["pong", "\\ud800 still here"]'  # the session lived through all but the oversized one
    assert closed == aiohttp.WSCloseCode.MESSAGE_TOO_BIG
    wait_for(lambda: not alive(pid), 60, "the oversized message to end the session")


async def _next_text(websocket) -> str:
    async for message in websocket:
        if message.type == aiohttp.WSMsgType.TEXT:
            return message.data
    return ""


async def _until_closed(websocket) -> int | None:
    async for _message in websocket:
        pass
    return websocket.close_code


def _frame(payload: bytes, opcode: int = 1) -> bytes:
    """One masked websocket frame, as a browser sends it (payload under 64 KiB)."""
    mask = bytes([0x5A, 0xC3, 0x11, 0x7E])
    size = bytes([0x80 | len(payload)]) if len(payload) < 126 else bytes([0x80 | 126]) + len(payload).to_bytes(2, "big")
    return bytes([0x80 | opcode]) + size + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


@pytest.mark.parametrize(("frames", "code"), [
    ([_frame(b'["stdin", "\xed\xa0\x80"]')], 1007),  # a lone surrogate as raw bytes: no UTF-8
    ([_frame(b"\xff\xfe")], 1007),
    ([_frame(b"", opcode=0xF)], 1002),              # a reserved opcode
])
def test_raw_websocket_frames_that_break_the_protocol_close_the_session_quietly(server, frames, code):
    port = int(server.origin.rsplit(":", 1)[1])
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(upgrade(port, f"127.0.0.1:{port}", None))
        assert sock.recv(4096).startswith(b"HTTP/1.1 101")
        pid = wait_for(lambda: next(iter(server.session_pids()), None), SESSION_START, "the app process")
        for frame in frames:
            sock.sendall(frame)
        received = b""
        while chunk := sock.recv(65536):  # the app's screen, then the close frame, then the end
            received += chunk
        close = received[received.rfind(b"\x88\x02"):]  # the last frame: close, with a 2-byte code
        assert close[:2] == b"\x88\x02" and int.from_bytes(close[2:4], "big") == code
    wait_for(lambda: not alive(pid), 60, "the session to end")


@pytest.mark.parametrize("text", HOSTILE_MESSAGES[2:4] + ['["resize", {"width": [[[1]]]}]'])
def test_a_message_nested_too_deeply_is_no_envelope(text):
    assert _envelope(text) is None


@FUZZ
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(max_size=5),
                    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
                    max_leaves=20))
def test_fuzz_the_depth_of_a_message_is_counted_as_json_nests_it(value):
    import json

    def nesting(item) -> int:
        if isinstance(item, list):
            return 1 + max(map(nesting, item), default=0)
        if isinstance(item, dict):
            return 1 + max(map(nesting, item.values()), default=0)
        return 0

    text = json.dumps(value)
    assert _depth(text) == nesting(value)
    assert (_envelope(text) is None) is (not (isinstance(value, list) and value) or nesting(value) > MAX_DEPTH)


MALFORMED_HTTP = [
    b"GET / HTTP/1.1\r\nHost: \x00\xff\r\n\r\n",
    b"BLAH\x01 / HTTP/9\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\n\r\n",
    b"GET / HTTP/1.1\r\nX: " + b"b" * 20_000 + b"\r\n\r\n",
    b"GET / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
    b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + bytes(100),  # TLS to a plain HTTP port
]


def test_malformed_http_requests_get_400_and_no_traceback(server):
    port = int(server.origin.rsplit(":", 1)[1])
    for request in MALFORMED_HTTP:
        assert status(raw_request(port, request)) == 400, request[:40]
    assert status(raw_request(port, page(port, f"127.0.0.1:{port}"))) == 200  # still serving
    # (the fixture asserts that stdout and stderr hold no traceback)


# -- the server's death ----------------------------------------------------------------------------

def _open_two(server: ServeProcess) -> set[int]:
    """Two sessions through raw handshakes; their sockets stay open (returned with the pids)."""
    port = int(server.origin.rsplit(":", 1)[1])
    sockets = []
    for _ in range(2):
        sock = socket.create_connection(("127.0.0.1", port), timeout=30)
        sock.sendall(upgrade(port, f"127.0.0.1:{port}", None))
        assert sock.recv(4096).startswith(b"HTTP/1.1 101")
        sockets.append(sock)
    pids = wait_for(lambda: len(server.session_pids()) == 2 and server.session_pids(), SESSION_START,
                    "two app processes")
    return pids, sockets


def _kill_all(pids) -> None:
    for pid in pids:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)


def test_sighup_the_terminal_closing_stops_the_server_and_every_session_cleanly():
    serving = ServeProcess("--lang", "en")
    pids, sockets = set(), []
    try:
        pids, sockets = _open_two(serving)
        serving.process.send_signal(signal.SIGHUP)
        assert serving.process.wait(60) == 0
        assert "2 session(s) closed" in "".join(serving.stdout)
        assert not any(alive(pid) for pid in pids)
    finally:
        for sock in sockets:
            sock.close()
        serving.close()
        _kill_all(pids)


# A server whose sessions run an app that ignores its closed stdin, quit and SIGTERM: only the death
# signal can end it. (The real app also ends by itself when its pipes close; this one must not.)
STUBBORN_SERVER = """
import asyncio, socket, sys
from tutor.web.server import TutorServer
app = [sys.executable, "-c", "import signal, time\\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\\nwhile True: time.sleep(1)"]
server = TutorServer(lang="en", app_argv=app, max_sessions=4)
sock = socket.create_server(("127.0.0.1", 0))
sock.setblocking(False)
async def main():
    await server.run(sock, asyncio.Event(), lambda: print(f"http://127.0.0.1:{sock.getsockname()[1]}/", flush=True))
asyncio.run(main())
"""


def test_sigkill_of_the_server_takes_every_sessions_app_along():
    serving = ServeProcess(command=[sys.executable, "-c", STUBBORN_SERVER])
    pids, sockets = set(), []
    try:
        pids, sockets = _open_two(serving)
        serving.process.kill()
        serving.process.wait(60)
        wait_for(lambda: not any(alive(pid) for pid in pids), 30, "the apps to die with their server")
    finally:
        for sock in sockets:
            sock.close()
        serving.close()
        _kill_all(pids)
