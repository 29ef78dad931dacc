"""Every reason sim's ScenarioError can give has a text in each language's `[scenario_errors]`, and
tutor shows scenario errors in the learner's language (sim keeps its English `str()`)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from hostile import run_cli
from sim.address import AddressError
from sim.nginxconf import NginxConfError
from sim.scenario import ScenarioError, scenario_from_dict
from tutor.i18n import catalogue
from tutor.scenarios import ScenarioOpenError, error_text, open_scenario

ROOT = Path(__file__).resolve().parents[1]
CODE_AT = {"ScenarioError": 2, "fail": 2, "refuse": 1, "AddressError": 0}
"""The position of the reason code among the arguments of each call that names one (`fail` and
`refuse` in sim/scenario.py only: the proxy's `fail` elsewhere names a failure, not an error)."""


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _raised() -> dict[str, set[str]]:
    """The reason codes written in sim/ (calls above, and `code = ...` choices), by kind."""
    found: dict[str, set[str]] = {"scenario": set(), "address": set(), "nginx": set()}
    for path in sorted((ROOT / "sim").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", "")
                at = CODE_AT.get(name) if name not in ("fail", "refuse") or path.name == "scenario.py" else None
                if at is not None and len(node.args) > at:
                    kind = "address" if name == "AddressError" else "scenario"
                    found[kind] |= _strings(node.args[at]) - {"address."}
                if name == "NginxConfError":  # nginx's own words are text; the simulator's own a code
                    found["nginx"] |= {kw.value.value for kw in node.keywords
                                       if kw.arg == "code" and isinstance(kw.value, ast.Constant)}
            elif path.name == "scenario.py" and isinstance(node, ast.Assign) \
                    and any(getattr(t, "id", "") == "code" for t in node.targets):
                found["scenario"] |= _strings(node.value)
    return found


RAISED = _raised()
CODES = sorted(ScenarioError.TEXTS) + [f"address.{code}" for code in AddressError.TEXTS] \
    + [f"nginx.{code}" for code in NginxConfError.TEXTS]


def _fields(text: str) -> set[str]:
    return {field.split("!")[0].split(".")[0] for _, field, _, _ in string.Formatter().parse(text) if field}


def test_sim_raises_the_codes_it_has_english_for_and_no_other():
    assert len(RAISED["scenario"]) >= 45 and RAISED["scenario"] == set(ScenarioError.TEXTS)
    assert RAISED["address"] == set(AddressError.TEXTS)
    assert RAISED["nginx"] == set(NginxConfError.TEXTS)


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("code", CODES)
def test_each_code_has_a_text_in_each_language_with_the_same_values(code, lang):
    text = catalogue(lang)["scenario_errors"].get(f"err.{code}")
    assert text, f"no [scenario_errors] err.{code} in {lang}.toml"
    kind, _, short = code.rpartition(".")
    english = {"address": AddressError.TEXTS, "nginx": NginxConfError.TEXTS, "": ScenarioError.TEXTS}[kind][short]
    assert _fields(text) == _fields(english), code


def test_error_text_is_the_learners_language_with_its_decimal_mark():
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"traffic": {"think_time": -1}}, "s.toml")
    assert caught.value.code == "number_below"
    assert str(caught.value) == "s.toml: traffic.think_time: must be a number >= 0"  # sim's own English
    assert error_text(caught.value, "en") == str(caught.value)
    assert error_text(caught.value, "id") == "s.toml: traffic.think_time: harus angka >= 0"
    with pytest.raises(ScenarioError) as caught:
        scenario_from_dict({"traffic": {"pattern": "closed", "clients": 2, "think_time": 0.0},
                            "nginx": {"latency": 0.0}, "server": [{"service": {"dist": "const", "mean": 0.0}}]}, "c")
    assert error_text(caught.value, "id").startswith("c: traffic.pattern: closed loop butuh jeda")


def test_open_scenario_names_the_reason_in_either_language(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[[server]]\naddress = "10.0.0.1:99999"\n', encoding="utf-8")
    with pytest.raises(ScenarioOpenError) as caught:
        open_scenario(str(path))
    assert caught.value.message("en").endswith("server[1].address: port 99999 is out of range (1-65535)")
    assert caught.value.message("id").endswith("server[1].address: port 99999 di luar rentang (1-65535)")


def test_tutor_sim_in_indonesian_has_no_english_reason(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[scenario]\nrequests = -5\n", encoding="utf-8")
    code, out, err = run_cli(["sim", str(path), "--lang", "id"])
    assert (code, out) == (2, "")
    assert err == f"tutor sim: {path}: scenario.requests: harus bilangan bulat yang tidak negatif\n"
    code, out, err = run_cli(["sim", str(path), "--lang", "en"])
    assert err == f"tutor sim: {path}: scenario.requests: must be a non-negative integer\n"


def test_indonesian_groups_thousands_with_dots():
    error = ScenarioError("s.toml", "server", "too_many_servers", count=1001, limit=1000)
    assert error.message == "1,001 servers: at most 1,000 (the simulator's limit)"
    assert error_text(error, "id") == "s.toml: server: 1.001 server: maksimal 1.000 (batas simulator)"


def test_an_nginx_config_the_simulator_refuses_is_said_in_indonesian(tmp_path):
    """The simulator's own refusals of a config are translated; nginx's words stay as nginx -t says them."""
    conf = tmp_path / "nginx.conf"
    conf.write_text("events {}\nhttp { server { listen 80; } }\n", encoding="utf-8")
    code, out, err = run_cli(["sim", "--nginx-conf", str(conf), "--lang", "id"])
    assert (code, out) == (2, "")
    assert err == f"tutor sim: {conf}: tidak ada proxy_pass: simulator butuh location yang meneruskan request ke aplikasi\n"
    conf.write_text("events {}\nhttp { server { listen 80; location / { proxy_pass http://a:99999; } } }\n",
                    encoding="utf-8")
    code, out, err = run_cli(["sim", "--nginx-conf", str(conf), "--lang", "id"])
    assert code == 2 and err.endswith(':2: invalid port in upstream "a:99999"\n')
