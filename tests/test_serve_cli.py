"""`tutor serve` without a browser: arguments, the token, the session limit, Ctrl+C, no orphan processes.

Sessions here are real app processes started through the real websocket (an aiohttp client plays
the browser); the page itself is tested in a real browser in test_serve_browser.py.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys

import aiohttp
import pytest

from serve_support import ROOT, ServeProcess, alive, wait_for

SESSION_START = 90.0  # seconds: an app process starting on a machine loaded by other tests


def run_tutor(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tutor", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, stdin=subprocess.DEVNULL)


@pytest.mark.parametrize("port", ["99999", "-1", "65536", "http", ""])
def test_a_port_out_of_range_is_one_line_and_exit_2(port):
    done = run_tutor("serve", "--port", port)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--port" in done.stderr and "Traceback" not in done.stderr


def test_a_port_in_use_is_one_line_and_exit_2():
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        done = run_tutor("--lang", "en", "serve", "--port", str(taken.getsockname()[1]))
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "cannot listen on 127.0.0.1:" in done.stderr
    assert "in use" in done.stderr


@pytest.mark.parametrize("value", ["0", "-3", "many", "100000"])
def test_a_bad_session_limit_is_refused(value):
    done = run_tutor("serve", "--max-sessions", value)
    assert done.returncode == 2 and done.stderr.count("\n") == 1 and "--max-sessions" in done.stderr


@pytest.mark.parametrize("option", ["--bind", "--host"])  # --host: the old name, kept as an alias
@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_a_non_loopback_address_needs_public(option, host):
    done = run_tutor("--lang", "en", "serve", option, host)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "--public" in done.stderr


def test_serve_help_names_bind_and_allow_host_but_not_the_old_alias():
    done = run_tutor("serve", "--help", "--lang", "en")
    assert done.returncode == 0
    assert "--bind ADDR" in done.stdout and "--allow-host NAME" in done.stdout and "--host" not in done.stdout


@pytest.mark.parametrize("name", ["evil.example:8000", "", "a b", "-x", "::1%eth0", "x" * 300, "web.123",
                                  "http://proxy.example"])
def test_a_bad_allow_host_is_one_line_and_exit_2(name):
    done = run_tutor("--lang", "en", "serve", "--allow-host", "tutor.example.com", "--allow-host", name)
    assert done.returncode == 2, done.stdout
    assert done.stderr.count("\n") == 1 and "--allow-host" in done.stderr and "Traceback" not in done.stderr


def test_loopback_serves_without_a_token():
    server = ServeProcess("--lang", "en")
    try:
        assert server.url.startswith("http://127.0.0.1:") and "token" not in server.url
        assert not "".join(server.stderr)
        status, body = asyncio.run(get(server.url))
        assert status == 200 and "<title>tutor · web servers" in body
    finally:
        assert server.close() == 0


async def get(url: str) -> tuple[int, str]:
    async with aiohttp.ClientSession() as client, client.get(url) as response:
        return response.status, await response.text()


async def open_session(url: str):
    """A websocket session as the page opens it; returns (client, websocket)."""
    client = aiohttp.ClientSession()
    try:
        return client, await client.ws_connect(url + "?width=100&height=30")
    except BaseException:
        await client.close()
        raise


async def refused_websocket(url: str) -> int:
    """The HTTP status a websocket upgrade to `url` gets when it is refused."""
    async with aiohttp.ClientSession() as client:
        try:
            async with client.ws_connect(url):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


def test_public_needs_the_token_for_the_page_and_the_session():
    server = ServeProcess("--lang", "en", "--public", "--bind", "127.0.0.2")
    try:
        # stderr is read by its own thread: wait for it rather than assume it came before the URL
        warning = wait_for(lambda: "".join(server.stderr).strip(), 30, "the warning on stderr")
        assert "WARNING: anyone who can reach 127.0.0.2:" in warning and "machines saved" in warning
        token = server.url.split("?token=", 1)[1]
        assert server.url.startswith("http://127.0.0.2:") and len(token) >= 24

        async def probe():
            origin = server.origin
            pages = [await get(f"{origin}/"), await get(f"{origin}/?token=wrong"),
                     await get(f"{origin}/?token={token[:-1]}")]
            sockets = [await refused_websocket(f"{origin}/ws"), await refused_websocket(f"{origin}/ws/wrong"),
                       await refused_websocket(f"{origin}/ws/{token}x")]
            return pages, sockets, await get(server.url)

        pages, sockets, good = asyncio.run(probe())
        assert [status for status, _ in pages] == [403, 403, 403]
        assert all("access token" in body for _, body in pages)
        assert sockets == [403, 403, 403]
        assert server.session_pids() == set()  # no refused request started an app
        assert good[0] == 200 and f'/ws/{token}"' in good[1]
    finally:
        assert server.close() == 0


def test_the_session_limit_refuses_with_a_clear_page_and_frees_the_slot_when_a_tab_closes():
    server = ServeProcess("--lang", "en", "--max-sessions", "1")

    async def scenario():
        client, websocket = await open_session(f"{server.origin}/ws")
        try:
            pid = wait_for(lambda: next(iter(server.session_pids()), None), SESSION_START, "the app process")
            full_page = await get(server.url)
            second = await refused_websocket(f"{server.origin}/ws")
        finally:
            await websocket.close()
            await client.close()
        return pid, full_page, second

    try:
        pid, (status, body), second = asyncio.run(scenario())
        assert status == 503 and "The server is full: all 1 sessions are in use" in body
        assert second == 503
        wait_for(lambda: not alive(pid), 30, f"session process {pid} to end after its socket closed")
        assert server.session_pids() == set()
        assert asyncio.run(get(server.url))[0] == 200
    finally:
        assert server.close() == 0


def test_ctrl_c_stops_the_server_and_every_session():
    server = ServeProcess("--lang", "en")

    async def open_two():
        opened = [await open_session(f"{server.origin}/ws") for _ in range(2)]
        pids = wait_for(lambda: len(server.session_pids()) == 2 and server.session_pids(), SESSION_START,
                        "two app processes")
        return opened, pids

    loop = asyncio.new_event_loop()
    try:
        opened, pids = loop.run_until_complete(open_two())
        assert server.close() == 0
        assert not any(alive(pid) for pid in pids)
        assert "2 session(s) closed" in "".join(server.stdout)
    finally:
        server.close()
        for pid in locals().get("pids") or ():  # whatever the outcome, no app process outlives the test
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pid, signal.SIGKILL)
        for client, websocket in locals().get("opened", []):
            loop.run_until_complete(websocket.close())
            loop.run_until_complete(client.close())
        loop.close()


def test_garbage_on_the_websocket_is_ignored_and_the_session_still_ends():
    server = ServeProcess("--lang", "en")

    async def scenario():
        client, websocket = await open_session(f"{server.origin}/ws")
        try:
            pid = wait_for(lambda: next(iter(server.session_pids()), None), SESSION_START, "the app process")
            for junk in ("not json", "{}", "[]", '["stdin", 5]', '["resize", {"width": "x"}]',
                         '["resize", {"width": 99999, "height": -1}]', '["ping", "7"]'):
                await websocket.send_str(junk)
            pong = await asyncio.wait_for(_next_text(websocket), 30)
        finally:
            await websocket.close()
            await client.close()
        return pid, pong

    try:
        pid, pong = asyncio.run(scenario())
        assert pong == '["pong", "7"]'
        wait_for(lambda: not alive(pid), 30, "the session to end")
        assert not any("Traceback" in line for line in server.stdout + server.stderr)
    finally:
        assert server.close() == 0


async def _next_text(websocket) -> str:
    async for message in websocket:
        if message.type == aiohttp.WSMsgType.TEXT:
            return message.data
    return ""


def test_every_key_the_page_templates_use_is_in_the_catalogue():
    """The Python side is checked by tests/test_i18n.py; this checks the Jinja templates."""
    import re

    from tutor.i18n import has
    from tutor.web.strings import SERVE_STRINGS

    templates = (ROOT / "tutor" / "web" / "templates").glob("*.html")
    used = {key for page in templates for key in re.findall(r'(?<![a-z])t\("([a-z_.]+)"', page.read_text())}
    assert len(used) >= 5  # the pattern really finds the keys
    assert sorted(key for key in used if not has(SERVE_STRINGS, key)) == []


def test_a_session_whose_app_exits_closes_its_tab_and_frees_its_slot():
    """An app that fails at once must not leave a blank page open and a slot taken."""
    from tutor.web.server import TutorServer

    server = TutorServer(lang="en", app_argv=[sys.executable, "-c", "import sys; sys.exit(3)"], max_sessions=1)

    async def scenario():
        stop = asyncio.Event()
        sock = socket.create_server(("127.0.0.1", 0))
        sock.setblocking(False)
        port = sock.getsockname()[1]
        serving = asyncio.create_task(server.run(sock, stop, lambda: None))
        try:
            async with aiohttp.ClientSession() as client:
                async with client.ws_connect(f"http://127.0.0.1:{port}/ws") as websocket:
                    message = await asyncio.wait_for(websocket.receive(), SESSION_START)
            await asyncio.wait_for(_until(lambda: not server.sessions), 30)
        finally:
            stop.set()
            await serving
        return message.type

    assert asyncio.run(scenario()) in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSED)


async def _until(condition) -> None:
    while not condition():
        await asyncio.sleep(0.05)


def test_font_size_and_a_hostile_host_header_cannot_break_the_page():
    server = ServeProcess("--lang", "en")

    async def fetch(query: str, headers: dict[str, str] | None = None, expected: int = 200) -> str:
        async with aiohttp.ClientSession() as client, client.get(server.origin + "/" + query, headers=headers) as r:
            assert r.status == expected
            return await r.text()

    async def scenario():
        return [await fetch("?fontsize=22"), await fetch("?fontsize=abc"), await fetch("?fontsize=9999"),
                await fetch("", {"Host": 'evil"><script>alert(1)</script>'}, expected=403)]  # not our host

    try:
        big, garbage, huge, hostile = asyncio.run(scenario())
        assert 'data-font-size="22"' in big
        assert 'data-font-size="16"' in garbage and 'data-font-size="16"' in huge
        assert "<script>alert(1)" not in hostile and "alert(1)" not in hostile
    finally:
        assert server.close() == 0


STUBBORN_APP = ("import signal, time\n"
                "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                "while True:\n"
                "    time.sleep(1)\n")


def test_an_app_that_ignores_quit_and_sigterm_is_killed_when_its_tab_closes():
    from tutor.web.server import TutorServer

    server = TutorServer(lang="en", app_argv=[sys.executable, "-c", STUBBORN_APP], max_sessions=2)

    async def scenario():
        stop = asyncio.Event()
        sock = socket.create_server(("127.0.0.1", 0))
        sock.setblocking(False)
        serving = asyncio.create_task(server.run(sock, stop, lambda: None))
        try:
            async with aiohttp.ClientSession() as client:
                async with client.ws_connect(f"http://127.0.0.1:{sock.getsockname()[1]}/ws"):
                    await asyncio.wait_for(_until(lambda: any(s._process for s in server.sessions)), SESSION_START)
                    (session,) = server.sessions
                    pid = session._process.pid
            await asyncio.wait_for(_until(lambda: not alive(pid)), 60)
        finally:
            stop.set()
            await serving
        return pid

    assert not alive(asyncio.run(scenario()))


def test_a_tab_that_vanishes_without_closing_is_noticed_and_its_app_ended():
    """A laptop lid shut or a dropped Wi-Fi: no close frame, no pongs; the heartbeat ends the session."""
    server = ServeProcess("--lang", "en")

    async def scenario():
        async with aiohttp.ClientSession() as client:
            # autoping off and never read: the client answers none of the server's pings
            async with client.ws_connect(f"{server.origin}/ws?width=80&height=24", autoping=False):
                pid = await asyncio.to_thread(
                    wait_for, lambda: next(iter(server.session_pids()), None), SESSION_START, "the app process")
                await asyncio.to_thread(wait_for, lambda: not alive(pid), 90, "the heartbeat to end the session")
                return pid

    try:
        asyncio.run(scenario())
        assert server.session_pids() == set()
    finally:
        assert server.close() == 0
