"""Read the proxy VM's live nginx config with `multipass exec VM -- sudo nginx -T`, with consent,
and lint it with the simulator's nginx reader.

Read-only and opt-in: nothing runs unless the caller passes consent=True (the learner said yes).
The text is for linting or simulating; it is never executed.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.live.hosts import HostError
from tutor.live.multipass import valid_vm_name
from tutor.sanitize import sanitize

if TYPE_CHECKING:
    from sim.nginxconf import ProxySetup

NGINX_T_TIMEOUT = 20.0
_MARKER = re.compile(r"^# configuration file (.+):$", re.MULTILINE)
_ABSOLUTE_INCLUDE = re.compile(r"(?<![\w$])(include\s+[\"']?)/")


class ConsentRequired(PermissionError):
    """Raised when asked to run something on a VM without the learner's consent."""


LAB_NGINX_T = "sudo tutor lab exec proxy -- sudo nginx -T"
"""What a learner whose machines are the lab's types to read the proxy's config (tutor runs it as root)."""


def nginx_t_command(vm: str, lab: bool = False) -> str:
    """The exact command that reading the config runs (shown to the learner before asking)."""
    return "tutor lab exec proxy -- nginx -T" if lab else f"multipass exec {vm} -- sudo nginx -T"


def read_nginx_config(vm: str, consent: bool, timeout: float = NGINX_T_TIMEOUT, lab: bool = False) -> dict[str, str]:
    """The files of the nginx config on VM `vm` (with `lab`: the lab's proxy, as root), path -> text,
    as `sudo nginx -T` prints them.

    Raises ConsentRequired without consent, HostError (a one-line reason) when multipass, the lab or
    nginx fails, e.g. with nginx's own `[emerg]` line when the config does not parse, or when it
    prints no files.
    """
    if not consent:
        raise ConsentRequired(f"reading the nginx config on {vm} runs `sudo nginx -T` there; ask first")
    if lab:
        argv = _lab_argv()
    elif not valid_vm_name(vm):
        raise HostError("bad_vm_name", vm=vm)
    else:
        argv = ["multipass", "exec", vm, "--", "sudo", "nginx", "-T"]
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise HostError("exec_no_multipass") from None
    except subprocess.TimeoutExpired:
        command = nginx_t_command(vm, lab)
        raise HostError("exec_timeout", command=command, seconds=timeout) from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if "[emerg]" in line), lines[-1] if lines else "")
        why = sanitize(reason, 200)
        raise HostError("nginx_t_failed", vm=vm, exit=done.returncode, why=why or "-")
    files = split_nginx_dump(done.stdout)
    if not files:
        raise HostError("nginx_t_empty", vm=vm)
    return files


def _lab_argv() -> list[str]:
    """`nginx -T` inside the lab's proxy (root only: the app checked before asking)."""
    from tutor.lab import Lab, LabError

    try:
        return Lab().command("proxy", ["nginx", "-T"])
    except LabError:
        raise HostError("lab_no_proxy") from None


def split_nginx_dump(text: str) -> dict[str, str]:
    """Split `nginx -T` output into files (path -> text) at its `# configuration file PATH:` lines."""
    markers = list(_MARKER.finditer(text))
    files = {}
    for marker, following in zip(markers, markers[1:] + [None]):
        body = text[marker.end() + 1: following.start() if following else len(text)]
        files[marker.group(1)] = body[:-1] if body.endswith("\n") else body  # nginx -T adds one newline
    return files


@dataclass
class NginxLint:
    """A config written to `folder` (paths kept): its main file, and the first error or the setup."""

    folder: Path
    main: Path
    files: list[str]
    error: str | None
    setup: ProxySetup | None


def lint_nginx_files(files: dict[str, str]) -> NginxLint:
    """Write the files of `nginx -T` under a temp folder (absolute paths kept inside it) and lint them.

    Absolute `include`s are pointed into the folder, so nothing of this machine's own /etc/nginx
    is read. The error (if any) is `file:line: message` with the VM's own paths. The caller
    removes `folder` when done.
    """
    from sim.nginxconf import NginxConfError, read_nginx_config as read_config

    folder = Path(tempfile.mkdtemp(prefix="tutor-nginx-"))
    try:
        return _lint_in(folder, files, read_config, NginxConfError)
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # the caller only removes the folder of a result
        raise


def _lint_in(folder: Path, files: dict[str, str], read_config, error_type) -> NginxLint:
    root = str(folder)
    for path, text in files.items():
        target = folder / path.lstrip("/")
        if folder not in target.resolve().parents:
            continue  # a path with `..` stays out
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(_ABSOLUTE_INCLUDE.sub(lambda m: f"{m.group(1)}{root}/", text), encoding="utf-8")
        except OSError:
            continue  # the dump lists both X and X/y: only one can be a file (nginx -T never does this)
    names = list(files)
    main = folder / names[0].lstrip("/") if names else folder / "nginx.conf"
    try:
        setup = read_config(main, root=folder)  # every include stays inside the dump
    except error_type as exc:
        return NginxLint(folder, main, names, str(exc).replace(root, ""), None)
    return NginxLint(folder, main, names, None, setup)


def describe_setup(setup, folder: Path) -> str:
    """`proxy_pass` at file:line -> upstream NAME (policy): server, server, ... (VM paths)."""
    where = f"{str(setup.file).replace(str(folder), '')}:{setup.line}"
    servers = ", ".join(server.address for server in setup.servers)
    group = f"upstream {setup.upstream}" if setup.upstream else "proxy_pass"
    return f"{where}: {group} ({setup.policy}): {servers}"
