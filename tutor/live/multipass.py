"""The multipass client: running `multipass`, reading its VM list, choosing each VM's address and
matching VMs to the tutorial's roles. The one code path shared by `tutor check --multipass`, the
machines screen's import (Ctrl+O) and `tutor doctor`.

Every call is bounded: `run` kills multipass after its timeout and reads at most MAX_OUTPUT
characters; `reach` gives a TCP connect at most CONNECT_TIMEOUT seconds.
"""

from __future__ import annotations

import errno
import ipaddress
import json
import os
import re
import socket
import subprocess
import time
from collections.abc import Collection
from dataclasses import dataclass, field, replace

from sim.address import host_kind
from tutor.course import APP_PORT, APP_ROLES, PROXY_PORT, ROLES
from tutor.i18n import tr
from tutor.live.hosts import HostError, Machine
from tutor.sanitize import sanitize

MAX_OUTPUT = 1_000_000
LIST_TIMEOUT = 15.0
"""Seconds `multipass list` may take."""
IMPORT_BUDGET = 10.0
"""Seconds all of one import may spend trying addresses (`choose` per VM)."""
NOTES = "doctor"
"""The catalogue section of `address_note`'s texts (import.*), shared with `tutor doctor`."""
_VM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")
CONNECT_TIMEOUT = 1.5
CHOOSE_BUDGET = 4.0
"""Seconds `choose` may spend trying one VM's addresses."""
MAX_ADDRESSES = 8
"""Addresses of one VM considered at most (a hostile list may have thousands)."""
REACH_PORTS = (22, PROXY_PORT, APP_PORT)
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


@dataclass(frozen=True)
class VM:
    """One VM from `multipass list --format json`; `choice` is the address chosen for it by
    `with_addresses` (None: not chosen yet, `ip` then uses `preferred`)."""

    name: str
    state: str
    ipv4: tuple[str, ...]
    release: str = ""
    choice: Choice | None = None

    @property
    def running(self) -> bool:
        return self.state.lower() == "running"  # multipass before 1.8 printed RUNNING

    @property
    def ip(self) -> str | None:
        """The address to use, when the VM is running: the chosen one, else the first that is not
        VirtualBox NAT (10.0.2.x) or docker (172.17.x); None when there is none."""
        if not self.running:
            return None
        return (self.choice or preferred(self.ipv4)).address

    def describe(self) -> str:
        return f"{self.name} {self.ip or self.state}"


def read_multipass(timeout: float = LIST_TIMEOUT) -> list[VM]:
    """The VMs multipass knows, from `multipass list --format json` (bounded in time)."""
    answer = run(["list", "--format", "json"], timeout)
    if answer.problem == "missing":
        raise HostError("no_multipass")
    if answer.problem == "timeout":
        raise HostError("multipass_timeout", seconds=timeout)
    if not answer.ok:
        why = sanitize(answer.reason, 160)
        code = answer.code if not answer.problem else -1
        raise HostError("multipass_failed", exit=code, why=why or "-")
    return parse_multipass_json(answer.out)


def with_addresses(vms: list[VM], budget: float = IMPORT_BUDGET) -> list[VM]:
    """The VMs with an address chosen for each running one (multipass.choose: with several
    addresses, the one the laptop reaches), all within `budget` seconds: once it is spent, the
    preferred address is taken without trying."""
    end = time.monotonic() + budget
    return [replace(vm, choice=choose(vm.ipv4, budget=min(CHOOSE_BUDGET, end - time.monotonic())))
            if vm.running else vm for vm in vms]


def valid_vm_name(name: str) -> bool:
    """Whether `name` can be a multipass VM name (a letter, then letters, digits and `-`)."""
    return bool(_VM_NAME.fullmatch(name))


def parse_multipass_json(text: str) -> list[VM]:
    """Parse the output of `multipass list --format json`.

    VMs whose name multipass could not have given are left out, and so are addresses that are
    no IPv4 address: both reach the screen and the prompts.
    """
    try:
        data = json.loads(text)
        return [VM(name=str(item["name"]), state=sanitize(str(item.get("state", "")), 40, markup=False),
                   ipv4=tuple(str(ip) for ip in item.get("ipv4") or () if host_kind(str(ip)) == "ipv4"),
                   release=sanitize(str(item.get("release", "")), 80, markup=False))
                for item in data["list"] if valid_vm_name(str(item["name"]))]
    except (ValueError, KeyError, TypeError, RecursionError):
        raise HostError("multipass_json") from None


_PROXY_NAME = re.compile(r"proxy|nginx|balanc|(?:^|[^a-z])lb(?:[^a-z]|\d|$)")
_APP_NAME = re.compile(r"(?:app|aplikasi)\D*?(\d+)")


@dataclass
class RoleMatch:
    """VMs matched to roles by name; `unsure` lists the VMs to ask about (empty: nothing to ask)."""

    roles: dict[str, VM] = field(default_factory=dict)
    unsure: list[VM] = field(default_factory=list)
    ignored: list[VM] = field(default_factory=list)


def match_roles(vms: list[VM], taken_roles: Collection[str] = frozenset(),
                taken_addresses: Collection[str | None] = frozenset()) -> RoleMatch:
    """Match VMs to roles by name: exact role names first, then tutorial-like names.

    proxy/app1/app2/app3 match exactly; then a name with proxy/nginx/balancer/lb is the proxy and
    app<N>/aplikasi<N> is appN (N = 1..3), when exactly one VM claims the role. Roles in
    `taken_roles` (given with --host) and VMs whose address is in `taken_addresses` are left out.
    VMs left over are `unsure` when the proxy or every app is still missing, else `ignored`.
    """
    match = RoleMatch()
    free = [vm for vm in vms if not (vm.ip and vm.ip in taken_addresses)]
    for vm in list(free):
        role = vm.name.lower()
        if role in ROLES and role not in taken_roles and role not in match.roles:
            match.roles[role] = vm
            free.remove(vm)
    claims: dict[str, list[VM]] = {}
    for vm in free:
        name = vm.name.lower()
        app = _APP_NAME.search(name)
        if app and f"app{int(app.group(1))}" in APP_ROLES:
            claims.setdefault(f"app{int(app.group(1))}", []).append(vm)
        elif _PROXY_NAME.search(name):
            claims.setdefault("proxy", []).append(vm)
    for role, claimants in claims.items():
        if len(claimants) == 1 and role not in taken_roles and role not in match.roles:
            match.roles[role] = claimants[0]
            free.remove(claimants[0])
    have = set(match.roles) | set(taken_roles)
    missing_something = "proxy" not in have or not have & set(APP_ROLES)
    (match.unsure if missing_something else match.ignored).extend(free)
    return match


def machine_from_vm(role: str, vm: VM) -> Machine:
    """The Machine for a VM playing `role` (host None when the VM is not running)."""
    return Machine(role=role, host=vm.ip, port=ROLES[role], vm=vm.name, state=vm.state or "Unknown")


def parse_role_answer(answer: str, free_roles: list[str]) -> list[str]:
    """Roles typed in answer to "which role is VM X?": e.g. `proxy`, `app3`, `proxy,app3`, or empty."""
    roles = [part.strip().lower() for part in re.split(r"[,\s]+", answer) if part.strip()]
    if roles in (["skip"], ["-"], ["none"]):
        return []
    for role in roles:
        if role not in free_roles:
            raise HostError("not_free_role", role=role, roles=", ".join(free_roles))
    return roles


def address_note(vm: VM, lang: str) -> str | None:
    """Which address of `vm` is used and why, in `lang`, when that is not obvious (several
    addresses, or none the laptop can reach); None when it is. Texts: [doctor] import.*."""
    if not vm.running:
        return None
    choice = vm.choice or preferred(vm.ipv4)
    listed = ", ".join(vm.ipv4[:MAX_ADDRESSES])
    values = {"vm": vm.name, "ip": choice.address or "-", "list": listed or "-", "count": len(vm.ipv4),
              "port": choice.port or "-", "fix": launch_fix(vm.name)}
    if choice.why == "preferred" and not choice.tried:
        return tr(NOTES, "import.untried", lang, **values)
    if choice.why in ("nat_only", "none", "answered", "preferred"):
        return tr(NOTES, f"import.{choice.why}", lang, **values)
    if len(vm.ipv4) > 1:
        skipped = ", ".join(ip for ip in vm.ipv4[:MAX_ADDRESSES] if never_the_vm(ip))
        return tr(NOTES, "import.skipped", lang, **values, skipped=skipped)
    return None


def launch_fix(name: str) -> str:
    """The commands that give a VirtualBox VM an address the laptop reaches (a bridged network)."""
    return (f'multipass networks; multipass delete --purge {name}; '
            f'multipass launch 22.04 --name {name} --network "<Name from multipass networks>"')
