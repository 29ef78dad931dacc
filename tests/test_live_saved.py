"""tutor/live/saved.py: the learner's saved machines as a lesson step's live checks see them."""

from __future__ import annotations

import pytest

from tutor.live.saved import missing_roles, saved_machines, used_by_lesson
from tutor.settings import Settings

PROXY_AND_ONE_APP = {"proxy": "10.37.19.64", "app1": "10.37.19.46:3000"}


def test_usable_machines_have_no_problem():
    machines, problem = saved_machines(Settings(hosts=PROXY_AND_ONE_APP), ["proxy-pass"], "en")
    assert problem is None
    assert machines is not None and machines.proxy is not None and machines.proxy.host == "10.37.19.64"
    assert [app.role for app in machines.apps] == ["app1"]


def test_unusable_addresses_give_no_machines_and_say_why_in_the_language():
    machines, problem = saved_machines(Settings(hosts={"app1": "not an address!"}), ["app-running"], "id")
    assert machines is None and problem is not None
    assert problem[0] == "check.bad_machines" and isinstance(problem[1]["reason"], str) and problem[1]["reason"]


@pytest.mark.parametrize(("hosts", "checks", "key"), [
    ({}, ["app-running"], "check.no_machines"),
    ({"app1": "10.37.19.46"}, ["nginx-running", "lb-distributes"], "check.none_can_run"),
])
def test_machines_that_run_no_check_are_named_as_the_problem(hosts, checks, key):
    machines, problem = saved_machines(Settings(hosts=hosts), checks, "en")
    assert machines is not None and problem == (key, {})


def test_an_app_vm_the_lesson_does_not_use_is_left_out():
    hosts = {**PROXY_AND_ONE_APP, "app2": "10.37.19.182:3000"}
    machines, problem = saved_machines(Settings(hosts=hosts), ["app-running"], "en", frozenset({"proxy", "app1"}))
    assert problem is None and machines is not None
    assert sorted(machines.by_role) == ["app1", "proxy"]
    assert used_by_lesson("app2", frozenset({"proxy"}))  # a lesson naming no app keeps them all
    assert used_by_lesson("proxy", frozenset({"app1"}))  # the proxy is never left out
    assert not used_by_lesson("app2", frozenset({"app1"}))


def test_missing_roles_names_what_a_check_still_needs():
    assert missing_roles("lb-distributes", has_proxy=False, app_count=2) == "proxy"
    assert missing_roles("lb-distributes", has_proxy=True, app_count=1) == "app1, app2"
    assert missing_roles("app-running", has_proxy=False, app_count=1) is None
