"""Probes of the laptop itself: OS, Python, terminal, free RAM and disk for three VMs."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

from tutor.doctor.finding import Context, Finding
from tutor.i18n import number

GROUP = "laptop"
GIB = 1024 ** 3
RAM_NEEDED = 4 * GIB
"""Below this, three of multipass's default VMs (1 GB each) and the laptop itself do not fit."""
RAM_WANTED = 8 * GIB
"""The lesson launches app1 and app2 with 2 GB (`npm install` peaks near 1 GB) and the proxy
with 1 GB: 5 GB of VMs next to the laptop's own programs."""
DISK_NEEDED = 8 * GIB
"""Three Ubuntu images with Node, node_modules and nginx (the disks grow as they are used)."""
DISK_WANTED = 25 * GIB
"""The lesson's disks at their largest: proxy 5 GB (multipass's default) + 2 × 10 GB."""
WINDOWS_HOME = ("core", "corecountryspecific", "coresinglelanguage", "coren")
"""platform.win32_edition() of Windows Home: no Hyper-V, so multipass uses VirtualBox."""


def probe(ctx: Context) -> list[Finding]:
    """The laptop's findings, in order: OS, Python, terminal, RAM, disk."""
    return [*os_findings(ctx), python_finding(ctx), *terminal_findings(ctx), ram_finding(ctx), disk_finding(ctx)]


def os_findings(ctx: Context) -> list[Finding]:
    version = platform.mac_ver()[0] if ctx.system == "Darwin" else linux_name() or platform.version()
    evidence = {"system": ctx.system, "release": ctx.release, "version": version, "machine": platform.machine()}
    shown = {"Darwin": "macOS"}.get(ctx.system, ctx.system)
    found = [ctx.finding("os", "info", GROUP, evidence, system=shown, version=version or ctx.release)]
    if ctx.system == "Windows":
        edition = windows_edition()
        if edition.lower() in WINDOWS_HOME:
            found.append(ctx.finding("windows_home", "warning", GROUP, {"edition": edition}))
    return found


def linux_name() -> str:
    """The distribution's name and version (os-release PRETTY_NAME), "" elsewhere."""
    try:
        return platform.freedesktop_os_release().get("PRETTY_NAME", "")
    except OSError:
        return ""


def windows_edition() -> str:
    try:
        return platform.win32_edition() or ""
    except (AttributeError, OSError):  # not Windows, or the registry is unreadable
        return ""


def python_finding(ctx: Context) -> Finding:
    version = platform.python_version()
    return ctx.finding("python", "ok", GROUP, {"version": version, "executable": sys.executable}, version=version)


def terminal_findings(ctx: Context) -> list[Finding]:
    size = shutil.get_terminal_size((0, 0))
    encoding = (getattr(sys.stdout, "encoding", "") or "").lower().replace("-", "")
    colours = os.environ.get("COLORTERM", "") or os.environ.get("TERM", "") or "-"
    evidence = {"columns": size.columns, "lines": size.lines, "encoding": encoding or "-", "colours": colours,
                "no_color": "NO_COLOR" in os.environ}
    found = []
    if size.columns and size.lines and (size.columns < 80 or size.lines < 24):  # 0: not a terminal
        found.append(ctx.finding("terminal_small", "warning", GROUP, evidence, columns=size.columns, lines=size.lines))
    if encoding and encoding not in ("utf8", "utf16", "utf32"):
        found.append(ctx.finding("terminal_not_utf8", "warning", GROUP, evidence, encoding=encoding))
    if not found:
        found.append(ctx.finding("terminal", "ok", GROUP, evidence, columns=size.columns or "?",
                                 lines=size.lines or "?", colours=colours))
    return found


def memory() -> tuple[int | None, int | None]:
    """(total, available) bytes of RAM; None where this system does not say."""
    info: dict[str, int] = {}
    try:
        with open("/proc/meminfo", encoding="ascii", errors="replace") as fh:
            for line in fh:
                name, _, rest = line.partition(":")
                words = rest.split()
                if words and words[0].isdigit():
                    info[name] = int(words[0]) * 1024
    except OSError:
        pass
    if "MemTotal" in info:
        return info["MemTotal"], info.get("MemAvailable")
    if sys.platform == "win32":
        return _windows_memory()
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"), None
    except (ValueError, OSError, AttributeError):
        return None, None


def _windows_memory() -> tuple[int | None, int | None]:
    import ctypes

    class Status(ctypes.Structure):
        _fields_ = [("dwLength", ctypes.c_ulong), ("dwMemoryLoad", ctypes.c_ulong),
                    ("ullTotalPhys", ctypes.c_ulonglong), ("ullAvailPhys", ctypes.c_ulonglong),
                    ("ullTotalPageFile", ctypes.c_ulonglong), ("ullAvailPageFile", ctypes.c_ulonglong),
                    ("ullTotalVirtual", ctypes.c_ulonglong), ("ullAvailVirtual", ctypes.c_ulonglong),
                    ("ullAvailExtendedVirtual", ctypes.c_ulonglong)]

    status = Status()
    status.dwLength = ctypes.sizeof(Status)
    if not ctypes.windll.kernel32.GlobalMemoryStatusEx(ctypes.byref(status)):  # type: ignore[attr-defined]
        return None, None
    return status.ullTotalPhys, status.ullAvailPhys


def gib(value: int | None, lang: str = "en") -> str:
    """Bytes as GiB with one decimal in `lang`'s decimal mark ("?" when unknown); the evidence
    (JSON) takes the default, "."."""
    return "?" if value is None else number(value / GIB, lang, ".1f")


def ram_finding(ctx: Context) -> Finding:
    total, available = memory()
    evidence = {"total_gib": gib(total), "available_gib": gib(available)}
    values = {"total": gib(total, ctx.lang), "available": gib(available, ctx.lang)}
    if total is None:
        return ctx.finding("ram_unknown", "info", GROUP, evidence)
    if total < RAM_NEEDED:
        return ctx.finding("ram_low", "blocker", GROUP, evidence, **values)
    if total < RAM_WANTED:
        return ctx.finding("ram_tight", "warning", GROUP, evidence, **values)
    return ctx.finding("ram", "ok", GROUP, evidence, **values)


def disk_free(path: Path | None = None) -> int | None:
    try:
        return shutil.disk_usage(path or Path.home()).free
    except (OSError, RuntimeError):
        return None


def disk_finding(ctx: Context) -> Finding:
    free = disk_free()
    evidence = {"free_gib": gib(free), "path": str(Path.home())}
    if free is None:
        return ctx.finding("disk_unknown", "info", GROUP, evidence)
    if free < DISK_NEEDED:
        return ctx.finding("disk_low", "blocker", GROUP, evidence, free=gib(free, ctx.lang))
    if free < DISK_WANTED:
        return ctx.finding("disk_tight", "warning", GROUP, evidence, free=gib(free, ctx.lang))
    return ctx.finding("disk", "ok", GROUP, evidence, free=gib(free, ctx.lang))
