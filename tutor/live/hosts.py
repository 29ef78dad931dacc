"""Where the learner's machines are, as typed: `--host ROLE=ADDR[:PORT]`, `--domain`, the saved machines.

The address rule is sim/address.py's; reading multipass is tutor.live.multipass."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from sim import address
from sim.address import host_kind
from tutor.i18n import has, tr
from tutor.course import APP_ROLES, DEFAULT_DOMAIN, ROLES

CLI_TEXT = "check_cli"
APP_TEXT = "ui"
"""The catalogue sections of HostError's texts: the command line's wording, the app's."""



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
