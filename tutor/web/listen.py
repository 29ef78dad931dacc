"""Listening for `tutor serve` and `tutor class serve`: which bind addresses are loopback, the
listening socket, and the address a printed URL shows. One rule for both servers."""

from __future__ import annotations

import ipaddress
import socket


class CannotListen(Exception):
    """The socket could not be made: `address` (host:port) and the system's one-line `reason`."""

    def __init__(self, address: str, reason: str) -> None:
        super().__init__(f"{address}: {reason}")
        self.address, self.reason = address, reason


def is_loopback(host: str) -> bool:
    """True when every address `host` names is a loopback one (127.0.0.0/8, ::1)."""
    try:
        infos = socket.getaddrinfo(host, None, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(str(info[4][0]).split("%")[0]).is_loopback for info in infos)


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A non-blocking listening socket on host:port; CannotListen with the system's reason."""
    address = f"{host}:{port}"
    try:
        family, kind, proto, _name, sockaddr = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
    except (OSError, UnicodeError) as exc:
        raise CannotListen(address, _reason(exc)) from None
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(sockaddr)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise CannotListen(address, _reason(exc)) from None
    sock.setblocking(False)
    return sock


def shown_origin(sock: socket.socket, host: str) -> str:
    """`http://HOST:PORT` as a URL to print: the machine's name for a wildcard bind, IPv6 in brackets."""
    shown = socket.gethostname() if host in ("0.0.0.0", "::", "") else host
    if ":" in shown:
        shown = f"[{shown}]"
    return f"http://{shown}:{sock.getsockname()[1]}"


def _reason(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
