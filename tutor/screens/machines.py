"""The learner's machines for live checks, and reading the proxy's live nginx config (with consent).

`MachinesScreen`: an address per role (proxy, app1..app3 as ADDR[:PORT]) and the domain, typed or
imported from `multipass list --format json`; bad input gets a one-line reason beside the field.
`ask_to_read_nginx_config(app)`: asks, EACH time, before running `multipass exec VM -- sudo nginx
-T` (read-only), then lints the config with `sim.nginxconf` and offers to open it in the simulator.
"""

from __future__ import annotations

import asyncio
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from tutor.live.catalog import DEFAULT_DOMAIN, ROLES
from tutor.live.hosts import VM, HostError, match_roles, parse_address, parse_domain
from tutor.strings import host_error_text
from tutor.screens.base import TutorModal, TutorScreen
from tutor.screens.modals import DIALOG_CSS, ConfirmScreen
from tutor.widgets.keybar import KeyBar

MULTIPASS_TIMEOUT = 15.0
NGINX_T_TIMEOUT = 20.0
VM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")  # as tutor.live.nginx_config accepts
_ABSOLUTE_INCLUDE = re.compile(r"(?<![\w$])(include\s+[\"']?)/")


class MachinesScreen(TutorScreen):
    """Where the learner's VMs are; Enter (or Save) checks every field and saves the valid set."""

    DEFAULT_CSS = """
    MachinesScreen #machines-title { height: 1; background: $primary; color: $text; padding: 0 1; text-style: bold; }
    MachinesScreen #machines-body { height: 1fr; padding: 0 1; }
    MachinesScreen #machines-intro { color: $text-muted; margin: 1 0; }
    MachinesScreen .machine-row { height: auto; margin-bottom: 1; }
    MachinesScreen .machine-label { width: 8; padding-top: 0; text-style: bold; }
    MachinesScreen .machine-row Input { width: 28; }
    MachinesScreen .machine-why { width: 1fr; padding-left: 1; color: $text-error; }
    MachinesScreen .machine-vm { width: 1fr; padding-left: 1; color: $text-muted; }
    MachinesScreen #machines-status { height: auto; padding: 0 1; }
    MachinesScreen #machines-buttons { height: auto; padding: 0 1; margin-bottom: 1; }
    MachinesScreen #machines-buttons Button { min-width: 0; width: auto; height: 1; margin: 0 1 0 0; padding: 0; }
    """
    BINDINGS = [
        Binding("escape", "back", show=False),
        Binding("ctrl+s", "save", show=False),
        Binding("ctrl+o", "import_multipass", show=False),
    ]
    HELP_TITLE = "help.title.machines"
    HELP = (
        ("Tab", "key.next_field"),
        ("Enter / Ctrl+S", "key.save"),
        ("Ctrl+O", "key.import_multipass"),
        ("Esc", "key.back_short"),
    )
    KEYS = (("Enter", "key.save"), ("^o", "key.import_multipass"), ("Esc", "key.back_short"), ("F1", "key.help"), ("F2", "key.language"))
    FIELDS = (*ROLES, "domain")

    def __init__(self) -> None:
        super().__init__()
        self.imported: dict[str, tuple[str, str]] = {}  # role -> (address as filled, VM name)

    def compose(self) -> ComposeResult:
        yield Static(id="machines-title")
        with VerticalScroll(id="machines-body"):
            yield Static(id="machines-intro")
            for name in self.FIELDS:
                with Horizontal(classes="machine-row"):
                    yield Static(name, classes="machine-label")
                    yield Input(id=f"field-{name}", compact=True)
                    yield Static(classes="machine-why", id=f"why-{name}", markup=False)
        yield Static(id="machines-status", markup=False)
        with Horizontal(id="machines-buttons"):
            yield Button("", id="machines-save", compact=True, variant="primary")
            yield Button("", id="machines-import", compact=True)
            yield Button("", id="machines-back", compact=True)
        yield KeyBar(id="keybar")

    def setup(self) -> None:
        settings = self.app.settings
        for role in ROLES:
            self.field(role).value = settings.hosts.get(role, "")
            vm = settings.vms.get(role)
            if vm:
                self.imported[role] = (settings.hosts.get(role, ""), vm)
        self.field("domain").value = settings.domain or ""
        self.field("proxy").focus()

    def refresh_language(self) -> None:
        self.query_one("#machines-title", Static).update(self.t("machines.title"))
        self.query_one("#machines-intro", Static).update(self.t("machines.intro"))
        for role, port in ROLES.items():
            self.field(role).placeholder = self.t("machines.placeholder", port=port)
        self.field("domain").placeholder = DEFAULT_DOMAIN
        self.query_one("#machines-save", Button).label = self.t("machines.btn_save")
        self.query_one("#machines-import", Button).label = self.t("machines.btn_import")
        self.query_one("#machines-back", Button).label = self.t("machines.btn_back")
        self.query_one(KeyBar).show(self.KEYS, self.app.lang)

    def field(self, name: str) -> Input:
        return self.query_one(f"#field-{name}", Input)

    def reason(self, name: str) -> str:
        """The one-line reason shown beside a field ("" when it is fine)."""
        return str(self.query_one(f"#why-{name}", Static).content)

    def say(self, text: str) -> None:
        self.query_one("#machines-status", Static).update(Text(text))

    # Saving
    def validate(self) -> tuple[dict[str, str], str | None] | None:
        """(hosts, domain) when every field is valid, else None with a reason beside each bad field."""
        hosts: dict[str, str] = {}
        ok = True
        for role, port in ROLES.items():
            value = self.field(role).value.strip()
            why = ""
            if value:
                try:
                    parse_address(value, port)
                    hosts[role] = value
                except HostError as exc:
                    why, ok = host_error_text(exc, self.app.lang), False
            self.query_one(f"#why-{role}", Static).update(why)
        domain_text = self.field("domain").value.strip()
        why = ""
        try:
            domain = parse_domain(domain_text) if domain_text else None
        except HostError as exc:
            why, ok, domain = host_error_text(exc, self.app.lang), False, None
        self.query_one("#why-domain", Static).update(why)
        return (hosts, domain) if ok else None

    def action_save(self) -> bool:
        valid = self.validate()
        if valid is None:
            self.say(self.t("machines.fix"))
            return False
        hosts, domain = valid
        settings = self.app.settings
        settings.hosts = hosts
        settings.vms = {role: vm for role, (addr, vm) in self.imported.items() if hosts.get(role) == addr}
        settings.domain = domain
        error = settings.save()
        if error:
            self.say(self.t("machines.save_failed", error=error))
            return False
        self.say(self.t("machines.saved", count=len(hosts)) if hosts else self.t("machines.saved_none"))
        return True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "machines-save":
            self.action_save()
        elif event.button.id == "machines-import":
            self.action_import_multipass()
        else:
            self.action_back()

    def action_back(self) -> None:
        self.app.pop_screen()

    # Importing from multipass
    def action_import_multipass(self) -> None:
        self.say(self.t("machines.importing"))
        self.run_worker(self._import(), exclusive=True, group="multipass", exit_on_error=False)

    async def _import(self) -> None:
        from tutor.live.hosts import read_multipass

        try:
            vms = await asyncio.to_thread(read_multipass, MULTIPASS_TIMEOUT)
        except HostError as exc:
            self.say(host_error_text(exc, self.app.lang))
            return
        match = match_roles(vms)
        filled: dict[str, VM] = {}
        for role, vm in match.roles.items():
            filled[role] = vm
        for vm in match.unsure:
            free = [role for role in ROLES if role not in filled]
            if not free:
                break
            role = await self.app.push_screen_wait(RoleDialog(vm, free))
            if role:
                filled[role] = vm
        notes = []
        for role, vm in filled.items():
            if vm.ip:
                self.field(role).value = vm.ip
                self.imported[role] = (vm.ip, vm.name)
                notes.append(f"{role}={vm.name} ({vm.ip})")
            else:
                notes.append(self.t("machines.vm_not_running", role=role, vm=vm.name, state=vm.state or "?"))
        if not vms:
            self.say(self.t("machines.import_none"))
        else:
            self.say(self.t("machines.imported", found=", ".join(notes) or "-"))


class RoleDialog(TutorModal[str | None]):
    """Which role does this VM have? One of the free roles, or skip (None)."""

    DEFAULT_CSS = DIALOG_CSS.format(name="RoleDialog") + """
    RoleDialog OptionList { height: auto; max-height: 8; border: none; }
    """
    BINDINGS = [Binding("escape", "skip", show=False)]

    def __init__(self, vm: VM, roles: list[str]) -> None:
        super().__init__()
        self.vm = vm
        self.roles = roles

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="role-question", markup=False)
            yield OptionList(id="role-options")

    def setup(self) -> None:
        self.query_one("#role-options", OptionList).focus()

    def refresh_language(self) -> None:
        self.query_one("#role-question", Static).update(self.t("machines.ask_role", vm=self.vm.describe()))
        options = [Option(role, id=role) for role in self.roles] + [Option(self.t("machines.skip"), id="skip")]
        option_list = self.query_one("#role-options", OptionList)
        highlighted = option_list.highlighted
        option_list.set_options(options)
        option_list.highlighted = highlighted or 0

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(None if event.option.id == "skip" else event.option.id)

    def action_skip(self) -> None:
        self.dismiss(None)


# --- the live nginx config --------------------------------------------------------------------

def nginx_t_command(vm: str) -> str:
    """The exact command that reading the config runs (shown to the learner before asking)."""
    return f"multipass exec {vm} -- sudo nginx -T"


def ask_to_read_nginx_config(app) -> None:
    """Ask (every time) before reading the proxy VM's nginx config; read and lint it on yes."""
    from tutor.i18n import tr
    from tutor.strings import STRINGS

    vm = app.settings.vms.get("proxy") or "proxy"
    if not VM_NAME.match(vm):
        app.notify(tr(STRINGS, "nginx.bad_vm", app.lang, vm=vm), severity="error")
        return

    def answered(yes: bool | None) -> None:
        if yes:
            app.push_screen(NginxConfigScreen(vm))

    app.push_screen(ConfirmScreen("nginx.confirm", yes_key="nginx.yes", no_key="nginx.no",
                                  command=nginx_t_command(vm), vm=vm), answered)


@dataclass
class NginxLint:
    """A config written to `folder` (paths kept): its main file, and the first error or the setup."""

    folder: Path
    main: Path
    files: list[str]
    error: str | None
    setup: object | None


def lint_nginx_files(files: dict[str, str]) -> NginxLint:
    """Write the files of `nginx -T` under a temp folder (absolute paths kept inside it) and lint them.

    Absolute `include`s are pointed into the folder, so nothing of this machine's own /etc/nginx
    is read. The error (if any) is `file:line: message` with the VM's own paths.
    """
    from sim.nginxconf import NginxConfError, read_nginx_config

    folder = Path(tempfile.mkdtemp(prefix="tutor-nginx-"))
    root = str(folder)
    for path, text in files.items():
        target = folder / path.lstrip("/")
        if folder not in target.resolve().parents:
            continue  # a path with `..` stays out
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_ABSOLUTE_INCLUDE.sub(lambda m: f"{m.group(1)}{root}/", text), encoding="utf-8")
    names = list(files)
    main = folder / names[0].lstrip("/") if names else folder / "nginx.conf"
    try:
        setup = read_nginx_config(main)
    except NginxConfError as exc:
        return NginxLint(folder, main, names, str(exc).replace(root, ""), None)
    return NginxLint(folder, main, names, None, setup)


class NginxConfigScreen(TutorModal):
    """Reads VM `vm`'s nginx config (the learner already said yes), shows the lint, offers the simulator."""

    DEFAULT_CSS = DIALOG_CSS.format(name="NginxConfigScreen") + """
    NginxConfigScreen #nginx-result.-error { color: $text-error; }
    """
    BINDINGS = [Binding("escape,q", "close", show=False), Binding("s", "simulate", show=False)]

    def __init__(self, vm: str) -> None:
        super().__init__()
        self.vm = vm
        self.lint: NginxLint | None = None
        self.failure: str | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="nginx-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(id="nginx-result", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="nginx-sim", variant="primary", disabled=True)
                yield Button("", id="nginx-close")

    def setup(self) -> None:
        self.run_worker(self._read(), exclusive=True, group="nginx-config", exit_on_error=False)

    def refresh_language(self) -> None:
        self.query_one("#nginx-title", Static).update(self.t("nginx.title", command=nginx_t_command(self.vm)))
        self.query_one("#nginx-sim", Button).label = self.t("nginx.btn_sim")
        self.query_one("#nginx-close", Button).label = self.t("nginx.btn_close")
        self._show()

    async def _read(self) -> None:
        from tutor.live.nginx_config import read_nginx_config

        self.query_one("#nginx-result", Static).update(self.t("nginx.reading"))
        try:
            files = await asyncio.to_thread(read_nginx_config, self.vm, True, NGINX_T_TIMEOUT)
            if not files:
                raise HostError(f"`sudo nginx -T` on {self.vm} printed no configuration files")
            self.lint = await asyncio.to_thread(lint_nginx_files, files)
        except HostError as exc:
            self.failure = str(exc)
        self._show()

    def _show(self) -> None:
        result = self.query_one("#nginx-result", Static)
        if self.failure is not None:
            result.add_class("-error")
            result.update(self.t("nginx.failed", reason=self.failure))
        elif self.lint is not None:
            lint = self.lint
            files = self.t("nginx.files", count=len(lint.files), files=", ".join(lint.files))
            if lint.error:
                result.add_class("-error")
                result.update(f"{files}\n\n{self.t('nginx.errors')}\n{lint.error}")
            else:
                result.update(f"{files}\n\n{self.t('nginx.valid', summary=describe_setup(lint.setup, lint.folder))}")
        self.query_one("#nginx-sim", Button).disabled = not (self.lint and not self.lint.error)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "nginx-sim":
            self.action_simulate()
        else:
            self.action_close()

    def action_simulate(self) -> None:
        """Open the simulator with this config mapped onto the demo (3 apps, one stops half way)."""
        if not (self.lint and not self.lint.error):
            return
        from tutor.widgets.optional_sim import simview_class

        sim_screen = simview_class("SimScreen")
        if sim_screen is None:
            self.app.notify(self.t("sim.unavailable"), severity="error")
            return
        screen = sim_screen(None, str(self.lint.main), lang=self.app.lang)  # reads the files now
        self.dismiss()
        self.app.push_screen(screen)

    def action_close(self) -> None:
        self.dismiss()

    def on_unmount(self) -> None:
        if self.lint is not None:
            shutil.rmtree(self.lint.folder, ignore_errors=True)


def describe_setup(setup, folder: Path) -> str:
    """`proxy_pass` at file:line -> upstream NAME (policy): server, server, ... (VM paths)."""
    where = f"{str(setup.file).replace(str(folder), '')}:{setup.line}"
    servers = ", ".join(server.address for server in setup.servers)
    group = f"upstream {setup.upstream}" if setup.upstream else "proxy_pass"
    return f"{where}: {group} ({setup.policy}): {servers}"
