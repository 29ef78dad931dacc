"""The learner's machines for live checks: an address per role (proxy, app1..app3 as ADDR[:PORT])
and the domain, typed or imported from `multipass list --format json`; bad input gets a one-line
reason beside the field."""

from __future__ import annotations

import asyncio
import os

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Button, Input, Static
from textual.worker import WorkType

from tutor.keymap import Key, bindings
from tutor.course import DEFAULT_DOMAIN, ROLES
from tutor.lessons.values import NAMED_VALUES
from tutor.live.hosts import HostError, parse_address, parse_domain, strip_url
from tutor.live.multipass import VM, address_note, match_roles, read_multipass, with_addresses
from tutor.screens.base import TutorScreen
from tutor.screens.role_dialog import RoleDialog
from tutor.strings import host_error_text
from tutor.widgets.code_text import code_text
from tutor.widgets.keybar import KeyBar

EXAMPLES = {role: NAMED_VALUES[f"{role}_ip"].example for role in ROLES}  # the tutorial's address of each role


class MachinesScreen(TutorScreen):
    """Where the learner's VMs are; Enter (or Save) checks every field and saves the valid set."""

    DEFAULT_CSS = """
    MachinesScreen #machines-body { height: 1fr; padding: 0 1; }
    MachinesScreen #machines-intro { color: $text-muted; margin: 1 0; }
    MachinesScreen .machine-row { height: auto; margin-bottom: 1; }
    MachinesScreen .machine-label { width: 8; padding-top: 0; text-style: bold; }
    MachinesScreen .machine-row Input { width: 31; }  /* the longest example, "mis. 10.37.19.182 (port 3000)", whole */
    MachinesScreen .machine-why { width: 1fr; padding-left: 1; color: $text-error; }
    MachinesScreen .machine-why.-note { color: $text-muted; }  /* said, not wrong (a trimmed URL) */
    MachinesScreen .machine-vm { width: 1fr; padding-left: 1; color: $text-muted; }
    MachinesScreen #machines-status { height: auto; padding: 0 1; }
    MachinesScreen #machines-buttons { height: auto; padding: 0 1; margin-bottom: 1; }
    """
    KEYMAP = (
        Key("machines.next_field", "tab", None, "key.next_field", display="Tab"),
        Key("machines.save", "ctrl+s", "save", "key.save", bar="key.save", display="Enter / Ctrl+S"),
        Key("machines.import", "ctrl+o", "import_multipass", "key.import_multipass", bar="key.import_multipass",
            display="Ctrl+O"),
        Key("machines.use_lab", "ctrl+n", "use_lab", "key.use_lab", display="Ctrl+N"),
        Key("machines.back", "escape", "back", "key.back_short", bar="key.back_short", display="Esc"),
    )
    BINDINGS = bindings(KEYMAP)
    HELP_TITLE = "help.title.machines"
    FIELDS = (*ROLES, "domain")

    def __init__(self) -> None:
        super().__init__()
        self.imported: dict[str, tuple[str, str]] = {}  # role -> (address as filled, VM name)
        self.from_lab: set[str] = set()  # roles whose address "Use the lab" filled in

    def compose(self) -> ComposeResult:
        yield Static(id="machines-title", classes="title-bar")
        with VerticalScroll(id="machines-body"):
            yield Static(id="machines-intro")
            for name in self.FIELDS:
                with Horizontal(classes="machine-row"):
                    yield Static(name, classes="machine-label")
                    yield Input(id=f"field-{name}", compact=True)
                    yield Static(classes="machine-why", id=f"why-{name}", markup=False)
        yield Static(id="machines-status", markup=False)
        with Horizontal(id="machines-buttons", classes="button-row"):
            yield Button("", id="machines-save", compact=True, variant="primary")
            yield Button("", id="machines-import", compact=True)
            yield Button("", id="machines-lab", compact=True)
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
        self.from_lab = set(settings.hosts) if settings.lab else set()
        self.field("proxy").focus()

    def refresh_language(self) -> None:
        self.query_one("#machines-title", Static).update(self.t("machines.title"))
        self.query_one("#machines-intro", Static).update(code_text(self.t("machines.intro")))
        for role, port in ROLES.items():  # each role its own example: the tutorial's address for it
            self.field(role).placeholder = self.t("machines.placeholder", example=EXAMPLES[role], port=port)
        self.field("domain").placeholder = DEFAULT_DOMAIN
        self.query_one("#machines-save", Button).label = self.t("machines.btn_save")
        self.query_one("#machines-import", Button).label = self.t("machines.btn_import")
        self.query_one("#machines-lab", Button).label = self.t("machines.btn_lab")
        self.query_one("#machines-back", Button).label = self.t("machines.btn_back")
        self.query_one(KeyBar).refresh_keys()

    def field(self, name: str) -> Input:
        return self.query_one(f"#field-{name}", Input)

    def reason(self, name: str) -> str:
        """The one-line reason shown beside a field ("" when it is fine)."""
        return str(self.query_one(f"#why-{name}", Static).content)

    def say(self, text: str) -> None:
        self.query_one("#machines-status", Static).update(code_text(text))

    # Saving
    def validate(self) -> tuple[dict[str, str], str | None] | None:
        """(hosts, domain) when every field is valid, else None with a reason beside each bad field."""
        hosts: dict[str, str] = {}
        ok = True
        for role, port in ROLES.items():
            value = self.field(role).value.strip()
            why, note = "", False
            if strip_url(value) != value:  # a pasted URL: keep its address, say what was left out
                value = strip_url(value)
                self.field(role).value = value
                why, note = self.t("machines.url_trimmed"), True
            if value:
                try:
                    parse_address(value, port)
                    hosts[role] = value
                except HostError as exc:
                    why, ok, note = host_error_text(exc, self.app.lang), False, False
            reason = self.query_one(f"#why-{role}", Static)
            reason.update(why)
            reason.set_class(note, "-note")
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
        settings.lab = bool(hosts) and all(role in self.from_lab and role in settings.vms for role in hosts)
        settings.domain = domain
        error = settings.save()
        if error:
            self.say(self.t("machines.save_failed", error=error))
            return False
        self.say(self.t("machines.saved", count=len(hosts)) if hosts else self.t("machines.saved_none"))
        return True

    def on_input_changed(self, event: Input.Changed) -> None:
        """A field's error is about the value it was given: once the learner edits it, it goes
        (Save checks again). A note (a trimmed URL) stays: it explains the edit Save itself made."""
        name = (event.input.id or "").removeprefix("field-")
        for reason in self.query(f"#why-{name}").results(Static):
            if not reason.has_class("-note") and str(reason.content):
                reason.update("")
        marked = any(str(reason.content) and not reason.has_class("-note")
                     for reason in self.query(".machine-why").results(Static))
        status = self.query_one("#machines-status", Static)
        if not marked and str(status.content) == self.t("machines.fix"):
            status.update("")  # "fix the marked fields" with none marked any more would be stale

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_save()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "machines-save":
            self.action_save()
        elif event.button.id == "machines-import":
            self.action_import_multipass()
        elif event.button.id == "machines-lab":
            self.action_use_lab()
        else:
            self.action_back()

    def unsaved(self) -> bool:
        """Whether the fields differ from what is saved (Esc then asks before dropping them)."""
        settings = self.app.settings
        typed = {role: self.field(role).value.strip() for role in ROLES}
        return any(typed[role] != settings.hosts.get(role, "") for role in ROLES) or \
            self.field("domain").value.strip() != (settings.domain or "")

    def action_back(self) -> None:
        if not self.unsaved():
            self.app.pop_screen()
            return
        from tutor.screens.modals import ConfirmScreen

        def answered(discard: bool | None) -> None:
            if discard and self.is_current:
                self.app.pop_screen()

        self.app.push_screen(ConfirmScreen("machines.discard", yes_key="machines.discard_yes",
                                           no_key="machines.discard_no"), answered)

    # Importing from multipass
    def action_import_multipass(self) -> None:
        self.say(self.t("machines.importing"))
        work: WorkType[None] = self._import  # named: mypy cannot infer WorkType's result
        self.run_worker(work, exclusive=True, group="multipass", exit_on_error=False)

    async def _import(self) -> None:
        try:
            vms = await asyncio.to_thread(lambda: with_addresses(read_multipass()))
        except HostError as exc:
            self.say(host_error_text(exc, self.app.lang))
            return
        explained = [note for note in (address_note(vm, self.app.lang) for vm in vms) if note]
        match = match_roles([vm for vm in vms if not (vm.running and vm.ip is None)])
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
                self.from_lab.discard(role)
                notes.append(f"{role}={vm.name} ({vm.ip})")
            else:
                notes.append(self.t("machines.vm_not_running", role=role, vm=vm.name, state=vm.state or "?"))
        if not vms:
            self.say(self.t("machines.import_none"))
        else:
            self.say(" ".join([self.t("machines.imported", found=", ".join(notes) or "-"), *explained]))

    # Using the lab (`tutor lab`)
    def action_use_lab(self) -> None:
        work: WorkType[None] = self._use_lab  # named: mypy cannot infer WorkType's result
        self.run_worker(work, exclusive=True, group="multipass", exit_on_error=False)

    async def _use_lab(self) -> None:
        from tutor.lab import Lab, LabError, require_root

        def read() -> tuple[list, bool]:
            lab = Lab()
            if os.geteuid() != 0 and lab.inside("laptop"):  # `sudo tutor lab shell laptop`, as the user
                return lab.seen_from_inside(), True
            require_root()
            lab.require_up()
            return lab.status(), lab.inside("laptop")

        try:
            machines, inside = await asyncio.to_thread(read)
        except LabError as exc:
            self.say(exc.message(self.app.lang))
            return
        notes = []
        for machine in machines:
            if machine.role in ROLES and machine.powered:
                self.field(machine.role).value = machine.address
                self.imported[machine.role] = (machine.address, machine.role)
                self.from_lab.add(machine.role)
                notes.append(f"{machine.role}={machine.address}")
        self.field("domain").value = self.field("domain").value or DEFAULT_DOMAIN
        text = self.t("machines.lab_imported", found=", ".join(notes) or "-")
        self.say(text if inside else f"{text} {self.t('machines.lab_outside')}")
