"""The lab's network: one network namespace per machine, veth links on one bridge, power as link state.

Every call is `ip` (iproute2) in batch mode where it can be; a failure is a LabError `ip_failed`
with ip's own last line. Names come from the caller (`Lab.ns`), so nothing here knows a prefix.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path

from tutor.lab.errors import LabError
from tutor.lab.topology import BRIDGE_ROLE, LINK, PREFIX_LEN

COMMAND_TIMEOUT = 30.0
NETNS_ETC = Path("/etc/netns")  # used by labs of earlier versions; `down` still clears it


def ip(args: list[str], input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    """Run `ip ARGS` (with `input` for `-b -`); LabError when it is missing or (with `check`) fails."""
    try:
        done = subprocess.run(["ip", *args], input=input, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)
    except FileNotFoundError:
        raise LabError("missing_tool", tool="ip", package="iproute2") from None
    if check and done.returncode != 0:
        why = last_line(done.stderr)
        raise LabError("ip_failed", why=why)
    return done


def last_line(text: str) -> str:
    """The last non-empty line of a tool's output (at most 200 characters), for a one-line reason."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


def netns_list() -> list[str]:
    """Every named network namespace on this machine."""
    try:
        return sorted(os.listdir("/run/netns"))
    except OSError:
        return []


def netns_pids(name: str) -> list[int]:
    """The processes whose network namespace is `name`."""
    done = ip(["netns", "pids", name], check=False)
    return [int(word) for word in done.stdout.split() if word.isdigit()]


def build(ns: Callable[[str], str], roles: Iterable[str], address: Callable[[str], str]) -> None:
    """The bridge's namespace and one namespace per role, each linked to the bridge and addressed."""
    roles = tuple(roles)
    bridge = ns(BRIDGE_ROLE)
    lines = [f"netns add {ns(role)}\n" for role in (BRIDGE_ROLE, *roles)]
    lines += [f"link add {LINK} netns {ns(role)} type veth peer name {role} netns {bridge}\n" for role in roles]
    ip(["-b", "-"], "".join(lines))
    ports = "".join(f"link set {role} master br0\nlink set {role} up\n" for role in roles)
    ip(["-n", bridge, "-b", "-"], "link add br0 type bridge\nlink set br0 up\n" + ports)
    for role in roles:
        configure_link(ns, role, address(role))


def configure_link(ns: Callable[[str], str], role: str, address: str) -> None:
    """`role`'s loopback and link up, with its address on the lab's /24."""
    ip(["-n", ns(role), "-b", "-"], f"link set lo up\naddr add {address}/{PREFIX_LEN} dev {LINK}\nlink set {LINK} up\n")


def set_power(ns_name: str, on: bool) -> None:
    """Bring the machine's link up or down, as a VM switched on or off."""
    ip(["-n", ns_name, "link", "set", LINK, "up" if on else "down"])


def powered(ns_name: str) -> bool:
    """True when the machine's link is up."""
    done = ip(["-n", ns_name, "-br", "link", "show", LINK], check=False)
    return done.returncode == 0 and "UP" in done.stdout.split()[1:2]


def remove(names: list[str]) -> None:
    """Delete these namespaces (what runs in them must be gone first: Lab.down)."""
    if names:
        ip(["-b", "-"], "".join(f"netns del {name}\n" for name in names), check=False)


def remove_old_etc(names: Iterable[str]) -> None:
    """/etc/netns/<name> of labs of earlier versions."""
    for name in names:
        shutil.rmtree(NETNS_ETC / name, ignore_errors=True)
