"""What runs on the lab's machines: nginx on the proxy, the app (`npm start`) on each app machine,
and the process-tree helpers that stop them the way a VM would (from the leaves, reaped).

Functions take the `Lab` whose machines they act on (tutor.lab.lab is the facade that calls them).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tutor.lab import standins
from tutor.lab.errors import LabError
from tutor.lab.network import COMMAND_TIMEOUT, last_line, netns_pids
from tutor.lab.topology import APP_PORT, APPS

if TYPE_CHECKING:
    from tutor.lab.lab import Lab

APP_READY = "DumbSound lab app on"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
NGINX = "/usr/local/sbin/nginx"  # inside a machine: nginx as Ubuntu's build logs (tutor.lab.standins)
APP_DIR = "/home/ubuntu/dumbsound"
OWN_APP_TIMEOUT = 180.0  # s: a Create React App dev server takes a while to start listening


# --- nginx ------------------------------------------------------------------------------------

def start_nginx(lab: Lab) -> None:
    """Start nginx in the foreground as the lab's child (so it is reaped), and wait for its pid file.

    nginx writes the pid file after it has opened its listening sockets.
    """
    pid_file = lab.data / "proxy" / "run" / "nginx.pid"
    pid_file.unlink(missing_ok=True)
    log = lab.data / "proxy" / "nginx.out"
    with open(log, "w", encoding="utf-8") as out:
        child = subprocess.Popen(lab.command("proxy", [NGINX, "-g", "daemon off;"]), stdin=subprocess.DEVNULL,
                                 stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    lab.children["proxy"] = child
    since = lab.machine_dir("proxy") / "run" / standins.SINCE.removeprefix("/run/")
    since.parent.mkdir(parents=True, exist_ok=True)
    since.write_text(f"{int(time.time())}\n", encoding="utf-8")  # for `systemctl status nginx`
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if nginx_master(lab) == child.pid:
            return
        if child.poll() is not None:
            why = last_line(log.read_text(encoding="utf-8", errors="replace"))
            raise LabError("nginx_failed", why=why)
        time.sleep(0.01)
    raise LabError("nginx_slow", seconds=START_TIMEOUT)


def nginx_master(lab: Lab) -> int | None:
    """The pid of the proxy's nginx master, when it runs."""
    try:
        pid = int((lab.data / "proxy" / "run" / "nginx.pid").read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def reload_nginx(lab: Lab) -> subprocess.CompletedProcess:
    """`nginx -t`, then (when it passes) `nginx -s reload`, waiting until new workers serve.

    Returns the `nginx -t` result: a failed test leaves the running config as it was, as on a VM.
    """
    tested = lab.nginx_test()
    if tested.returncode != 0:
        return tested
    master = nginx_master(lab)
    if master is None:
        start_nginx(lab)
        return tested
    before = set(children_of(master))
    os.kill(master, signal.SIGHUP)
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        now = set(children_of(master))
        if now and not now & before:
            return tested
        time.sleep(0.01)
    raise LabError("reload_stuck")


# --- the apps ---------------------------------------------------------------------------------

def _pid_file(lab: Lab, role: str) -> Path:
    return lab.data / role / "app.pid"


def spawn_app(lab: Lab, role: str) -> None:
    """`npm start` as ubuntu on `role`, a child of the lab; its pid saved for `app_pid`."""
    log = open(lab.data / role / "app.log", "w", encoding="utf-8")  # noqa: SIM115 - handed to the child
    env = lab.user_env(PORT=str(APP_PORT), MACHINE=role, npm_config_update_notifier="false",
                       npm_config_fund="false", npm_config_logs_max="0", **lab.app_env())
    with log:
        child = subprocess.Popen(lab.user_command(role, ["npm", "start"], APP_DIR), env=env,
                                 stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                 start_new_session=True)
    lab.children[role] = child
    _pid_file(lab, role).write_text(f"{child.pid}\n", encoding="utf-8")


def wait_app(lab: Lab, role: str) -> None:
    """Wait until the app on `role` serves (its ready line, or a listener for the learner's own app)."""
    log = lab.data / role / "app.log"
    child = lab.children[role]
    own = lab.app_source() is not None
    deadline = time.monotonic() + (OWN_APP_TIMEOUT if own else START_TIMEOUT)
    while time.monotonic() < deadline:
        text = log.read_text(encoding="utf-8", errors="replace")
        if APP_READY in text or (own and listener(lab, role) is not None):
            return
        if child.poll() is not None:
            if "EADDRINUSE" in text:
                raise LabError("port_busy", role=role, who="?", prefix=lab.prefix)
            raise LabError("app_failed", role=role, why=last_line(text))
        time.sleep(0.01)
    raise LabError("app_slow", role=role)


def app_pid(lab: Lab, role: str) -> int | None:
    """The pid of the lab's `npm start` on app `role`, when it runs."""
    try:
        pid = int(_pid_file(lab, role).read_text().strip())
    except (OSError, ValueError):
        return None
    return pid if alive(pid) else None


def listener(lab: Lab, role: str) -> tuple[int, str] | None:
    """(pid, command line) of what listens on port 3000 in `role`, whoever started it."""
    done = subprocess.run(["ss", "-N", lab.ns(role), "-Hltnp", f"sport = :{APP_PORT}"], capture_output=True,
                          text=True, timeout=COMMAND_TIMEOUT, stdin=subprocess.DEVNULL)
    found = re.search(r"pid=(\d+)", done.stdout)
    if not found:
        return None
    pid = int(found[1])
    try:
        words = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        command = " ".join(word.decode(errors="replace") for word in words if word)[:120]
    except OSError:
        command = "?"
    return pid, command


def start_app(lab: Lab, role: str) -> None:
    """Start the app on `role` unless it runs; LabError port_busy when another process holds port 3000."""
    if app_pid(lab, role) is not None:
        return
    holder = listener(lab, role)
    if holder is not None:
        raise LabError("port_busy", role=role, who=f"pid {holder[0]} ({holder[1]})", prefix=lab.prefix)
    spawn_app(lab, role)
    wait_app(lab, role)


def stop_app(lab: Lab, role: str) -> str | None:
    """Stop the app on `role` (see Lab.stop); None, "pid N (command)" or ""."""
    pid = app_pid(lab, role)
    if pid is None:
        holder = listener(lab, role)
        if holder is None:
            return ""
        send_signal(holder[0], signal.SIGTERM)
        if not wait_gone([holder[0]], STOP_TIMEOUT):
            send_signal(holder[0], signal.SIGKILL)
            wait_gone([holder[0]], STOP_TIMEOUT)
        return f"pid {holder[0]} ({holder[1]})"
    group = [p for p in netns_pids(lab.ns(role)) if pgid(p) == pid]
    stop_from_the_leaves(group)
    if not wait_gone(group, STOP_TIMEOUT, lab.reap):
        send_signal(-pid, signal.SIGKILL)
        wait_gone(group, STOP_TIMEOUT, lab.reap)
    child = lab.children.pop(role, None)
    if child is not None:
        child.wait(timeout=STOP_TIMEOUT)
    _pid_file(lab, role).unlink(missing_ok=True)
    return None


def stop_everything(lab: Lab, namespaces: list[str]) -> None:
    """Stop every process in the namespaces so that each parent reaps its own children: the
    apps from the leaves, then the top processes (nginx's master, shells), then what is left."""
    for role in APPS:
        if lab.ns(role) in namespaces and app_pid(lab, role) is not None:
            stop_app(lab, role)
    pids = [pid for name in namespaces for pid in netns_pids(name)]
    for pid in pids:
        if ppid(pid) not in pids:
            send_signal(pid, signal.SIGTERM)
    wait_gone(pids, 2.0, lab.reap)
    for pid in pids:
        send_signal(pid, signal.SIGKILL)
    wait_gone(pids, STOP_TIMEOUT, lab.reap)


def node_major() -> int:
    """The major version of this machine's Node.js (0 when unknown)."""
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        return int(done.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return 0


# --- processes --------------------------------------------------------------------------------

def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def alive(pid: int) -> bool:
    """True when `pid` runs (a zombie counts as gone)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def ppid(pid: int) -> int | None:
    """The parent of `pid` (None when it is gone)."""
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def pgid(pid: int) -> int | None:
    """The process group of `pid` (None when it is gone)."""
    fields = _stat(pid)
    return int(fields[2]) if fields else None


def children_of(pid: int) -> list[int]:
    """The running children of `pid`."""
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and fields[1] == str(pid) and fields[0] != "Z":
                children.append(int(entry))
    return children


def stop_from_the_leaves(group: list[int]) -> None:
    """SIGTERM the processes of `group` that have no child in it (`npm start` -> sh -> node: node).

    Each parent then exits after its child and reaps it, so no orphan is left to a PID 1 that
    might not reap (containers). `npm` itself would only pass the signal to `sh`, orphaning node.
    """
    parents = {ppid(pid) for pid in group}
    for pid in group:
        if pid not in parents:
            send_signal(pid, signal.SIGTERM)
            send_signal(pid, signal.SIGCONT)  # a hung (stopped) app takes its SIGTERM only once it runs


def send_signal(pid: int, sig: int) -> None:
    """os.kill, quiet when the process is gone or not ours."""
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def wait_gone(pids: list[int], timeout: float, reap: Callable[[], None] | None = None) -> bool:
    """Wait until none of `pids` runs (calling `reap` to collect our own children); False on timeout."""
    deadline = time.monotonic() + timeout
    while any(alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        if reap is not None:
            reap()
        time.sleep(0.01)
    return True
