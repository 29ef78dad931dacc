"""The lesson self-test (rustlings' `dev check`, for infrastructure): the lessons, applied to the lab.

For every lesson, step by step: what the lesson has the learner write on the proxy (its config
blocks, at the files the lesson names), its include lines and the laptop's hosts line are put on
the lab; at every step with live checks nginx is tested and reloaded and the step's checks must
pass. Every broken config a lesson shows next to a quoted `nginx: [emerg]` message must make
`nginx -t` in the lab print that very message. How a lesson is read: tests/lesson_lab.py.
"""

from __future__ import annotations

import pytest

from lesson_lab import NGINX_CONF, SITES_INCLUDE, StepPlan, apps_in, read_plan, upstream_weights
from tutor.lab import Lab
from tutor.lab.vm_tree import HOSTS_TEMPLATE
from tutor.lessons.loader import load_lessons
from tutor.paths import lessons_dir

pytestmark = pytest.mark.lab

LESSONS = {lesson.id: lesson for lesson in load_lessons(lessons_dir()).lessons}
POWERED_OFF_TIMEOUT = "6"  # s: longer than the laptop's 3 s of ARP probes before "No route to host"


class LabState:
    """The proxy files, include lines and hosts lines a lesson has given so far, and putting them on the lab."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.files: dict[str, str] = {}
        self.includes: list[str] = []
        self.hosts: list[str] = []

    def add(self, plan: StepPlan) -> None:
        self.files.update(plan.files())
        self.includes += [line for line in plan.includes() if line not in self.includes]
        self.hosts += [line for line in plan.hosts_lines() if line not in self.hosts]

    def local(self, path: str):
        assert path.startswith("/etc/nginx/"), f"the lab can place proxy files under /etc/nginx only: {path}"
        return self.lab.nginx_dir / path.removeprefix("/etc/nginx/")

    def apply(self, extra: dict[str, str] | None = None):
        """Write everything to the lab and `nginx -t`; returns the nginx -t result (reloaded when it passed)."""
        for path, content in {**self.files, **(extra or {})}.items():
            target = self.local(path)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(content, encoding="utf-8")
        conf = self.local(NGINX_CONF)
        text = conf.read_text(encoding="utf-8")
        for line in self.includes:
            folder = line.split()[1].rstrip(";").rsplit("/", 1)[0]
            if folder.startswith("/etc/nginx/"):
                self.local(folder).mkdir(parents=True, exist_ok=True)  # the lesson's `sudo mkdir`
            if line not in text:
                assert SITES_INCLUDE in text, "nginx.conf lost its sites-enabled include"
                text = text.replace(SITES_INCLUDE, f"{SITES_INCLUDE}\n\t{line}", 1)
        conf.write_text(text, encoding="utf-8")
        self.lab.hosts_file("laptop").write_text(
            HOSTS_TEMPLATE.format(name="laptop") + "".join(f"{line}\n" for line in self.hosts), encoding="utf-8")
        return self.lab.reload()

    def key(self) -> tuple:
        """Everything this state puts on the lab, hashable."""
        return tuple(sorted(self.files.items())), tuple(self.includes), tuple(self.hosts)

    def config_text(self) -> str:
        return "\n".join(self.files.values())


def prior_lessons(lesson_id: str) -> list[str]:
    """The lessons `lesson_id` builds on (its `requires`, theirs first), in order."""
    order: list[str] = []
    for required in LESSONS[lesson_id].requires:
        for earlier in [*prior_lessons(required), required]:
            if earlier not in order and earlier in LESSONS:
                order.append(earlier)
    return order


def state_after_prior_lessons(lab: Lab, lesson_id: str) -> LabState:
    """A LabState holding what the learner wrote in the lessons before this one."""
    state = LabState(lab)
    for earlier in prior_lessons(lesson_id):
        for plan in read_plan(LESSONS[earlier], "en"):
            state.add(plan)
    return state


def lessons_with(predicate) -> list[str]:
    return [lesson_id for lesson_id, lesson in LESSONS.items() if any(predicate(p) for p in read_plan(lesson, "en"))]


@pytest.mark.parametrize("lesson_id", lessons_with(lambda plan: plan.checks))
def test_every_step_with_checks_passes_them_with_the_lessons_own_solution(netlab, lesson_id):
    state = state_after_prior_lessons(netlab, lesson_id)
    failures, passed = [], []
    plans = read_plan(LESSONS[lesson_id], "en")
    lesson_apps = sorted({role for plan in plans for role in plan.roles if role.startswith("app")})
    seen: dict[tuple, dict] = {}  # what the lab had and did -> the results of the checks run on it
    for plan in plans:
        state.add(plan)
        if not plan.checks:
            continue
        stopped = plan.stopped_app() if "lb-failover" in plan.checks else None
        key = (state.key(), stopped)
        results = seen.setdefault(key, {})
        missing = [check for check in plan.checks if check not in results]
        if missing:
            outcome = run_step_checks(netlab, state, missing, stopped, lesson_apps)
            if isinstance(outcome, str):
                failures.append(f"{plan.id}: {outcome}")
                continue
            results.update(outcome)
        for check in plan.checks:
            result = results[check]
            if result["ok"]:
                passed.append(f"{plan.id}:{check}")
            else:
                failures.append(f"{plan.id}: {check} {result['code']}: {result['message']}")
    print(f"\n{lesson_id}: {len(passed)} step checks pass on the lab ({len(seen)} lab states); "
          f"{len(failures)} fail")
    assert passed, f"{lesson_id}: no step check ran"
    assert failures == []


def run_step_checks(lab: Lab, state: LabState, checks: list[str], stopped: tuple[str, bool] | None,
                    lesson_apps: list[str]) -> dict | str:
    """Put the state on the lab (nginx reloaded: fresh workers, no ban left from an earlier step),
    do what the step has the learner do (stop or power off an app), run `checks`; a string when
    the lesson's own config fails `nginx -t`."""
    tested = state.apply()
    if tested.returncode != 0:
        return f"nginx -t fails on the lesson's own config: {tested.stderr.strip()}"
    apps = apps_in(state.config_text()) or lesson_apps
    options = ["--timeout", "3"]
    weights = upstream_weights(state.config_text())
    options += [word for role, weight in weights.items() for word in ("--weight", f"{role}={weight}")]
    if stopped:
        app, powered_off = stopped
        (lab.poweroff if powered_off else lab.stop)(app)
        options += ["--stopped", app] + (["--timeout", POWERED_OFF_TIMEOUT] if powered_off else [])
    try:
        return lab.check(*checks, *options, machines=("proxy", *apps))
    finally:
        if stopped:
            (lab.poweron if stopped[1] else lab.start)(stopped[0])


@pytest.mark.parametrize("lesson_id", lessons_with(lambda plan: plan.quoted_errors()))
def test_every_broken_config_a_lesson_shows_gives_the_message_it_quotes(netlab, lesson_id):
    state = state_after_prior_lessons(netlab, lesson_id)
    caught, missed = [], []
    for plan in read_plan(LESSONS[lesson_id], "en"):
        state.add(plan)
        for quote, path, _line in plan.quoted_errors():
            outputs = []
            for fence in plan.broken_candidates():
                tested = state.apply(extra={path: fence.code})
                outputs.append(tested.stderr.strip())
                if quote in tested.stderr:
                    break
            else:
                missed.append(f"{plan.id}: the lesson quotes {quote!r}; nginx -t in the lab says "
                              f"{outputs or 'nothing: no broken block in the step'}")
                continue
            assert tested.returncode != 0
            caught.append(f"{plan.id}: {quote}")
    print(f"\n{lesson_id}: {len(caught)} broken configs give the quoted nginx -t message")
    assert missed == [], "\n".join(missed)
    assert caught


@pytest.mark.parametrize("lesson_id", sorted(LESSONS))
def test_both_languages_have_the_learner_write_the_same_things(lesson_id):
    plans = {lang: read_plan(LESSONS[lesson_id], lang) for lang in ("id", "en")}
    for id_plan, en_plan in zip(plans["id"], plans["en"]):
        assert (id_plan.files(), id_plan.includes(), id_plan.hosts_lines(), id_plan.stopped_app()) == \
            (en_plan.files(), en_plan.includes(), en_plan.hosts_lines(), en_plan.stopped_app()), en_plan.id
        assert sorted(q for q, _, _ in id_plan.quoted_errors()) == sorted(q for q, _, _ in en_plan.quoted_errors())
