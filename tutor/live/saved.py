"""The learner's saved machines as the lesson screen's live checks see them: which can be used,
which app VMs a lesson looks at, and which roles a check still needs.

Moved out of widgets/check_panel.py: the lesson screen asks the same questions without a panel.
"""

from __future__ import annotations

from collections.abc import Iterable

from tutor.live import catalog
from tutor.course import APP_ROLES
from tutor.live.hosts import HostError, Machines, machines_from_settings
from tutor.settings import Settings
from tutor.strings import host_error_text

Problem = tuple[str, dict[str, object]]  # (string key in STRINGS, its values)


def saved_machines(settings: Settings, checks: Iterable[str], lang: str,
                   lesson_roles: frozenset[str] = frozenset()) -> tuple[Machines | None, Problem | None]:
    """The learner's saved machines and, when none of `checks` can run with them, why:
    a (string key, values) pair. Machines are None (with a problem) when the saved addresses are
    unusable. App VMs the lesson does not use are left out (see `used_by_lesson`)."""
    try:
        machines = machines_from_settings(settings)
    except HostError as exc:
        return None, ("check.bad_machines", {"reason": host_error_text(exc, lang)})
    machines.by_role = {role: machine for role, machine in machines.by_role.items()
                        if used_by_lesson(role, lesson_roles)}
    if not machines.by_role:
        return machines, ("check.no_machines", {})
    has_proxy, apps = machines.proxy is not None, len(machines.apps)
    if all(missing_roles(check, has_proxy, apps) for check in checks):
        return machines, ("check.none_can_run", {})
    return machines, None


def used_by_lesson(role: str, lesson_roles: frozenset[str]) -> bool:
    """Whether a lesson's checks look at the saved machine `role`. An app VM the lesson never has
    the learner work on (app2 in the reverse-proxy lesson) is left out: its app is not running
    yet, and that is no failure of this lesson. A lesson naming no app role keeps them all."""
    return role not in APP_ROLES or role in lesson_roles or not lesson_roles.intersection(APP_ROLES)


def missing_roles(check: str, has_proxy: bool, app_count: int) -> str | None:
    """The roles to configure before `check` can run (e.g. "proxy", "app1, app2"), or None."""
    if catalog.cannot_run(check, has_proxy, app_count) is None:
        return None
    needs_proxy, min_apps = catalog.NEEDS[check]
    if needs_proxy and not has_proxy:
        return "proxy"
    return ", ".join(APP_ROLES[:min_apps])
