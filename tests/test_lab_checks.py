"""Every live-check outcome on the lab: the tutorial's addresses, port 80, checks run from the laptop.

One test per failure code (each code at least once), the healthy lab, and what loopback cannot
show: a powered-off VM, the laptop's own hosts file, ip_hash with clients on two /24s.
"""

from __future__ import annotations

import pytest

from lab_sites import add_hosts_line, lb_site, server_in, stop_nginx, write_site
from support.lab_hooks import add_client

pytestmark = pytest.mark.lab

TWO = ("proxy", "app1", "app2")


def outcome(results: dict, check: str) -> tuple[bool, str | None]:
    return results[check]["ok"], results[check]["code"]


def test_the_finished_tutorial_passes_every_check(netlab):
    write_site(netlab, lb_site(("app1", "app2", "app3")))
    add_hosts_line(netlab, "10.37.19.64 hasil.xyz")
    results = netlab.check()
    assert {check: outcome(results, check) for check in results} == {
        "app-running": (True, None), "nginx-running": (True, None), "proxy-pass": (True, None),
        "hosts-file": (True, None), "lb-distributes": (True, None)}
    assert "DumbPlay - Bootcamp DevOps" in results["app-running"]["message"]
    assert results["lb-distributes"]["evidence"]["headers"]["x-upstream"].startswith("10.37.19.")


def test_fresh_proxy_shows_the_default_page_and_the_laptop_has_no_hosts_line(netlab):
    results = netlab.check("nginx-running", "proxy-pass", "hosts-file", machines=TWO)
    assert outcome(results, "nginx-running") == (True, None)
    assert outcome(results, "proxy-pass") == (False, "default_page")
    assert outcome(results, "hosts-file") == (False, "dns")
    assert "10.37.19.64 hasil.xyz" in results["hosts-file"]["message"]


def test_hosts_file_reads_the_laptops_own_hosts_file(netlab):
    add_hosts_line(netlab, "10.37.19.46 hasil.xyz")  # the app's address instead of the proxy's
    assert outcome(netlab.check("hosts-file", machines=TWO), "hosts-file") == (False, "hosts_mismatch")
    netlab.hosts_file("laptop").write_text("127.0.0.1 localhost\n10.37.19.64 hasil.xyz\n", encoding="utf-8")
    assert outcome(netlab.check("hosts-file", machines=TWO), "hosts-file") == (True, None)
    # The proxy's own hosts file is another file: the laptop's answer does not come from there.
    assert "hasil.xyz" not in netlab.hosts_file("proxy").read_text(encoding="utf-8")


def test_a_stopped_app_is_refused_and_its_only_proxy_answers_bad_gateway(netlab):
    write_site(netlab, lb_site(("app1",)))
    netlab.stop("app1")
    results = netlab.check("app-running", "proxy-pass", machines=TWO)
    assert outcome(results, "app-running") == (False, "refused")
    assert outcome(results, "proxy-pass") == (False, "bad_gateway")
    assert results["proxy-pass"]["evidence"]["status"] == 502


def test_an_app_that_never_answers_times_out_and_nginx_gives_a_gateway_timeout(netlab):
    write_site(netlab, lb_site(("app1",), location_extra="        proxy_read_timeout 1s;\n"))
    netlab.stop("app1")
    with server_in(netlab, "app1", 3000, "hang"):
        results = netlab.check("app-running", "proxy-pass", "--timeout", "2", machines=("proxy", "app1"))
    assert outcome(results, "app-running") == (False, "timeout")
    assert outcome(results, "proxy-pass") == (False, "gateway_timeout")


def test_a_powered_off_app_is_unreachable_and_a_short_connect_timeout_fails_over(netlab):
    # With a short connect timeout nginx gives up on app2 after 1 s and app1 answers.
    write_site(netlab, lb_site(location_extra="        proxy_connect_timeout 1s;\n"))
    netlab.poweroff("app2")
    # The laptop asks for app2's MAC (ARP) three times, 1 s apart, then connect() fails with
    # "No route to host": a wait longer than that sees `unreachable`, not a timeout.
    results = netlab.check("app-running", "lb-failover", "--stopped", "app2", "--timeout", "6", machines=TWO)
    assert outcome(results, "app-running") == (False, "unreachable")
    assert "app2 (10.37.19.182:3000)" in results["app-running"]["message"]
    assert results["app-running"]["evidence"]["url"] == "http://10.37.19.182:3000/"
    assert outcome(results, "lb-failover") == (True, None)


def test_failover_with_the_default_connect_timeout_hangs_on_the_powered_off_app(netlab):
    # nginx knows app2's MAC from the request before, so its SYNs go out and nobody answers:
    # the request waits for proxy_connect_timeout (60 s), longer than the check waits.
    write_site(netlab, lb_site())
    assert outcome(netlab.check("proxy-pass", machines=TWO), "proxy-pass") == (True, None)
    netlab.exec("laptop", ["curl", "-s", "-o", "/dev/null", "-H", "Host: hasil.xyz", "http://10.37.19.64/"])
    netlab.poweroff("app2")
    results = netlab.check("lb-failover", "--stopped", "app2", "--timeout", "2", machines=TWO)
    assert outcome(results, "lb-failover") == (False, "timeout")


def test_failover_without_a_retry_shows_errors_and_says_not_stopped_before(netlab):
    write_site(netlab, lb_site(location_extra="        proxy_next_upstream off;\n"))
    assert outcome(netlab.check("lb-failover", machines=TWO), "lb-failover") == (False, "not_stopped")
    netlab.stop("app2")
    assert outcome(netlab.check("lb-failover", machines=TWO), "lb-failover") == (False, "failover_errors")


def test_stopped_app_with_retries_fails_over(netlab):
    write_site(netlab, lb_site())
    netlab.stop("app2")
    results = netlab.check("lb-failover", machines=TWO)
    assert outcome(results, "lb-failover") == (True, None)


def test_a_site_answering_404_is_an_http_status(netlab):
    write_site(netlab, "server { listen 80; server_name hasil.xyz; location / { return 404; } }\n")
    assert outcome(netlab.check("proxy-pass", machines=TWO), "proxy-pass") == (False, "http_status")


def test_another_program_on_port_80_is_not_nginx(netlab):
    stop_nginx(netlab)
    assert outcome(netlab.check("nginx-running", machines=TWO), "nginx-running") == (False, "refused")
    with server_in(netlab, "proxy", 80, "ok", name="proxy"):
        results = netlab.check("nginx-running", machines=TWO)
    assert outcome(results, "nginx-running") == (False, "not_nginx")


def test_load_balancing_without_the_header_and_with_other_weights(netlab):
    write_site(netlab, lb_site(header=False))
    assert outcome(netlab.check("lb-distributes", machines=TWO), "lb-distributes") == \
        (False, "missing_upstream_header")
    write_site(netlab, lb_site(weights={"app1": 5, "app2": 1}))
    assert outcome(netlab.check("lb-distributes", machines=TWO), "lb-distributes") == (False, "uneven")
    results = netlab.check("lb-distributes", "--weight", "app1=5", "--weight", "app2=1", machines=TWO)
    assert outcome(results, "lb-distributes") == (True, None)


def ip_hash_index(address: str, servers: int) -> int:
    """The server nginx's ip_hash picks for an IPv4 client (first three octets), all up and equal."""
    value = 89
    for octet in address.split(".")[:3]:
        value = (value * 113 + int(octet)) % 6271
    return value % servers


def test_ip_hash_keeps_each_24_on_one_app_and_two_24s_can_differ(netlab):
    client2 = add_client(netlab, "client2")
    write_site(netlab, lb_site(upstream_extra="    ip_hash;\n"))
    apps = ("app1", "app2")
    expected = {"laptop": apps[ip_hash_index("10.37.19.1", 2)], "client2": apps[ip_hash_index(client2, 2)]}
    assert expected == {"laptop": "app1", "client2": "app2"}  # these two /24s land on different apps
    for client, app in expected.items():
        results = netlab.check("lb-distributes", machines=TWO, client=client)
        assert outcome(results, "lb-distributes") == (False, "single_backend")
        assert results["lb-distributes"]["evidence"]["headers"]["x-upstream"] == f"{netlab.address(app)}:3000"


def test_tutor_check_lab_runs_from_the_laptop_of_the_lab_named_by_the_prefix(netlab):
    import json
    import os
    import subprocess
    import sys

    env = {**os.environ, "TUTOR_LAB_PREFIX": netlab.prefix}
    done = subprocess.run([sys.executable, "-m", "tutor", "check", "--lab", "--json", "proxy-pass", "hosts-file"],
                          capture_output=True, text=True, env=env, timeout=60)
    results = {r["check"]: (r["ok"], r["code"]) for r in json.loads(done.stdout)["results"]}
    assert (done.returncode, results) == (1, {"proxy-pass": (False, "default_page"), "hosts-file": (False, "dns")})
    both = subprocess.run([sys.executable, "-m", "tutor", "check", "--lab", "--host", "proxy=10.0.0.1"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert both.returncode == 2 and len(both.stderr.strip().splitlines()) == 1
    # the same lab named with --prefix, as `tutor lab --prefix P up` built it (no environment variable)
    env = {name: value for name, value in os.environ.items() if name != "TUTOR_LAB_PREFIX"}
    done = subprocess.run([sys.executable, "-m", "tutor", "check", "--lab", "--prefix", netlab.prefix, "--json",
                           "proxy-pass"], capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1, done.stderr
    assert [(r["check"], r["code"]) for r in json.loads(done.stdout)["results"]] == [("proxy-pass", "default_page")]


def test_the_lessons_systemctl_commands_work_on_the_proxy(netlab):
    import time

    from tutor.lab.services import children_of

    (netlab.nginx_dir / "sites-enabled" / "hasil").write_text(lb_site(("app1",)), encoding="utf-8")
    master = netlab.nginx_master()
    old_workers = set(children_of(master))
    done = netlab.exec("proxy", ["sh", "-c", "nginx -t && systemctl reload nginx && systemctl status nginx"])
    assert done.returncode == 0, done.stderr
    assert "Active: active (running)" in done.stdout
    # `systemctl reload` returns once nginx has the signal, as on Ubuntu; until the old workers have
    # gone, one of them may still take a connection with the old config. Wait for that, bounded.
    deadline = time.monotonic() + 30
    while set(children_of(master)) & old_workers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not set(children_of(master)) & old_workers, "the old nginx workers did not exit"
    page = netlab.exec("laptop", ["curl", "-s", "-m", "2", "-H", "Host: hasil.xyz", "http://10.37.19.64/"])
    assert "served by app1" in page.stdout
    assert outcome(netlab.check("proxy-pass", machines=TWO), "proxy-pass") == (True, None)
    other = netlab.exec("proxy", ["systemctl", "restart", "ssh"])
    assert other.returncode == 1 and "only `systemctl ACTION nginx` works here" in other.stderr


def test_six_requests_alternate_strictly_as_lesson_3_shows(netlab):
    """see-round-robin: six sequential requests give app1, app2, app1, ... (one worker, as on a
    1-CPU multipass VM), whatever the number of CPUs of the machine running the lab."""
    write_site(netlab, lb_site(("app1", "app2")))
    loop = "for i in 1 2 3 4 5 6; do curl -sI -m 5 -H 'Host: hasil.xyz' http://10.37.19.64 | grep -i x-upstream; done"
    done = netlab.exec("laptop", ["sh", "-c", loop])
    seen = [line.split(":", 1)[1].strip() for line in done.stdout.splitlines()]
    assert len(seen) == 6 and len(set(seen)) == 2, done.stdout
    assert all(seen[i] != seen[i + 1] for i in range(5)), seen  # strict alternation, as the lesson says
