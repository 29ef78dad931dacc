"""Probes of multipass and the VMs: installed, daemon up, version, driver, the VMs by role,
their state, release and addresses, and (for VirtualBox) the networks to bridge with.

The shapes read are multipass's own (src/client/cli/formatter/json_formatter.cpp): `list` entries
`name`, `state`, `ipv4` (a list), `release` ("Ubuntu 22.04 LTS" or "Not Available"); `networks`
entries `name`, `type`, `description`; `version` keys `multipass` and, when the daemon answers,
`multipassd`.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from tutor.doctor.finding import Context, Finding
from tutor.live import multipass
from tutor.live.hosts import HostError
from tutor.live.multipass import VM, address_note, match_roles, parse_multipass_json, with_addresses
from tutor.sanitize import sanitize

GROUP = "multipass"
NEEDED_ROLES = ("proxy", "app1", "app2")
"""The machines lessons 2 and 3 use (app3 is optional)."""
LAUNCH = {"proxy": "multipass launch 22.04 --name proxy",
          "app1": "multipass launch 22.04 --name app1 --memory 2G --disk 10G",
          "app2": "multipass launch 22.04 --name app2 --memory 2G --disk 10G"}
"""The lesson's own launch commands (lessons/02-reverse-proxy, `login-multipass`)."""
_DRIVER = re.compile(r"^[a-z][a-z0-9_-]{0,30}$")


@dataclass
class Seen:
    """What the multipass probes learned, for the probes after them."""

    driver: str = ""
    vms: list[VM] = field(default_factory=list)
    roles: dict[str, VM] = field(default_factory=dict)
    usable: bool = False  # multipass answered `list`

    def running_roles(self) -> dict[str, tuple[VM, str]]:
        """The roles whose VM is running and has an address the laptop may reach: (VM, address)."""
        return {role: (vm, vm.ip) for role, vm in self.roles.items() if vm.running and vm.ip}


def probe(ctx: Context, seen: Seen) -> list[Finding]:
    """multipass's findings in order; stops early when multipass is missing, hangs or has no daemon."""
    found: list[Finding] = []
    version = ctx.multipass(["version", "--format", "json"])
    if version.problem == "missing":
        return [ctx.finding("multipass_missing", "blocker", GROUP, {"command": "multipass version"})]
    if version.problem:
        return [_no_answer(ctx, "multipass version", version)]
    if version.ok or version.out.strip():  # a daemon that is down may leave `version` empty: `list` says why
        found.append(_version_finding(ctx, version))
    listing = ctx.multipass(["list", "--format", "json"])
    if multipass.daemon_down(listing):
        return [*found, ctx.finding("multipassd_down", "blocker", GROUP, {"stderr": listing.reason})]
    if listing.problem or listing.code != 0:
        return [*found, _no_answer(ctx, "multipass list", listing)]
    try:
        vms = parse_multipass_json(listing.out)
    except HostError:
        return [*found, ctx.finding("multipass_output", "blocker", GROUP,
                                    {"command": "multipass list --format json", "output": listing.out[:200]},
                                    command="multipass list --format json")]
    seen.usable = True
    seen.driver = _driver(ctx)
    found.append(ctx.finding("driver", "info", GROUP, {"driver": seen.driver or "?"}, driver=seen.driver or "?"))
    seen.vms = with_addresses(vms)
    found.extend(_vm_findings(ctx, seen))
    return found


def _no_answer(ctx: Context, command: str, answer: multipass.Answer) -> Finding:
    if answer.problem == "timeout":
        return ctx.finding("multipass_timeout", "blocker", GROUP, {"command": command}, command=command)
    return ctx.finding("multipass_failed", "blocker", GROUP, {"command": command, "exit": answer.code,
                                                              "stderr": answer.reason or answer.err[:200]},
                       command=command, why=sanitize(answer.reason, 160, markup=False) or "-")


def _version_finding(ctx: Context, answer: multipass.Answer) -> Finding:
    try:
        data = json.loads(answer.out)
        client = data["multipass"]
        daemon = data.get("multipassd", "")
        if not isinstance(client, str) or not isinstance(daemon, str):
            raise TypeError
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return ctx.finding("multipass_output", "warning", GROUP,
                           {"command": "multipass version --format json", "output": answer.out[:200]},
                           command="multipass version --format json")
    evidence = {"multipass": client, "multipassd": daemon or None}
    return ctx.finding("multipass_version", "ok", GROUP, evidence, client=sanitize(client, 40, markup=False),
                       daemon=sanitize(daemon, 40, markup=False) or "-")


def _driver(ctx: Context) -> str:
    """`multipass get local.driver` (hyperv, virtualbox, qemu, lxd, hyperkit, ...), "" if unclear."""
    answer = ctx.multipass(["get", "local.driver"])
    words = answer.out.strip().split() if answer.ok else []
    driver = words[0].lower() if len(words) == 1 else ""
    return driver if _DRIVER.fullmatch(driver) else ""


def _vm_findings(ctx: Context, seen: Seen) -> list[Finding]:
    found: list[Finding] = []
    match = match_roles(seen.vms)
    seen.roles = dict(match.roles)
    for vm in match.unsure:
        found.append(ctx.finding("vm_role_unclear", "info", GROUP, {"vm": vm.name, "state": vm.state}, vm=vm.name,
                                 roles=", ".join(NEEDED_ROLES)))
    for role in NEEDED_ROLES:
        if role not in seen.roles:
            found.append(ctx.finding("vm_missing", "blocker", GROUP, {"role": role, "vms": [vm.name for vm in seen.vms]},
                                     role=role, command=LAUNCH[role]))
    networks: list[str] | None = None
    for role, vm in seen.roles.items():
        evidence = {"role": role, "vm": vm.name, "state": vm.state, "ipv4": list(vm.ipv4), "release": vm.release}
        label = vm.name if vm.name == role else f"{vm.name} ({role})"
        if not vm.running:
            code = "vm_deleted" if vm.state.lower() == "deleted" else "vm_stopped"
            found.append(ctx.finding(code, "blocker", GROUP, evidence, vm=vm.name, label=label, state=vm.state or "?"))
            continue
        if vm.ip is None:
            if seen.driver == "virtualbox":
                networks = _networks(ctx) if networks is None else networks
                adapter = networks[0] if networks else "<Name from multipass networks>"
                found.append(ctx.finding("virtualbox_nat_only", "blocker", GROUP, {**evidence, "networks": networks},
                                         vm=vm.name, list=", ".join(vm.ipv4) or "N/A",
                                         adapter=adapter, launch=_bridged_launch(role, vm.name, adapter)))
            else:
                found.append(ctx.finding("vm_no_address", "blocker", GROUP, evidence, vm=vm.name,
                                         list=", ".join(vm.ipv4) or "N/A", driver=seen.driver or "?"))
            continue
        if len(vm.ipv4) > 1:
            choice = vm.choice
            found.append(ctx.finding("several_addresses", "info", GROUP,
                                     {**evidence, "chosen": vm.ip, "why": choice.why if choice else "preferred",
                                      "port": choice.port if choice else None},
                                     note=address_note(vm, ctx.lang) or "", vm=vm.name, ip=vm.ip))
        if not is_2204(vm.release):
            found.append(ctx.finding("release_not_2204", "warning", GROUP, evidence, vm=vm.name,
                                     release=vm.release or "?"))
        else:
            found.append(ctx.finding("vm_ok", "ok", GROUP, evidence, label=label, ip=vm.ip))
    return found


def is_2204(release: str) -> bool:
    """Whether `release` is 22.04 ("Ubuntu 22.04 LTS"; multipass before 1.13 printed "22.04 LTS"),
    or unknown ("Not Available", "--", ""): only a known other release is worth a warning."""
    release = release.removeprefix("Ubuntu ").strip()
    return release.startswith("22.04") or not release[:1].isdigit()


def _networks(ctx: Context) -> list[str]:
    """The names `multipass networks --format json` offers to bridge with, Wi-Fi and Ethernet first."""
    answer = ctx.multipass(["networks", "--format", "json"])
    try:
        items = json.loads(answer.out)["list"] if answer.ok else []
        named = [(str(item.get("type", "")).lower(), sanitize(str(item["name"]), 60, markup=False))
                 for item in items if isinstance(item, dict) and item.get("name")]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError):
        return []
    rank = {"wifi": 0, "ethernet": 1}
    return [name for _kind, name in sorted(named[:32], key=lambda pair: rank.get(pair[0], 2))]


def _bridged_launch(role: str, name: str, adapter: str) -> str:
    base = LAUNCH.get(role, f"multipass launch 22.04 --name {name}").replace("--name " + role, "--name " + name)
    return f'{base} --network "{adapter}"'
