"""The tutorial's facts (tutor.course) are the ones the lessons, the lab, the live checks and the
simulator's demo state: a fact changed in one place and not the others fails here."""

from __future__ import annotations

from sim.address import parse_address
from sim.scenario import DEMO_SERVERS
from tutor import course
from tutor.lab.topology import ADDRESSES, APPS, roles_for
from tutor.lessons.values import NAMED_VALUES
from tutor.lessons.vocabulary import ROLES as LESSON_ROLES
from tutor.scenarios import DEMO, open_scenario


def test_roles_and_ports_are_the_tutorials():
    assert dict(course.ROLES) == {"proxy": 80, "app1": 3000, "app2": 3000, "app3": 3000}
    assert course.APP_ROLES == ("app1", "app2", "app3") == APPS
    assert set(LESSON_ROLES) == {*course.ROLES, course.LAPTOP}
    assert roles_for(2) == ("laptop", "proxy", "app1", "app2")


def test_the_lessons_examples_are_the_course_addresses():
    examples = {value.role: value.example for value in NAMED_VALUES.values() if value.role}
    assert examples == dict(course.EXAMPLE_ADDRESSES)
    assert NAMED_VALUES["domain"].example == course.DEFAULT_DOMAIN == "hasil.xyz"


def test_the_lab_machines_sit_at_the_course_addresses():
    assert {role: ADDRESSES[role] for role in course.ROLES} == dict(course.EXAMPLE_ADDRESSES)
    assert ADDRESSES[course.LAPTOP] == course.LAPTOP_ADDRESS


def test_the_simulators_demo_states_the_course_addresses():
    """sim/ never imports tutor, so the demo (the shipped TOML, its servers sim's defaults) states
    the addresses again: they must be the course's, app2 = .182 as in the tutorial."""
    demo = open_scenario(DEMO).scenario
    assert demo.servers == DEMO_SERVERS
    served = {server.name: parse_address(server.address) for server in demo.servers}
    assert served == {role: (course.EXAMPLE_ADDRESSES[role], course.APP_PORT) for role in course.APP_ROLES}
    assert served["app2"][0] == "10.37.19.182"


def test_the_facts_cannot_be_changed_by_a_consumer():
    for mapping in (course.ROLES, course.EXAMPLE_ADDRESSES):
        try:
            mapping["app9"] = 1  # type: ignore[index]
        except TypeError:
            continue
        raise AssertionError("a course fact was changed in place")
