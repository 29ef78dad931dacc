"""Where the learner's machines are: `--host ROLE=ADDR[:PORT]`, `--domain` and `--multipass`."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass, field, replace

from sim import address
from sim.address import host_kind
from tutor.i18n import has, tr
from tutor.live import multipass
from tutor.course import APP_ROLES, DEFAULT_DOMAIN, ROLES
from tutor.live.sanitize import sanitize

MULTIPASS_TIMEOUT = 15.0
CHOOSE_BUDGET = 10.0
"""Seconds all of one import may spend trying addresses (multipass.choose per VM)."""
CLI_TEXT = "check_cli"
APP_TEXT = "ui"
"""The catalogue sections of HostError's texts: the command line's wording, the app's."""
NOTES = "doctor"
"""The catalogue section of `address_note`'s texts (import.*), shared with `tutor doctor`."""
_VM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")



class HostError(ValueError):
    """Bad `--host`/`--domain` input, an unusable multipass answer, a machine that cannot be read.

    `code` names the reason and `values` fill it in: the text is `host.<code>` in the catalogue,
    worded for the command line (`[check_cli]`, it names `--host`) or for the app (`[ui]`); each
    falls back on the other. str() is the command line's English text, one line.
    """

    def __init__(self, code: str, **values: object) -> None:
        super().__init__(code)
        self.code = code
        self.values = values

    def text(self, lang: str, cli: bool = True) -> str:
        """The reason in `lang`, in the command line's wording (`cli`) or the app's."""
        key = f"host.{self.code}"
        for section in (CLI_TEXT, APP_TEXT) if cli else (APP_TEXT, CLI_TEXT):
            if has(section, key):
                return tr(section, key, lang, **self.values)
        return key

    def __str__(self) -> str:
        return self.text("en")


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
    """Split `ADDR[:PORT]` (IPv4, [IPv6] or bare IPv6, hostname) into a checked host (lowercase)
    and port (`default_port` when none is given); a pasted URL (`http://ADDR:PORT/path`) counts
    as its address part, and spaces around it are dropped.

    The rule is sim/address.py's, the one scenario files use: dotted-quad IPv4, IPv6 or an RFC 1123
    host name (`127.1` and `0x7f.0.0.1` are refused); a port is 1-65535 in ASCII digits.
    """
    text = strip_url(text.strip())
    try:
        host, port = address.parse_address(text)
    except address.AddressError as error:
        raise HostError(error.code, text=text if len(text) <= 80 else text[:79] + "…", **error.values) from None
    return host.lower(), default_port if port is None else port


def parse_host_spec(spec: str) -> Machine:
    """`ROLE=ADDR[:PORT]` -> Machine; the port defaults to the role's (proxy 80, apps 3000)."""
    role, sep, addr = spec.partition("=")
    role = role.strip().lower()
    if not sep:
        raise HostError("host_spec", spec=spec)
    if role not in ROLES:
        raise HostError("unknown_role", spec=spec, role=role, roles=", ".join(ROLES))
    host, port = parse_address(addr, ROLES[role])
    return Machine(role=role, host=host, port=port)


def parse_domain(domain: str | None) -> str:
    """The domain to test (default hasil.xyz), checked to be a host name."""
    if domain is None:
        return DEFAULT_DOMAIN
    domain = domain.strip().rstrip(".").lower()
    if host_kind(domain) != "name":
        raise HostError("bad_domain", domain=domain)
    return domain


def machines_from_specs(specs: list[str], domain: str | None = None) -> Machines:
    """Machines from `--host` options; a role given twice is an error."""
    machines = Machines(domain=parse_domain(domain))
    for spec in specs:
        machine = parse_host_spec(spec)
        if machine.role in machines.by_role:
            raise HostError("role_twice", role=machine.role)
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
        raise HostError("no_multipass")
    if answer.problem == "timeout":
        raise HostError("multipass_timeout", seconds=f"{timeout:g}")
    if not answer.ok:
        why = sanitize(answer.reason, 160)
        code = answer.code if not answer.problem else -1
        raise HostError("multipass_failed", exit=code, why=why or "-")
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
        raise HostError("multipass_json") from None


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
            raise HostError("not_free_role", role=role, roles=", ".join(free_roles))
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
