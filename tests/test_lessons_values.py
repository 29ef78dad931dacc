"""Named values in lesson fences: filled from the learner's machines, examples marked, nginx braces kept."""

from __future__ import annotations

from dataclasses import dataclass, field

from tutor.lessons.model import Command, Predict, Choice, StepPart, StepText
from tutor.lessons.values import (
    NAMED_VALUES, Values, fill_code, fill_markdown, fill_step, names_in,
    values_from_settings,
)

MINE = Values.of({"proxy_ip": "192.168.64.5", "app1_ip": "192.168.64.7", "app2_ip": "192.168.64.9",
                  "app3_ip": "192.168.64.11", "domain": "contoh.test"})

NGINX = """server {
    listen 80;
    server_name {domain};
    location / {
        proxy_pass http://{app1_ip}:3000;
        proxy_set_header Host ${host};
    }
}"""


@dataclass
class FakeSettings:
    hosts: dict = field(default_factory=dict)
    domain: object = None


def test_every_value_is_declared_once_with_an_example_and_a_source():
    assert list(NAMED_VALUES) == ["proxy_ip", "app1_ip", "app2_ip", "app3_ip", "domain"]
    assert all(value.example and value.source for value in NAMED_VALUES.values())
    assert NAMED_VALUES["app1_ip"].example == "10.37.19.46" and NAMED_VALUES["proxy_ip"].example == "10.37.19.64"


def test_known_names_are_filled_and_nginx_braces_and_variables_are_kept():
    code, examples = fill_code(NGINX, MINE)
    assert examples == ()
    assert "server_name contoh.test;" in code and "proxy_pass http://192.168.64.7:3000;" in code
    assert "location / {" in code and code.startswith("server {") and "${host}" in code


def test_unknown_values_show_the_tutorial_example_and_say_which():
    code, examples = fill_code("curl http://{app2_ip}:3000 http://{proxy_ip}/", Values.of({"proxy_ip": "192.168.64.5"}))
    assert code == "curl http://10.37.19.182:3000 http://192.168.64.5/"
    assert examples == ("app2_ip",)


def test_curl_write_out_escapes_and_unknown_names_stay_as_written():
    code, _ = fill_code(r"curl -w '%{http_code} %{time_total}' \{domain} {nope} {domain}", MINE)
    assert code == "curl -w '%{http_code} %{time_total}' {domain} {nope} contoh.test"
    assert names_in("%{http_code} ${host} {app1_ip} {Upper} {a_b2}") == ["app1_ip", "a_b2"]


def test_only_fences_are_filled_and_a_fence_with_examples_gets_a_note_before_it():
    markdown = "Use `{app1_ip}` here.\n\n```bash\ncurl http://{app1_ip}:3000/\n```\n\n```nginx\nserver { listen 80; }\n```"
    shown = fill_markdown(markdown, Values(), "en")
    lines = shown.split("\n")
    assert lines[0] == "Use `{app1_ip}` here."  # prose is not a fence: left as written
    note = lines.index("```bash") - 2
    assert lines[note].startswith("> ⚠") and "`10.37.19.46` (app1_ip)" in lines[note] and "**m**" in lines[note]
    assert "curl http://10.37.19.46:3000/" in lines
    assert shown.count("⚠") == 1  # the nginx fence uses no value: no note
    assert "⚠" not in fill_markdown(markdown, MINE, "en") and "curl http://192.168.64.7:3000/" in fill_markdown(markdown, MINE, "en")
    assert "Contoh" in fill_markdown(markdown, Values(), "id")


def test_a_tutorial_example_fence_gets_its_own_note_and_no_example_warning():
    markdown = "```nginx {example=tutorial}\nproxy_pass http://10.37.19.64:3000; # {app1_ip}\n```"
    shown = fill_markdown(markdown, Values(), "en")
    assert "example=" not in shown and "on purpose" in shown and "⚠" not in shown
    assert shown.split("\n")[2] == "```nginx"  # the flag is read and removed: the info is the language


def test_fill_step_fills_what_is_shown_and_what_is_copied_alike():
    fence = "curl http://{proxy_ip}/"
    text = StepText(
        title="t", body=f"```bash\n{fence}\n```", hints=(f"```bash\n{fence}\n```",), solution=f"```bash\n{fence}\n```",
        commands=(Command("bash", fence, "laptop"),),
        predicts=(Predict("rp-basic", f"Q?\n\n```bash\n{fence}\n```", (Choice("a", True),), "E"),),
        parts=(StepPart("markdown", f"```bash\n{fence}\n```"),),
    )
    shown = fill_step(text, MINE, "en")
    assert shown.commands[0].code == "curl http://192.168.64.5/" and shown.commands[0].examples == ()
    for markdown in (shown.body, shown.hints[0], shown.solution, shown.predicts[0].question, shown.parts[0].markdown):
        assert "curl http://192.168.64.5/" in markdown and "{proxy_ip}" not in markdown
    unknown = fill_step(text, Values(), "en")
    assert unknown.commands[0].code == "curl http://10.37.19.64/" and unknown.commands[0].examples == ("proxy_ip",)
    assert unknown.commands[0].code in unknown.body


def test_settings_give_each_role_that_parses_and_hostile_values_fall_back_to_examples():
    settings = FakeSettings({"proxy": "192.168.64.5", "app1": "192.168.64.7:3001", "app2": "x\x1b]52;c;AA\x07",
                             "app3": "[fd00::7]:3000", "bogus": "1.2.3.4"}, domain="Contoh.Test.")
    values = values_from_settings(settings)
    assert values.get("proxy_ip") == ("192.168.64.5", False)
    assert values.get("app1_ip") == ("192.168.64.7", False)  # the port is not part of the address
    assert values.get("app2_ip") == ("10.37.19.182", True)
    assert values.get("app3_ip") == ("fd00::7", False)
    assert values.get("domain") == ("contoh.test", False)
    assert values_from_settings(FakeSettings(domain="evil\x1b[2J")).get("domain") == ("hasil.xyz", False)
    assert values_from_settings(FakeSettings(hosts=None, domain=5)).examples() == ("proxy_ip", "app1_ip", "app2_ip", "app3_ip")
