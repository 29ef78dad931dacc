"""`tutor doctor` against replayed multipass set-ups (one test per driver and failure)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from doctor_support import CASES, codes, doctor_json, finding, use_case
from tutor.cli import main
from tutor.doctor import network


@pytest.mark.parametrize("case", ["hyperv-healthy", "qemu-healthy", "virtualbox-bridged"])
def test_a_healthy_set_up_has_no_blocker(monkeypatch, tmp_path, capsys, case):
    use_case(monkeypatch, tmp_path, case)
    code, report = doctor_json(capsys)
    assert codes(report, "blocker") == [] and (code, report["ok"], report["exit"]) == (0, True, 0)
    assert codes(report).count("vm_ok") == 3 and codes(report).count("vm_reachable") == 3
    assert {"multipass_version", "driver", "node_ok", "nginx_ok", "app_answering"} <= set(codes(report))
    for item in report["findings"]:
        assert set(item) == {"code", "severity", "group", "evidence", "message", "fix"}
        assert item["severity"] in ("blocker", "warning", "ok", "info") and item["message"]


def test_healthy_findings_follow_the_tutorials_order(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "hyperv-healthy")
    _, report = doctor_json(capsys)
    groups = [item["group"] for item in report["findings"]]
    assert groups == sorted(groups, key=["laptop", "multipass", "network", "inside", "hosts"].index)
    assert finding(report, "driver")["evidence"] == {"driver": "hyperv"}
    assert finding(report, "multipass_version")["evidence"] == {"multipass": "1.14.1+win", "multipassd": "1.14.1+win"}


def test_virtualbox_without_any_address_is_explained_with_the_bridged_fix(monkeypatch, tmp_path, capsys):
    connects = use_case(monkeypatch, tmp_path, "virtualbox-nat-na")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["virtualbox_nat_only"] * 3
    fix = finding(report, "virtualbox_nat_only", "app1")["fix"]
    assert fix.startswith("multipass networks; multipass delete --purge app1; ")
    assert 'multipass launch 22.04 --name app1 --memory 2G --disk 10G --network "Wi-Fi"' in fix  # Wi-Fi ranks first
    assert "second IPv4" in fix and connects == []


def test_virtualbox_nat_address_is_never_tried_nor_used(monkeypatch, tmp_path, capsys):
    connects = use_case(monkeypatch, tmp_path, "virtualbox-nat-10-0-2-15")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["virtualbox_nat_only"] * 3
    item = finding(report, "virtualbox_nat_only", "proxy")
    assert item["evidence"]["ipv4"] == ["10.0.2.15"] and item["evidence"]["networks"] == ["Ethernet 2"]
    assert '--network "Ethernet 2"' in item["fix"]
    assert connects == []


def test_virtualbox_bridged_uses_the_second_address(monkeypatch, tmp_path, capsys):
    connects = use_case(monkeypatch, tmp_path, "virtualbox-bridged")
    _, report = doctor_json(capsys)
    several = finding(report, "several_addresses", "app1")
    assert several["evidence"]["chosen"] == "192.168.1.46" and "10.0.2.15" in several["message"]
    assert several["severity"] == "info"
    assert {host for host, _ in connects} == {"192.168.1.46", "192.168.1.182", "192.168.1.64"}


def test_daemon_down_is_named_from_multipass_own_words(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "daemon-down")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["multipassd_down"]
    assert "cannot connect to the multipass socket" in finding(report, "multipassd_down")["evidence"]["stderr"]
    assert "snap restart multipass" in finding(report, "multipassd_down")["fix"]
    assert "multipass_version" in codes(report)  # the client still answered: {"multipass": "1.14.1"}


@pytest.mark.parametrize("system, fix", [("Linux", "sudo snap install multipass"),
                                          ("Darwin", "brew install --cask multipass"),
                                          ("Windows", "winget install Canonical.Multipass")])
def test_missing_multipass_says_how_to_install_it_on_this_os(monkeypatch, tmp_path, capsys, system, fix):
    use_case(monkeypatch, tmp_path, None, system=system)
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["multipass_missing"]
    assert finding(report, "multipass_missing")["fix"].startswith(fix)


def test_a_stopped_vm_is_a_blocker_with_the_start_command(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "stopped-vm")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["vm_stopped"]
    item = finding(report, "vm_stopped", "app2")
    assert item["fix"] == "multipass start app2" and item["evidence"]["state"] == "Stopped"


def test_a_missing_vm_gets_the_lessons_launch_command(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "missing-vm")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["vm_missing"]
    item = finding(report, "vm_missing")
    assert item["evidence"]["role"] == "app2"
    assert item["fix"] == "multipass launch 22.04 --name app2 --memory 2G --disk 10G"


def test_ubuntu_2404_is_a_warning_not_a_blocker(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "release-2404")
    code, report = doctor_json(capsys)
    assert code == 0 and codes(report, "warning") == ["release_not_2204"]
    assert finding(report, "release_not_2204")["evidence"]["release"] == "Ubuntu 24.04 LTS"


def test_garbage_from_multipass_is_a_finding_not_a_traceback(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "garbage-json")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["multipass_output"]
    assert codes(report, "warning") == ["multipass_output"]  # `version` printed its table, not JSON
    assert finding(report, "multipass_output")["evidence"]["command"] == "multipass version --format json"


def test_a_hanging_multipass_is_given_up_on(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "hyperv-healthy", sleep=30)
    monkeypatch.setattr("tutor.doctor.finding.MULTIPASS_TIMEOUT", 0.5)
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["multipass_timeout"]
    assert finding(report, "multipass_timeout")["evidence"] == {"command": "multipass version"}


def test_node_20_low_memory_and_stopped_nginx(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "node-20-low-memory")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["node_openssl"]
    node = finding(report, "node_openssl", "app1")
    assert node["evidence"]["node"] == "v20.20.2"
    assert "nvm install 14 && nvm use 14" in node["fix"] and "NODE_OPTIONS=--openssl-legacy-provider" in node["fix"]
    memory = finding(report, "vm_low_memory", "app1")
    assert memory["fix"] == "multipass stop app1; multipass set local.app1.memory=2G; multipass start app1"
    assert finding(report, "nginx_inactive", "proxy")["evidence"]["active"] == "failed"
    assert finding(report, "app_not_answering", "app1")["severity"] == "info"


def test_macos_15_no_route_to_host_is_local_network_privacy(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "qemu-healthy", system="Darwin", release="24.1.0",
             reach=lambda host, port: "EHOSTUNREACH")
    code, report = doctor_json(capsys)
    assert code == 1 and codes(report, "blocker") == ["macos_local_network"] * 3
    assert "Privacy & Security › Local Network" in finding(report, "macos_local_network", "app1")["fix"]


def test_macos_14_no_route_to_host_is_plain_unreachable(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "qemu-healthy", system="Darwin", release="23.6.0",
             reach=lambda host, port: "EHOSTUNREACH")
    _, report = doctor_json(capsys)
    assert codes(report, "blocker") == ["vm_unreachable"] * 3


def test_a_refused_port_means_reached_but_not_started(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "hyperv-healthy", reach=lambda host, port: "ECONNREFUSED" if port == 3000 else "")
    code, report = doctor_json(capsys)
    assert code == 0 and codes(report).count("port_closed") == 2 and "vm_unreachable" not in codes(report)


def test_a_vpn_route_is_named_when_vms_are_unreachable(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "hyperv-healthy", reach=lambda host, port: "timeout")
    monkeypatch.setattr(network, "vpn_interface", lambda ctx: "wg0")
    _, report = doctor_json(capsys)
    assert finding(report, "vpn_route")["evidence"] == {"interface": "wg0"}


def test_linux_route_table_with_a_wireguard_default_route(tmp_path):
    table = tmp_path / "route"
    table.write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
                     "eth0\t0002A8C0\t00000000\t0001\t0\t0\t100\t00FFFFFF\n"
                     "wg0\t00000000\t00000000\t0001\t0\t0\t50\t00000000\n")
    assert network._linux_vpn_interface(table) == "wg0"
    table.write_text("Iface\tDestination\tGateway\tFlags\tRefCnt\tUse\tMetric\tMask\n"
                     "eth0\t00000000\t0102A8C0\t0003\t0\t0\t100\t00000000\n")
    assert network._linux_vpn_interface(table) == ""


@pytest.mark.parametrize("policy, code", [("DROP", "docker_forward_drop"), ("", "docker_present")])
def test_docker_next_to_multipass_on_linux(monkeypatch, tmp_path, capsys, policy, code):
    use_case(monkeypatch, tmp_path, "qemu-healthy")
    monkeypatch.setattr(network, "docker_installed", lambda: True)
    monkeypatch.setattr(network, "forward_policy", lambda: policy)
    _, report = doctor_json(capsys)
    assert code in codes(report) and "#2477" in finding(report, code)["message"]


HOSTS_CASES = [
    ("127.0.0.1 localhost\n", "hosts_missing", "info"),
    ("127.0.0.1 localhost\n172.25.119.64 hasil.xyz\n", "hosts_ok", "ok"),
    ("10.1.2.3 hasil.xyz www.hasil.xyz\n", "hosts_wrong", "blocker"),
    ("10.1.2.3 HASIL.xyz\n# 1.1.1.1 hasil.xyz\n172.25.119.64   hasil.xyz\n", "hosts_shadowed", "blocker"),
]


@pytest.mark.parametrize("hosts, code, severity", HOSTS_CASES)
def test_the_hosts_file_entry(monkeypatch, tmp_path, capsys, hosts, code, severity):
    use_case(monkeypatch, tmp_path, "hyperv-healthy", hosts=hosts)
    _, report = doctor_json(capsys)
    item = finding(report, code)
    assert item["severity"] == severity and item["group"] == "hosts"
    if code == "hosts_shadowed":
        assert item["evidence"]["lines"] == ["1: 10.1.2.3", "3: 172.25.119.64"]
        assert item["fix"] == f"sudo nano {tmp_path / 'hosts'}: delete line 1"


def test_windows_hosts_fix_uses_notepad(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "hyperv-healthy", system="Windows", release="10")
    monkeypatch.setattr("tutor.doctor.hostsfile.WINDOWS_HOSTS", tmp_path / "hosts")
    _, report = doctor_json(capsys)
    assert finding(report, "hosts_missing")["fix"].startswith("Notepad as administrator")


def test_indonesian_findings(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, "stopped-vm")
    _, report = doctor_json(capsys, "id")
    assert finding(report, "vm_stopped")["message"] == "app2 statusnya Stopped."


@pytest.mark.parametrize("lang, heading, label", [("en", "multipass and the VMs", "fix:"),
                                                   ("id", "multipass dan VM-nya", "perbaiki:")])
def test_human_output_fits_80_columns(monkeypatch, tmp_path, capsys, lang, heading, label):
    use_case(monkeypatch, tmp_path, "virtualbox-nat-10-0-2-15")
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("tutor.doctor.hostsfile.UNIX_HOSTS", Path("hosts"))  # as short as /etc/hosts
    code = main(["doctor", "--lang", lang])
    out = capsys.readouterr().out
    assert code == 1 and heading in out and f"    {label} multipass networks;" in out
    assert max(len(line) for line in out.splitlines()) <= 80


@pytest.mark.parametrize("argv", [["doctor", "--domain", "not a domain"], ["doctor", "--bogus"]])
def test_bad_usage_is_exit_2_in_one_line(capsys, argv):
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def hostile_case(tmp_path, base: str, **files: str) -> str:
    """A copy of case `base` with some files replaced (STEM_PART=text, e.g. exec_app1_out)."""
    folder = tmp_path / "case"
    shutil.copytree(CASES / base, folder)
    for name, text in files.items():
        stem, part = name.rsplit("_", 1)
        (folder / f"{stem.replace('_', '-')}.{part}").write_text(text, encoding="utf-8")
    return str(folder)


def test_hostile_output_from_a_vm_is_cleaned_and_bounded(monkeypatch, tmp_path, capsys):
    case = hostile_case(tmp_path, "hyperv-healthy",
                        exec_app1_out="node=\x1b[31mv20.1.0\x1b]0;pwned\x07\nmem_kb=99999999999999999999\n"
                                      "app=200\x1b[2J\n" + "x" * 200_000 + "\n",
                        exec_proxy_out="\x00\xff garbage without keys\n")
    use_case(monkeypatch, tmp_path, case)
    code = main(["doctor", "--lang", "en"])
    out = capsys.readouterr().out
    assert code == 1 and "\x1b" not in out and "\x07" not in out and "node_openssl" in out
    assert "vm_exec_failed" in out and "x" * 300 not in out


def test_garbage_networks_keep_the_placeholder(monkeypatch, tmp_path, capsys):
    use_case(monkeypatch, tmp_path, hostile_case(tmp_path, "virtualbox-nat-na", networks_out='{"list": [1, 2'))
    _, report = doctor_json(capsys)
    assert '--network "<Name from multipass networks>"' in finding(report, "virtualbox_nat_only", "app1")["fix"]


@pytest.mark.parametrize("lang, shown", [("id", "7,6 GB"), ("en", "7.6 GB")])
def test_ram_and_disk_are_said_with_the_languages_decimal_mark(monkeypatch, lang, shown):
    from tutor.doctor import laptop
    from tutor.doctor.finding import Context

    monkeypatch.setattr(laptop, "memory", lambda: (int(7.6 * laptop.GIB), None))
    monkeypatch.setattr(laptop, "disk_free", lambda path=None: int(7.6 * laptop.GIB))
    ctx = Context(lang=lang)
    ram, disk = laptop.ram_finding(ctx), laptop.disk_finding(ctx)
    assert ram.code == "ram_tight" and shown in ram.message and ram.evidence["total_gib"] == "7.6"
    assert disk.code == "disk_low" and shown in disk.message and disk.evidence["free_gib"] == "7.6"
