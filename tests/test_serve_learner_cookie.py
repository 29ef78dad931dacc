"""`tutor serve --public`: a tab on the bare URL is let in by the learner cookie this server issued
with its token (tutor.web.learner), and by nothing else: raw HTTP requests against a real server."""

from __future__ import annotations

import socket

import pytest

from serve_support import ServeProcess, alive, wait_for
from test_serve_hostile import first_bytes, status, upgrade
from tutor.web import learner

SESSION_START = 90.0
LEARNER = "0123456789abcdef" * 2


def exchange(port: int, lines: list[str]) -> tuple[int, dict[str, list[str]], str]:
    """One request (`Connection: close`) on 127.0.0.2; its status, headers (lowercased names) and body."""
    request = ("\r\n".join([*lines, "Connection: close"]) + "\r\n\r\n").encode()
    with socket.create_connection(("127.0.0.2", port), timeout=30) as sock:
        sock.sendall(request)
        answer = b""
        while len(answer) < 1_000_000:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    head, _, body = answer.decode("utf-8", "replace").partition("\r\n\r\n")
    headers: dict[str, list[str]] = {}
    for line in head.split("\r\n")[1:]:
        name, _, value = line.partition(":")
        headers.setdefault(name.strip().lower(), []).append(value.strip())
    return status(answer), headers, body


def cookie_of(headers: dict[str, list[str]]) -> str:
    (set_cookie,) = [value for value in headers.get("set-cookie", []) if value.startswith(learner.COOKIE + "=")]
    return set_cookie


@pytest.fixture(scope="module")
def public():
    serving = ServeProcess("--lang", "en", "--public", "--bind", "127.0.0.2")
    try:
        yield serving
    finally:
        assert serving.close() == 0
        assert not any("Traceback" in line for line in serving.stdout + serving.stderr), serving.stderr


def page(public, path: str = "/", cookie: str | None = None):
    port = int(public.origin.rsplit(":", 1)[1])
    lines = [f"GET {path} HTTP/1.1", f"Host: 127.0.0.2:{port}"]
    if cookie is not None:
        lines.append(f"Cookie: {learner.COOKIE}={cookie}")
    return exchange(port, lines)


def test_the_token_url_issues_a_cookie_that_lets_a_tab_on_the_bare_url_in(public):
    token = public.url.split("?token=", 1)[1]
    code, headers, body = page(public, f"/?token={token}")
    assert code == 200 and f'/ws/{token}"' in body
    set_cookie = cookie_of(headers)
    flags = {part.strip().lower() for part in set_cookie.split(";")[1:]}
    assert {"httponly", "samesite=strict", "path=/"} <= flags
    value = set_cookie.split(";", 1)[0].split("=", 1)[1]
    code, headers, body = page(public, "/", cookie=value)
    assert code == 200 and 'id="start"' in body
    assert token not in body and '/ws"' in body  # its socket is let in by the same cookie
    assert "set-cookie" not in headers  # it has this server's pass already


@pytest.mark.parametrize("cookie", [
    None,
    LEARNER,  # an id without a pass (as servers before it set the cookie)
    f"{LEARNER}.{'0' * 64}",  # a forged pass
    learner.value_with_pass(LEARNER, "another-servers-token"),  # another server's (cookies share ports)
    learner.value_with_pass(LEARNER, "x")[:-1],  # cut short
    learner.value_with_pass(LEARNER, "x") + "0",
])
def test_a_missing_forged_or_other_servers_cookie_is_still_refused(public, cookie):
    code, headers, body = page(public, "/", cookie=cookie)
    assert code == 403 and "access token in the URL is missing or wrong" in body
    assert "set-cookie" not in headers


def test_the_token_url_gives_an_old_cookie_a_pass_for_the_same_folder(public):
    token = public.url.split("?token=", 1)[1]
    _code, headers, _body = page(public, f"/?token={token}", cookie=learner.value_with_pass(LEARNER, "old-token"))
    value = cookie_of(headers).split(";", 1)[0].split("=", 1)[1]
    assert learner.learner_id(value) == LEARNER and value != learner.value_with_pass(LEARNER, "old-token")
    assert page(public, "/", cookie=value)[0] == 200


def test_the_websocket_applies_the_same_rule(public):
    port = int(public.origin.rsplit(":", 1)[1])
    token = public.url.split("?token=", 1)[1]
    host = f"127.0.0.2:{port}"
    good = learner.value_with_pass(LEARNER, token)

    def handshake(cookie: str | None) -> int:
        request = upgrade(port, host, f"http://{host}").replace(b"\r\n\r\n", b"\r\n")
        if cookie is not None:
            request += f"Cookie: {learner.COOKIE}={cookie}\r\n".encode()
        with socket.create_connection(("127.0.0.2", port), timeout=30) as sock:
            sock.sendall(request + b"\r\n")
            code = status(first_bytes(sock))
            if code == 101:  # the app runs while the socket is open: see it, then close the tab
                pid = wait_for(lambda: next(iter(public.session_pids()), None), SESSION_START, "the app process")
        if code == 101:
            wait_for(lambda: not alive(pid), SESSION_START, "the app to end with its tab")
        return code

    assert [handshake(None), handshake(LEARNER), handshake(f"{LEARNER}.{'0' * 64}"),
            handshake(learner.value_with_pass(LEARNER, "another-servers-token"))] == [403] * 4
    assert public.session_pids() == set()
    assert handshake(good) == 101


def test_the_pass_is_the_tokens_own():
    value = learner.value_with_pass(LEARNER, "t1")
    assert learner.has_pass(value, "t1") and not learner.has_pass(value, "t2")
    assert learner.learner_id(value) == LEARNER == learner.learner_id(LEARNER)
    assert not learner.has_pass(LEARNER, "t1") and learner.learner_id("../etc") is None
