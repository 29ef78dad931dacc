"""Helpers for the live-check tests: nginx sites like the learner's, machines, the stand-in multipass."""

from __future__ import annotations

import os
from pathlib import Path

from tutor.live.hosts import Machines, machines_from_specs

TESTS = Path(__file__).resolve().parent
FIXTURES = TESTS / "fixtures" / "multipass"
STAND_IN_BIN = TESTS / "bin"

# nginx's own default page (/var/www/html/index.nginx-debian.html on Ubuntu), shortened.
DEFAULT_PAGE = (
    "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n</head>\n<body>\n"
    "<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully "
    "installed and working. Further configuration is required.</p>\n</body>\n</html>\n"
)


def learner_nginx(lab, upstreams: list[str] | None, *, server_name: str = "hasil.xyz",
                  location_extra: str = "", upstream_header: bool = True, weights: list[int] | None = None,
                  proxy_timeout: int = 1):
    """A real nginx set up like the learner's proxy VM.

    It always has Ubuntu's default site (the "Welcome to nginx!" page, default_server); with
    `upstreams` it also has the lesson's site: `upstream ian { server ...; }` and a server block
    for `server_name` proxying to it (X-Upstream header unless upstream_header=False), giving up
    on an app after `proxy_timeout` seconds (connect and read; short keeps failure tests quick,
    a test that needs every answer gives more: a busy machine's app may take longer than 1 s).
    """
    html = lab.tmp / "www"
    html.mkdir(exist_ok=True)
    (html / "index.nginx-debian.html").write_text(DEFAULT_PAGE, encoding="utf-8")
    conf = ("server { listen 127.0.0.1:{port} default_server; root %s; "
            "index index.nginx-debian.html; server_name _; }\n" % html)
    if upstreams is not None:
        weights = weights or [1] * len(upstreams)
        servers = " ".join(f"server {addr} weight={w};" for addr, w in zip(upstreams, weights))
        header = "add_header X-Upstream $upstream_addr always;" if upstream_header else ""
        conf += (f"upstream ian {{ {servers} }}\n"
                 f"server {{ listen 127.0.0.1:{{port}}; server_name {server_name}; location / {{ "
                 f"proxy_pass http://ian; {header} proxy_connect_timeout {proxy_timeout}s; "
                 f"proxy_read_timeout {proxy_timeout}s; "
                 f"{location_extra} }} }}\n")
    return lab.nginx(conf)


def lab_machines(proxy=None, apps=(), domain: str = "hasil.xyz") -> Machines:
    """Machines for a lab nginx (`proxy`) and backends (`apps`, named app1, app2, ... by order)."""
    specs = [f"proxy=127.0.0.1:{proxy.port}"] if proxy is not None else []
    specs += [f"{backend.name}={backend.address}" for backend in apps]
    return machines_from_specs(specs, domain)


def use_stand_in_multipass(monkeypatch, **env: str | Path) -> None:
    """Put tests/bin/multipass first on PATH, configured by MULTIPASS_* variables (see the script)."""
    monkeypatch.setenv("PATH", f"{STAND_IN_BIN}{os.pathsep}{os.environ.get('PATH', '')}")
    for name in ("MULTIPASS_LIST", "MULTIPASS_NGINX_T", "MULTIPASS_NGINX_T_STDERR", "MULTIPASS_EXIT",
                 "MULTIPASS_STDERR", "MULTIPASS_SLEEP", "MULTIPASS_LOG"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(f"MULTIPASS_{name.upper()}", str(value))
