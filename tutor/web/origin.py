"""Which requests `tutor serve` answers: only those for its own host and, from a browser, its own origin.

A web page the learner visits while `tutor serve` runs can make the browser open a websocket to
`127.0.0.1:8000` (the browser sends that page's `Origin`), or point a name it controls at
127.0.0.1 (DNS rebinding: the browser then sends that name as `Host`). Both are refused:

- `Host` must name this server: one of `ServedHosts.names` (the `--bind` given, the name printed
  in the URL, the loopback names; with a wildcard `--bind` such as 0.0.0.0 also any IP literal,
  which no rebinding can produce) and the port the server listens on; or one of the names given
  with `--allow-host` (a reverse proxy's public name: any port, the proxy's own).
- `Origin`, when the request has one (a browser always sends it with a websocket handshake), must
  be `http://` or `https://` followed by that same `Host`. A request without `Origin` comes from
  a program, not from a web page, and a program could send any header anyway.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from sim.address import host_kind

LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
WILDCARDS = frozenset({"", "0.0.0.0", "::"})


def _bare(host: str) -> str:
    """`host` lowercased, without IPv6 brackets or a trailing dot."""
    host = host.strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return host.rstrip(".")


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return "%" not in host


def split_host(header: str) -> tuple[str, int | None] | None:
    """(host, port) of a `Host` header value (`name:port`, `[v6]:port`, `name`), None if malformed."""
    header = header.strip()
    if not header or len(header) > 300:
        return None
    if header.startswith("["):
        end = header.find("]")
        if end < 0:
            return None
        host, rest = header[: end + 1], header[end + 1:]
        port_text = rest[1:] if rest.startswith(":") else None
        if rest and port_text is None:
            return None
    elif header.count(":") == 1:
        host, port_text = header.split(":")
    elif ":" in header:
        return None  # a bare IPv6 address is not a valid Host
    else:
        host, port_text = header, None
    if port_text is None:
        return _bare(host), None
    if not (port_text.isascii() and port_text.isdigit()) or not 0 < int(port_text) <= 65535:
        return None
    return _bare(host), int(port_text)


def allowed_name(name: str) -> str | None:
    """`name` as `--allow-host` takes it (a host name or an IP address without a zone, no port;
    the one address grammar, sim.address), lowercased, or None if it is not one."""
    parsed = split_host(name)
    if parsed is None or parsed[1] is not None or not host_kind(parsed[0]) or "%" in parsed[0]:
        return None
    return parsed[0]


@dataclass(frozen=True)
class ServedHosts:
    """The host names (and the port) this server answers to; see the module docstring."""

    names: frozenset[str] = LOOPBACK_NAMES
    any_ip: bool = False  # a wildcard bind: any IP literal is this machine's
    port: int | None = None  # set once the socket is bound
    proxied: frozenset[str] = frozenset()  # `--allow-host` names, on whatever port the proxy listens

    @classmethod
    def for_bind(cls, host: str, port: int, allowed: tuple[str, ...] = ()) -> ServedHosts:
        """The hosts of a server bound to `host` (as given to `--bind`) on `port`, plus the
        `allowed` names (`--allow-host`, each checked with `allowed_name`)."""
        names = set(LOOPBACK_NAMES) | {_bare(host)}
        wildcard = _bare(host) in WILDCARDS
        if wildcard:
            names |= {_bare(socket.gethostname()), _bare(socket.getfqdn())}
        return cls(frozenset(names - {""}), any_ip=wildcard, port=port,
                   proxied=frozenset(_bare(name) for name in allowed))

    def host_ok(self, header: str | None) -> bool:
        """True when a `Host` header names this server (its port included, when the port is known)."""
        parsed = split_host(header or "")
        if parsed is None:
            return False
        host, port = parsed
        if host in self.proxied:
            return True
        if self.port is not None and port != self.port and not (port is None and self.port == 80):
            return False
        return host in self.names or (self.any_ip and _is_ip(host))

    @staticmethod
    def origin_ok(origin: str | None, host_header: str | None) -> bool:
        """True when there is no `Origin` or it is this very server (same host and port as `Host`)."""
        if origin is None:
            return True
        try:
            parts = urlsplit(origin.strip())
        except ValueError:
            return False
        if parts.scheme not in ("http", "https") or parts.path or parts.query or parts.username or parts.password:
            return False
        return split_host(parts.netloc) is not None and split_host(parts.netloc) == split_host(host_header or "")
