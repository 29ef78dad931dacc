"""With the lab's machines, the live checks' fix texts name the lab's commands (`sudo tutor lab
start app1`), not the VM's (`npm start` in the dumbsound folder, `multipass list`)."""

from __future__ import annotations

import json
import re

import pytest

from live_support import lab_machines
from tutor.i18n import catalogue
from tutor.live import lab_machines as lab_module
from tutor.live.hosts import machines_from_settings
from tutor.live.messages import LAB_MESSAGES, MESSAGES, say
from tutor.live.runner import run_checks
from tutor.settings import Settings

PLACEHOLDER = re.compile(r"\{(\w+)")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_lab_message_is_a_version_of_a_live_message_with_its_values(lang):
    live, lab = catalogue(lang)[MESSAGES], catalogue(lang)[LAB_MESSAGES]
    assert lab
    for key, text in lab.items():
        assert key in live, key
        assert set(PLACEHOLDER.findall(text)) <= set(PLACEHOLDER.findall(live[key])), key
        assert "tutor lab" in text, key
        assert "npm start" not in text and "multipass" not in text, key


def test_say_takes_the_lab_version_only_for_lab_machines():
    values = {"label": "app1 (10.37.19.46:3000)", "name": "app1"}
    vm = say("refused.app", "en", **values)
    lab = say("refused.app", "en", lab=True, **values)
    assert "`npm start`" in vm and "tutor lab" not in vm
    assert "`sudo tutor lab start app1`" in lab and "npm start" not in lab
    assert say("hosts.ok", "en", lab=True, domain="d", found="f") == say("hosts.ok", "en", domain="d", found="f")


async def test_a_stopped_app_of_the_lab_is_told_to_start_with_the_lab(lab):
    app1 = lab.backend("app1", "127.0.0.2")
    app1.stop()
    machines = lab_machines(None, [app1])
    machines.lab = True
    [result] = await run_checks(["app-running"], machines, "id", 1.0)
    assert (result.ok, result.code) == (False, "refused")
    assert "`sudo tutor lab start app1`" in result.message and "npm start" not in result.message


def test_saved_machines_are_the_labs_only_when_saved_from_the_lab(monkeypatch):
    monkeypatch.setattr(lab_module, "inside_lab", lambda: False)
    settings = Settings(hosts={"app1": "10.37.19.46"}, lab=True)
    assert machines_from_settings(settings).lab is True
    assert machines_from_settings(Settings(hosts={"app1": "10.37.19.46"})).lab is False


def test_inside_lab_compares_this_process_network_namespace(tmp_path, monkeypatch):
    (tmp_path / "t3d-laptop").symlink_to("/proc/self/ns/net")  # what `ip netns` makes, as a link
    (tmp_path / "unrelated").symlink_to("/proc/self/ns/net")
    monkeypatch.setattr(lab_module, "NETNS_DIR", str(tmp_path))
    lab_module.inside_lab.cache_clear()
    try:
        assert lab_module.inside_lab() is True
        (tmp_path / "t3d-laptop").unlink()
        lab_module.inside_lab.cache_clear()
        assert lab_module.inside_lab() is False  # a name that is not `<prefix>-<role>` does not count
    finally:
        lab_module.inside_lab.cache_clear()


@pytest.mark.lab
def test_in_the_lab_a_stopped_app_is_told_to_start_with_the_lab(netlab):
    netlab.stop("app1")
    results = netlab.check("app-running", machines=("app1",), lang="en")
    message = results["app-running"]["message"]
    assert results["app-running"]["code"] == "refused"
    assert "`sudo tutor lab start app1`" in message and "npm start" not in message


def test_reading_the_labs_proxy_config_without_a_lab_says_so(monkeypatch):
    from tutor.live.hosts import HostError
    from tutor.live.nginx_config import read_nginx_config

    monkeypatch.setenv("TUTOR_LAB_PREFIX", "tnolabhere")
    with pytest.raises(HostError) as caught:
        read_nginx_config("proxy", True, lab=True)
    assert caught.value.code == "lab_no_proxy"


@pytest.mark.lab
def test_the_labs_proxy_config_is_read_inside_the_lab(netlab, monkeypatch):
    import tutor.lab
    from tutor.live.nginx_config import read_nginx_config

    monkeypatch.setattr(tutor.lab, "Lab", lambda: netlab)  # the session's lab keeps its data elsewhere
    files = read_nginx_config("proxy", True, lab=True)
    assert "/etc/nginx/nginx.conf" in files
    assert "include /etc/nginx/sites-enabled/*;" in files["/etc/nginx/nginx.conf"]


@pytest.mark.parametrize(("line", "problem"), [
    ("sudo tutor lab poweroff app2", ""),
    ("sudo tutor lab exec proxy -- sudo nginx -T", ""),
    ("sudo tutor check --lab app-running", ""),
    ("sudo tutor check app-running", "add --lab"),
    ("tutor lab status", "the lab needs root"),
    ("sudo tutor lab stop proxy", "would refuse it"),
    ("sudo tutor lab shell 'app1", "cannot read it"),
])
def test_a_lab_blocks_tutor_lines_are_commands_tutor_accepts(line, problem):
    from tutor.lessons.lint import lab_command_problem

    found = lab_command_problem(line)
    assert (problem in found) if problem else found == ""


@pytest.mark.lab
def test_tutor_check_lab_names_the_labs_command(netlab):
    import subprocess
    import sys

    from tutor.lab.lab import _SOURCE_ROOT

    netlab.stop("app2")
    done = subprocess.run([sys.executable, "-m", "tutor", "check", "--lab", "--prefix", netlab.prefix, "--lang", "en",
                           "--json", "app-running"], capture_output=True, text=True, timeout=120, cwd=_SOURCE_ROOT)
    assert done.returncode == 1, done.stderr
    [result] = json.loads(done.stdout)["results"]
    assert "`sudo tutor lab start app2`" in result["message"] and "npm start" not in result["message"]
