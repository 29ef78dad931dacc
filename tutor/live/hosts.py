"""Where the learner's machines are: `--host ROLE=ADDR[:PORT]`, `--domain` and `--multipass`."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, replace

from sim.address import RULE, host_kind, parse_port
from tutor.i18n import tr
from tutor.live import multipass
from tutor.course import APP_ROLES, DEFAULT_DOMAIN, ROLES
from tutor.live.sanitize import sanitize

MULTIPASS_TIMEOUT = 15.0
CHOOSE_BUDGET = 10.0
"""Seconds all of one import may spend trying addresses (multipass.choose per VM)."""
NOTES = "doctor"
"""The catalogue section of `address_note`'s texts (import.*), shared with `tutor doctor`."""
_VM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")



class HostError(ValueError):
    """Bad `--host`/`--domain` input or an unusable multipass answer; str() is a one-line reason.

    `code` names the reason and `values` fill it in, so the app can say it in the learner's
    language (the TUI's strings `host.<code>`); "" when there is no translation.
    """

    def __init__(self, message: str, code: str = "", **values: object) -> None:
        super().__init__(message)
        self.code = code
        self.values = values


@dataclass(frozen=True)
class Machine:
    """One role's address. `host` is None when multipass lists the VM but it is not running."""

    role: str
    host: str | None
    port: int
    vm: str | None = None  # the multipass VM name, when known
    state: str = "Running"

    @property
    def address(self) -> str:
        """host:port as in a URL (IPv6 in brackets)."""
        host = self.host or "?"
        return f"[{host}]:{self.port}" if ":" in host else f"{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.address}/"

    @property
    def name(self) -> str:
        """The name to use in "on X run ...": the VM name, else the role."""
        return self.vm or self.role

    @property
    def label(self) -> str:
        """How messages name the machine: `app2 (10.37.19.182:3000)` or `aplikasi2 (app2, ...)`."""
        if self.vm and self.vm != self.role:
            return f"{self.vm} ({self.role}, {self.address})"
        return f"{self.role} ({self.address})"


@dataclass
class Machines:
    """The machines a run of checks may contact, by role, and the domain to test."""

    by_role: dict[str, Machine] = field(default_factory=dict)
    domain: str = DEFAULT_DOMAIN
    lab: bool = False  # the machines are the lab's (`tutor lab`): messages name the lab's commands

    @property
    def proxy(self) -> Machine | None:
        return self.by_role.get("proxy")

    @property
    def apps(self) -> list[Machine]:
        return [self.by_role[role] for role in APP_ROLES if role in self.by_role]


_URL = re.compile(r"^\s*[A-Za-z][A-Za-z0-9+.-]*://([^/?#]*)")


def strip_url(text: str) -> str:
    """`http://10.0.0.1:3000/` -> `10.0.0.1:3000`: a pasted URL's address part (else `text`)."""
    match = _URL.match(text)
    return match.group(1) if match else text


def parse_address(text: str, default_port: int) -> tuple[str, int]:
    """Split `ADDR[:PORT]` (IPv4, [IPv6] or bare IPv6, hostname) into a checked host and port;
    a pasted URL (`http://ADDR:PORT/path`) counts as its address part.

    The rule is sim/address.py's: dotted-quad IPv4, IPv6 or an RFC 1123 host name; so `127.1`
    and `0x7f.0.0.1` are both refused. A port is 1-65535 in ASCII digits (`²` is no digit here).
    """
    text = strip_url(text.strip())
    shown = text if len(text) <= 80 else text[:79] + "…"
    port_text = None
    if text.startswith("["):
        end = text.find("]")
        if end < 0:
            raise HostError(f"{shown!r}: missing ']' after the IPv6 address", "no_bracket", text=shown)
        host, rest = text[1:end], text[end + 1:]
        if rest:
            if not rest.startswith(":"):
                raise HostError(f"{shown!r}: expected ':PORT' after ']'", "after_bracket", text=shown)
            port_text = rest[1:]
        _check_ip(host, 6, shown)
    elif text.count(":") > 1:
        host = text
        _check_ip(host, 6, shown)
    else:
        host, _, port_text = text.partition(":") if ":" in text else (text, "", None)
        if not host:
            raise HostError(f"{shown!r}: the address is empty", "empty", text=shown)
        if re.fullmatch(r"[0-9.]+", host, re.ASCII):
            _check_ip(host, 4, shown)
        elif host_kind(host) != "name":
            raise HostError(f"{shown!r} is not an IP address or host name: {RULE}", "not_address", text=shown)
    port = default_port if port_text is None else _parse_port(port_text, shown)
    return host.lower(), port


def _check_ip(host: str, version: int, text: str) -> None:
    if host_kind(host) != f"ipv{version}":
        raise HostError(f"{text!r} is not a valid IPv{version} address (IPv4 is written as four numbers "
                        "from 0 to 255 with dots, e.g. 10.37.19.46)", "bad_ip", text=text, version=version)


def _parse_port(port_text: str, text: str) -> int:
    port = parse_port(port_text)
    if port is not None:
        return port
    if not re.fullmatch(r"[0-9]+", port_text, re.ASCII):
        raise HostError(f"{text!r}: the port must be a number from 1 to 65535", "port_not_number", text=text)
    shown = port_text if len(port_text) <= 12 else port_text[:11] + "…"
    raise HostError(f"{text!r}: port {shown} is out of range (1-65535)", "port_range", text=text, port=shown)


def parse_host_spec(spec: str) -> Machine:
    """`ROLE=ADDR[:PORT]` -> Machine; the port defaults to the role's (proxy 80, apps 3000)."""
    role, sep, addr = spec.partition("=")
    role = role.strip().lower()
    if not sep:
        raise HostError(f"--host {spec!r}: expected ROLE=ADDR[:PORT], e.g. app1=10.37.19.46:3000", "host_spec", spec=spec)
    if role not in ROLES:
        raise HostError(f"--host {spec!r}: unknown role {role!r}; roles are {', '.join(ROLES)}", "unknown_role",
                        spec=spec, role=role, roles=", ".join(ROLES))
    host, port = parse_address(addr, ROLES[role])
    return Machine(role=role, host=host, port=port)


def parse_domain(domain: str | None) -> str:
    """The domain to test (default hasil.xyz), checked to be a host name."""
    if domain is None:
        return DEFAULT_DOMAIN
    domain = domain.strip().rstrip(".").lower()
    if host_kind(domain) != "name":
        raise HostError(f"--domain {domain!r} is not a domain name (e.g. hasil.xyz)", "bad_domain", domain=domain)
    return domain


def machines_from_specs(specs: list[str], domain: str | None = None) -> Machines:
    """Machines from `--host` options; a role given twice is an error."""
    machines = Machines(domain=parse_domain(domain))
    for spec in specs:
        machine = parse_host_spec(spec)
        if machine.role in machines.by_role:
            raise HostError(f"--host: role {machine.role} is given twice", "role_twice", role=machine.role)
        machines.by_role[machine.role] = machine
    return machines


def machines_from_settings(settings, domain: str | None = None) -> Machines:
    """The learner's machines saved in the app (role -> ADDR[:PORT], VM names, domain; `domain`
    overrides the saved one); HostError if unusable."""
    machines = machines_from_specs([f"{role}={addr}" for role, addr in settings.hosts.items()],
                                   domain or settings.domain)
    for role, machine in machines.by_role.items():
        vm = settings.vms.get(role)
        if vm:
            machines.by_role[role] = replace(machine, vm=vm)
    from tutor.live.lab_machines import inside_lab, saved_lab

    machines.lab = saved_lab(settings) or inside_lab()
    return machines


# --- multipass --------------------------------------------------------------------------------

@dataclass(frozen=True)
class VM:
    """One VM from `multipass list --format json`; `choice` is the address chosen for it by
    `with_addresses` (None: not chosen yet, `ip` then uses multipass.preferred)."""

    name: str
    state: str
    ipv4: tuple[str, ...]
    release: str = ""
    choice: multipass.Choice | None = None

    @property
    def running(self) -> bool:
        return self.state.lower() == "running"  # multipass before 1.8 printed RUNNING

    @property
    def ip(self) -> str | None:
        """The address to use, when the VM is running: the chosen one, else the first that is not
        VirtualBox NAT (10.0.2.x) or docker (172.17.x); None when there is none."""
        if not self.running:
            return None
        return (self.choice or multipass.preferred(self.ipv4)).address

    def describe(self) -> str:
        return f"{self.name} {self.ip or self.state}"


def read_multipass(timeout: float = MULTIPASS_TIMEOUT) -> list[VM]:
    """The VMs multipass knows, from `multipass list --format json` (bounded in time)."""
    answer = multipass.run(["list", "--format", "json"], timeout)
    if answer.problem == "missing":
        raise HostError("multipass is not installed here (not on PATH); give the machines "
                        "with --host ROLE=ADDR instead", "no_multipass")
    if answer.problem == "timeout":
        raise HostError(f"`multipass list` did not answer within {timeout:g} s; is multipassd "
                        "running? Or give the machines with --host ROLE=ADDR", "multipass_timeout",
                        seconds=f"{timeout:g}")
    if not answer.ok:
        why = sanitize(answer.reason, 160)
        code = answer.code if not answer.problem else -1
        raise HostError(f"`multipass list` failed (exit {code}): {why or 'no message'}",
                        "multipass_failed", exit=code, why=why or "-")
    return parse_multipass_json(answer.out)


def with_addresses(vms: list[VM], budget: float = CHOOSE_BUDGET) -> list[VM]:
    """The VMs with an address chosen for each running one (multipass.choose: with several
    addresses, the one the laptop reaches), all within `budget` seconds: once it is spent, the
    preferred address is taken without trying."""
    end = time.monotonic() + budget
    return [replace(vm, choice=multipass.choose(vm.ipv4, budget=min(multipass.CHOOSE_BUDGET, end - time.monotonic())))
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
        raise HostError("`multipass list --format json` printed something that is not its "
                        "usual JSON; give the machines with --host ROLE=ADDR", "multipass_json") from None


_PROXY_NAME = re.compile(r"proxy|nginx|balanc|(?:^|[^a-z])lb(?:[^a-z]|\d|$)")
_APP_NAME = re.compile(r"(?:app|aplikasi)\D*?(\d+)")


@dataclass
class RoleMatch:
    """VMs matched to roles by name; `unsure` lists the VMs to ask about (empty: nothing to ask)."""

    roles: dict[str, VM] = field(default_factory=dict)
    unsure: list[VM] = field(default_factory=list)
    ignored: list[VM] = field(default_factory=list)


def match_roles(vms: list[VM], taken_roles: set[str] = frozenset(),
                taken_addresses: set[str] = frozenset()) -> RoleMatch:
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
            raise HostError(f"{role!r} is not a free role; choose from {', '.join(free_roles)}", "not_free_role",
                            role=role, roles=", ".join(free_roles))
    return roles


def address_note(vm: VM, lang: str) -> str | None:
    """Which address of `vm` is used and why, in `lang`, when that is not obvious (several
    addresses, or none the laptop can reach); None when it is. Texts: [doctor] import.*."""
    if not vm.running:
        return None
    choice = vm.choice or multipass.preferred(vm.ipv4)
    listed = ", ".join(vm.ipv4[:multipass.MAX_ADDRESSES])
    values = {"vm": vm.name, "ip": choice.address or "-", "list": listed or "-", "count": len(vm.ipv4),
              "port": choice.port or "-", "fix": launch_fix(vm.name)}
    if choice.why == "preferred" and not choice.tried:
        return tr(NOTES, "import.untried", lang, **values)
    if choice.why in ("nat_only", "none", "answered", "preferred"):
        return tr(NOTES, f"import.{choice.why}", lang, **values)
    if len(vm.ipv4) > 1:
        skipped = ", ".join(ip for ip in vm.ipv4[:multipass.MAX_ADDRESSES] if multipass.never_the_vm(ip))
        return tr(NOTES, "import.skipped", lang, **values, skipped=skipped)
    return None


def launch_fix(name: str) -> str:
    """The commands that give a VirtualBox VM an address the laptop reaches (a bridged network)."""
    return (f'multipass networks; multipass delete --purge {name}; '
            f'multipass launch 22.04 --name {name} --network "<Name from multipass networks>"')
