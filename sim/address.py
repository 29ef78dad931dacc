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


class AddressError(ValueError):
    """Why a text is not a `HOST[:PORT]` address. `code` names the reason ("empty", "no_bracket",
    "after_bracket", "bad_ip", "not_address", "port_not_number", "port_range") for a catalogue of
    texts, `values` fill it in (`version` of "bad_ip", `port` of "port_range"); str() is English."""

    TEXTS = {
        "empty": "the address is empty",
        "no_bracket": "missing ']' after the IPv6 address",
        "after_bracket": "expected ':PORT' after ']'",
        "bad_ip": "not a valid IPv{version} address (IPv4 is written as four numbers from 0 to 255 with dots, "
                  "e.g. 10.37.19.46)",
        "not_address": f"not an IP address or host name: {RULE}",
        "port_not_number": "the port must be a number from 1 to 65535",
        "port_range": "port {port} is out of range (1-65535)",
    }

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(self.TEXTS[code].format(**values))
        self.code = code
        self.values = values


def parse_address(text: str) -> tuple[str, int | None]:
    """`host:port`, `[v6]:port`, `[v6]`, bare IPv6 or `host` -> (host, port or None); AddressError
    when `text` is none of these: brackets hold an IPv6 address and only `:PORT` may follow them."""
    version: int | None = None
    port_text: str | None = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise AddressError("no_bracket")
        host, rest, version = text[1:end], text[end + 1:], 6
        if rest and not rest.startswith(":"):
            raise AddressError("after_bracket")
        port_text = rest[1:] if rest else None
    elif text.count(":") > 1:
        host, version = text, 6
    else:
        host, colon, port = text.partition(":")
        port_text = port if colon else None
        if re.fullmatch(r"[0-9.]+", host, re.ASCII):
            version = 4
    if not host:
        raise AddressError("empty")
    kind = host_kind(host)
    if version is not None and kind != f"ipv{version}":
        raise AddressError("bad_ip", version=version)
    if version is None and kind != "name":
        raise AddressError("not_address")
    return host, (None if port_text is None else _port(port_text))


def _port(text: str) -> int:
    port = parse_port(text)
    if port is not None:
        return port
    if not re.fullmatch(r"[0-9]+", text, re.ASCII):
        raise AddressError("port_not_number")
    raise AddressError("port_range", port=text if len(text) <= 12 else text[:11] + "…")
