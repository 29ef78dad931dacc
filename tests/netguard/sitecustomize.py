"""The test suite's network guard, loaded in every Python process the tests start.

The project's network rule: tests send traffic only to loopback, or inside network namespaces the
test itself made. `tests/conftest.py` puts this folder on PYTHONPATH and sets TUTOR_NETGUARD_LOG,
so Python loads this file at start-up in the test process and in every `python -m tutor ...` it
spawns. From then on a connect or send from the machine's own network namespace to any address
that is not loopback is refused (ENETUNREACH) and written to the log, and conftest fails the test
that caused it. Inside another namespace (the lab's machines) every address is the lab's own:
conftest records the machine's own namespace in TUTOR_NETGUARD_NETNS (PID 1's may not be readable).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

_INET = (socket.AF_INET, socket.AF_INET6)


def own_namespace() -> str:
    """This process's network namespace, as an inode number."""
    try:
        return str(os.stat("/proc/self/ns/net").st_ino)
    except OSError:
        return ""


def _in_host_namespace() -> bool:
    return own_namespace() == os.environ.get("TUTOR_NETGUARD_NETNS", own_namespace())


def _addresses(host: str) -> list[ipaddress._BaseAddress]:
    try:
        return [ipaddress.ip_address(host.split("%", 1)[0])]
    except ValueError:
        try:
            return [ipaddress.ip_address(info[4][0].split("%", 1)[0])
                    for info in socket.getaddrinfo(host, None)]
        except (OSError, ValueError):
            return []


def _allowed(host: str) -> bool:
    return all(address.is_loopback or address.is_unspecified for address in _addresses(host))


def _guard(sock: socket.socket, address: object) -> None:
    if sock.family not in _INET or not isinstance(address, tuple) or not address:
        return
    host = str(address[0])
    if _allowed(host) or not _in_host_namespace():
        return
    with open(os.path.join(os.environ["TUTOR_NETGUARD_LOG"], f"{os.getpid()}.log"), "a", encoding="utf-8") as log:
        log.write(f"{host}:{address[1] if len(address) > 1 else ''}\n")
    raise OSError(errno.ENETUNREACH, f"the test network guard refused {host} (not loopback)")


def install() -> None:
    """Wrap socket.connect, connect_ex and sendto with the guard (once per process)."""
    if not os.environ.get("TUTOR_NETGUARD_LOG") or getattr(socket.socket, "_tutor_netguard", False):
        return
    connect, connect_ex, sendto = socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto

    def guarded_connect(self, address):
        _guard(self, address)
        return connect(self, address)

    def guarded_connect_ex(self, address):
        _guard(self, address)
        return connect_ex(self, address)

    def guarded_sendto(self, data, *args):
        _guard(self, args[-1])
        return sendto(self, data, *args)

    socket.socket.connect = guarded_connect
    socket.socket.connect_ex = guarded_connect_ex
    socket.socket.sendto = guarded_sendto
    socket.socket._tutor_netguard = True


install()
