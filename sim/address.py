"""One rule for network addresses, wherever they are typed: scenario files, `--host`, settings.

A host is a dotted-quad decimal IPv4 address (`10.37.19.46`), an IPv6 address, or a host name
as RFC 1123 allows (letters, digits, `-`; labels of 1-63 characters; the last label not all
digits). So `127.1` and `0x7f.0.0.1`, which some resolvers turn into 127.0.0.1, are refused
alike. An IPv6 zone id (`fe80::1%eth0`) is an interface name or number (letters, digits, `_.-`,
at most 15): `::1%$(id)`, which Python's ipaddress accepts, would carry shell code into a copied
command. A port is 1 to 5 ASCII digits, 1-65535.
"""

from __future__ import annotations

import ipaddress
import re

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"^{_LABEL}(?:\.{_LABEL})*\.?$", re.ASCII)
_PORT = re.compile(r"^[0-9]{1,5}$", re.ASCII)
_ZONE = re.compile(r"^[A-Za-z0-9_.-]{1,15}$", re.ASCII)
RULE = "use a dotted-quad IPv4 address (10.37.19.46), an IPv6 address or a host name"


def host_kind(host: str) -> str | None:
    """"ipv4", "ipv6" or "name" for a valid host, else None (see the module docstring)."""
    if not host or len(host) > 253:
        return None
    if ":" in host:
        _address, percent, zone = host.partition("%")
        if percent and not _ZONE.match(zone):
            return None
        try:
            return "ipv6" if ipaddress.ip_address(host).version == 6 else None
        except ValueError:
            return None
    if re.fullmatch(r"[0-9.]+", host, re.ASCII):
        try:
            return "ipv4" if ipaddress.ip_address(host).version == 4 else None
        except ValueError:
            return None
    if not _HOSTNAME.match(host) or host.rstrip(".").rsplit(".", 1)[-1].isdigit():
        return None
    return "name"


def parse_port(text: str) -> int | None:
    """The port in `text` (1-65535, ASCII digits only), else None."""
    if not _PORT.match(text):
        return None
    port = int(text)
    return port if 1 <= port <= 65535 else None


def split_host_port(text: str) -> tuple[str, str | None]:
    """`host:port`, `[v6]:port`, `[v6]`, bare IPv6 or `host` -> (host, port text or None)."""
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            return text, None
        rest = text[end + 1:]
        return text[1:end], (rest[1:] if rest.startswith(":") else (None if not rest else rest))
    if text.count(":") > 1:
        return text, None
    host, colon, port = text.partition(":")
    return host, (port if colon else None)


def address_problem(text: str) -> str | None:
    """Why `text` is not a `HOST[:PORT]` address (one line), or None when it is one."""
    host, port = split_host_port(text)
    if host_kind(host) is None:
        return f"not an address: {RULE}"
    if port is not None and parse_port(port) is None:
        return "the port must be a number from 1 to 65535"
    return None
