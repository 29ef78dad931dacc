"""Named values filled into commands the learner copies are addresses and names only (issue 20).

A saved IPv6 address with a zone id such as `::1%;id>x;#` used to be accepted and filled verbatim
into `{app1_ip}`: pasted, the command ran `id`. It is refused where it is saved (the machines
screen's parse_address) and dropped where it is filled (saved state may be hostile).
"""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from test_fuzz import FUZZ, NASTY
from tutor.live.hosts import HostError, parse_address
from tutor.lessons.values import NAMED_VALUES, Values, fill_code, fits, values_from_settings
from tutor.settings import Settings

INJECTIONS = ["::1%;id>x;#", "::1%$(id)", "fe80::1%`id`", "::1%a|b", "::1%a b", "::1%\n", "10.0.0.1;id",
              "$(id)", "a.b&&id", "::1%" + "a" * 16]
SHELL = re.compile(r"[;&|$`<>()\\\s'\"#*?!{}\[\]]")
COMMAND = "curl -s http://{app1_ip}:3000/ && ssh ubuntu@{proxy_ip} && curl -H 'Host: {domain}' http://{app2_ip}/"


@pytest.mark.parametrize("text", INJECTIONS)
def test_an_address_with_shell_code_is_refused_when_saved(text):
    with pytest.raises(HostError):
        parse_address(text, 80)


@pytest.mark.parametrize("text", INJECTIONS)
def test_a_hostile_saved_address_is_never_filled_into_a_command(tmp_path, text):
    (tmp_path / "settings.json").write_text(json.dumps({"hosts": {"app1": text, "proxy": text, "app2": text},
                                                        "domain": "x;id"}))
    settings, _ = Settings.load(tmp_path)
    filled, examples = fill_code(COMMAND, values_from_settings(settings))
    assert set(examples) == {"app1_ip", "proxy_ip", "app2_ip"}  # the examples show, marked
    assert "Host: hasil.xyz" in filled  # a bad domain falls back to the tutorial's
    assert "id" not in filled.replace("ubuntu", "")
    # and a mapping that bypasses settings (the lab's, a test's) is checked the same way
    filled, examples = fill_code(COMMAND, Values.of({"app1_ip": text}))
    assert "app1_ip" in examples and text not in filled


@pytest.mark.parametrize(("value", "expected"), [
    ("::1", "curl -s http://[::1]:3000/ && ssh ubuntu@::1"),
    ("fe80::1%eth0", "curl -s http://[fe80::1%eth0]:3000/ && ssh ubuntu@fe80::1%eth0"),
    ("10.0.0.7", "curl -s http://10.0.0.7:3000/ && ssh ubuntu@10.0.0.7"),
    ("web-1.lan", "curl -s http://web-1.lan:3000/ && ssh ubuntu@web-1.lan"),
])
def test_ipv6_in_a_url_gets_brackets_and_nowhere_else(value, expected):
    filled, _ = fill_code("curl -s http://{app1_ip}:3000/ && ssh ubuntu@{proxy_ip}",
                          Values.of({"app1_ip": value, "proxy_ip": value}))
    assert filled == expected
    assert fill_code("listen [{app1_ip}]:80;", Values.of({"app1_ip": "::1"}))[0] == "listen [::1]:80;"


@FUZZ
@given(st.sampled_from(sorted(NAMED_VALUES)), st.one_of(st.sampled_from(INJECTIONS), NASTY, st.text(max_size=40),
                                                       st.from_regex(r"::1%[ -~]{1,12}", fullmatch=True)))
def test_fuzz_whatever_is_saved_only_addresses_and_names_reach_a_command(name, text):
    values = Values.of({name: text})
    value, is_example = values.get(name)
    assert is_example or fits(name, value)
    assert not SHELL.search(value.replace("%", "")), value  # no metacharacter, not even in a zone id
