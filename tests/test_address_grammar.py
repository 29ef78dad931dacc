"""One address grammar and one domain rule, wherever they are typed: a scenario file's `address`,
`tutor check --host` and the machines saved in settings accept and refuse the same texts (the
rule is sim/address.py's); the lessons' `{domain}`, `--domain` and settings share parse_domain."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from sim import ScenarioError, scenario_from_dict
from tutor.live.hosts import HostError, machines_from_settings, parse_domain, parse_host_spec, strip_url
from tutor.lessons.values import fits, values_from_settings
from tutor.settings import _valid

GRAMMAR = settings(derandomize=True, deadline=None, database=None, max_examples=400)
# Pieces of addresses, the ones that trip splitters: brackets, colons, zone ids, digits, dots.
PIECES = st.sampled_from(["[", "]", ":", "::", "1", "80", "3000", "65536", "0", ".", "10.37.19.46", "fd00",
                          "::1", "%", "eth0", "app1", "a", "-", "x.123", "²", "_", "$(id)", "/", "web"])
TEXTS = st.lists(PIECES, min_size=1, max_size=8).map("".join)


def scenario_accepts(text: str) -> bool:
    try:
        scenario_from_dict({"server": [{"name": "app1", "address": text}]})
    except ScenarioError:
        return False
    return True


def host_accepts(text: str) -> bool:
    try:
        parse_host_spec(f"app1={text}")
    except HostError:
        return False
    return True


def settings_accept(text: str) -> bool:
    saved = SimpleNamespace(hosts={"app1": text}, vms={}, domain=None, lab=False)
    try:
        machines_from_settings(saved)
    except HostError:
        return False
    return "app1_ip" not in values_from_settings(saved).examples()


@GRAMMAR
@given(TEXTS)
@example("[::1]80")
@example("[app1]:3000")
@example("[10.0.0.1]:80")
@example("[::1]:80")
def test_scenario_host_and_settings_accept_the_same_addresses(text):
    assert strip_url(text.strip()) == text  # --host also takes a pasted URL: only plain addresses here
    accepted = {"scenario": scenario_accepts(text), "--host": host_accepts(text), "settings": settings_accept(text)}
    assert len(set(accepted.values())) == 1, accepted


@pytest.mark.parametrize("text", ["[::1]80", "[app1]:3000", "[10.0.0.1]:80", "[::1]:x", "[fd00::1"])
def test_text_after_or_inside_brackets_is_refused_everywhere(text):
    assert not scenario_accepts(text) and not host_accepts(text) and not settings_accept(text)


@pytest.mark.parametrize("text", ["[::1]:80", "[::1]", "::1", "10.37.19.46:3000", "app1:3000", "fe80::1%eth0"])
def test_good_addresses_are_accepted_everywhere(text):
    assert scenario_accepts(text) and host_accepts(text) and settings_accept(text)


def domain_accepted(text: str) -> dict[str, bool]:
    try:
        parse_domain(text)
        cli = True
    except HostError:
        cli = False
    saved = SimpleNamespace(hosts={}, vms={}, domain=text, lab=False)
    return {"--domain": cli, "settings": _valid("domain", text),
            "lessons": values_from_settings(saved).get("domain")[0] == text.strip().rstrip(".").lower()}


@GRAMMAR
@given(TEXTS)
@example("1.2.3.4")
@example("web.123")
@example("hasil.xyz")
@example("Hasil.XYZ.")
def test_domain_is_one_rule(text):
    accepted = domain_accepted(text)
    assert len(set(accepted.values())) == 1, accepted
    if accepted["--domain"]:
        assert fits("domain", parse_domain(text))


@pytest.mark.parametrize("text", ["1.2.3.4", "web.123", "has il.xyz", "-web.xyz", "$(id).xyz"])
def test_a_domain_no_door_takes(text):
    assert not any(domain_accepted(text).values())
    assert not fits("domain", text)
