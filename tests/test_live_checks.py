"""Live checks against real nginx and real app processes on loopback, in the states learners meet."""

from __future__ import annotations

import time

import pytest

from live_support import learner_nginx, lab_machines
from tutor.live.checks import Options
from tutor.live.hosts import Machine, Machines
from tutor.live.runner import run_checks

TIMEOUT = 1.0


def by_check(results):
    return {result.check: result for result in results}


async def test_healthy_lab_passes_every_default_check(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], server_name="localhost")
    machines = lab_machines(proxy, [app1, app2], domain="localhost")
    results = by_check(await run_checks(
        ["app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes"], machines, "en", TIMEOUT))
    assert {check: result.ok for check, result in results.items()} == dict.fromkeys(results, True)
    assert all(result.code is None for result in results.values())
    assert results["nginx-running"].evidence["headers"]["server"].startswith("nginx/")
    assert "DumbPlay" in results["proxy-pass"].message
    assert results["proxy-pass"].evidence["headers"]["x-upstream"] in (app1.address, app2.address)
    split = results["lb-distributes"].details
    assert split["counts"]["app1"] == split["counts"]["app2"] == split["samples"] // 2  # round robin
    assert split["p_value"] > 0.5


async def test_stopped_app_is_refused_and_named_with_the_command_to_run(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    app2.stop()
    [result] = await run_checks(["app-running"], lab_machines(None, [app1, app2]), "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "refused")
    assert f"app2 ({app2.address}) refused the connection" in result.message
    assert "`npm start`" in result.message and "app1" not in result.message
    assert result.evidence["url"] == f"http://{app2.address}/" and result.evidence["status"] is None
    [indonesian] = await run_checks(["app-running"], lab_machines(None, [app1, app2]), "id", TIMEOUT)
    assert "menolak koneksi" in indonesian.message


async def test_upstream_on_a_wrong_port_is_a_bad_gateway(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    wrong = f"127.0.0.2:{app1.port + 1 if app1.port < 65535 else app1.port - 1}"
    proxy = learner_nginx(lab, [wrong])
    [result] = await run_checks(["proxy-pass"], lab_machines(proxy, [app1]), "en", TIMEOUT)
    assert (result.ok, result.code, result.evidence["status"]) == (False, "bad_gateway", 502)
    assert "proxy_pass" in result.message and result.scenario == "rp-app-stopped"


async def test_nginx_default_page_is_recognised(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    proxy = learner_nginx(lab, None)  # nginx installed, the lesson's site not (yet) included
    results = by_check(await run_checks(["nginx-running", "proxy-pass"], lab_machines(proxy, [app1]), "en", TIMEOUT))
    assert results["nginx-running"].ok
    assert (results["proxy-pass"].ok, results["proxy-pass"].code) == (False, "default_page")
    assert "server_name hasil.xyz;" in results["proxy-pass"].message


async def test_a_group_with_only_one_app_is_a_single_backend(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address])
    [result] = await run_checks(["lb-distributes"], lab_machines(proxy, [app1, app2]), "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "single_backend")
    assert f"came from app1 ({app1.address})" in result.message and "app2" in result.message
    assert result.details["counts"] == {"app1": result.details["samples"], "app2": 0}


async def test_stopped_nginx_is_refused_on_the_proxy(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    proxy = learner_nginx(lab, [app1.address])
    machines = lab_machines(proxy, [app1])
    proxy.stop()
    results = by_check(await run_checks(["nginx-running", "proxy-pass"], machines, "en", TIMEOUT))
    for result in results.values():
        assert (result.ok, result.code) == (False, "refused")
        assert "sudo systemctl start nginx" in result.message


async def test_an_app_that_accepts_and_never_answers_times_out_in_bounded_time(lab):
    app1 = lab.backend("app1", "127.0.0.2", mode="hang")
    start = time.monotonic()
    [result] = await run_checks(["app-running"], lab_machines(None, [app1]), "en", TIMEOUT)
    assert time.monotonic() - start < TIMEOUT + 2
    assert (result.ok, result.code) == (False, "timeout")
    assert "did not answer within 1 s" in result.message


async def test_nginx_waiting_on_a_hanging_app_is_a_gateway_timeout(lab):
    app1 = lab.backend("app1", "127.0.0.2", mode="hang")
    proxy = learner_nginx(lab, [app1.address])  # proxy_read_timeout 1s
    [result] = await run_checks(["proxy-pass"], lab_machines(proxy, [app1]), "en", timeout=3.0)
    assert (result.ok, result.code, result.evidence["status"]) == (False, "gateway_timeout", 504)


async def test_another_program_on_the_proxy_port_is_not_nginx(lab):
    impostor = lab.backend("proxy", "127.0.0.4")
    machines = Machines({"proxy": Machine("proxy", impostor.host, impostor.port)})
    [result] = await run_checks(["nginx-running"], machines, "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "not_nginx")
    assert "BaseHTTP" in result.message and "sudo ss -ltnp" in result.message


async def test_weights_other_than_expected_are_uneven_with_a_p_value(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], weights=[3, 1])
    machines = lab_machines(proxy, [app1, app2])
    [uneven] = await run_checks(["lb-distributes"], machines, "en", TIMEOUT)
    assert (uneven.ok, uneven.code) == (False, "uneven")
    assert uneven.details["counts"] == {"app1": 45, "app2": 15}  # smooth weighted round robin, 60 samples
    assert uneven.details["p_value"] < 0.01 and "too uneven to be chance" in uneven.message
    assert "Shared by the weights" not in uneven.message and "about 30 each" in uneven.message
    [matches] = await run_checks(["lb-distributes"], machines, "en", TIMEOUT,
                                 Options(weights={"app1": 3, "app2": 1}))
    assert matches.ok and matches.details["p_value"] > 0.5
    assert "Shared by the weights (app1 3, app2 1) it would be about app1 45, app2 15." in matches.message
    [named] = await run_checks(["lb-distributes"], machines, "en", TIMEOUT, Options(weights={"app1": 3}))
    assert named.ok and named.details["weights"] == {"app1": 3, "app2": 1.0}  # not named: weight 1


async def test_a_proxy_still_waiting_for_its_app_is_not_called_silent(lab):
    """nginx took the request and waits for an app (a dead address takes it ~3 s): the message
    says so, and does not claim the proxy did not answer (lab walk-through #10)."""
    app1 = lab.backend("app1", "127.0.0.2", mode="hang")
    proxy = learner_nginx(lab, [app1.address])  # proxy_read_timeout 1s: 504 after a second
    [waiting] = await run_checks(["proxy-pass"], lab_machines(proxy, [app1]), "en", timeout=0.4)
    assert (waiting.ok, waiting.code) == (False, "timeout")
    assert "took the request but sent no answer within 0.4 s" in waiting.message
    assert "No route to host" in waiting.message and "VM may be off" not in waiting.message
    [answered] = await run_checks(["proxy-pass"], lab_machines(proxy, [app1]), "en", timeout=3.0)
    assert answered.code == "gateway_timeout"  # a longer wait sees nginx's own answer


async def test_missing_x_upstream_header_is_reported_with_the_line_to_add(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], upstream_header=False)
    start = time.monotonic()
    [result] = await run_checks(["lb-distributes"], lab_machines(proxy, [app1, app2]), "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "missing_upstream_header")
    assert "add_header X-Upstream $upstream_addr always;" in result.message
    assert time.monotonic() - start < TIMEOUT + 2  # stops at the first answer without the header


async def test_failover_passes_when_nginx_moves_requests_to_the_running_app(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address])
    machines = lab_machines(proxy, [app1, app2])
    [before] = await run_checks(["lb-failover"], machines, "en", TIMEOUT)
    assert (before.ok, before.code) == (False, "not_stopped")
    app2.stop()
    [after] = await run_checks(["lb-failover"], machines, "en", TIMEOUT, Options(stopped="app2"))
    assert after.ok, after.message
    assert after.details == {"stopped": ["app2"], "sent": 6, "never_tried": []}
    assert f"served by app1 ({app1.address})" in after.message
    assert "never tried" not in after.message  # the first request did try app2, then nginx moved on


async def test_failover_notes_when_the_stopped_app_is_not_in_the_group(lab):
    """The tutorial's slip: stopping aplikasi2 while the upstream lists two other servers."""
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    app3 = lab.backend("app3", "127.0.0.4")
    proxy = learner_nginx(lab, [app1.address, app3.address])
    app2.stop()
    [result] = await run_checks(["lb-failover"], lab_machines(proxy, [app1, app2, app3]), "en", TIMEOUT)
    assert result.ok and result.details["never_tried"] == ["app2"]
    assert "nginx never tried app2" in result.message


async def test_failover_errors_when_nginx_does_not_retry(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], location_extra="proxy_next_upstream off;")
    app2.stop()
    [result] = await run_checks(["lb-failover"], lab_machines(proxy, [app1, app2]), "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "failover_errors")
    assert result.evidence["status"] == 502 and "502 x1" in result.message
    assert result.scenario == "lb-one-dies"


async def test_failover_says_not_stopped_when_the_named_app_still_answers(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address])
    app1.stop()
    [result] = await run_checks(["lb-failover"], lab_machines(proxy, [app1, app2]), "en", TIMEOUT,
                                Options(stopped="app2"))
    assert (result.ok, result.code) == (False, "not_stopped")
    assert f"app2 ({app2.address}) still answers (HTTP 200)" in result.message


async def test_same_address_redirects_are_followed_and_others_are_not(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    proxy = lab.nginx(
        "server { listen 127.0.0.1:{port}; server_name hasil.xyz; location = / { return 302 /app/; } "
        "location /app/ { proxy_pass http://%s; } }\n"
        "server { listen 127.0.0.1:{port}; server_name secure.xyz; return 301 https://secure.xyz$request_uri; }"
        % app1.address)
    [followed] = await run_checks(["proxy-pass"], lab_machines(proxy, [app1]), "en", TIMEOUT)
    assert followed.ok and followed.evidence["url"].endswith("/app/")
    [elsewhere] = await run_checks(["proxy-pass"], lab_machines(proxy, [app1], domain="secure.xyz"), "en", TIMEOUT)
    assert (elsewhere.ok, elsewhere.code, elsewhere.evidence["status"]) == (False, "http_status", 301)
    assert "https://secure.xyz/" in elsewhere.message


async def test_every_check_of_a_step_runs_at_once(lab):
    """Three hanging apps cost one timeout, not three: the probes run in parallel."""
    apps = [lab.backend(f"app{i}", f"127.0.0.{i + 1}", mode="hang") for i in (1, 2, 3)]
    start = time.monotonic()
    [result] = await run_checks(["app-running"], lab_machines(None, apps), "en", TIMEOUT)
    assert time.monotonic() - start < 2 * TIMEOUT
    assert result.code == "timeout" and result.message.count("did not answer") == 3


async def test_a_vm_multipass_reports_stopped_is_not_contacted():
    machines = Machines({"app2": Machine("app2", None, 3000, vm="aplikasi2", state="Stopped")})
    [result] = await run_checks(["app-running"], machines, "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "unreachable")
    assert "multipass start aplikasi2" in result.message


async def test_run_checks_refuses_checks_without_the_machines_they_need():
    machines = Machines({"app1": Machine("app1", "127.0.0.2", 3000)})
    with pytest.raises(ValueError, match="needs the proxy"):
        await run_checks(["proxy-pass"], machines)
    with pytest.raises(ValueError, match="unknown check"):
        await run_checks(["no-such-check"], machines)


async def test_on_result_reports_each_result_as_it_arrives(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    slow = lab.backend("app2", "127.0.0.3", mode="hang")
    seen = []
    results = await run_checks(["app-running", "nginx-running"],
                               Machines({"app1": Machine("app1", app1.host, app1.port),
                                         "proxy": Machine("proxy", slow.host, slow.port)}),
                               "en", TIMEOUT, on_result=lambda r: seen.append(r.check))
    assert [r.check for r in results] == ["app-running", "nginx-running"]  # the order asked
    assert seen == ["app-running", "nginx-running"]  # the hanging proxy finished last


def proxy_only(host: str = "127.0.0.1", domain: str = "hasil.xyz") -> Machines:
    return Machines({"proxy": Machine("proxy", host, 80)}, domain=domain)


async def test_hosts_file_compares_the_domain_with_the_proxy_address():
    [same] = await run_checks(["hosts-file"], proxy_only("127.0.0.1", "localhost"), "en", TIMEOUT)
    assert same.ok and "127.0.0.1" in same.message
    [other] = await run_checks(["hosts-file"], proxy_only("127.0.0.2", "localhost"), "en", TIMEOUT)
    assert (other.ok, other.code) == (False, "hosts_mismatch")
    assert "`127.0.0.2 localhost`" in other.message and "/etc/hosts" in other.message


async def test_a_wrong_hosts_line_above_the_right_one_fails_and_is_named(monkeypatch):
    """glibc returns every /etc/hosts line for the name, in file order; curl tries the first."""
    import socket

    real = socket.getaddrinfo
    order = ["10.37.19.46", "10.37.19.64"]

    def two_lines(host, *args, **kwargs):
        if host == "hasil.xyz":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, 0)) for ip in order]
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", two_lines)
    [wrong_first] = await run_checks(["hosts-file"], proxy_only("10.37.19.64"), "en", TIMEOUT)
    assert (wrong_first.ok, wrong_first.code) == (False, "hosts_mismatch")
    assert "Delete the line `10.37.19.46 hasil.xyz`" in wrong_first.message
    [indonesian] = await run_checks(["hosts-file"], proxy_only("10.37.19.64"), "id", TIMEOUT)
    assert "Hapus baris `10.37.19.46 hasil.xyz`" in indonesian.message
    order.reverse()
    [right_first] = await run_checks(["hosts-file"], proxy_only("10.37.19.64"), "en", TIMEOUT)
    assert right_first.ok


async def test_hosts_file_without_an_entry_says_which_line_to_add(monkeypatch):
    import socket

    real = socket.getaddrinfo

    def no_such_name(host, *args, **kwargs):
        if host == "hasil.xyz":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    [result] = await run_checks(["hosts-file"], proxy_only("10.37.19.64"), "id", TIMEOUT)
    assert (result.ok, result.code) == (False, "dns")
    assert "`10.37.19.64 hasil.xyz`" in result.message and "tidak bisa di-resolve" in result.message


async def test_a_hanging_resolver_is_given_up_on(monkeypatch):
    import socket
    import threading

    release = threading.Event()

    def hanging(*args, **kwargs):
        release.wait(30)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    monkeypatch.setattr(socket, "getaddrinfo", hanging)
    start = time.monotonic()
    try:
        [result] = await run_checks(["hosts-file"], proxy_only("10.37.19.64"), "en", TIMEOUT)
    finally:
        release.set()
    assert time.monotonic() - start < TIMEOUT + 2
    assert (result.ok, result.code) == (False, "dns") and "longer than 1 s" in result.message


async def test_an_app_host_name_that_does_not_resolve_is_a_dns_failure(monkeypatch):
    import socket

    def no_such_name(*args, **kwargs):
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    monkeypatch.setattr(socket, "getaddrinfo", no_such_name)
    machines = Machines({"app1": Machine("app1", "aplikasi1.local", 3000)})
    [result] = await run_checks(["app-running"], machines, "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "dns")
    assert "aplikasi1.local does not resolve" in result.message


async def test_a_spent_budget_cuts_sampling_short_and_says_so(lab):
    app1 = lab.backend("app1", "127.0.0.2", mode="slow", extra=("--delay", "0.3"))
    app2 = lab.backend("app2", "127.0.0.3", mode="slow", extra=("--delay", "0.3"))
    proxy = learner_nginx(lab, [app1.address, app2.address])
    [result] = await run_checks(["lb-distributes"], lab_machines(proxy, [app1, app2]), "en", TIMEOUT,
                                Options(budget=1.0))
    assert 1 <= result.details["samples"] <= 4  # 0.3 s each within a 1 s budget
    assert "Only" in result.message and "rough" in result.message


async def test_a_name_that_does_not_resolve_only_fails_what_uses_it_and_never_says_none(lab, monkeypatch):
    """app2's name does not resolve: app-running names only app2; lb-failover says the name does
    not resolve, never "app2 still answers (HTTP None)."""
    import socket

    real = socket.getaddrinfo

    def resolve(host, *args, **kwargs):
        if host == "app2.invalid":
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    app1 = lab.backend("app1", "127.0.0.2")
    proxy = learner_nginx(lab, [app1.address], server_name="localhost")
    machines = lab_machines(proxy, [app1], domain="localhost")
    machines.by_role["app2"] = Machine("app2", "app2.invalid", 3000)
    results = by_check(await run_checks(["app-running", "lb-failover"], machines, "en", TIMEOUT,
                                        options=Options(stopped="app2")))
    running = results["app-running"]
    assert (running.ok, running.code) == (False, "dns")
    assert "app2.invalid does not resolve" in running.message and "app1" not in running.message
    failover = results["lb-failover"]
    assert (failover.ok, failover.code) == (False, "dns")
    assert "None" not in failover.message and "still answers" not in failover.message
