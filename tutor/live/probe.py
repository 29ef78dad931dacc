"""One bounded HTTP request to a learner's machine, and what it saw.

Every probe is bounded: one deadline covers connecting, sending, the headers and the body (a
server trickling a byte a second cannot hold it longer), the body is read up to BODY_LIMIT
bytes, and only same-address redirects are followed.
"""

from __future__ import annotations

import asyncio
import errno
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import httpx

from tutor.live.hosts import Machine
from tutor.sanitize import sanitize

BODY_LIMIT = 256 * 1024
MAX_REDIRECTS = 3
SHOWN_HEADERS = ("server", "x-upstream", "location", "content-type", "content-length")

_REFUSED = {errno.ECONNREFUSED}
_UNREACHABLE = {errno.EHOSTUNREACH, errno.ENETUNREACH, errno.EHOSTDOWN, errno.EADDRNOTAVAIL,
                errno.ENETDOWN}
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title", re.IGNORECASE | re.DOTALL)


@dataclass
class Probe:
    """The outcome of one request: an HTTP answer, or `failure` (refused, timeout, unreachable,
    dns, broken) with a short sanitized `detail`."""

    url: str
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)  # lower-case names, raw values
    body: bytes = b""
    elapsed_ms: int = 0
    failure: str | None = None
    detail: str = ""
    sent: bool = False  # the request reached the server (a timeout then means: no answer came back)

    @property
    def answered(self) -> bool:
        return self.failure is None and self.status is not None

    @property
    def title(self) -> str:
        """The page's <title>, sanitized ("" when there is none)."""
        found = _TITLE.search(self.body)
        return sanitize(found.group(1), 80) if found else ""

    def evidence(self) -> dict:
        """The evidence shown with a result: url, status, the headers that matter, elapsed_ms."""
        headers = {name: sanitize(self.headers[name], 120) for name in SHOWN_HEADERS if name in self.headers}
        return {"url": self.url, "status": self.status, "headers": headers, "elapsed_ms": self.elapsed_ms}


def make_client(timeout: float) -> httpx.AsyncClient:
    """A client that never uses proxies from the environment, cookies or automatic redirects."""
    return httpx.AsyncClient(trust_env=False, follow_redirects=False,
                             timeout=httpx.Timeout(timeout),
                             limits=httpx.Limits(max_connections=32, max_keepalive_connections=8))


async def fetch(client: httpx.AsyncClient, machine: Machine, timeout: float, path: str = "/",
                host_header: str | None = None) -> Probe:
    """GET `path` from `machine` (with `Host: host_header` if given), all within `timeout` seconds."""
    url = f"http://{machine.address}{path}"
    probe = Probe(url=url)
    if machine.host is None:
        probe.failure, probe.detail = "vm_stopped", machine.state
        return probe
    headers = {"Accept-Encoding": "identity", "User-Agent": "tutor-live-check"}
    if host_header:
        headers["Host"] = host_header
    start = time.monotonic()
    try:
        async with asyncio.timeout(timeout):
            for _ in range(MAX_REDIRECTS + 1):
                probe.url = url
                await _get(client, url, headers, probe)
                target = _same_address_redirect(probe, url, machine, host_header)
                if target is None:
                    break
                url = target
    except Exception as exc:  # noqa: BLE001 - every failure becomes a classified Probe
        probe.failure, probe.detail = classify(exc)
        probe.status = None
    probe.elapsed_ms = round((time.monotonic() - start) * 1000)
    return probe


async def _get(client: httpx.AsyncClient, url: str, headers: dict[str, str], probe: Probe) -> None:
    async def trace(event: str, info: dict) -> None:
        if event.endswith("send_request_headers.complete"):
            probe.sent = True

    async with client.stream("GET", url, headers=headers, extensions={"trace": trace}) as response:
        probe.status = response.status_code
        probe.headers = {name.lower(): value for name, value in response.headers.items()}
        chunks, size = [], 0
        async for chunk in response.aiter_raw():
            chunks.append(chunk)
            size += len(chunk)
            if size >= BODY_LIMIT:
                break
        probe.body = b"".join(chunks)[:BODY_LIMIT]


def _same_address_redirect(probe: Probe, url: str, machine: Machine, host_header: str | None) -> str | None:
    """The URL to follow when the answer redirects to the same machine (else None)."""
    if probe.status not in (301, 302, 303, 307, 308) or "location" not in probe.headers:
        return None
    target = urlsplit(urljoin(url, probe.headers["location"]))
    names = {machine.host, host_header}
    if target.scheme != "http" or target.hostname not in names or (target.port or 80) != machine.port:
        return None
    path = target.path or "/"
    return f"http://{machine.address}{path}" + (f"?{target.query}" if target.query else "")


def classify(exc: BaseException) -> tuple[str, str]:
    """(failure kind, detail) for an exception raised while fetching."""
    if isinstance(exc, (TimeoutError, httpx.TimeoutException)):
        return "timeout", ""
    for cause in _chain(exc):
        if isinstance(cause, socket.gaierror):
            return "dns", sanitize(str(cause), 120)
        if isinstance(cause, OSError) and cause.errno is not None:
            if cause.errno in _REFUSED:
                return "refused", ""
            if cause.errno in _UNREACHABLE:
                return "unreachable", sanitize(cause.strerror or str(cause), 120)
            if cause.errno == errno.ETIMEDOUT:
                return "timeout", ""
    text = str(exc)
    if isinstance(exc, httpx.ConnectError):
        if "refused" in text.lower():
            return "refused", ""
        if "name or service" in text.lower() or "nodename" in text.lower():
            return "dns", sanitize(text, 120)
        return "unreachable", sanitize(text, 120)
    return "broken", sanitize(text or type(exc).__name__, 120)


def _chain(exc: BaseException | None) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__
