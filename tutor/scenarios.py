"""THE way to a runnable scenario (DESIGN.md section 3), for `tutor sim`, `tutor play`, the lesson
simulators and the tests.

name or path (None: the shipped demo) -> the TOML -> its `[nginx] config` (or `--nginx-conf`)
-> the learner's named values (their machines' addresses). Errors are `ScenarioOpenError`: one
line for the learner, in their language (`error_text` translates sim's `ScenarioError` by its code
from the `[scenario_errors]` texts); a bare name that is no scenario is `UnknownScenario`, which
lists the shipped ones. Never imports Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tutor.i18n import tr
from tutor.paths import scenario_file, shipped_scenarios

if TYPE_CHECKING:
    from sim.nginxconf import MappingNote, ProxySetup
    from sim.nginxconf import NginxConfError
    from sim.scenario import Scenario, ScenarioError
    from tutor.lessons.values import Values

DEMO = "default-demo"
"""The shipped scenario `tutor sim` and `tutor play` run without a file."""

STRINGS = "simview"
ERRORS = "scenario_errors"


class ScenarioOpenError(ValueError):
    """A scenario or nginx config that cannot be opened; `str()` is one English line, `message(lang)`
    the line for the learner (a scenario's own error by its code, an nginx config's as nginx says it)."""

    def __init__(self, text: str, error: ScenarioError | NginxConfError | None = None) -> None:
        super().__init__(text)
        self.error = error

    def message(self, lang: str) -> str:
        return str(self) if self.error is None else error_text(self.error, lang)


def error_text(error: ScenarioError | NginxConfError, lang: str) -> str:
    """THE learner's line for sim's `ScenarioError` (`file: key: reason`) or `NginxConfError`
    (`file:line: reason`): the reason in `lang` from the `[scenario_errors]` texts by the error's
    code (`err.nginx.<code>` for a config); nginx's own words stay as `nginx -t` prints them.
    One line, without control characters."""
    from sim.nginxconf import NginxConfError

    if isinstance(error, NginxConfError):
        where = f"{error.file}:{error.line}" if error.line else error.file
        reason = error.message if error.code is None else tr(ERRORS, f"err.nginx.{error.code}", lang, **error.values)
    else:
        where = f"{error.source}: {error.key}"
        reason = tr(ERRORS, f"err.{error.code}", lang, **error.values)
    return _one_line(f"{where}: {reason}")


class UnknownScenario(ScenarioOpenError):
    """A bare name that is neither a shipped scenario nor a file."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(self.message("en"))

    def message(self, lang: str) -> str:
        """The one "unknown scenario" text, naming the shipped scenarios."""
        return tr(STRINGS, "msg.unknown_scenario", lang, name=_one_line(self.name),
                  names=", ".join(shipped_scenarios()))


@dataclass(frozen=True)
class Opened:
    """A runnable scenario, with the nginx config it took its upstream from (None without one)
    and the notes on how the config's servers were matched to the scenario's."""

    scenario: Scenario
    setup: ProxySetup | None = None
    notes: list[MappingNote] = field(default_factory=list)


def open_scenario(source: Any = None, nginx_conf: str | Path | None = None,
                  values: Values | None = None) -> Opened:
    """The runnable scenario for `source`: None (the demo), a shipped name, a path, or a
    `sim.Scenario` (taken as runnable already; only `nginx_conf` and `values` apply to it)."""
    from sim.nginxconf import NginxConfError, apply_to_scenario, read_nginx_config, scenario_with_nginx_config
    from sim.scenario import Scenario, ScenarioError, load_scenario

    try:
        notes: list[MappingNote]
        if isinstance(source, Scenario):
            scenario, setup, notes = source, None, []
            if nginx_conf:
                setup = read_nginx_config(nginx_conf)
                scenario, notes = apply_to_scenario(setup, scenario)
        else:
            name = DEMO if source in (None, "") else str(source)
            path = scenario_file(name)
            if not path.exists() and path.suffix != ".toml" and len(path.parts) == 1:
                raise UnknownScenario(name)
            scenario, setup, notes = scenario_with_nginx_config(load_scenario(path), nginx_conf)
    except (ScenarioError, NginxConfError) as exc:
        raise ScenarioOpenError(_one_line(exc), exc) from None
    except OSError as exc:
        raise ScenarioOpenError(_one_line(f"{exc.filename or nginx_conf}: {exc.strerror or exc}")) from None
    if values is not None:
        scenario = with_values(scenario, values)
    return Opened(scenario, setup, notes)


def runnable(source: Any = None, nginx_conf: str | Path | None = None, values: Values | None = None) -> Scenario:
    """`open_scenario(...).scenario`: what the simulator plays."""
    return open_scenario(source, nginx_conf, values).scenario


def with_values(scenario: Scenario, values: Values) -> Scenario:
    """`scenario` with its servers at the learner's addresses.

    A server whose address is a role's example (`10.37.19.46:3000` is app1's) moves to that
    role's known address, keeping its port, so the simulator draws the learner's own machines.
    """
    from sim.address import AddressError, parse_address
    from tutor.lessons.values import NAMED_VALUES

    by_example = {}
    for value in NAMED_VALUES.values():
        text, is_example = values.get(value.name)
        if value.role is not None and not is_example:
            by_example[value.example] = text
    if not by_example:
        return scenario
    servers = []
    for server in scenario.servers:
        try:
            host, port = parse_address(server.address)
        except AddressError:  # not from a file (which passed the rule): left as it is
            servers.append(server)
            continue
        mine = by_example.get(host)
        if mine is not None:
            mine = f"[{mine}]" if ":" in mine else mine
            server = replace(server, address=mine if port is None else f"{mine}:{port}")
        servers.append(server)
    return replace(scenario, servers=tuple(servers))


def listing(lang: str) -> list[tuple[str, str]]:
    """The shipped scenarios as (name, title in `lang`), sorted by name; unreadable ones are left out."""
    from sim.scenario import ScenarioError, load_scenario

    out = []
    for name in shipped_scenarios():
        try:
            title = load_scenario(scenario_file(name)).title
        except ScenarioError:
            continue
        out.append((name, title.get(lang) or next(iter(title.values()), name)))
    return out


def _one_line(exc: object) -> str:
    """The error as one line without control characters (file names and keys come from files)."""
    from tutor.sanitize import sanitize

    return sanitize(str(exc), 500, markup=False)
