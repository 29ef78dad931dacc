"""The real side on the learner's own machines (`--host`, `--multipass`): traffic from this
computer to the proxy, the config from `multipass exec proxy -- sudo nginx -T` (or the file the
learner gives), and the scenario's events told to the learner, their moments found in the answers.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from tutor.twin.build import Timers, TwinError

if TYPE_CHECKING:
    from tutor.live.hosts import Machines
    from tutor.twin.compare import Row
    from tutor.twin.run import Applied

MAX_CONFIG = 4_000_000


def config_from_file(path: str) -> dict[str, str]:
    """A config file the learner gives: an `nginx -T` dump (split into its files) or one file."""
    from tutor.live.nginx_config import split_nginx_dump

    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_CONFIG + 1)
    except OSError as exc:
        raise TwinError("config_file", why=f"{path}: {exc.strerror or exc}") from None
    if len(data) > MAX_CONFIG:
        raise TwinError("config_too_big", path=path, mb=MAX_CONFIG // 1_000_000)
    text = data.decode("utf-8", "replace")
    return split_nginx_dump(text) or {"/etc/nginx/nginx.conf" if "http {" in text else
                                      "/etc/nginx/conf.d/site.conf": text}


class HostSide:
    """The learner's VMs. `tell(key, **values)` tells the learner what to do: `key` is a [twin]
    text (`say.*`), printed by the CLI. A TwinError when the machines have no running proxy."""

    kind = "hosts"

    def __init__(self, machines: Machines, config: str | None, tell: Callable[..., None]) -> None:
        proxy = machines.proxy
        if proxy is None:
            raise TwinError("no_proxy")
        if proxy.host is None:   # multipass lists the VM, but it is not running
            raise TwinError("proxy_stopped", vm=proxy.vm or proxy.role)
        self.machines, self.config, self.tell = machines, config, tell
        self.proxy_vm = proxy.vm
        self.proxy = (proxy.host, proxy.port)
        self.by_address = {machine.address: machine.role for machine in machines.by_role.values()}

    def config_files(self) -> dict[str, str]:
        if self.config:
            return config_from_file(self.config)
        vm = self.proxy_vm
        if not vm:
            raise TwinError("no_config")
        from tutor.live.nginx_config import nginx_t_command, read_nginx_config

        self.tell("say.reading", command=nginx_t_command(vm))
        return read_nginx_config(vm, consent=True)   # a HostError says why in the learner's language

    def timers(self) -> Timers:
        return {}    # the VM's kernel is not ours to read: the simulator's defaults (Ubuntu's)

    def role(self, address: str) -> str | None:
        return self.by_address.get(address)

    def sender(self) -> list[str]:
        from tutor.twin.run import SENDER

        return [sys.executable, str(SENDER)]

    def apply(self, action: str, role: str) -> None:
        machine = self.machines.by_role[role]
        self.tell(f"say.do.{action}", machine=machine.name)

    def begin(self) -> None:
        pass

    def other_clients(self) -> tuple[int, tuple[str, ...]]:
        return 0, ()

    def apps_down(self) -> list[str]:
        return []

    def restores(self) -> bool:
        return False

    def detect(self, applied: list[Applied], rows: list[Row]) -> list[Applied]:
        """Each told event at the moment the answers show it (stop/poweroff: the first request
        that found the app failing; start/poweron: its first answer). An event the answers never
        show (nginx tries a failed app again only after fail_timeout) is taken at the moment it
        was told, marked `assumed`."""
        seen: list[Applied] = []
        for event in applied:
            name, told = event["server"], event["at"]
            after = [row for row in rows if row.t >= told]
            if event["action"] in ("stop", "poweroff"):
                hit = next((row for row in after if name in row.tried and row.server != name), None)
            else:
                hit = next((row for row in after if row.server == name), None)
            seen.append({**event, "told": told, "at": round(hit.t, 3) if hit else told, "assumed": hit is None})
        return seen
