"""Helpers for tests on the network lab: the learner's site on the proxy, hosts lines, extra servers."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from pathlib import Path

from tutor.lab import ADDRESSES, Lab

BACKEND_SCRIPT = Path(__file__).with_name("backend_app.py")
APP = {role: f"{ADDRESSES[role]}:3000" for role in ("app1", "app2", "app3")}


def write_site(lab: Lab, body: str, name: str = "hasil") -> None:
    """Put `body` in the proxy's /etc/nginx/sites-enabled/NAME and reload nginx (it must pass nginx -t)."""
    (lab.nginx_dir / "sites-enabled" / name).write_text(body, encoding="utf-8")
    tested = lab.reload()
    assert tested.returncode == 0, tested.stderr


def lb_site(apps=("app1", "app2"), *, upstream_extra: str = "", location_extra: str = "",
            header: bool = True, weights: dict[str, int] | None = None) -> str:
    """The lesson's load-balancer site: `upstream dumbsound { server ...; }` proxied for hasil.xyz."""
    servers = "".join(f"    server {APP[app]}{f' weight={weights[app]}' if weights and app in weights else ''};\n"
                      for app in apps)
    add = "        add_header X-Upstream $upstream_addr always;\n" if header else ""
    return (f"upstream dumbsound {{\n{upstream_extra}{servers}}}\n"
            "server {\n    listen 80;\n    server_name hasil.xyz;\n    location / {\n"
            f"        proxy_pass http://dumbsound;\n{add}{location_extra}    }}\n}}\n")


def add_hosts_line(lab: Lab, line: str, role: str = "laptop") -> None:
    """Append a line to `role`'s own /etc/hosts, as `sudo nano /etc/hosts` would."""
    path = lab.hosts_file(role)
    path.write_text(path.read_text(encoding="utf-8") + line + "\n", encoding="utf-8")


def listening(lab: Lab, role: str, port: int) -> bool:
    done = lab.exec(role, ["ss", "-Hltn", f"sport = :{port}"])
    return bool(done.stdout.strip())


@contextlib.contextmanager
def server_in(lab: Lab, role: str, port: int, mode: str, name: str = "other"):
    """Run tests/backend_app.py (hang, status, ...) on `role`:`port` for the block; stopped by pid."""
    proc = subprocess.Popen(lab.command(role, [sys.executable, str(BACKEND_SCRIPT), "--host", "0.0.0.0",
                                               "--port", str(port), "--name", name, "--mode", mode]),
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while not listening(lab, role, port):
            assert proc.poll() is None and time.monotonic() < deadline, f"{mode} server on {role} did not start"
            time.sleep(0.02)
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def stop_nginx(lab: Lab) -> None:
    """`nginx -s stop` on the proxy, waiting until its master is gone."""
    lab.exec("proxy", ["nginx", "-s", "stop"])
    deadline = time.monotonic() + 10
    while lab.nginx_master() is not None:
        assert time.monotonic() < deadline, "nginx did not stop"
        time.sleep(0.02)
