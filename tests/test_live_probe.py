"""How a failed request is classified (the errors a socket gives that loopback cannot produce)."""

from __future__ import annotations

import errno
import socket

import httpx
import pytest

from tutor.live.probe import classify


def connect_error(cause: BaseException) -> httpx.ConnectError:
    try:
        try:
            raise cause
        except BaseException as inner:
            raise httpx.ConnectError(str(inner)) from inner
    except httpx.ConnectError as outer:
        return outer


@pytest.mark.parametrize("cause, kind", [
    (ConnectionRefusedError(errno.ECONNREFUSED, "Connection refused"), "refused"),
    (OSError(errno.EHOSTUNREACH, "No route to host"), "unreachable"),
    (OSError(errno.ENETUNREACH, "Network is unreachable"), "unreachable"),
    (OSError(errno.ETIMEDOUT, "Connection timed out"), "timeout"),
    (socket.gaierror(socket.EAI_NONAME, "Name or service not known"), "dns"),
])
def test_socket_errors_under_httpx_errors_are_classified(cause, kind):
    assert classify(connect_error(cause))[0] == kind


def test_timeouts_and_protocol_errors():
    assert classify(TimeoutError())[0] == "timeout"
    assert classify(httpx.ReadTimeout("read"))[0] == "timeout"
    assert classify(httpx.RemoteProtocolError("illegal header \x1b[31m")) == ("broken", "illegal header")
