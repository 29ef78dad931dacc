"""Talking to multipass and choosing a VM's address: the one code path shared by `tutor check
--multipass`, the machines screen's import (Ctrl+O) and `tutor doctor`.

Every call is bounded: `run` kills multipass after its timeout and reads at most MAX_OUTPUT
characters; `reach` gives a TCP connect at most CONNECT_TIMEOUT seconds.
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket
import subprocess
import time
from dataclasses import dataclass

MAX_OUTPUT = 1_000_000
CONNECT_TIMEOUT = 1.5
CHOOSE_BUDGET = 4.0
"""Seconds `choose` may spend trying one VM's addresses."""
MAX_ADDRESSES = 8
"""Addresses of one VM considered at most (a hostile list may have thousands)."""
REACH_PORTS = (22, 80, 3000)
"""The ports tried, in order, to find the address the laptop reaches: ssh (always on in Ubuntu's
cloud image), then nginx (proxy), then the app's dev server."""

VIRTUALBOX_NAT = ipaddress.ip_network("10.0.2.0/24")
"""VirtualBox's NAT network: every VM gets 10.0.2.15 there and the host cannot reach it
(canonical/multipass #1412, #1979, #2189)."""
DOCKER_BRIDGE = ipaddress.ip_network("172.17.0.0/16")
"""docker0 inside a VM that runs Docker: the laptop's own docker0 may have the same address."""


@dataclass(frozen=True)
class Answer:
    """What one multipass command gave: `problem` is "missing", "timeout" or "oserror" when it did
    not run to the end, else "" and `code`, `out`, `err` are its exit status and output."""

    code: int = 0
    out: str = ""
    err: str = ""
    problem: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem and self.code == 0

    @property
    def reason(self) -> str:
        """The error output as one line (multipass says why in two: "list failed: ...",
        "Please ensure multipassd is running ...")."""
        return " ".join(line.strip() for line in self.err.splitlines()[:5] if line.strip())


def run(args: list[str], timeout: float) -> Answer:
    """Run `multipass ARGS` with a C locale and no stdin, killed after `timeout` seconds."""
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(["multipass", *args], capture_output=True, text=True, errors="replace",
                              timeout=max(timeout, 0.1), env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        return Answer(problem="missing")
    except subprocess.TimeoutExpired:
        return Answer(problem="timeout")
    except OSError as exc:  # not executable, too many processes...
        return Answer(problem="oserror", err=str(exc))
    return Answer(code=done.returncode, out=done.stdout[:MAX_OUTPUT], err=done.stderr[:MAX_OUTPUT])


def daemon_down(answer: Answer) -> bool:
    """Whether multipass said it cannot reach multipassd ("cannot connect to the multipass socket",
    canonical/multipass #2505, #1996, #2973)."""
    return "cannot connect to the multipass socket" in answer.err.lower()


@dataclass(frozen=True)
class Reach:
    """One bounded TCP connect: `ok`, or the errno name of the failure ("ECONNREFUSED",
    "EHOSTUNREACH", "timeout", ...)."""

    host: str
    port: int
    ok: bool
    error: str = ""


def reach(host: str, port: int, timeout: float = CONNECT_TIMEOUT) -> Reach:
    """Try one TCP connect to host:port, at most `timeout` (<= CONNECT_TIMEOUT) seconds."""
    try:
        with socket.create_connection((host, port), timeout=min(timeout, CONNECT_TIMEOUT)):
            return Reach(host, port, True)
    except socket.timeout:
        return Reach(host, port, False, "timeout")
    except OSError as exc:
        name = errno.errorcode.get(exc.errno or 0, "") or type(exc).__name__
        return Reach(host, port, False, name)


def never_the_vm(address: str) -> bool:
    """Addresses a VM may list that are never the VM seen from the laptop (not even tried)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True
    return ip in VIRTUALBOX_NAT or ip in DOCKER_BRIDGE


@dataclass(frozen=True)
class Choice:
    """The address chosen for a VM and why.

    `why`: "only" (one usable address), "answered" (`port` answered first), "preferred" (nothing
    answered, or nothing was tried: the first usable address), "nat_only" (only VirtualBox NAT or
    docker addresses: nothing usable), "none" (no IPv4 at all).
    """

    address: str | None
    why: str
    port: int | None = None
    tried: tuple[Reach, ...] = ()


def preferred(ipv4: tuple[str, ...]) -> Choice:
    """The address to use without trying any: the first that is not VirtualBox NAT or docker."""
    usable = [ip for ip in ipv4 if not never_the_vm(ip)]
    if not ipv4:
        return Choice(None, "none")
    if not usable:
        return Choice(None, "nat_only")
    return Choice(usable[0], "only" if len(usable) == 1 else "preferred")


def choose(ipv4: tuple[str, ...], ports: tuple[int, ...] | None = None, budget: float = CHOOSE_BUDGET) -> Choice:
    """With several usable addresses, the first that answers on `ports` (tried in order, each on
    every address), within `budget` seconds; if none answers, the preferred one. One usable
    address is used without trying."""
    ipv4 = ipv4[:MAX_ADDRESSES]
    first = preferred(ipv4)
    if first.why != "preferred":
        return first
    end = time.monotonic() + budget
    tried: list[Reach] = []
    for port in ports or REACH_PORTS:
        for ip in (ip for ip in ipv4 if not never_the_vm(ip)):
            left = end - time.monotonic()
            if left <= 0:
                return Choice(first.address, "preferred", None, tuple(tried))
            result = reach(ip, port, min(left, CONNECT_TIMEOUT))
            tried.append(result)
            if result.ok:
                return Choice(ip, "answered", port, tuple(tried))
    return Choice(first.address, "preferred", None, tuple(tried))
