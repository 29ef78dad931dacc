"""Real nginx and real HTTP backends on loopback addresses, for tests.

Each backend is its own process on 127.0.0.x (a stand-in for one VM); nginx runs from a
config in a temporary directory. Everything started here is stopped by process id.

Tests that need nginx call `nginx_binary()` through the `nginx` fixture of conftest.py: it
skips when nginx is missing, unless TUTOR_REQUIRE_NGINX=1 (set by .ci/run), where it fails.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

BACKEND_SCRIPT = Path(__file__).with_name("backend_app.py")
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
STARTUP = 30.0
"""Seconds a process may take to listen (or to let go of its port): a Python start-up takes
tenths of a second alone, but seconds on a machine busy with a parallel test suite."""

# One access-log line per request: what the simulator's --trace is compared with.
TRACE_LOG_FORMAT = (
    "log_format trace '$msec $remote_addr $request_method $request_uri $status "
    '"$upstream_addr" "$upstream_status" $request_time $pid\';'
)


def nginx_binary() -> str | None:
    """The path of an nginx binary on this machine, or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def free_port(host: str) -> int:
    """A TCP port that is free on `host` right now."""
    with socket.socket() as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def wait_listening(host: str, port: int, timeout: float = 5.0) -> None:
    """Block until something accepts TCP connections on host:port (bounded)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise TimeoutError(f"nothing listening on {host}:{port} after {timeout}s") from None
            time.sleep(0.02)


def wait_closed(host: str, port: int, timeout: float = 5.0) -> None:
    """Block until host:port refuses connections (bounded)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.2):
                pass
        except OSError:
            return
        time.sleep(0.02)
    raise TimeoutError(f"{host}:{port} still accepts connections after {timeout}s")


def _listen_inode(host: str, port: int) -> int | None:
    """The inode of the TCP socket listening on host:port (IPv4), from /proc/net/tcp."""
    local = "%08X:%04X" % (int.from_bytes(socket.inet_aton(host), "little"), port)
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        fields = line.split()
        if fields[1] == local and fields[3] == "0A":
            return int(fields[9])
    return None


def _epoll_watches(pid: int, inode: int) -> bool:
    """True when one of process `pid`'s epoll instances watches the socket with this inode."""
    mark = f"ino:{inode:x} "
    try:
        for info in Path(f"/proc/{pid}/fdinfo").iterdir():
            if mark in info.read_text():
                return True
    except OSError:
        pass
    return False


def wait_workers_accepting(master: int, host: str, port: int, workers: int, timeout: float = 5.0) -> None:
    """Block until each of nginx's `workers` worker processes waits on its listening socket.

    Unlike `wait_listening` it opens no connection: with several workers, which worker accepts
    the next connection depends on how many each has accepted (see sim/accept.py).
    """
    deadline = time.monotonic() + timeout
    while True:
        inode = _listen_inode(host, port)
        pids = _worker_pids(master)
        if inode is not None and len(pids) == workers and all(_epoll_watches(pid, inode) for pid in pids):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"nginx's {workers} workers not accepting on {host}:{port} after {timeout}s")
        time.sleep(0.02)


def _worker_pids(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _waits_for_events(pid: int) -> bool:
    """True when process `pid` sleeps in epoll_wait (an nginx worker with nothing to do)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        wchan = Path(f"/proc/{pid}/wchan").read_text()
    except OSError:
        return False
    return state == "S" and ("ep_poll" in wchan or "epoll_wait" in wchan)


def _kill(proc: subprocess.Popen | None, sig: int = signal.SIGTERM) -> None:
    if proc is None or proc.poll() is not None:
        return
    try:
        os.kill(proc.pid, sig)
        proc.wait(timeout=5)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)


@dataclass
class Backend:
    """One app server process on host:port, named like a VM (app1, app2, ...)."""

    name: str
    host: str
    port: int
    mode: str = "ok"
    extra: tuple[str, ...] = ()
    log: Path | None = None
    proc: subprocess.Popen | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    def start(self) -> "Backend":
        """Start (or restart) the process and wait until it accepts connections."""
        cmd = [sys.executable, str(BACKEND_SCRIPT), "--host", self.host, "--port", str(self.port),
               "--name", self.name, "--mode", self.mode, *self.extra]
        if self.log:
            cmd += ["--log", str(self.log)]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_listening(self.host, self.port, STARTUP)
        return self

    def stop(self) -> None:
        """Stop the process by pid (like Ctrl-C on `npm start`) and wait until the port refuses."""
        _kill(self.proc)
        self.proc = None
        wait_closed(self.host, self.port, STARTUP)


@dataclass
class Nginx:
    """A real nginx master process running `http_config` (the body of `http {}`) from `prefix`."""

    binary: str
    prefix: Path
    http_config: str = ""
    worker_processes: int = 1
    proc: subprocess.Popen | None = None
    listen_host: str = "127.0.0.1"
    port: int = field(default=0)

    def conf_text(self) -> str:
        user = "user root;\n" if hasattr(os, "geteuid") and os.geteuid() == 0 else ""
        p = self.prefix
        return (
            f"{user}daemon off;\nworker_processes {self.worker_processes};\n"
            f"pid {p}/nginx.pid;\nerror_log {p}/error.log info;\n"
            "events { worker_connections 512; }\n"
            "http {\n"
            f"  {TRACE_LOG_FORMAT}\n"
            f"  access_log {p}/access.log trace;\n"
            f"  client_body_temp_path {p}/client_body;\n  proxy_temp_path {p}/proxy;\n"
            f"  fastcgi_temp_path {p}/fastcgi;\n  uwsgi_temp_path {p}/uwsgi;\n  scgi_temp_path {p}/scgi;\n"
            f"{self.http_config}\n"
            "}\n"
        )

    def write_conf(self) -> Path:
        self.prefix.mkdir(parents=True, exist_ok=True)
        conf = self.prefix / "nginx.conf"
        conf.write_text(self.conf_text(), encoding="utf-8")
        return conf

    def test_config(self) -> subprocess.CompletedProcess:
        """Run `nginx -t` on the current config; returns the completed process (stderr has the verdict)."""
        conf = self.write_conf()
        return subprocess.run([self.binary, "-t", "-p", str(self.prefix), "-c", str(conf),
                               "-e", str(self.prefix / "error.log")],
                              capture_output=True, text=True, timeout=20)

    def start(self, probe: bool = True) -> "Nginx":
        """Start nginx in the foreground of a child process and wait until it listens.

        `probe=False` waits without connecting (every worker watches the listening socket), so
        the first connection nginx accepts is the test's own.
        """
        conf = self.write_conf()
        self.proc = subprocess.Popen([self.binary, "-p", str(self.prefix), "-c", str(conf),
                                      "-e", str(self.prefix / "error.log")],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            if probe:
                wait_listening(self.listen_host, self.port, STARTUP)
            else:
                wait_workers_accepting(self.proc.pid, self.listen_host, self.port, self.worker_processes,
                                       STARTUP)
        except TimeoutError:
            _kill(self.proc)
            err = (self.prefix / "error.log").read_text(errors="replace") if (self.prefix / "error.log").exists() else ""
            raise RuntimeError(f"nginx did not start: {err[-2000:]}") from None
        return self

    def reload(self, http_config: str) -> None:
        """Swap in a new config with SIGHUP, as `systemctl reload nginx` does."""
        self.http_config = http_config
        self.write_conf()
        os.kill(self.proc.pid, signal.SIGHUP)
        time.sleep(0.5)

    def stop(self) -> None:
        """Stop nginx (SIGQUIT, then harder) by the master's pid."""
        _kill(self.proc, signal.SIGQUIT)
        self.proc = None

    def wait_idle(self, logged: int, timeout: float = 20.0) -> None:
        """Block until the access log has `logged` lines and every worker sleeps in epoll_wait.

        After a request, its worker still logs it and closes the connections; a connection that
        arrives meanwhile goes to another worker (sim/accept.py models idle workers), and a
        backend stopped meanwhile could still be seen by the request. Waiting for this
        condition keeps "one request after the other" exact on a busy machine.
        """
        deadline = time.monotonic() + timeout
        while True:
            pids = _worker_pids(self.proc.pid)
            if len(self.access_log()) >= logged and len(pids) == self.worker_processes \
                    and all(_waits_for_events(pid) for pid in pids):
                return
            if time.monotonic() > deadline:
                raise TimeoutError(f"nginx not idle with {logged} requests logged after {timeout}s")
            time.sleep(0.005)

    def access_log(self) -> list[dict[str, str]]:
        """The access log parsed into dicts: msec, client, method, uri, status, upstream_addr,
        upstream_status, time, pid (of the worker that served the request)."""
        path = self.prefix / "access.log"
        rows = []
        if not path.exists():
            return rows
        for line in path.read_text(encoding="utf-8").splitlines():
            head, upstream_addr, _, upstream_status, tail = line.split('"')
            msec, client, method, uri, status = head.split()
            request_time, pid = tail.split()
            rows.append({"msec": msec, "client": client, "method": method, "uri": uri, "status": status,
                         "upstream_addr": upstream_addr, "upstream_status": upstream_status,
                         "time": request_time, "pid": pid})
        return rows


class Lab:
    """Everything one test starts: backends and nginx, all stopped by pid in `close()`."""

    def __init__(self, binary: str | None, tmp: Path):
        self.binary = binary
        self.tmp = tmp
        self.backends: dict[str, Backend] = {}
        self.nginxes: list[Nginx] = []

    def backend(self, name: str, host: str, mode: str = "ok", port: int | None = None,
                extra: tuple[str, ...] = (), start: bool = True) -> Backend:
        """Create (and by default start) an app server `name` on host (a 127.0.0.x address)."""
        backend = Backend(name=name, host=host, port=port or free_port(host), mode=mode,
                          extra=extra, log=self.tmp / "backends.log")
        self.backends[name] = backend
        if start:
            backend.start()
        return backend

    def nginx(self, http_config: str, port: int | None = None, worker_processes: int = 1,
              start: bool = True) -> Nginx:
        """Create (and by default start) an nginx whose `http {}` body is http_config.

        Use `{port}` in http_config for the port nginx should listen on (it is filled in).
        """
        if self.binary is None:
            raise RuntimeError("nginx is not installed")
        port = port or free_port("127.0.0.1")
        server = Nginx(binary=self.binary, prefix=self.tmp / f"nginx{len(self.nginxes)}",
                       http_config=http_config.replace("{port}", str(port)),
                       worker_processes=worker_processes, port=port)
        self.nginxes.append(server)
        if start:
            server.start()
        return server

    def close(self) -> None:
        for server in self.nginxes:
            server.stop()
        for backend in self.backends.values():
            _kill(backend.proc)
