"""Running `tutor doctor` in the test process against a replayed multipass set-up.

The stand-in tests/bin/multipass replays a folder of tests/fixtures/multipass/cases/ (see the
README there). The laptop's RAM and disk, Docker, the VPN check and every TCP connect are replaced
by fakes, so that no test depends on this machine and none sends traffic to the VMs' (private)
addresses: `connects` records what the doctor tried.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from live_support import STAND_IN_BIN
from tutor.cli import main
from tutor.doctor import laptop, network
from tutor.live import multipass

CASES = Path(__file__).resolve().parent / "fixtures" / "multipass" / "cases"
GIB = 1024 ** 3


def use_case(monkeypatch, tmp_path, case: str | None, *, system: str = "Linux", release: str = "6.1.0",
             reach=None, hosts: str = "127.0.0.1 localhost\n", sleep: float = 0) -> list[tuple[str, int]]:
    """Set up the doctor for `case` (None: multipass is not installed); returns the connect log.

    `reach(host, port)` gives the fake connect's error name ("" = it answers; default: all answer).
    """
    path = str(tmp_path / "empty-bin") if case is None else f"{STAND_IN_BIN}{os.pathsep}{os.environ.get('PATH', '')}"
    (tmp_path / "empty-bin").mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", path)
    for name in ("MULTIPASS_LIST", "MULTIPASS_EXIT", "MULTIPASS_STDERR", "MULTIPASS_LOG", "MULTIPASS_CASE"):
        monkeypatch.delenv(name, raising=False)
    if case is not None:
        monkeypatch.setenv("MULTIPASS_CASE", str(CASES / case))
    monkeypatch.setenv("MULTIPASS_SLEEP", str(sleep))
    monkeypatch.setattr("platform.system", lambda: system)
    monkeypatch.setattr("platform.release", lambda: release)
    monkeypatch.setattr(laptop, "memory", lambda: (16 * GIB, 9 * GIB))
    monkeypatch.setattr(laptop, "disk_free", lambda path=None: 100 * GIB)
    monkeypatch.setattr(network, "docker_installed", lambda: False)
    monkeypatch.setattr(network, "vpn_interface", lambda ctx: "")
    hosts_file = tmp_path / "hosts"
    hosts_file.write_text(hosts, encoding="utf-8")
    monkeypatch.setattr("tutor.doctor.hostsfile.UNIX_HOSTS", hosts_file)
    connects: list[tuple[str, int]] = []

    def fake_reach(host: str, port: int, timeout: float = 1.0) -> multipass.Reach:
        connects.append((host, port))
        error = reach(host, port) if reach else ""
        return multipass.Reach(host, port, not error, error)

    monkeypatch.setattr(multipass, "reach", fake_reach)
    return connects


def doctor_json(capsys, lang: str = "en", *extra: str) -> tuple[int, dict]:
    """Run `tutor doctor --json` and return (exit code, parsed output)."""
    code = main(["doctor", "--json", "--lang", lang, *extra])
    out, err = capsys.readouterr()
    assert "Traceback" not in err
    return code, json.loads(out)


def codes(report: dict, severity: str | None = None) -> list[str]:
    return [f["code"] for f in report["findings"] if severity is None or f["severity"] == severity]


def finding(report: dict, code: str, vm: str | None = None) -> dict:
    return next(f for f in report["findings"] if f["code"] == code and (vm is None or f["evidence"].get("vm") == vm))
