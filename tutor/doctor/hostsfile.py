"""The domain (default hasil.xyz) in the laptop's hosts file: missing, pointing elsewhere, or a
wrong line above the right one (the first line that names the domain wins)."""

from __future__ import annotations

from pathlib import Path

from tutor.doctor.finding import Context, Finding
from tutor.doctor.vms import Seen
from tutor.sanitize import sanitize

GROUP = "hosts"
MAX_BYTES = 1_000_000
WINDOWS_HOSTS = Path(r"C:\Windows\System32\drivers\etc\hosts")
UNIX_HOSTS = Path("/etc/hosts")


def hosts_path(ctx: Context) -> Path:
    if ctx.hosts_path is not None:
        return ctx.hosts_path
    return WINDOWS_HOSTS if ctx.system == "Windows" else UNIX_HOSTS


def entries(text: str, domain: str) -> list[tuple[int, str]]:
    """(line number, address) of every line that names `domain`, in file order."""
    found = []
    for number, line in enumerate(text.splitlines()[:20_000], 1):
        words = line.split("#", 1)[0].split()
        if len(words) >= 2 and domain in (word.lower().rstrip(".") for word in words[1:]):
            found.append((number, sanitize(words[0], 60, markup=False)))
    return found


def probe(ctx: Context, seen: Seen) -> list[Finding]:
    path = hosts_path(ctx)
    proxy = seen.roles.get("proxy")
    expected = proxy.ip if proxy else None
    values = {"domain": ctx.domain, "path": str(path), "ip": expected or "<IP-proxy>"}
    try:
        with open(path, "rb") as fh:
            text = fh.read(MAX_BYTES).decode("utf-8-sig", errors="replace")
    except OSError as exc:
        return [ctx.finding("hosts_unreadable", "warning", GROUP, {"path": str(path), "error": exc.strerror or str(exc)},
                            **values)]
    lines = entries(text, ctx.domain)
    evidence = {"path": str(path), "lines": [f"{number}: {address}" for number, address in lines],
                "proxy": expected}
    if not lines:
        return [ctx.finding("hosts_missing", "info", GROUP, evidence, **values)]
    first_line, first = lines[0]
    if expected is None:
        return [ctx.finding("hosts_unchecked", "info", GROUP, evidence, **values, found=first, line=first_line)]
    if first == expected:
        return [ctx.finding("hosts_ok", "ok", GROUP, evidence, **values, line=first_line)]
    right = [number for number, address in lines if address == expected]
    if right:
        return [ctx.finding("hosts_shadowed", "blocker", GROUP, evidence, **values, found=first, line=first_line,
                            right_line=right[0])]
    return [ctx.finding("hosts_wrong", "blocker", GROUP, evidence, **values, found=first, line=first_line)]
