"""Hostile command-line inputs of issue 20: one-line errors and exit 2, never a traceback.

- a scenario name too long for the file system (ENAMETOOLONG) in `lint`, `play` and `sim`;
- a `direct = true` scenario (clients -> ONE web server) given an nginx config with two servers.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hostile import ROOT, assert_clean, run_cli
from test_fuzz import FUZZ
from test_hostile_lessons import HEAD, make
from tutor.lessons.lint import lint

LONG = ["a" * 251, "a" * 256, "b" * 300, "é" * 200, "x" * 5000, "d/" + "a" * 300, "a" * 300 + ".toml"]


@pytest.mark.parametrize("command", ["lint", "play", "sim"])
@pytest.mark.parametrize("name", LONG, ids=lambda name: f"{len(name)}chars")
def test_a_name_too_long_for_the_file_system_is_one_line_and_exit_2(command, name):
    code, out, err = run_cli(["--lang", "en", command, name])
    assert code == 2
    assert_clean(code, out, err)


def test_a_lesson_naming_a_scenario_too_long_is_a_lint_error_not_a_traceback(tmp_path):
    make(tmp_path, "01-a", HEAD.format(id="a", order=1) + '[[step]]\nid = "x"\nscenario = "' + "s" * 300 + '"\n')
    errors = [error.message for error in lint(tmp_path)[1]]
    assert any(message.startswith("unknown scenario 'sss") for message in errors), errors


@FUZZ
@given(st.sampled_from(["lint", "play", "sim"]),
       st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=200,
               max_size=600))
def test_fuzz_long_scenario_names(command, name):
    code, out, err = run_cli(["--lang", "en", command, name])
    assert_clean(code, out, err, codes=(2,))


DIRECT = """
[scenario]
name = "direct-two"
direct = true
duration = 10.0
[nginx]
config = "{config}"
[[server]]
name = "web"
address = "10.37.19.64:3000"
"""


@pytest.mark.parametrize("how", ["flag", "inside"])
def test_a_direct_scenario_with_a_two_server_nginx_config_is_refused(tmp_path, how):
    config = ROOT / "assets" / "nginx" / "load_balancer.conf"
    scenario = tmp_path / "direct.toml"
    if how == "flag":
        scenario.write_text(DIRECT.replace('[nginx]\nconfig = "{config}"\n', ""))
        extra, commands = ["--nginx-conf", str(config)], ("sim", "play")
    else:  # (`play` does not apply a scenario's own [nginx] config: it would start the app here)
        scenario.write_text(DIRECT.format(config=config))
        extra, commands = [], ("sim",)
    for command in commands:
        code, out, err = run_cli(["--lang", "en", command, str(scenario), *extra])
        assert code == 2, (command, out[-300:])
        assert_clean(code, out, err)
        assert "direct" in err and "ONE web server" in err and "not 2" in err


def test_a_direct_scenario_with_one_server_still_runs():
    code, out, err = run_cli(["--lang", "en", "sim", "web-server-basic", "--json"])
    assert code == 0 and '"scenario": "web-server-basic"' in out
