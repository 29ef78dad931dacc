"""`tutor check --weight ROLE=N` and `--stopped ROLE`: what the learner configured, on real nginx."""

from __future__ import annotations

import json

import pytest

from live_support import learner_nginx
from tutor.cli import main


def run_json(argv, capsys) -> tuple[int, dict]:
    code = main(argv + ["--json", "--lang", "en", "--timeout", "1"])
    return code, {r["check"]: r for r in json.loads(capsys.readouterr().out)["results"]}


def test_weights_given_on_the_command_line_judge_a_3_to_1_split(lab, capsys):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], server_name="localhost", weights=[3, 1])
    hosts = ["--host", f"proxy=127.0.0.1:{proxy.port}", "--host", f"app1={app1.address}",
             "--host", f"app2={app2.address}", "--domain", "localhost"]
    code, equal = run_json(["check", "lb-distributes", *hosts], capsys)
    assert (code, equal["lb-distributes"]["code"]) == (1, "uneven")
    code, weighted = run_json(["check", "lb-distributes", *hosts, "--weight", "app1=3", "--weight", "app2=1"], capsys)
    assert code == 0 and weighted["lb-distributes"]["ok"]


def test_stopped_names_the_app_that_must_refuse(lab, capsys):
    app1 = lab.backend("app1", "127.0.0.2")
    app2 = lab.backend("app2", "127.0.0.3")
    proxy = learner_nginx(lab, [app1.address, app2.address], server_name="localhost")
    hosts = ["--host", f"proxy=127.0.0.1:{proxy.port}", "--host", f"app1={app1.address}",
             "--host", f"app2={app2.address}", "--domain", "localhost"]
    app2.stop()
    code, wrong = run_json(["check", "lb-failover", *hosts, "--stopped", "app1"], capsys)
    assert (code, wrong["lb-failover"]["code"]) == (1, "not_stopped")
    code, right = run_json(["check", "lb-failover", *hosts, "--stopped", "app2"], capsys)
    assert code == 0 and right["lb-failover"]["ok"]


@pytest.mark.parametrize("extra, reason", [
    (["--weight", "app3=2"], "'app3' is not an app"),
    (["--weight", "app1=zero"], "positive number"),
    (["--weight", "app1=-1"], "positive number"),
    (["--stopped", "app9"], "not an app"),
])
def test_bad_weights_or_stopped_exit_2_with_one_line(extra, reason, capsys):
    assert main(["check", "--host", "app1=127.0.0.2:9", "--host", "app2=127.0.0.3:9", *extra, "--lang", "en"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and reason in err
