"""What a drill does to the lab: the finished tutorial (`restore`), a fault or fix (`apply`), and what
a user sees from the laptop (`probe`).

Every file is read and written through `Lab.exec` inside its machine, so a drill touches the lab's
machines and nothing of the host. The vocabulary is fixed (tutor.drills.model.ACTIONS): no text of a
drill file is ever run as a command.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from tutor.drills.model import Action, Baseline, fill
from tutor.i18n import tr
from tutor.lab import nginx_tree
from tutor.lab.lab import Lab
from tutor.lab.network import netns_pids
from tutor.lab.vm_tree import HOSTS_TEMPLATE
from tutor.lab.errors import LabError
from tutor.lab.topology import ADDRESSES, APP_PORT, APPS

TEXT = "drill_cli"  # the section of tutor/locale/<lang>.toml, shared with tutor drill

WAIT = 10.0
PROBE_REQUESTS = 6
PROBE_TIMEOUT = 4  # s per request: longer than a probe's 3 s "slow" bar, far under nginx's 60 s
SLOW = 2.0
NGINX_CONF = "/etc/nginx/nginx.conf"
DUMBWAYS = "/etc/nginx/dumbways"


class ActionFailed(Exception):
    """An action could not be applied (a drill's `find` text is not in the file, a tool is missing).
    `key` names the reason in the [drill_cli] catalogue (`err.<key>`); `str()` is its English text."""

    def __init__(self, key: str, **values: object) -> None:
        self.key, self.values = key, values
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        return tr(TEXT, f"err.{self.key}", lang, **self.values)


def _why(stderr: str) -> str:
    """A failed command's reason in one line: the last line it wrote on stderr ("-" when none)."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    return lines[-1][:200] if lines else "-"


def read_file(lab: Lab, role: str, path: str) -> str:
    done = lab.exec(role, ["cat", path])
    if done.returncode != 0:
        raise ActionFailed("read", path=path, role=role, why=_why(done.stderr))
    return done.stdout


def write_file(lab: Lab, role: str, path: str, text: str) -> None:
    """Write `text` to `path` in `role` in place (as an editor does: the file keeps its inode)."""
    done = lab.exec(role, ["sh", "-c", 'mkdir -p "$(dirname "$1")" && cat > "$1"', "sh", path], input=text)
    if done.returncode != 0:
        raise ActionFailed("write", path=path, role=role, why=_why(done.stderr))


def restore(lab: Lab, baseline: Baseline) -> None:
    """Put the lab in the finished tutorial's state: every machine on and reachable, both apps
    serving, the proxy's files as lesson 3 leaves them, the laptop's hosts line, nginx running."""
    apps = [r for r in lab.roles() if r in APPS]
    for role in apps:
        if not lab.powered(role):
            lab.poweron(role)
        _signal_all(lab, role, signal.SIGCONT)
        _firewall(lab, role, "flush")
        if lab.app_pid(role) is None:
            lab.start(role)
    _free_port(lab, 80, keep="nginx")
    values = baseline.values()
    lab.exec("proxy", ["sh", "-c", f"rm -rf {DUMBWAYS} && mkdir -p {DUMBWAYS}"])
    for path, content in baseline.files:
        write_file(lab, "proxy", path, fill(content, values))
    fresh = nginx_tree.fresh_nginx_conf()
    write_file(lab, "proxy", NGINX_CONF, fresh.replace(baseline.include_after,
                                                        f"{baseline.include_after}\n\t{baseline.include}", 1))
    for role in ("proxy", *apps):  # names a learner added on a machine would survive into the next drill
        write_file(lab, role, "/etc/hosts", HOSTS_TEMPLATE.format(name=role))
    write_file(lab, "laptop", "/etc/hosts", HOSTS_TEMPLATE.format(name="laptop") + fill(baseline.hosts_line, values)
               + "\n")
    lab.exec("proxy", ["sh", "-c", "truncate -s 0 /var/log/nginx/error.log /var/log/nginx/access.log 2>/dev/null; true"])
    tested = lab.reload()
    if tested.returncode != 0:
        raise ActionFailed("baseline", why=_why(tested.stderr))


def apply(lab: Lab, actions: tuple[Action, ...], values: dict[str, str]) -> None:
    """Carry out `actions` (a drill's fault, fix or wrong fix) with `values` filled in, in order."""
    for action in actions:
        _APPLY[action.verb](lab, action.filled(values))


def _edit(lab: Lab, action: Action) -> None:
    role = action.option("role", "proxy")
    text = read_file(lab, role, action.value)
    find = action.option("find")
    if find not in text:
        raise ActionFailed("find", path=action.value, role=role, find=find)
    write_file(lab, role, action.value, text.replace(find, action.option("replace"), 1))


def _nginx(lab: Lab, action: Action) -> None:
    if action.value == "stop":
        master = lab.nginx_master()
        if master is not None:  # as systemd does: a signal to the master (`nginx -s` would need a valid config)
            os.kill(master, signal.SIGQUIT)
            _wait(lambda: lab.nginx_master() is None and not _listeners(lab, "proxy", 80, "nginx"))
        return
    if action.value == "start" and lab.nginx_master() is not None:
        return
    try:  # reload starts nginx when none runs; a broken config or a busy port leaves it down, as on a VM
        lab.reload()
    except LabError:
        pass


def _app(lab: Lab, action: Action) -> None:
    role = action.option("machine")
    if action.value == "hang":
        _signal_all(lab, role, signal.SIGSTOP)
    else:
        getattr(lab, action.value)(role)


def _firewall_action(lab: Lab, action: Action) -> None:
    _firewall(lab, action.option("machine"), action.value, action.option("port", str(APP_PORT)),
              action.option("source", "proxy"))


def _occupy(lab: Lab, action: Action) -> None:
    """Another web server on the proxy's port: a `python3 -m http.server` someone left running."""
    port = int(action.value)
    folder = action.option("directory", "/var/www/html")
    argv = [sys.executable, "-m", "http.server", str(port), "--bind", "0.0.0.0", "--directory", folder]
    subprocess.Popen(lab.command("proxy", argv), stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                     stderr=subprocess.DEVNULL, start_new_session=True)
    _wait(lambda: bool(_listeners(lab, "proxy", port)))


def _free(lab: Lab, action: Action) -> None:
    _free_port(lab, int(action.value))


_APPLY = {"edit": _edit, "nginx": _nginx, "app": _app, "firewall": _firewall_action, "occupy": _occupy,
          "free": _free}


# --- what the user sees ------------------------------------------------------------------------

@dataclass(frozen=True)
class Answer:
    """One request from the laptop to http://DOMAIN/: status (0: no answer), time, headers, title."""

    status: int
    seconds: float
    server: str
    upstream: str
    title: str


PROBE_SCRIPT = r"""
out=$(curl -s -m "$2" -D - -w '\n@@ %{http_code} %{time_total}' "http://$1/" 2>/dev/null)
status=$(printf '%s\n' "$out" | sed -n 's/^@@ //p' | tail -n 1)
server=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^[Ss]erver: //p' | head -n 1)
upstream=$(printf '%s\n' "$out" | tr -d '\r' | sed -n 's/^[Xx]-[Uu]pstream: //p' | head -n 1)
title=$(printf '%s\n' "$out" | sed -n 's:.*<title>\(.*\)</title>.*:\1:p' | head -n 1)
printf '%s\t%s\t%s\t%s\n' "${status:-000 0}" "$server" "$upstream" "$title"
"""


def probe(lab: Lab, domain: str, kind: str | None = None) -> list[Answer]:
    """Up to six requests from the laptop to http://DOMAIN/ with curl, as a user sends them one after
    another; stops early once they show the symptom `kind` (all six are needed for `one_app`)."""
    answers: list[Answer] = []
    for _ in range(PROBE_REQUESTS):
        done = lab.exec("laptop", ["sh", "-c", PROBE_SCRIPT, "sh", domain, str(PROBE_TIMEOUT)],
                        timeout=PROBE_TIMEOUT + 10)
        fields = done.stdout.rstrip("\n").split("\t")
        if len(fields) == 4:
            code, _, seconds = fields[0].partition(" ")
            answers.append(Answer(int(code) if code.isdigit() else 0, float(seconds or 0), fields[1], fields[2],
                                  fields[3]))
        if kind is not None and kind != "one_app" and len(answers) >= 2 and symptom_seen(kind, answers):
            break
    return answers


def symptom_seen(kind: str, answers: list[Answer]) -> bool:
    """Whether `answers` show the symptom `kind` (tutor.drills.model.PROBES)."""
    if not answers:
        return False
    answered = [a for a in answers if a.status]
    if kind == "bad_gateway":
        return any(a.status in (502, 504) for a in answers)
    if kind == "default_page":
        return any(a.title == "Welcome to nginx!" for a in answered)
    if kind == "down":
        return not answered
    if kind == "slow":
        return any(a.seconds >= SLOW or not a.status for a in answers)
    if kind == "not_nginx":
        return bool(answered) and all(not a.server.startswith("nginx") for a in answered)
    if kind == "one_app":
        apps = {a.upstream.split(",")[-1].strip() for a in answered if a.status == 200}
        return len(answered) == len(answers) and len(apps) == 1
    raise ValueError(kind)


# --- small tools -------------------------------------------------------------------------------

def _signal_all(lab: Lab, role: str, sig: int) -> None:
    for pid in netns_pids(lab.ns(role)):
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _firewall(lab: Lab, role: str, verb: str, port: str = str(APP_PORT), source: str = "proxy") -> None:
    if verb == "flush":
        argv = ["iptables", "-F", "INPUT"]
    else:
        argv = ["iptables", "-A", "INPUT", "-p", "tcp", "--dport", port, "-s", ADDRESSES[source], "-j", "DROP"]
    try:
        done = lab.exec(role, argv)
    except FileNotFoundError:
        done = None
    if (done is None or done.returncode != 0) and verb != "flush":
        raise ActionFailed("iptables")


_PID = re.compile(r"pid=(\d+)")


def _listeners(lab: Lab, role: str, port: int, name: str | None = None) -> list[int]:
    """Pids listening on TCP `port` in `role` (only those whose command is `name`, when given)."""
    done = lab.exec(role, ["ss", "-Hltnp", f"sport = :{port}"])
    pids = sorted({int(pid) for pid in _PID.findall(done.stdout)})
    return [pid for pid in pids if name is None or _command(pid) == name]


def _free_port(lab: Lab, port: int, keep: str | None = None) -> None:
    """Stop every process listening on `port` on the proxy (but the ones named `keep`)."""
    pids = [pid for pid in _listeners(lab, "proxy", port) if keep is None or _command(pid) != keep]
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    _wait(lambda: not [pid for pid in _listeners(lab, "proxy", port) if keep is None or _command(pid) != keep])


def _command(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/comm", encoding="utf-8") as handle:
            return handle.read().strip()
    except OSError:
        return ""


def _wait(condition, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise ActionFailed("state_timeout")
        time.sleep(0.02)
