"""Read the proxy VM's live nginx config with `multipass exec VM -- sudo nginx -T`, with consent.

Read-only and opt-in: nothing runs unless the caller passes consent=True (the learner said yes).
The text is for linting or simulating elsewhere; it is never executed.
"""

from __future__ import annotations

import os
import re
import subprocess

from tutor.live.hosts import HostError
from tutor.live.sanitize import sanitize

NGINX_T_TIMEOUT = 20.0
_VM_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9-]{0,62}$")
_MARKER = re.compile(r"^# configuration file (.+):$", re.MULTILINE)


class ConsentRequired(PermissionError):
    """Raised when asked to run something on a VM without the learner's consent."""


def read_nginx_config(vm: str, consent: bool, timeout: float = NGINX_T_TIMEOUT) -> dict[str, str]:
    """The files of the nginx config on VM `vm`, path -> text, as `sudo nginx -T` prints them.

    Raises ConsentRequired without consent, HostError (a one-line reason) when multipass or
    nginx fails, e.g. with nginx's own `[emerg]` line when the config does not parse.
    """
    if not consent:
        raise ConsentRequired(f"reading the nginx config on {vm} runs `sudo nginx -T` there; ask first")
    if not valid_vm_name(vm):
        raise HostError(f"{vm!r} is not a multipass VM name")
    env = {**os.environ, "LC_ALL": "C"}
    try:
        done = subprocess.run(["multipass", "exec", vm, "--", "sudo", "nginx", "-T"], capture_output=True,
                              text=True, timeout=timeout, env=env, stdin=subprocess.DEVNULL)
    except FileNotFoundError:
        raise HostError("multipass is not installed here (not on PATH)") from None
    except subprocess.TimeoutExpired:
        raise HostError(f"`multipass exec {vm} -- sudo nginx -T` did not finish within {timeout:g} s") from None
    if done.returncode != 0:
        lines = [line for line in done.stderr.splitlines() if line.strip()]
        reason = next((line for line in lines if "[emerg]" in line), lines[-1] if lines else "")
        raise HostError(f"`sudo nginx -T` on {vm} failed (exit {done.returncode}): "
                        f"{sanitize(reason, 200) or 'no message'}")
    return split_nginx_dump(done.stdout)


def valid_vm_name(name: str) -> bool:
    """Whether `name` can be a multipass VM name (a letter, then letters, digits and `-`)."""
    return bool(_VM_NAME.fullmatch(name))


def split_nginx_dump(text: str) -> dict[str, str]:
    """Split `nginx -T` output into files (path -> text) at its `# configuration file PATH:` lines."""
    markers = list(_MARKER.finditer(text))
    files = {}
    for marker, following in zip(markers, markers[1:] + [None]):
        body = text[marker.end() + 1: following.start() if following else len(text)]
        files[marker.group(1)] = body[:-1] if body.endswith("\n") else body  # nginx -T adds one newline
    return files
