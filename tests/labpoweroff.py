"""Record what real nginx does in the lab when app2 powers off, and play the same in the simulator.

A recording: the lab's proxy runs nginx (1 worker, as on a 1-CPU VM) with
`upstream { app1; app2; }` and the given `proxy_connect_timeout`; the proxy's neighbour (ARP)
timers are pinned by sysctl inside its namespace; the laptop sends request k at k / rate (a new
connection each); app2's link goes down at `poweroff` (and up again at `poweron`). nginx's access
log ($msec, $request_time, $upstream_addr, $upstream_status) is the record, one row per request.

The same case as a scenario (`scenario()`) replays what really happened: each request at the
time nginx logged it began, the power-off (and on) at the moment the link had changed, and the
timers the kernel really drew (`ip ntable`: the reachable time is randomised when
base_reachable_time_ms is written). On a busy machine the recording drifts from the intended
schedule; the replay drifts with it.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

CLIENT = Path(__file__).with_name("lab_client.py")
HOST = "hasil.xyz"
LOG = "poweroff.log"
CONF = """log_format poweroff '$msec $request_time "$upstream_addr" "$upstream_status" $status';
upstream poweroff_apps {
    server @app1@:3000;
    server @app2@:3000;
}
server {
    listen 80;
    server_name @host@;
    access_log /var/log/nginx/@log@ poweroff;
    location / {
        proxy_pass http://poweroff_apps;
        proxy_connect_timeout @connect_timeout@s;
    }
}
"""


@dataclass(frozen=True)
class Case:
    """One recording: traffic, when app2 powers off (and on), nginx's connect timeout, kernel timers."""

    name: str
    requests: int
    rate: float
    poweroff: float
    connect_timeout: float
    poweron: float | None = None
    base_reachable_time: float = 30.0
    delay_first_probe_time: float = 5.0
    retrans_time: float = 1.0
    ucast_solicit: int = 3
    mcast_solicit: int = 3
    reachable_max: float | None = None  # re-draw the kernel's random reachable time until it is at most this


@dataclass(frozen=True)
class Row:
    """One request as nginx logged it: sent at `t` (case seconds), servers tried, statuses, wait."""

    t: float
    attempts: tuple[str, ...]
    statuses: tuple[str, ...]
    status: int
    latency: float


@dataclass(frozen=True)
class Recording:
    """A played case: nginx's rows by send time, the kernel's reachable time (seconds), and each
    power change as (case seconds once it had taken effect, "poweroff" | "start")."""

    rows: list[Row]
    reachable: float
    events: list[tuple[float, str]]
    reachable_after: float = 0.0  # the kernel's reachable time when the run had ended


REDRAWS = 40  # P(no draw of 40 in the lower 62 % of [base/2, 3 base/2]) is below 1e-16


def pin_timers(lab, case: Case) -> float:
    """Set the proxy's neighbour timers; returns the reachable time the kernel drew (seconds)."""
    prefix = "net.ipv4.neigh.eth0."
    values = {"base_reachable_time_ms": round(case.base_reachable_time * 1000),
              "delay_first_probe_time": round(case.delay_first_probe_time),
              "retrans_time_ms": round(case.retrans_time * 1000),
              "ucast_solicit": case.ucast_solicit, "mcast_solicit": case.mcast_solicit}
    for _ in range(REDRAWS):  # each write of base_reachable_time_ms makes the kernel draw again
        done = lab.exec("proxy", ["sysctl", "-q", "-w", *(f"{prefix}{key}={value}" for key, value in values.items())])
        assert done.returncode == 0, done.stderr
        reachable = drawn_reachable(lab)
        if case.reachable_max is None or reachable <= case.reachable_max:
            break
    lab.exec("proxy", ["ip", "neigh", "flush", "dev", "eth0"])
    return reachable


def drawn_reachable(lab) -> float:
    """The reachable time (seconds) the proxy's kernel uses for eth0 now (`ip ntable`)."""
    table = lab.exec("proxy", ["ip", "ntable", "show", "dev", "eth0", "name", "arp_cache"]).stdout
    return int(re.search(r"\breachable (\d+)", table).group(1)) / 1000


def configure(lab, case: Case) -> None:
    """nginx in the lab's proxy: one worker, the poweroff upstream, the case's connect timeout."""
    conf = lab.nginx_dir / "nginx.conf"
    conf.write_text(re.sub(r"worker_processes \w+;", "worker_processes 1;", conf.read_text()))
    site = CONF
    for key, value in (("app1", lab.address("app1")), ("app2", lab.address("app2")), ("host", HOST),
                       ("log", LOG), ("connect_timeout", f"{case.connect_timeout:g}")):
        site = site.replace(f"@{key}@", value)
    (lab.nginx_dir / "conf.d" / "poweroff.conf").write_text(site)
    tested = lab.reload()
    assert tested.returncode == 0, tested.stderr
    log_path(lab).unlink(missing_ok=True)
    lab.exec("proxy", ["nginx", "-s", "reopen"])


def log_path(lab) -> Path:
    return lab.data / "proxy" / "var" / "log" / "nginx" / LOG


def record(lab, case: Case) -> Recording:
    """Play `case` in the lab: the requests, app2's power changes, what nginx logged.

    Case second t is wall-clock second S + t, S a whole second, so nginx's clock (whole
    seconds, which times fail_timeout) reads S + floor(t) when the simulator's reads floor(t).
    """
    configure(lab, case)
    reachable = pin_timers(lab, case)
    for _ in range(2):      # app1 then app2: app2's neighbour entry is fresh, round robin back at its start
        warm = lab.exec("laptop", ["curl", "-sf", "-o", "/dev/null", "-H", f"Host: {HOST}",
                                   f"http://{lab.address('proxy')}/"])
        assert warm.returncode == 0, warm.stderr
    log_path(lab).write_text("")
    start = math.floor(time.time() + 0.5) + 1.0     # a whole second, at least 0.5 s ahead
    timeout = case.connect_timeout * 2 + 5
    client = subprocess.Popen(lab.command("laptop", [sys.executable, str(CLIENT), lab.address("proxy"), HOST,
                                                      f"{start:.3f}", str(case.rate), str(case.requests),
                                                      str(timeout)]))
    events = []
    try:
        for at, action, name in sorted([(case.poweroff, lab.poweroff, "poweroff")]
                                       + ([(case.poweron, lab.poweron, "start")] if case.poweron is not None else [])):
            time.sleep(max(0.0, start + at - time.time()))
            action("app2")
            events.append((round(time.time() - start, 3), name))
        client.wait(timeout=case.requests / case.rate + timeout + 30)
    finally:
        if client.poll() is None:
            client.kill()
            client.wait()
    deadline = time.monotonic() + 3
    while len(_lines(lab)) < case.requests and time.monotonic() < deadline:
        time.sleep(0.05)
    return Recording(rows(_lines(lab), start, {lab.address("app1"): "app1", lab.address("app2"): "app2"}),
                     reachable, events, drawn_reachable(lab))


def _lines(lab) -> list[str]:
    path = log_path(lab)
    return path.read_text().splitlines() if path.exists() else []


def rows(lines: list[str], start: float, names: dict[str, str]) -> list[Row]:
    """Access-log lines -> Rows ordered by the time each request arrived."""
    out = []
    for line in lines:
        head, upstream_addr, _, upstream_status, status = line.split('"')
        msec, request_time = head.split()
        tried = [names.get(part.strip().rsplit(":", 1)[0], part.strip()) for part in upstream_addr.split(",")]
        arrived = float(msec) - float(request_time) - start
        out.append(Row(round(arrived, 3), tuple(tried),
                       tuple(part.strip() for part in upstream_status.split(",")),
                       int(status), float(request_time)))
    return sorted(out, key=lambda row: row.t)


def scenario(case: Case, recording: Recording) -> dict:
    """The recorded run for the simulator (a dict for `sim.scenario_from_dict`): the same traffic
    and power changes at the times they really happened, the same nginx settings and timers."""
    reachable = recording.reachable
    return {
        "scenario": {"name": case.name},
        "traffic": {"pattern": "trace", "times": [row.t for row in recording.rows]},
        "nginx": {"connect_timeout": case.connect_timeout, "latency": 0.0},
        "network": {"base_reachable_time": case.base_reachable_time, "reachable_time": reachable,
                    "delay_first_probe_time": case.delay_first_probe_time, "retrans_time": case.retrans_time,
                    "ucast_solicit": case.ucast_solicit, "mcast_solicit": case.mcast_solicit},
        "server": [{"name": "app1", "address": "10.37.19.46:3000", "service": {"dist": "const", "mean": 0.002}},
                   {"name": "app2", "address": "10.37.19.182:3000", "service": {"dist": "const", "mean": 0.002}}],
        "event": [{"at": at, "server": "app2", "action": action} for at, action in recording.events],
    }
