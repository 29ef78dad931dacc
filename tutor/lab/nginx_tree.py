"""The lab proxy's nginx files: a config tree laid out like Ubuntu's /etc/nginx, and its own /var and /run.

The tree's files come from `assets/lab-nginx/`; `sites-enabled/default` links to
`/etc/nginx/sites-available/default` as on Ubuntu (the link resolves inside the lab, where the
tree is /etc/nginx).
"""

from __future__ import annotations

import os
import pwd
import shutil
from pathlib import Path

from tutor.paths import assets_dir

NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
WORKER_USERS = ("www-data", "nginx", "nobody")


def nginx_binary() -> str | None:
    """The system's nginx, or None."""
    found = shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


# Inside the proxy, `nginx` logs what happens before it has read its config to
# /var/log/nginx/error.log and says `nginx: [emerg] ...` on the terminal, as Ubuntu's build does
# (Debian's nginx-light logs that to stderr with a timestamp instead). The real binary stays
# reachable at REAL_BINARY.
REAL_BINARY = "/run/tutor-lab/nginx"
WRAPPER = "/run/tutor-lab/nginx-as-on-ubuntu"
WRAPPER_TEXT = f"#!/bin/sh\nexec {REAL_BINARY} -e /var/log/nginx/error.log \"$@\"\n"


# No systemd runs inside the lab: this answers the lessons' `systemctl reload|restart|status nginx`
# (and keeps `systemctl` inside the proxy from ever reaching the real machine's services).
SYSTEMCTL = "/run/tutor-lab/systemctl"
SYSTEMCTL_TEXT = """#!/bin/sh
# tutor lab: no systemd runs inside the lab; this answers `systemctl ... nginx` like Ubuntu would.
verb="$1"; unit="${2%.service}"
if [ "$unit" != nginx ]; then
    echo "systemctl: the tutor lab runs no systemd; only 'systemctl ACTION nginx' works here" >&2; exit 1
fi
running() { [ -s /run/nginx.pid ] && kill -0 "$(cat /run/nginx.pid)" 2>/dev/null; }
case "$verb" in
    reload) if nginx -t -q; then exec nginx -s reload; fi
            echo "Job for nginx.service failed. See 'nginx -t' for details." >&2; exit 1 ;;
    start) running && exit 0; exec nginx ;;
    stop) running || exit 0; nginx -s quit ;;
    restart) nginx -t -q || { echo "Job for nginx.service failed. See 'nginx -t' for details." >&2; exit 1; }
             if running; then nginx -s quit; i=0
                 while running && [ "$i" -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
             fi
             exec nginx ;;
    is-active) if running; then echo active; else echo inactive; exit 3; fi ;;
    status) if running; then
                echo "* nginx.service - A high performance web server and a reverse proxy server (tutor lab)"
                echo "     Active: active (running)"
                echo "   Main PID: $(cat /run/nginx.pid) (nginx)"
            else
                echo "o nginx.service - A high performance web server and a reverse proxy server (tutor lab)"
                echo "     Active: inactive (dead)"; exit 3
            fi ;;
    enable|disable|daemon-reload) exit 0 ;;
    *) echo "systemctl $verb: not available in the tutor lab" >&2; exit 1 ;;
esac
"""


def private_mounts(machine_dir: Path) -> list[tuple[str, str]]:
    """(source, target) bind mounts that make the proxy's own /var, /run, Ubuntu-like nginx and
    systemctl, in order. Sources after the first two are paths inside the proxy (its own /run)."""
    binary = os.path.realpath(nginx_binary() or "/usr/sbin/nginx")
    mounts = [(str(machine_dir / "var"), "/var"), (str(machine_dir / "run"), "/run"),
              (binary, REAL_BINARY), (WRAPPER, binary)]
    systemctl = shutil.which("systemctl")
    if systemctl:
        mounts.append((SYSTEMCTL, os.path.realpath(systemctl)))
    return mounts


def build(tree: Path, machine_dir: Path) -> None:
    """Write the proxy's /etc/nginx to `tree` and its /var and /run to `machine_dir`."""
    source = assets_dir() / "lab-nginx"
    for folder in ("conf.d", "modules-enabled", "sites-available", "sites-enabled", "snippets"):
        (tree / folder).mkdir(parents=True, exist_ok=True)
    (tree / "nginx.conf").write_text(fresh_nginx_conf(), encoding="utf-8")
    for name in ("mime.types", "proxy_params"):
        shutil.copyfile(source / name, tree / name)
    shutil.copyfile(source / "sites-available" / "default", tree / "sites-available" / "default")
    link = tree / "sites-enabled" / "default"
    if not link.is_symlink():
        link.symlink_to("/etc/nginx/sites-available/default")
    var, run = machine_dir / "var", machine_dir / "run"
    for folder in (var / "log" / "nginx", var / "lib" / "nginx", var / "www" / "html", var / "tmp",
                   run / "lock", run / "tutor-lab"):
        folder.mkdir(parents=True, exist_ok=True)
    inside = run / "tutor-lab"
    (inside / "nginx").touch()  # where the real binary is mounted
    (inside / Path(WRAPPER).name).write_text(WRAPPER_TEXT, encoding="utf-8")
    (inside / Path(WRAPPER).name).chmod(0o755)
    (inside / Path(SYSTEMCTL).name).write_text(SYSTEMCTL_TEXT, encoding="utf-8")
    (inside / Path(SYSTEMCTL).name).chmod(0o755)
    (var / "tmp").chmod(0o1777)
    for path in (machine_dir, var, var / "www", var / "www" / "html", var / "lib", var / "log"):
        path.chmod(0o755)
    shutil.copyfile(source / "index.nginx-debian.html", var / "www" / "html" / "index.nginx-debian.html")
    for name, target in (("run", "/run"), ("lock", "/run/lock")):
        if not (var / name).is_symlink():
            (var / name).symlink_to(target)


def fresh_nginx_conf() -> str:
    """The proxy's /etc/nginx/nginx.conf as `apt install nginx` leaves it (worker user of this machine)."""
    conf = (assets_dir() / "lab-nginx" / "nginx.conf").read_text(encoding="utf-8")
    return conf.replace("user www-data;", f"user {_worker_user()};")


def clear(tree: Path) -> None:
    """Empty the tree but keep its folder: a running proxy has that very folder mounted as /etc/nginx."""
    for entry in tree.iterdir() if tree.is_dir() else ():
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _worker_user() -> str:
    for name in WORKER_USERS:
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    return "root"
