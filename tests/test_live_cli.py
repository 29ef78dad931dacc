"""`tutor check`: exit codes, the --json shape, the table, and machines from multipass."""

from __future__ import annotations

import argparse
import json

import pytest

from live_support import FIXTURES, learner_nginx, use_stand_in_multipass
from tutor.cli import main
from tutor.cli.check import add_multipass_machines, format_table, prepare
from tutor.live.hosts import Machines
from tutor.live.multipass import parse_multipass_json
from tutor.live.result import CheckResult


def check_args(*checks, host=(), multipass=False, domain=None, timeout=1.0):
    return argparse.Namespace(checks=list(checks), host=list(host), multipass=multipass, domain=domain,
                              timeout=timeout, json=False, lang="en")


def test_json_output_has_exactly_the_documented_shape(lab, capsys):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], server_name="localhost")
    argv = ["check", "--host", f"proxy=127.0.0.1:{proxy.port}", "--host", f"app1={app1.address}",
            "--host", f"app2={app2.address}", "--domain", "localhost", "--timeout", "1", "--json", "--lang", "en"]
    app2.stop()
    assert main(argv) == 1
    out = json.loads(capsys.readouterr().out)
    assert list(out) == ["results"]
    assert [r["check"] for r in out["results"]] == ["app-running", "nginx-running", "proxy-pass", "hosts-file",
                                                     "lb-distributes"]
    for result in out["results"]:
        assert list(result) == ["check", "ok", "code", "message", "evidence"]
        assert list(result["evidence"]) == ["url", "status", "headers", "elapsed_ms"]
        assert isinstance(result["evidence"]["elapsed_ms"], int)
    by_check = {r["check"]: r for r in out["results"]}
    assert (by_check["app-running"]["ok"], by_check["app-running"]["code"]) == (False, "refused")
    assert by_check["proxy-pass"]["ok"] and by_check["proxy-pass"]["code"] is None
    assert by_check["hosts-file"]["ok"]  # localhost resolves to 127.0.0.1, the proxy
    assert by_check["lb-distributes"]["code"] == "single_backend"


def test_all_passing_checks_exit_zero_and_print_a_table(lab, capsys):
    app1 = lab.backend("app1", "127.0.0.2")
    assert main(["check", "app-running", "--host", f"app1={app1.address}", "--timeout", "1", "--lang", "id"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[1].split() == ["cek", "hasil", "pesan"]
    assert out.splitlines()[2].startswith("app-running") and " ok " in out.splitlines()[2]


@pytest.mark.parametrize("argv, reason", [
    (["check"], "--multipass or --lab, or save them in the app (key m)"),  # every way to give machines
    (["check", "--host", "db=10.0.0.1"], "unknown role"),
    (["check", "--host", "app1=10.0.0.1:99999"], "out of range"),
    (["check", "--host", "app1=10.0.0.1", "--host", "app1=10.0.0.2"], "given twice"),
    (["check", "proxy-pass", "--host", "app1=10.0.0.1"], "needs the proxy"),
    (["check", "lb-distributes", "--host", "proxy=10.0.0.1", "--host", "app1=10.0.0.2"], "at least 2 app roles"),
    (["check", "nope", "--host", "app1=10.0.0.1"], "unknown check"),
    (["check", "--host", "app1=10.0.0.1", "--timeout", "0"], "--timeout"),
    (["check", "--host", "app1=10.0.0.1", "--domain", "not a domain"], "not a domain name"),
])
def test_bad_input_exits_2_with_one_line(argv, reason, capsys):
    assert main([*argv, "--lang", "en"]) == 2  # the reasons in Indonesian: tests/test_cli_language.py
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and reason in captured.err and "Traceback" not in captured.err


def test_multipass_without_a_tty_lists_the_vms_and_the_host_option_to_add(monkeypatch, capsys):
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-seed.json")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["check", "--multipass"]) == 2
    err = capsys.readouterr().err
    assert "sinambela 10.37.19.64 -> ?" in err and "aplikasi1 10.37.19.46 -> app1" in err
    assert "--host proxy=10.37.19.64" in err and err.count("\n") == 1


def test_multipass_and_host_together_need_no_question(monkeypatch):
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-seed.json")
    machines, checks = prepare(check_args(host=["proxy=10.37.19.64"], multipass=True), ask=None)
    assert {role: m.address for role, m in machines.by_role.items()} == {
        "proxy": "10.37.19.64:80", "app1": "10.37.19.46:3000", "app2": "10.37.19.182:3000"}
    assert machines.by_role["app2"].label == "aplikasi2 (app2, 10.37.19.182:3000)"
    assert checks == ["app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes"]


def test_the_learner_is_asked_about_the_vm_it_cannot_place(monkeypatch):
    vms = parse_multipass_json((FIXTURES / "list-seed.json").read_text())
    answers = iter(["database", "proxy, app3"])  # a wrong answer first, then the seed's truth
    prompts = []

    def ask(prompt):
        prompts.append(prompt)
        return next(answers)

    machines = Machines()
    add_multipass_machines(machines, vms, ask, "en")
    assert len(prompts) == 2 and "sinambela 10.37.19.64" in prompts[0]
    assert machines.by_role["proxy"].vm == machines.by_role["app3"].vm == "sinambela"
    assert machines.by_role["app3"].address == "10.37.19.64:3000"


def test_a_stopped_vm_keeps_its_role_without_an_address(monkeypatch):
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-app2-stopped.json")
    machines, _ = prepare(check_args("app-running", multipass=True))
    assert machines.by_role["app2"].host is None and machines.by_role["app2"].state == "Stopped"


def test_table_wraps_long_messages_under_the_message_column():
    results = [CheckResult("proxy-pass", False, "bad_gateway", "word " * 40),
               CheckResult("app-running", True, None, "fine")]
    lines = format_table(results, "en", width=60).splitlines()
    assert lines[1].startswith("proxy-pass   FAIL bad_gateway  word")
    column = lines[1].index("word")
    assert all(len(line) <= 60 for line in lines)
    assert all(line[:column].strip() == "" for line in lines[2:-1])
    assert lines[-1].split() == ["app-running", "ok", "fine"]


ENGLISH_ROLE_WORDS = ("is not a free role", "choose from", "no usable role", "give it with", "no answer for",
                      "cannot tell", "from its name")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_the_role_question_and_its_replies_are_in_the_learners_language(monkeypatch, capsys, lang):
    use_stand_in_multipass(monkeypatch, list=FIXTURES / "list-seed.json")
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    prompts = []

    def answer(prompt):
        prompts.append(prompt)
        return "database"  # never a role: asked again, then given up

    monkeypatch.setattr("builtins.input", answer)
    assert main(["check", "--multipass", "--lang", lang]) == 2
    err = capsys.readouterr().err
    assert len(prompts) == 3 and err.count("'database'") == 3 and "--host" in err and "sinambela" in err
    english = [words for words in ENGLISH_ROLE_WORDS if words in err + "".join(prompts)]
    assert (english == []) if lang == "id" else ("is not a free role" in err and "no usable role" in err)

    def no_answer(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", no_answer)
    assert main(["check", "--multipass", "--lang", lang]) == 2
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    assert main(["check", "--multipass", "--lang", lang]) == 2
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert len(lines) == 2 and all("sinambela" in line for line in lines) and "--host proxy=10.37.19.64" in lines[1]
    english = [words for words in ENGLISH_ROLE_WORDS if words in err]
    assert (english == []) if lang == "id" else ("no answer for" in err and "cannot tell" in err)
