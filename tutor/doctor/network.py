"""Can the laptop reach each VM (ports 22, 80, 3000), and if not, what on this OS explains it:
macOS 15's Local Network privacy, a VPN's default route; and Docker's iptables next to
multipass's bridge on Linux (canonical/multipass #2477), which takes the VMs' internet away.

Connects go only to the learner's own VMs' addresses, as multipass listed them, each bounded.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from tutor.course import APP_PORT, PROXY_PORT
from tutor.doctor.finding import Context, Finding
from tutor.doctor.vms import Seen
from tutor.live import multipass

GROUP = "network"
SSH = 22
REACHED = ("ECONNREFUSED",)
"""A refusal comes from the VM itself: the laptop reaches it, only the port is closed."""
MACOS_15 = 24
"""Darwin's major version of macOS 15 (Sequoia), which brought Local Network privacy."""
_VPN_INTERFACE = re.compile(r"^(tun|tap|wg|utun|ppp|ipsec|gpd|zt)\d*", re.IGNORECASE)


def probe(ctx: Context, seen: Seen) -> list[Finding]:
    """Reachability of every running VM, then the OS-specific explanations."""
    found: list[Finding] = []
    unreachable: list[str] = []
    for role, (vm, ip) in seen.running_roles().items():
        if ctx.left() <= 0:
            ctx.skipped.append(f"reach {vm.name}")
            continue
        port = PROXY_PORT if role == "proxy" else APP_PORT
        results = [multipass.reach(ip, SSH), multipass.reach(ip, port)]
        evidence = {"vm": vm.name, "ip": ip, **{str(r.port): "open" if r.ok else r.error for r in results}}
        if not any(r.ok or r.error in REACHED for r in results):
            unreachable.append(vm.name)
            errors = {r.error for r in results}
            if ctx.system == "Darwin" and darwin_major(ctx.release) >= MACOS_15 and "EHOSTUNREACH" in errors:
                found.append(ctx.finding("macos_local_network", "blocker", GROUP, evidence, vm=vm.name, ip=ip))
            else:
                found.append(ctx.finding("vm_unreachable", "blocker", GROUP, evidence, vm=vm.name, ip=ip,
                                         error=", ".join(sorted(errors))))
        elif not results[1].ok:
            found.append(ctx.finding("port_closed", "info", GROUP, evidence, vm=vm.name, ip=ip, port=port,
                                     role=role))
        else:
            found.append(ctx.finding("vm_reachable", "ok", GROUP, evidence, vm=vm.name, ip=ip, port=port))
    if unreachable:
        interface = vpn_interface(ctx)
        if interface:
            found.append(ctx.finding("vpn_route", "warning", GROUP, {"interface": interface}, interface=interface))
    if ctx.system == "Linux" and seen.usable:
        found.extend(docker_findings(ctx))
    return found


def darwin_major(release: str) -> int:
    match = re.match(r"(\d+)", release or "")
    return int(match.group(1)) if match else 0


def vpn_interface(ctx: Context) -> str:
    """The interface of a default route that looks like a VPN's (tun, wg, utun, ppp...), or ""."""
    if ctx.system == "Linux":
        return _linux_vpn_interface(Path("/proc/net/route"))
    if ctx.system == "Darwin":
        out = _run(["route", "-n", "get", "default"])
        match = re.search(r"interface:\s*(\S+)", out)
        return match.group(1) if match and _VPN_INTERFACE.match(match.group(1)) else ""
    return ""


def _linux_vpn_interface(route_table: Path) -> str:
    try:
        lines = route_table.read_text(encoding="ascii", errors="replace").splitlines()[1:200]
    except OSError:
        return ""
    for line in lines:
        fields = line.split()
        if len(fields) > 7 and fields[1] == "00000000" and fields[7] == "00000000" and _VPN_INTERFACE.match(fields[0]):
            return fields[0][:20]
    return ""


def docker_installed() -> bool:
    return bool(shutil.which("docker")) or Path("/var/run/docker.sock").exists()


def forward_policy() -> str:
    """The FORWARD chain's policy from `iptables -S FORWARD` ("DROP", "ACCEPT"), or "" when it
    cannot be read (iptables needs root)."""
    out = _run(["iptables", "-S", "FORWARD"])
    match = re.search(r"^-P FORWARD (\w+)", out, re.MULTILINE)
    return match.group(1) if match else ""


def docker_findings(ctx: Context) -> list[Finding]:
    if not docker_installed():
        return []
    policy = forward_policy()
    evidence = {"docker": True, "forward_policy": policy or None}
    if policy == "DROP":
        return [ctx.finding("docker_forward_drop", "warning", GROUP, evidence)]
    if not policy:
        return [ctx.finding("docker_present", "info", GROUP, evidence)]
    return []


def _run(argv: list[str], timeout: float = 3.0) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, errors="replace", timeout=timeout,
                              stdin=subprocess.DEVNULL, env={"LC_ALL": "C", "PATH": "/usr/sbin:/sbin:/usr/bin:/bin"})
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout[:100_000] if done.returncode == 0 else ""
