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
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from tutor.lab import machine, network, nginx_tree, services, standins, vm_tree
from tutor.lab.errors import LabError
from tutor.lab.network import COMMAND_TIMEOUT, NETNS_ETC, last_line, netns_list
from tutor.lab.services import APP_DIR, NGINX
from tutor.lab.topology import ADDRESSES, ALL_ROLES, APPS, BRIDGE_ROLE, CLIENTS, check_prefix, default_prefix, roles_for
from tutor.lab.vm_tree import USER
from tutor.paths import assets_dir, user_data_dir

MARKER = ".tutor-lab"
APP_SOURCE = "app-source"  # in the data folder: the folder `up --app` was given
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
    """The tutorial's network for real, under one name prefix (default `tutorlab`).

    The facade: names and state here; the network in tutor.lab.network, nginx and the apps in
    tutor.lab.services, each machine's files and mounts in tutor.lab.vm_tree and tutor.lab.machine.
    """

    def __init__(self, prefix: str | None = None, data_dir: str | Path | None = None) -> None:
        self.prefix = check_prefix(default_prefix() if prefix is None else prefix)
        self.data = Path(data_dir) if data_dir else user_data_dir() / "lab" / self.prefix
        self.children: dict[str, subprocess.Popen] = {}  # what the lab started and must reap
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
        return [name for name in netns_list() if name in ours]

    def roles(self) -> list[str]:
        """The machines (roles) that exist now, in the tutorial's order (inside a machine, where the
        lab's namespaces are out of sight: the machines the lab was built with)."""
        me = vm_tree.whoami()
        if me and me[0] == self.prefix and not netns_list():
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
            raise LabError("not_up", prefix=self.prefix)

    # --- up and down ------------------------------------------------------------------------

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Hold this prefix's lock while building or removing the lab; LabError when another
        `tutor lab` holds it."""
        machine.NS_ROOT.mkdir(parents=True, exist_ok=True)
        path = machine.NS_ROOT / f"{self.prefix}.lock"
        with open(path, "w", encoding="utf-8") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise LabError("busy", prefix=self.prefix) from None
            try:
                yield
            finally:
                path.unlink(missing_ok=True)  # while still holding it: nothing of the lab stays behind

    def up(self, apps: int = 2, lang: str = "en", app: str | Path | None = None) -> None:
        """Build the lab: namespaces, bridge, addresses, each machine's own files, nginx and the apps
        (the stand-in app, or the Node app folder `app` with its node_modules)."""
        require_system()
        if apps not in (2, 3):
            raise LabError("bad_apps", apps=apps)
        source = check_app_folder(app) if app is not None else None
        self.down()
        roles = roles_for(apps)
        self._roles_built, self._lang = roles, lang
        try:
            self._make_data(roles)
            if source is not None:
                (self.data / APP_SOURCE).write_text(f"{source}\n", encoding="utf-8")
            network.build(self.ns, roles, self.address)
            for role in roles:
                self.make_machine(role)
            services.start_nginx(self)
            for role in roles[2:]:
                services.spawn_app(self, role)
            for role in roles[2:]:
                services.wait_app(self, role)
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
        services.stop_everything(self, namespaces)
        machine.release(self.prefix)
        network.remove(namespaces)
        network.remove_old_etc(self.ns(role) for role in (*ALL_ROLES, BRIDGE_ROLE))
        for folder in data_dirs:
            if (folder / MARKER).exists():
                _remove_tree(folder)
                if folder.parent.name == "lab":
                    try:
                        folder.parent.rmdir()  # only when no other lab uses it
                    except OSError:
                        pass
        self.children.clear()
        self._checkers.clear()

    def reap(self) -> None:
        """Collect the lab's own children that have ended (no zombie left)."""
        for child in self.children.values():
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

    def make_machine(self, role: str) -> None:
        """`role`'s own files, then its mount namespace (tutor.lab.machine)."""
        folder = self.machine_dir(role)
        uid = vm_tree.build(folder, self.prefix, role, self._roles_built or tuple(self.roles()), ("lib/nginx",) if role == "proxy" else ())
        if role in APPS and self.app_source() is None:
            app = self.home(role) / "dumbsound"
            shutil.copytree(assets_dir() / "lab-app", app, dirs_exist_ok=True)
            vm_tree.chown_tree(app, uid)
        layered: dict[str, tuple[Path, Path, Path]] = {}
        source = self.app_source() if role in APPS else None
        if source is not None:  # the learner's app, below the machine's own copy
            own, work = folder / "app", folder / ".work" / "app"
            for path in (own / "node_modules", work, self.home(role) / "dumbsound"):
                path.mkdir(parents=True, exist_ok=True)
            for path in (own, own / "node_modules", self.home(role) / "dumbsound"):  # ubuntu writes its caches
                os.chown(path, uid, uid)
            layered[APP_DIR] = (source, own, work)
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

    # --- running commands in a machine --------------------------------------------------------

    def command(self, role: str, argv: list[str], wd: str = "/") -> list[str]:
        """The argv that runs `argv` as root inside `role`: its network, its files, its host name."""
        if self.ns(role) not in netns_list() or not machine.exists(self.prefix, role):
            raise LabError("no_machine", role=role)
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
            raise LabError("exec_timeout", role=role, seconds=timeout) from None

    # --- nginx --------------------------------------------------------------------------------

    def nginx_test(self) -> subprocess.CompletedProcess:
        """`nginx -t` on the proxy."""
        return self.exec("proxy", [NGINX, "-t"])

    def nginx_master(self) -> int | None:
        """The pid of the proxy's nginx master, when it runs."""
        return services.nginx_master(self)

    def reload(self) -> subprocess.CompletedProcess:
        """`nginx -t`, then (when it passes) `nginx -s reload`, waiting until new workers serve.

        Returns the `nginx -t` result: a failed test leaves the running config as it was, as on a VM.
        """
        return services.reload_nginx(self)

    # --- the apps -----------------------------------------------------------------------------

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
        if services.node_major() >= 17:
            env["NODE_OPTIONS"] = "--openssl-legacy-provider"
        return env

    def start_line(self) -> str:
        """The command the lab types on an app machine to start the app."""
        return " ".join([*(f"{name}={value}" for name, value in self.app_env().items()), "npm start"])

    def app_pid(self, role: str) -> int | None:
        """The pid of the lab's `npm start` on app `role`, when it runs."""
        return services.app_pid(self, role)

    def listener(self, role: str) -> tuple[int, str] | None:
        """(pid, command line) of what listens on port 3000 in `role`, whoever started it."""
        return services.listener(self, role)

    def start(self, role: str) -> None:
        """Start the app on `role` (`npm start`), as the learner does after stopping it. LabError
        port_busy (naming the process) when something else already listens on port 3000."""
        require_system()
        self._require_app(role)
        services.start_app(self, role)

    def stop(self, role: str) -> str | None:
        """Stop the app on `role` (like Ctrl-C on `npm start`) and wait until it is gone: the lab's
        own `npm start`, else whatever listens on port 3000 there (an app the learner started).
        Returns None when the lab's app was stopped, "pid N (command)" for another one, "" for none."""
        self._require_app(role)
        return services.stop_app(self, role)

    def _require_app(self, role: str) -> None:
        if role not in APPS:
            raise LabError("not_app", role=role, apps=", ".join(APPS))
        if self.ns(role) not in self.namespaces():
            raise LabError("no_machine", role=role)

    # --- power --------------------------------------------------------------------------------

    def poweroff(self, role: str) -> None:
        """Switch `role` off: its link goes down, as when a VM is powered off. Processes stay."""
        self._require_machine(role)
        network.set_power(self.ns(role), on=False)

    def poweron(self, role: str) -> None:
        """Switch `role` on again: its link comes back up with its address."""
        self._require_machine(role)
        network.set_power(self.ns(role), on=True)

    def _require_machine(self, role: str) -> None:
        if role not in ALL_ROLES or self.ns(role) not in self.namespaces():
            raise LabError("no_machine", role=role)

    def powered(self, role: str) -> bool:
        """True when `role`'s link is up."""
        return network.powered(self.ns(role))

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
            why = last_line(answer["stderr"])
            raise LabError("check_failed", rc=answer["rc"], why=why) from None
        return {result["check"]: result for result in results}

    def _checker(self, client: str) -> _Checker:
        checker = self._checkers.get(client)
        if checker is None or checker.proc.poll() is not None:
            env = {**os.environ, "PYTHONPATH": _SOURCE_ROOT, "LANG": "C.UTF-8"}
            proc = subprocess.Popen(self.command(client, [sys.executable, "-m", "tutor.cli.check_server"]),
                                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                    text=True, env=env, start_new_session=True)
            checker = self._checkers[client] = _Checker(proc)
            self.children[f"checker-{client}"] = proc
        return checker

_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])


class _Checker:
    """A running tutor.cli.check_server: one JSON line of arguments in, one JSON line of answer out."""

    def __init__(self, proc: subprocess.Popen[str]) -> None:
        if proc.stdin is None or proc.stdout is None:
            raise ValueError("the checker needs pipes for its stdin and stdout")
        self.proc, self.stdin, self.stdout = proc, proc.stdin, proc.stdout

    def ask(self, args: list[str], timeout: float) -> dict:
        try:
            self.stdin.write(json.dumps(args) + "\n")
            self.stdin.flush()
        except OSError:
            raise LabError("checker_stopped") from None
        ready, _, _ = select.select([self.stdout], [], [], timeout)
        line = self.stdout.readline() if ready else ""
        if not line:
            self.proc.kill()
            self.proc.wait()
            raise LabError("check_no_answer", seconds=timeout)
        return json.loads(line)


# --- the system -------------------------------------------------------------------------------

def require_root() -> None:
    """Raise LabError unless this is Linux, we are root and iproute2/util-linux are installed."""
    if not sys.platform.startswith("linux"):
        raise LabError("not_linux")
    if os.geteuid() != 0:
        raise LabError("not_root")
    for tool, package in (("ip", "iproute2"), ("ss", "iproute2"), ("nsenter", "util-linux"), ("runuser", "util-linux"),
                          ("su", "util-linux")):
        if shutil.which(tool) is None:
            raise LabError("missing_tool", tool=tool, package=package)


def require_system() -> None:
    """Raise LabError unless the lab can be built here: root on Linux, nginx, node and npm."""
    require_root()
    if nginx_tree.nginx_binary() is None:
        raise LabError("no_nginx")
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise LabError("no_node")


def check_app_folder(path: str | Path) -> Path:
    """The folder given to `up --app`, checked: a Node app (package.json) with its node_modules,
    at a path overlayfs can take. LabError otherwise."""
    folder = Path(path).expanduser().resolve()
    shown = str(path)[:200]
    if not (folder / "package.json").is_file():
        raise LabError("app_no_package", path=shown)
    if not (folder / "node_modules").is_dir():
        raise LabError("app_no_modules", path=shown)
    if any(char in str(folder) for char in ",:\\\n"):
        raise LabError("app_bad_path", path=shown)
    return folder


def _remove_tree(folder: Path) -> None:
    """shutil.rmtree, one thread per top folder: on a busy disk each unlink waits for the journal,
    and waits in parallel take the time of one."""
    from concurrent.futures import ThreadPoolExecutor

    parts = [entry for entry in folder.iterdir() if entry.is_dir() and not entry.is_symlink()]
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(lambda part: shutil.rmtree(part, ignore_errors=True), parts))
    shutil.rmtree(folder, ignore_errors=True)
