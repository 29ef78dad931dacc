"""The lab: the tutorial's machines as network namespaces on one bridge (DESIGN.md section 8).

Every name the lab makes starts with its prefix: namespaces `<prefix>-<role>` (and
`<prefix>-net` for the bridge), `/etc/netns/<prefix>-<role>/`, and the data folder
`<user data>/lab/<prefix>/`. `down()` removes exactly those names, so it also cleans up after a
crashed run, and two labs with different prefixes never touch each other.

Each machine is also a VM to whoever types in it (tutor.lab.machine): its own mount and UTS
namespaces, kept under `/run/tutor-lab/<prefix>/` for the machine's life, with its own /etc,
/var, /home, /root, /tmp and /run in `<data>/<role>/` (tutor.lab.vm_tree) and the host's other
folders read-only. The proxy's /etc/nginx is the tree `<data>/nginx`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import select
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from tutor.lab import machine, nginx_tree, standins, vm_tree
from tutor.lab.topology import (ADDRESSES, ALL_ROLES, APP_PORT, APPS, BRIDGE_ROLE, CLIENTS, LINK, PREFIX_LEN,
                                LabError, check_prefix, default_prefix, roles_for)
from tutor.lab.vm_tree import HOSTS_TEMPLATE, USER
from tutor.paths import assets_dir, user_data_dir

NETNS_ETC = Path("/etc/netns")  # used by labs of earlier versions; `down` still clears it
MARKER = ".tutor-lab"
APP_READY = "DumbSound lab app on"
START_TIMEOUT = 15.0
STOP_TIMEOUT = 5.0
COMMAND_TIMEOUT = 30.0
NGINX = "/usr/local/sbin/nginx"  # inside a machine: nginx as Ubuntu's build logs (tutor.lab.standins)
APP_DIR = "/home/ubuntu/dumbsound"
APP_SOURCE = "app-source"  # in the data folder: the folder `up --app` was given
OWN_APP_TIMEOUT = 180.0  # s: a Create React App dev server takes a while to start listening
USER_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"  # Ubuntu's, stand-ins first

@dataclass(frozen=True)
class MachineStatus:
    """One machine of the lab as `status` shows it."""

    role: str
    address: str
    powered: bool  # the machine's link is up
    service: str  # "nginx", "app", or "" (the laptop)
    service_running: bool
    detail: str = ""  # e.g. the process that answers on port 3000 when the learner started it

    @property
    def state(self) -> str:
        return "Running" if self.powered else "Stopped"

    def to_multipass(self) -> dict:
        """This machine as one entry of `multipass list --format json`."""
        return {"ipv4": [self.address] if self.powered else [], "name": self.role,
                "release": "tutor lab", "state": self.state}


class Lab:
    """The tutorial's network for real, under one name prefix (default `tutorlab`)."""

    def __init__(self, prefix: str | None = None, data_dir: str | Path | None = None) -> None:
        self.prefix = check_prefix(default_prefix() if prefix is None else prefix)
        self.data = Path(data_dir) if data_dir else user_data_dir() / "lab" / self.prefix
        self._children: dict[str, subprocess.Popen] = {}
        self._checkers: dict[str, _Checker] = {}
        self._roles_built: tuple[str, ...] = ()
        self._lang = "en"

    @classmethod
    def as_built(cls, prefix: str | None = None) -> Lab:
        """The running lab of `prefix` with the data folder `up` was given (a test's lab keeps its
        own folder; the commands that reach a running lab find it here)."""
        lab = cls(prefix)
        link = machine.ns_dir(lab.prefix) / "data"
        return cls(lab.prefix, Path(os.readlink(link))) if link.is_symlink() else lab

    # --- names ------------------------------------------------------------------------------

    def ns(self, role: str) -> str:
        """The network namespace of `role` (`laptop`, `proxy`, `app1`, ..., `net` for the bridge)."""
        return f"{self.prefix}-{role}"

    def machine_dir(self, role: str) -> Path:
        """`role`'s own files (its /etc, /var, /home, ... as tutor.lab.vm_tree lays them out)."""
        return self.data / role

    def home(self, role: str) -> Path:
        """/home/ubuntu of `role`, as a folder on this machine."""
        return self.machine_dir(role) / "home" / USER

    @property
    def nginx_dir(self) -> Path:
        """The proxy's /etc/nginx, as a folder on this machine."""
        return self.data / "nginx"

    def hosts_file(self, role: str) -> Path:
        """The /etc/hosts of `role`, as a file on this machine."""
        return vm_tree.upper(self.machine_dir(role), "/etc/hosts")

    def address(self, role: str) -> str:
        return CLIENTS[role][0] if role in CLIENTS else ADDRESSES[role]

    # --- what exists ------------------------------------------------------------------------

    def namespaces(self) -> list[str]:
        """The lab's namespaces that exist now."""
        ours = {self.ns(role) for role in (*ALL_ROLES, BRIDGE_ROLE)}
        return [name for name in _netns_list() if name in ours]

    def roles(self) -> list[str]:
        """The machines (roles) that exist now, in the tutorial's order (inside a machine, where the
        lab's namespaces are out of sight: the machines the lab was built with)."""
        me = vm_tree.whoami()
        if me and me[0] == self.prefix and not _netns_list():
            return [role for role in ALL_ROLES if role in me[2]]
        present = set(self.namespaces())
        return [role for role in ALL_ROLES if self.ns(role) in present]

    def inside(self, role: str) -> bool:
        """True when this process runs in `role`'s network namespace (e.g. `tutor lab shell laptop`)."""
        if vm_tree.whoami()[:2] == (self.prefix, role):
            return True
        try:
            return os.stat("/proc/self/ns/net").st_ino == os.stat(f"/run/netns/{self.ns(role)}").st_ino
        except OSError:
            return False

    def is_up(self) -> bool:
        return self.ns("proxy") in self.namespaces()

    def require_up(self) -> None:
        if not self.is_up():
            raise LabError(f"the lab {self.prefix!r} is not up: run `tutor lab up` first", "not_up",
                           prefix=self.prefix)

    # --- up and down ------------------------------------------------------------------------

    @contextlib.contextmanager
    def busy(self):
        """Hold this prefix's lock while building or removing the lab; LabError when another
        `tutor lab` holds it."""
        machine.NS_ROOT.mkdir(parents=True, exist_ok=True)
        path = machine.NS_ROOT / f"{self.prefix}.lock"
        with open(path, "w", encoding="utf-8") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LabError(f"the lab {self.prefix!r} is being built or removed by another tutor lab",
                               "busy", prefix=self.prefix) from None
            try:
                yield
            finally:
                path.unlink(missing_ok=True)  # while still holding it: nothing of the lab stays behind

    def up(self, apps: int = 2, lang: str = "en", app: str | Path | None = None) -> None:
        """Build the lab: namespaces, bridge, addresses, each machine's own files, nginx and the apps
        (the stand-in app, or the Node app folder `app` with its node_modules)."""
        require_system()
        if apps not in (2, 3):
            raise LabError(f"--apps {apps}: the lab has 2 or 3 app machines", "bad_apps", apps=apps)
        source = check_app_folder(app) if app is not None else None
        self.down()
        roles = roles_for(apps)
        self._roles_built, self._lang = roles, lang
        try:
            self._make_data(roles)
            if source is not None:
                (self.data / APP_SOURCE).write_text(f"{source}\n", encoding="utf-8")
            self._make_network(roles)
            for role in roles:
                self._make_machine(role)
            self._start_nginx()
            for role in roles[2:]:
                self._spawn_app(role)
            for role in roles[2:]:
                self._wait_app(role)
        except BaseException:
            self.down()
            raise

    def down(self) -> None:
        """Remove everything of this prefix: processes, namespaces, mounts, data."""
        namespaces = self.namespaces()
        data_dirs = {self.data}
        for link in (machine.ns_dir(self.prefix) / "data", NETNS_ETC / self.ns("proxy") / "nginx"):
            if link.is_symlink():
                data_dirs.add(Path(os.readlink(link)) if link.name == "data" else Path(os.readlink(link)).parent)
        self._kill_all(namespaces)
        machine.release(self.prefix)
        if namespaces:
            _ip(["-b", "-"], "".join(f"netns del {name}\n" for name in namespaces), check=False)
        for role in (*ALL_ROLES, BRIDGE_ROLE):  # what a lab of an earlier version made
            shutil.rmtree(NETNS_ETC / self.ns(role), ignore_errors=True)
        for folder in data_dirs:
            if (folder / MARKER).exists():
                _remove_tree(folder)
                if folder.parent.name == "lab":
                    try:
                        folder.parent.rmdir()  # only when no other lab uses it
                    except OSError:
                        pass
        self._children.clear()
        self._checkers.clear()

    def _kill_all(self, namespaces: list[str]) -> None:
        """Stop every process in the namespaces so that each parent reaps its own children: the
        apps from the leaves, then the top processes (nginx's master, shells), then what is left."""
        for role in APPS:
            if self.ns(role) in namespaces and self.app_pid(role) is not None:
                self.stop(role)
        pids = [pid for name in namespaces for pid in netns_pids(name)]
        for pid in pids:
            if _ppid(pid) not in pids:
                _signal(pid, signal.SIGTERM)
        _wait_gone(pids, 2.0, self._reap)
        for pid in pids:
            _signal(pid, signal.SIGKILL)
        _wait_gone(pids, STOP_TIMEOUT, self._reap)

    def _reap(self) -> None:
        for child in self._children.values():
            child.poll()

    def _make_data(self, roles: tuple[str, ...]) -> None:
        self.data.mkdir(parents=True, exist_ok=True)
        (self.data / MARKER).write_text(f"tutor lab {self.prefix}\n", encoding="utf-8")
        nginx_tree.build(self.nginx_dir, self.machine_dir("proxy") / "var")
        dist = self.tools_dir / standins.NGINX_DIST
        nginx_tree.build(dist / "etc", None)
        shutil.copyfile(assets_dir() / "lab-nginx" / "index.nginx-debian.html", dist / "index.nginx-debian.html")
        vm_tree.write_tools(self.tools_dir, standins.scripts(
            self._lang, os.path.realpath(nginx_tree.nginx_binary() or "/usr/sbin/nginx"), sys.executable, _SOURCE_ROOT))

    @property
    def tools_dir(self) -> Path:
        """Every machine's /usr/local/sbin: the stand-in commands."""
        return self.data / "sbin"

    def _make_machine(self, role: str) -> None:
        """`role`'s own files, then its mount namespace (tutor.lab.machine)."""
        folder = self.machine_dir(role)
        uid = vm_tree.build(folder, self.prefix, role, self._roles_built or tuple(self.roles()), ("lib/nginx",) if role == "proxy" else ())
        if role in APPS and self.app_source() is None:
            app = self.home(role) / "dumbsound"
            shutil.copytree(assets_dir() / "lab-app", app, dirs_exist_ok=True)
            vm_tree.chown_tree(app, uid)
        layered = {}
        if role in APPS and self.app_source() is not None:  # the learner's app, below the machine's own copy
            own, work = folder / "app", folder / ".work" / "app"
            for path in (own / "node_modules", work, self.home(role) / "dumbsound"):
                path.mkdir(parents=True, exist_ok=True)
            for path in (own, own / "node_modules", self.home(role) / "dumbsound"):  # ubuntu writes its caches
                os.chown(path, uid, uid)
            layered[APP_DIR] = (self.app_source(), own, work)
        # Folders the lab (and tests) also write from outside: plain folders, not overlay layers
        # (changing an overlay's layer under it is undefined).
        binds = {"/var/log": folder / "var" / "log"}
        if role == "proxy":
            binds["/etc/nginx"] = self.nginx_dir
        if role == "proxy":
            vm_tree.upper(folder, "/etc/nginx").mkdir(exist_ok=True)  # where the tree is mounted
        keep = sorted({os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, _SOURCE_ROOT)})
        if any(path.startswith("/root/") for path in keep):
            (folder / "root").chmod(0o711)  # ubuntu reaches the tutor that built the lab, lists nothing
        machine.make(self.prefix, role, self.ns(role), folder, self.tools_dir, binds, keep, layered)
        data_link = machine.ns_dir(self.prefix) / "data"
        if not data_link.is_symlink():
            data_link.symlink_to(self.data.resolve())

    def _make_network(self, roles: tuple[str, ...]) -> None:
        bridge = self.ns(BRIDGE_ROLE)
        lines = [f"netns add {self.ns(role)}\n" for role in (BRIDGE_ROLE, *roles)]
        lines += [f"link add {LINK} netns {self.ns(role)} type veth peer name {role} netns {bridge}\n"
                  for role in roles]
        _ip(["-b", "-"], "".join(lines))
        ports = "".join(f"link set {role} master br0\nlink set {role} up\n" for role in roles)
        _ip(["-n", bridge, "-b", "-"], "link add br0 type bridge\nlink set br0 up\n" + ports)
        for role in roles:
            self._configure_link(role)

    def _configure_link(self, role: str) -> None:
        commands = (f"link set lo up\naddr add {self.address(role)}/{PREFIX_LEN} dev {LINK}\n"
                    f"link set {LINK} up\n")
        if role in CLIENTS:
            commands += f"route add {ADDRESSES['laptop'].rsplit('.', 1)[0]}.0/{PREFIX_LEN} dev {LINK}\n"
        elif role == "proxy":
            commands += "".join(f"route add {net} dev {LINK}\n" for name, (_, net) in CLIENTS.items()
                                if self.ns(name) in _netns_list())
        _ip(["-n", self.ns(role), "-b", "-"], commands)

    # --- running commands in a machine --------------------------------------------------------

    def command(self, role: str, argv: list[str], wd: str = "/") -> list[str]:
        """The argv that runs `argv` as root inside `role`: its network, its files, its host name."""
        if self.ns(role) not in _netns_list() or not machine.exists(self.prefix, role):
            raise LabError(f"the lab has no machine {role!r} (is it up? see `tutor lab status`)",
                           "no_machine", role=role)
        return machine.enter(self.prefix, role, self.ns(role), argv, wd)

    def user_command(self, role: str, argv: list[str], wd: str | None = None) -> list[str]:
        """The argv that runs `argv` inside `role` as the machine's user ubuntu (run it with user_env())."""
        return self.command(role, ["runuser", "-u", USER, "--", *argv], wd or f"/home/{USER}")

    @staticmethod
    def user_env(**extra: str) -> dict[str, str]:
        """The environment of a command run as ubuntu: a fresh one, as `multipass exec` gives."""
        env = {"PATH": USER_PATH, "HOME": f"/home/{USER}", "USER": USER, "LOGNAME": USER, "SHELL": "/bin/bash",
               "LANG": os.environ.get("LANG", "C.UTF-8"), "TERM": os.environ.get("TERM", "xterm")}
        return {**env, **extra}

    def exec(self, role: str, argv: list[str], input: str | None = None,
             timeout: float = COMMAND_TIMEOUT, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        """Run `argv` as root inside `role` and return what it printed (never raises on a non-zero exit)."""
        if env is None:  # the machine's stand-ins (systemctl, nginx as on Ubuntu) come first, as in its shells
            env = {**os.environ, "PATH": f"{USER_PATH}:{os.environ.get('PATH', '')}"}
        try:
            return subprocess.run(self.command(role, argv), input=input, capture_output=True, text=True,
                                  timeout=timeout, env=env, stdin=None if input is not None else subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise LabError(f"`{shlex.join(argv)}` on {role} did not finish within {timeout:g} s",
                           "exec_timeout", role=role, seconds=f"{timeout:g}") from None

    # --- nginx --------------------------------------------------------------------------------

    def _start_nginx(self) -> None:
        """Start nginx in the foreground as our child (so it is reaped), and wait for its pid file.

        nginx writes the pid file after it has opened its listening sockets.
        """
        pid_file = self.data / "proxy" / "run" / "nginx.pid"
        pid_file.unlink(missing_ok=True)
        log = self.data / "proxy" / "nginx.out"
        with open(log, "w", encoding="utf-8") as out:
            child = subprocess.Popen(self.command("proxy", [NGINX, "-g", "daemon off;"]), stdin=subprocess.DEVNULL,
                                     stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        self._children["proxy"] = child
        since = self.machine_dir("proxy") / "run" / standins.SINCE.removeprefix("/run/")
        since.parent.mkdir(parents=True, exist_ok=True)
        since.write_text(f"{int(time.time())}\n", encoding="utf-8")  # for `systemctl status nginx`
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.nginx_master() == child.pid:
                return
            if child.poll() is not None:
                why = _last_line(log.read_text(encoding="utf-8", errors="replace"))
                raise LabError(f"nginx did not start in the lab: {why}", "nginx_failed", why=why)
            time.sleep(0.01)
        raise LabError(f"nginx did not start within {START_TIMEOUT:g} s", "nginx_failed", why="-")

    def nginx_test(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the proxy."""
        return self.exec("proxy", [NGINX, "-t"])

    def nginx_master(self) -> int | None:
        """The pid of the proxy's nginx master, when it runs."""
        try:
            pid = int((self.data / "proxy" / "run" / "nginx.pid").read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def reload(self) -> subprocess.CompletedProcess:
        """`nginx -t`, then (when it passes) `nginx -s reload`, waiting until new workers serve.

        Returns the `nginx -t` result: a failed test leaves the running config as it was, as on a VM.
        """
        tested = self.nginx_test()
        if tested.returncode != 0:
            return tested
        master = self.nginx_master()
        if master is None:
            self._start_nginx()
            return tested
        before = set(_children_of(master))
        os.kill(master, signal.SIGHUP)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            now = set(_children_of(master))
            if now and not now & before:
                return tested
            time.sleep(0.01)
        raise LabError("nginx did not start new workers after a reload", "reload_stuck")

    # --- the apps -----------------------------------------------------------------------------

    def _app_pid_file(self, role: str) -> Path:
        return self.data / role / "app.pid"

    def _spawn_app(self, role: str) -> None:
        log = open(self.data / role / "app.log", "w", encoding="utf-8")  # noqa: SIM115 - handed to the child
        env = self.user_env(PORT=str(APP_PORT), MACHINE=role, npm_config_update_notifier="false",
                            npm_config_fund="false", npm_config_logs_max="0", **self.app_env())
        with log:
            child = subprocess.Popen(self.user_command(role, ["npm", "start"], APP_DIR), env=env,
                                     stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        self._children[role] = child
        self._app_pid_file(role).write_text(f"{child.pid}\n", encoding="utf-8")

    def app_source(self) -> Path | None:
        """The learner's own app folder given to `up --app`, or None for the lab's stand-in app."""
        try:
            return Path((self.data / APP_SOURCE).read_text(encoding="utf-8").strip())
        except OSError:
            return None

    def app_env(self) -> dict[str, str]:
        """What `npm start` of the learner's own app needs in the lab, said out loud in start_line():
        CI=true (a Create React App dev server otherwise stops when its input ends) and, on Node 17
        or later, NODE_OPTIONS=--openssl-legacy-provider (webpack 4's hashes)."""
        if self.app_source() is None:
            return {}
        env = {"CI": "true"}
        if node_major() >= 17:
            env["NODE_OPTIONS"] = "--openssl-legacy-provider"
        return env

    def start_line(self) -> str:
        """The command the lab types on an app machine to start the app."""
        return " ".join([*(f"{name}={value}" for name, value in self.app_env().items()), "npm start"])

    def _wait_app(self, role: str) -> None:
        log = self.data / role / "app.log"
        child = self._children[role]
        own = self.app_source() is not None
        deadline = time.monotonic() + (OWN_APP_TIMEOUT if own else START_TIMEOUT)
        while time.monotonic() < deadline:
            text = log.read_text(encoding="utf-8", errors="replace")
            if APP_READY in text or (own and self.listener(role) is not None):
                return
            if child.poll() is not None:
                if "EADDRINUSE" in text:
                    raise LabError(f"port {APP_PORT} on {role} is in use (EADDRINUSE)", "port_busy", role=role,
                                   who="?", prefix=self.prefix)
                raise LabError(f"the app on {role} stopped: {_last_line(text)}", "app_failed", role=role,
                               why=_last_line(text))
            time.sleep(0.01)
        raise LabError(f"the app on {role} did not start within {START_TIMEOUT:g} s", "app_slow", role=role)

    def app_pid(self, role: str) -> int | None:
        """The pid of the lab's `npm start` on app `role`, when it runs."""
        try:
            pid = int(self._app_pid_file(role).read_text().strip())
        except (OSError, ValueError):
            return None
        return pid if _alive(pid) else None

    def listener(self, role: str) -> tuple[int, str] | None:
        """(pid, command line) of what listens on port 3000 in `role`, whoever started it."""
        done = subprocess.run(["ss", "-N", self.ns(role), "-Hltnp", f"sport = :{APP_PORT}"], capture_output=True,
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

    def start(self, role: str) -> None:
        """Start the app on `role` (`npm start`), as the learner does after stopping it. LabError
        port_busy (naming the process) when something else already listens on port 3000."""
        require_system()
        self._require_app(role)
        if self.app_pid(role) is not None:
            return
        holder = self.listener(role)
        if holder is not None:
            raise LabError(f"port {APP_PORT} on {role} is in use (EADDRINUSE) by pid {holder[0]}: {holder[1]}",
                           "port_busy", role=role, who=f"pid {holder[0]} ({holder[1]})", prefix=self.prefix)
        self._spawn_app(role)
        self._wait_app(role)

    def stop(self, role: str) -> str | None:
        """Stop the app on `role` (like Ctrl-C on `npm start`) and wait until it is gone: the lab's
        own `npm start`, else whatever listens on port 3000 there (an app the learner started).
        Returns None when the lab's app was stopped, "pid N (command)" for another one, "" for none."""
        self._require_app(role)
        pid = self.app_pid(role)
        if pid is None:
            holder = self.listener(role)
            if holder is None:
                return ""
            _signal(holder[0], signal.SIGTERM)
            if not _wait_gone([holder[0]], STOP_TIMEOUT):
                _signal(holder[0], signal.SIGKILL)
                _wait_gone([holder[0]], STOP_TIMEOUT)
            return f"pid {holder[0]} ({holder[1]})"
        group = [p for p in netns_pids(self.ns(role)) if _pgid(p) == pid]
        _stop_from_the_leaves(group)
        if not _wait_gone(group, STOP_TIMEOUT, self._reap):
            _signal(-pid, signal.SIGKILL)
            _wait_gone(group, STOP_TIMEOUT, self._reap)
        child = self._children.pop(role, None)
        if child is not None:
            child.wait(timeout=STOP_TIMEOUT)
        self._app_pid_file(role).unlink(missing_ok=True)
        return None

    def _require_app(self, role: str) -> None:
        if role not in APPS:
            raise LabError(f"{role!r} is not an app machine (app1, app2, app3)", "not_app", role=role)
        if self.ns(role) not in self.namespaces():
            raise LabError(f"the lab has no machine {role!r} (is it up? see `tutor lab status`)",
                           "no_machine", role=role)

    # --- power --------------------------------------------------------------------------------

    def poweroff(self, role: str) -> None:
        """Switch `role` off: its link goes down, as when a VM is powered off. Processes stay."""
        self._require_machine(role)
        _ip(["-n", self.ns(role), "link", "set", LINK, "down"])

    def poweron(self, role: str) -> None:
        """Switch `role` on again: its link comes back up with its address and routes."""
        self._require_machine(role)
        _ip(["-n", self.ns(role), "link", "set", LINK, "up"])
        self._restore_routes(role)

    def _restore_routes(self, role: str) -> None:
        present = set(self.namespaces())
        if role in CLIENTS:
            routes = [f"{ADDRESSES['laptop'].rsplit('.', 1)[0]}.0/{PREFIX_LEN}"]
        elif role == "proxy":
            routes = [net for name, (_, net) in CLIENTS.items() if self.ns(name) in present]
        else:
            return
        for net in routes:
            _ip(["-n", self.ns(role), "route", "replace", net, "dev", LINK])

    def _require_machine(self, role: str) -> None:
        if role not in ALL_ROLES or self.ns(role) not in self.namespaces():
            raise LabError(f"the lab has no machine {role!r} (is it up? see `tutor lab status`)",
                           "no_machine", role=role)

    def powered(self, role: str) -> bool:
        """True when `role`'s link is up."""
        done = _ip(["-n", self.ns(role), "-br", "link", "show", LINK], check=False)
        return done.returncode == 0 and "UP" in done.stdout.split()[1:2]

    # --- extra clients (tests) ----------------------------------------------------------------

    def add_client(self, role: str = "client2") -> str:
        """Add a client machine on another /24 of the same bridge (for ip_hash); its address."""
        self.require_up()
        if role not in CLIENTS:
            raise LabError(f"{role!r} is not a client machine", "not_client", role=role)
        if self.ns(role) not in self.namespaces():
            _ip(["-b", "-"], f"netns add {self.ns(role)}\nlink add {LINK} netns {self.ns(role)} type veth "
                             f"peer name {role} netns {self.ns(BRIDGE_ROLE)}\n")
            _ip(["-n", self.ns(BRIDGE_ROLE), "-b", "-"], f"link set {role} master br0\nlink set {role} up\n")
            self._configure_link(role)
            self._make_machine(role)
            self._restore_routes("proxy")
        return self.address(role)

    # --- status -------------------------------------------------------------------------------

    def status(self) -> list[MachineStatus]:
        """Every machine of the lab with its power and its service."""
        machines = []
        for role in self.roles():
            if role == "proxy":
                service, running = "nginx", self.nginx_master() is not None
            elif role in APPS:
                ours = self.app_pid(role) is not None
                holder = None if ours else self.listener(role)
                service, running = "app", ours or holder is not None
                detail = f"pid {holder[0]}: {holder[1]}" if holder else ""
            else:
                service, running = "", False
            machines.append(MachineStatus(role, self.address(role), self.powered(role), service, running,
                                          detail if role in APPS else ""))
        return machines

    def seen_from_inside(self) -> list[MachineStatus]:
        """The machines as a user without root sees them from inside the lab: every machine that
        exists, at its address (power and services unknown: the checks will tell). Extra client
        machines that tests add (client2) are not the learner's and are left out."""
        return [MachineStatus(role, self.address(role), True, "", False)
                for role in self.roles() if role in ADDRESSES]

    def multipass_list(self) -> dict:
        """The lab in the shape of `multipass list --format json`."""
        return {"list": [machine.to_multipass() for machine in self.status()]}

    def host_specs(self, machines: tuple[str, ...] | None = None) -> list[str]:
        """`ROLE=ADDR` for `machines` (default: every machine the checks know: proxy, app1..app3)."""
        known = [role for role in self.roles() if role == "proxy" or role in APPS]
        return [f"{role}={self.address(role)}" for role in known if machines is None or role in machines]


    # --- checks from the laptop ------------------------------------------------------------------

    def check_argv(self, args: list[str], machines: tuple[str, ...] | None = None,
                   client: str = "laptop") -> list[str]:
        """The argv that runs `tutor check --host ... ARGS` on `client` against the lab's `machines`
        (default: the proxy and every app)."""
        hosts = [word for spec in self.host_specs(machines) for word in ("--host", spec)]
        argv = [sys.executable, "-m", "tutor", "check", *hosts, *args]
        return argv if self.inside(client) else self.command(client, argv)

    def check(self, *args: str, machines: tuple[str, ...] | None = None, client: str = "laptop",
              lang: str = "en", timeout: float = 120.0) -> dict[str, dict]:
        """Run `tutor check --json ARGS` from `client`; check id -> its JSON result.

        The checks run in a `tutor check` process kept running inside `client` (tutor.cli.check_server),
        so a test session pays Python's start-up once per client, not once per check.
        """
        hosts = [word for spec in self.host_specs(machines) for word in ("--host", spec)]
        answer = self._checker(client).ask([*hosts, "--json", "--lang", lang, *args], timeout)
        try:
            results = json.loads(answer["stdout"])["results"]
        except (ValueError, KeyError):
            why = _last_line(answer["stderr"])
            raise LabError(f"tutor check in the lab printed no JSON (exit {answer['rc']}): {why}",
                           "check_failed", why=why) from None
        return {result["check"]: result for result in results}

    def _checker(self, client: str) -> _Checker:
        checker = self._checkers.get(client)
        if checker is None or checker.proc.poll() is not None:
            env = {**os.environ, "PYTHONPATH": _SOURCE_ROOT, "LANG": "C.UTF-8"}
            proc = subprocess.Popen(self.command(client, [sys.executable, "-m", "tutor.cli.check_server"]),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True, env=env, start_new_session=True)
            checker = self._checkers[client] = _Checker(proc)
            self._children[f"checker-{client}"] = proc
        return checker

    # --- back to the start (tests) --------------------------------------------------------------

    def reset(self) -> None:
        """Put the lab back as `up` made it: every machine on, default nginx tree and hosts files,
        nginx and every app running, no extra client routes lost."""
        for role in self.roles():
            if not self.powered(role):
                self.poweron(role)
            _ip(["-n", self.ns(role), "neigh", "flush", "all"], check=False)  # as just booted
            self.hosts_file(role).write_text(HOSTS_TEMPLATE.format(name=role), encoding="utf-8")
        nginx_tree.clear(self.nginx_dir)  # the folder itself stays: running nginx has it mounted
        nginx_tree.build(self.nginx_dir, self.machine_dir("proxy") / "var")
        if self.nginx_master() is None:
            self._start_nginx()
        else:
            self.reload()
        for role in self.roles():
            if role in APPS and self.app_pid(role) is None:
                self.start(role)


_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


class _Checker:
    """A running tutor.cli.check_server: one JSON line of arguments in, one JSON line of answer out."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc

    def ask(self, args: list[str], timeout: float) -> dict:
        try:
            self.proc.stdin.write(json.dumps(args) + "\n")
            self.proc.stdin.flush()
        except OSError:
            raise LabError("the lab's checker stopped", "check_failed", why="checker stopped") from None
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        line = self.proc.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            self.proc.wait()
            raise LabError(f"tutor check in the lab gave no answer within {timeout:g} s", "check_failed",
                           why="no answer")
        return json.loads(line)


# --- the system -------------------------------------------------------------------------------

def require_root() -> None:
    """Raise LabError unless this is Linux, we are root and iproute2/util-linux are installed."""
    if not sys.platform.startswith("linux"):
        raise LabError("the lab needs Linux (network namespaces)", "not_linux")
    if os.geteuid() != 0:
        raise LabError("the lab needs root: run it with sudo", "not_root")
    for tool, package in (("ip", "iproute2"), ("ss", "iproute2"), ("nsenter", "util-linux"), ("runuser", "util-linux"),
                          ("su", "util-linux")):
        if shutil.which(tool) is None:
            raise LabError(f"`{tool}` is missing: install {package}", "missing_tool", tool=tool, package=package)


def require_system() -> None:
    """Raise LabError unless the lab can be built here: root on Linux, nginx, node and npm."""
    require_root()
    if nginx_tree.nginx_binary() is None:
        raise LabError("nginx is missing: install it (sudo apt install nginx)", "no_nginx")
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise LabError("Node.js (node and npm) is missing: install it, e.g. sudo apt install nodejs npm",
                       "no_node")


def _ip(args: list[str], input: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(["ip", *args], input=input, capture_output=True, text=True,
                              timeout=COMMAND_TIMEOUT)
    except FileNotFoundError:
        raise LabError("`ip` is missing: install iproute2", "missing_tool", tool="ip", package="iproute2") from None
    if check and done.returncode != 0:
        why = _last_line(done.stderr)
        raise LabError(f"ip {' '.join(args[:3])}: {why}", "ip_failed", why=why)
    return done


def _netns_list() -> list[str]:
    names = []
    try:
        names = os.listdir("/run/netns")
    except OSError:
        pass
    return sorted(names)


def netns_pids(name: str) -> list[int]:
    """The processes whose network namespace is `name`."""
    done = _ip(["netns", "pids", name], check=False)
    return [int(word) for word in done.stdout.split() if word.isdigit()]


def _last_line(text: str) -> str:
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    return lines[-1][:200] if lines else "no message"


def _stat(pid: int) -> list[str] | None:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rfind(")") + 2:].split()


def _alive(pid: int) -> bool:
    """True when `pid` runs (a zombie counts as gone)."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def _ppid(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[1]) if fields else None


def _pgid(pid: int) -> int | None:
    fields = _stat(pid)
    return int(fields[2]) if fields else None


def _children_of(pid: int) -> list[int]:
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            fields = _stat(int(entry))
            if fields and fields[1] == str(pid) and fields[0] != "Z":
                children.append(int(entry))
    return children


def _stop_from_the_leaves(group: list[int]) -> None:
    """SIGTERM the processes of `group` that have no child in it (`npm start` -> sh -> node: node).

    Each parent then exits after its child and reaps it, so no orphan is left to a PID 1 that
    might not reap (containers). `npm` itself would only pass the signal to `sh`, orphaning node.
    """
    parents = {_ppid(pid) for pid in group}
    for pid in group:
        if pid not in parents:
            _signal(pid, signal.SIGTERM)
            _signal(pid, signal.SIGCONT)  # a hung (stopped) app takes its SIGTERM only once it runs


def _signal(pid: int, sig: int) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _wait_gone(pids: list[int], timeout: float, reap=None) -> bool:
    """Wait until none of `pids` runs (calling `reap` to collect our own children); False on timeout."""
    deadline = time.monotonic() + timeout
    while any(_alive(pid) for pid in pids):
        if time.monotonic() > deadline:
            return False
        if reap is not None:
            reap()
        time.sleep(0.01)
    return True


def node_major() -> int:
    """The major version of this machine's Node.js (0 when unknown)."""
    try:
        done = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=COMMAND_TIMEOUT)
        return int(done.stdout.strip().lstrip("v").split(".")[0])
    except (OSError, ValueError, subprocess.TimeoutExpired):
        return 0


def check_app_folder(path: str | Path) -> Path:
    """The folder given to `up --app`, checked: a Node app (package.json) with its node_modules,
    at a path overlayfs can take. LabError bad_app_folder otherwise."""
    folder = Path(path).expanduser().resolve()
    why = ""
    if not (folder / "package.json").is_file():
        why = "no package.json there: give the folder of a Node app"
    elif not (folder / "node_modules").is_dir():
        why = "no node_modules there: run npm install in it first (the lab has no internet)"
    elif any(char in str(folder) for char in ",:\\\n"):
        why = "the path may not contain , : \\ or a line break"
    if why:
        raise LabError(f"--app {path}: {why}", "bad_app_folder", path=str(path)[:200], why=why)
    return folder


def _remove_tree(folder: Path) -> None:
    """shutil.rmtree, one thread per top folder: on a busy disk each unlink waits for the journal,
    and waits in parallel take the time of one."""
    from concurrent.futures import ThreadPoolExecutor

    parts = [entry for entry in folder.iterdir() if entry.is_dir() and not entry.is_symlink()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda part: shutil.rmtree(part, ignore_errors=True), parts))
    shutil.rmtree(folder, ignore_errors=True)
