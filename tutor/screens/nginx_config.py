"""Reading the proxy VM's live nginx config, with consent: `ask_to_read_nginx_config(app)` asks EACH
time before running `multipass exec VM -- sudo nginx -T` (read-only); `NginxConfigScreen` reads it,
shows the lint (`sim.nginxconf`) and offers to open it in the simulator."""

from __future__ import annotations

import asyncio
import os
import shutil

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Static
from textual.worker import WorkType

from tutor.keymap import Key, bindings
from tutor.live.hosts import HostError
from tutor.live.nginx_config import (LAB_NGINX_T, NginxLint, describe_setup, lint_nginx_files, nginx_t_command,
                                     valid_vm_name)
from tutor.screens.base import TutorModal
from tutor.screens.modals import ConfirmScreen
from tutor.strings import host_error_text


def ask_to_read_nginx_config(app) -> None:
    """Ask (every time) before reading the proxy VM's nginx config; read and lint it on yes.

    With the lab's machines it is the lab's proxy, read as root (`tutor lab exec`); a learner who
    is not root is told the command to type instead of being offered multipass."""
    from tutor.live.lab_machines import inside_lab, saved_lab

    lab = saved_lab(app.settings) or inside_lab()
    vm = "proxy" if lab else app.settings.vms.get("proxy") or "proxy"
    if lab and os.geteuid() != 0:
        app.notify(app.t("nginx.lab_not_root", command=LAB_NGINX_T), severity="warning", timeout=15)
        return
    if not valid_vm_name(vm):
        app.notify(app.t("nginx.bad_vm", vm=vm), severity="error")
        return

    def answered(yes: bool | None) -> None:
        if yes:
            app.push_screen(NginxConfigScreen(vm, lab))

    app.push_screen(ConfirmScreen("nginx.confirm", yes_key="nginx.yes", no_key="nginx.no",
                                  command=nginx_t_command(vm, lab), vm=vm), answered)


class NginxConfigScreen(TutorModal):
    """Reads VM `vm`'s nginx config (the learner already said yes), shows the lint, offers the simulator."""

    DEFAULT_CSS = """
    NginxConfigScreen #nginx-result.-error { color: $text-error; }
    """
    KEYMAP = (
        Key("nginx.simulate", "s", "simulate", "key.open_in_sim"),
        Key("nginx.close", "escape,q", "close", "key.close_dialog", display="Esc / q"),
    )
    BINDINGS = bindings(KEYMAP)

    def __init__(self, vm: str, lab: bool = False) -> None:
        super().__init__()
        self.vm = vm
        self.lab = lab  # the lab's proxy (`tutor lab exec proxy`), not a multipass VM
        self.lint: NginxLint | None = None
        self.failure: HostError | None = None

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(classes="dialog-title", id="nginx-title", markup=False)
            with VerticalScroll(classes="dialog-body"):
                yield Static(id="nginx-result", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button("", id="nginx-sim", variant="primary", disabled=True)
                yield Button("", id="nginx-close")

    def setup(self) -> None:
        work: WorkType[None] = self._read  # named: mypy cannot infer WorkType's result
        self.run_worker(work, exclusive=True, group="nginx-config", exit_on_error=False)

    def refresh_language(self) -> None:
        self.query_one("#nginx-title", Static).update(self.t("nginx.title", command=nginx_t_command(self.vm, self.lab)))
        self.query_one("#nginx-sim", Button).label = self.t("nginx.btn_sim")
        self.query_one("#nginx-close", Button).label = self.t("nginx.btn_close")
        self._show()

    async def _read(self) -> None:
        from tutor.live.nginx_config import read_nginx_config

        self.query_one("#nginx-result", Static).update(self.t("nginx.reading"))
        try:
            files = await asyncio.to_thread(read_nginx_config, self.vm, True, lab=self.lab)
            self.lint = await asyncio.to_thread(lint_nginx_files, files)
        except HostError as exc:
            self.failure = exc
        self._show()

    def _show(self) -> None:
        result = self.query_one("#nginx-result", Static)
        if self.failure is not None:
            result.add_class("-error")
            result.update(self.t("nginx.failed", reason=host_error_text(self.failure, self.app.lang)))
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
        from tutor.simview import SimScreen

        screen = SimScreen(None, str(self.lint.main), lang=self.app.lang)  # reads the files now
        self.dismiss()
        self.app.push_screen(screen)

    def action_close(self) -> None:
        self.dismiss()

    def on_unmount(self) -> None:
        if self.lint is not None:
            shutil.rmtree(self.lint.folder, ignore_errors=True)
