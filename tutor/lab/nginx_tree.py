"""The lab proxy's nginx files: a config tree laid out like Ubuntu's /etc/nginx, and nginx's part of its /var.

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


def build(tree: Path, var: Path | None) -> None:
    """Write the proxy's /etc/nginx to `tree` and (unless None) nginx's folders of its /var to `var`."""
    source = assets_dir() / "lab-nginx"
    for sub in ("conf.d", "modules-enabled", "sites-available", "sites-enabled", "snippets"):
        (tree / sub).mkdir(parents=True, exist_ok=True)
    (tree / "nginx.conf").write_text(fresh_nginx_conf(), encoding="utf-8")
    for name in ("mime.types", "proxy_params"):
        shutil.copyfile(source / name, tree / name)
    shutil.copyfile(source / "sites-available" / "default", tree / "sites-available" / "default")
    link = tree / "sites-enabled" / "default"
    if not link.is_symlink():
        link.symlink_to("/etc/nginx/sites-available/default")
    if var is None:
        return
    for folder in (var / "log" / "nginx", var / "lib" / "nginx", var / "www" / "html"):
        folder.mkdir(parents=True, exist_ok=True)
    for path in (var / "www", var / "www" / "html", var / "lib", var / "log"):
        path.chmod(0o755)
    shutil.copyfile(source / "index.nginx-debian.html", var / "www" / "html" / "index.nginx-debian.html")


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
