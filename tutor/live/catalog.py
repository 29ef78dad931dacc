"""The live checks' vocabulary: check ids, failure codes (DESIGN.md section 5); roles: tutor.course.

Pure data, no httpx: the lesson linter imports it to validate the check ids of lesson steps.
"""

from __future__ import annotations

from tutor.course import APP_ROLES
from tutor.i18n import tr
from tutor.live.hosts import CLI_TEXT

CHECK_IDS = ("app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes", "lb-failover")

DEFAULT_TIMEOUT = 5.0  # above the ~3 s nginx needs to give up on an address nobody has (No route to host, 502)

CODES = (
    "refused", "timeout", "unreachable", "dns", "http_status", "bad_gateway", "gateway_timeout",
    "default_page", "not_nginx", "missing_upstream_header", "single_backend", "uneven",
    "failover_errors", "hosts_mismatch", "not_stopped",
)

# What each check needs: the proxy, and how many app roles at least.
NEEDS = {
    "app-running": (False, 1),
    "nginx-running": (True, 0),
    "proxy-pass": (True, 0),
    "hosts-file": (True, 0),
    "lb-distributes": (True, 2),
    "lb-failover": (True, 2),
}

# Checks that only make sense after the learner did something on purpose (stopped an app):
# they run when named, never as part of "every check that can run".
ON_REQUEST_ONLY = ("lb-failover",)

# Simulator scenarios (assets/scenarios/<name>.toml) that show the same failure.
SCENARIOS = ("rp-app-stopped", "lb-one-dies", "lb-poweroff", "lb-all-down", "lb-weights", "lb-tutorial",
             "lb-wrong-server-stopped")
# lb-failover passed, but nginx never tried the stopped app (`details["never_tried"]`): the
# tutorial's own slip, stopping a server that is not in the upstream group.
NEVER_TRIED_SCENARIO = "lb-wrong-server-stopped"

_SCENARIO_BY_CHECK_CODE = {
    ("app-running", "refused"): "rp-app-stopped",
    ("app-running", "timeout"): "lb-poweroff",
    ("app-running", "unreachable"): "lb-poweroff",
    ("proxy-pass", "bad_gateway"): "rp-app-stopped",
    ("proxy-pass", "gateway_timeout"): "lb-poweroff",
    ("lb-distributes", "single_backend"): "lb-tutorial",
    ("lb-distributes", "uneven"): "lb-weights",
    ("lb-distributes", "bad_gateway"): "lb-all-down",
    ("lb-distributes", "gateway_timeout"): "lb-poweroff",
    ("lb-failover", "failover_errors"): "lb-one-dies",
    ("lb-failover", "not_stopped"): "lb-one-dies",
    ("lb-failover", "bad_gateway"): "lb-all-down",
    ("lb-failover", "gateway_timeout"): "lb-poweroff",
    ("lb-failover", "timeout"): "lb-poweroff",
}


def is_check_id(name: str) -> bool:
    """True when `name` is one of the binding check ids."""
    return name in CHECK_IDS


def scenario_for(check: str, code: str | None) -> str | None:
    """The simulator scenario that shows what a failed `check` with `code` saw, or None."""
    if code is None:
        return None
    return _SCENARIO_BY_CHECK_CODE.get((check, code))


class Reason(str):
    """A one-line reason that carries its catalogue code and values: the text is `host.<code>` of
    the command line's catalogue section ([check_cli]), in English."""

    code: str
    values: dict[str, object]

    def __new__(cls, code: str, **values: object) -> Reason:
        reason = super().__new__(cls, tr(CLI_TEXT, f"host.{code}", "en", **values))
        reason.code, reason.values = code, values
        return reason


def cannot_run(check: str, has_proxy: bool, app_count: int) -> Reason | None:
    """Why `check` cannot run with these machines (English, one line, with its code), or None when it can."""
    if check not in CHECK_IDS:
        return Reason("unknown_check", check=check, checks=", ".join(CHECK_IDS))
    needs_proxy, min_apps = NEEDS[check]
    if needs_proxy and not has_proxy:
        return Reason("needs_proxy", check=check)
    if app_count < min_apps:
        roles = ", ".join(APP_ROLES[:min_apps])
        return Reason("needs_apps", check=check, min_apps=min_apps, roles=roles, count=app_count)
    return None


def default_checks(has_proxy: bool, app_count: int) -> list[str]:
    """The checks `tutor check` runs when none is named: all that can run, bar the on-request ones."""
    return [check for check in CHECK_IDS
            if check not in ON_REQUEST_ONLY and cannot_run(check, has_proxy, app_count) is None]
