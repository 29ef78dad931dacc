"""Drill files: `drills/<id>/drill.toml` read into `Drill`, and `drills/baseline.toml` into `Baseline`.

Everything is checked when read (`DrillError` names the file and what is wrong), so a drill that
loads can be started: its actions use the fixed vocabulary of `ACTIONS`, every `{name}` in its texts
and actions is known in every variant, both languages are there, and its checks exist.
Format: drills/README.md.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

from tutor.lab.topology import ADDRESSES, APPS
from tutor.course import DEFAULT_DOMAIN
from tutor.live.catalog import CHECK_IDS

LANGS = ("id", "en")
NAME = re.compile(r"(?<![$%\\])\{([a-z][a-z0-9_]*)\}")  # as in lessons: `%{http_code}`, `${x}` are not names
ID = re.compile(r"[a-z][a-z0-9-]{1,40}")
MAX_FILE_BYTES = 64_000

# Verb -> (its allowed values or None for a path/number, the other keys it takes).
ACTIONS: dict[str, tuple[tuple[str, ...] | None, tuple[str, ...]]] = {
    "edit": (None, ("role", "find", "replace")),
    "nginx": (("reload", "stop", "start"), ()),
    "app": (("stop", "start", "hang", "poweroff", "poweron"), ("machine",)),
    "firewall": (("drop", "flush"), ("machine", "port", "source")),
    "occupy": (None, ("directory",)),
    "free": (None, ()),
}
PROBES = ("bad_gateway", "default_page", "down", "slow", "one_app", "not_nginx")
DEFAULT_CHECKS = ("app-running", "nginx-running", "proxy-pass", "hosts-file", "lb-distributes")
MACHINE_VALUES = {f"{role}_ip": address for role, address in ADDRESSES.items() if role != "laptop"}


class DrillError(Exception):
    """A drill file that cannot be used: `str()` is `file: message`."""


@dataclass(frozen=True)
class Action:
    """One step of a fault or a fix: `verb` from ACTIONS, its `value`, and its other keys."""

    verb: str
    value: str
    options: tuple[tuple[str, str], ...] = ()

    def option(self, key: str, default: str = "") -> str:
        return dict(self.options).get(key, default)

    def filled(self, values: dict[str, str]) -> Action:
        """This action with every `{name}` replaced from `values`."""
        return Action(self.verb, fill(self.value, values), tuple((k, fill(v, values)) for k, v in self.options))


@dataclass(frozen=True)
class Drill:
    """One drill: a fault, the symptom a user reports, how it is judged, hints and the reveal."""

    id: str
    folder: Path
    title: dict[str, str]
    symptom: dict[str, str]
    lesson: str
    step: str
    variants: tuple[dict[str, str], ...]
    fault: tuple[Action, ...]
    fix: tuple[Action, ...]
    wrong_fix: tuple[Action, ...]
    checks: tuple[str, ...]
    stopped: str
    config_has: tuple[str, ...]  # regular expressions the proxy's `nginx -T` must match (the cause is gone)
    config_lacks: tuple[str, ...]  # ... and must not match
    probe: str
    hints: tuple[dict[str, str], ...]
    broken: dict[str, str]
    see: dict[str, str]  # per language (a plain string in the file is the same in both)
    fix_command: dict[str, str]

    def values(self, variant: int) -> dict[str, str]:
        """The names a text or action of `variant` may use: the variant's own, the lab's addresses,
        the domain, and `<name>_ip` for a variant value that names a machine."""
        own = dict(self.variants[variant])
        derived = {f"{key}_ip": ADDRESSES[value] for key, value in own.items() if value in ADDRESSES}
        return {**MACHINE_VALUES, "domain": DEFAULT_DOMAIN, **derived, **own}

    def text(self, field: dict[str, str], lang: str, variant: int) -> str:
        return fill(field.get(lang) or field["en"], self.values(variant))


@dataclass(frozen=True)
class Baseline:
    """The finished tutorial every drill starts from: proxy files, nginx.conf include, hosts line."""

    files: tuple[tuple[str, str], ...]  # (absolute path on the proxy, content with {names})
    include: str
    include_after: str
    hosts_line: str

    def values(self) -> dict[str, str]:
        return {**MACHINE_VALUES, "domain": DEFAULT_DOMAIN}


def fill(text: str, values: dict[str, str]) -> str:
    """`text` with each `{name}` of `values` replaced (nginx's own braces are left alone)."""
    return NAME.sub(lambda m: values.get(m[1], m[0]), text)


def load_drills(folder: Path) -> list[Drill]:
    """Every drill under `folder` (one sub-folder with a drill.toml each), in file-name order."""
    drills = [load_drill(path) for path in sorted(folder.glob("*/drill.toml"))]
    seen: set[str] = set()
    for drill in drills:
        if drill.id in seen:
            raise DrillError(f"{drill.folder / 'drill.toml'}: drill id {drill.id!r} is used twice")
        seen.add(drill.id)
    return drills


def load_baseline(path: Path) -> Baseline:
    data = _read(path)
    where = str(path)
    files = data.get("file")
    if not isinstance(files, list) or not files:
        raise DrillError(f"{where}: needs at least one [[file]]")
    parsed = []
    for entry in files:
        if not isinstance(entry, dict) or not _str(entry.get("path")).startswith("/etc/nginx/"):
            raise DrillError(f"{where}: each [[file]] needs a path under /etc/nginx/ and a content")
        parsed.append((entry["path"], _need_str(entry, "content", where)))
    nginx = data.get("nginx_conf", {})
    hosts = data.get("hosts", {})
    return Baseline(tuple(parsed), _need_str(nginx, "include", where), _need_str(nginx, "after", where),
                    _need_str(hosts, "line", where))


def load_drill(path: Path) -> Drill:
    """The drill in `path` (a drill.toml), checked; DrillError when it cannot be used."""
    data = _read(path)
    where = str(path)
    drill_id = _need_str(data, "id", where)
    if not ID.fullmatch(drill_id) or drill_id != path.parent.name.split("-", 1)[-1]:
        raise DrillError(f"{where}: id {drill_id!r} must be lowercase-with-dashes and name its folder "
                         f"(<nn>-{drill_id})")
    variants = data.get("variants")
    if not isinstance(variants, list) or len(variants) < 2 or not all(
            isinstance(v, dict) and v and all(isinstance(x, str) for x in v.values()) for v in variants):
        raise DrillError(f"{where}: `variants` needs at least two tables of text values (a family, so the "
                         "answer cannot be memorised)")
    keys = set(variants[0])
    if any(set(v) != keys for v in variants):
        raise DrillError(f"{where}: every variant must set the same names ({', '.join(sorted(keys))})")
    judge = data.get("judge", {})
    reveal = data.get("reveal", {})
    checks = judge.get("checks", list(DEFAULT_CHECKS))
    if not isinstance(checks, list) or not checks or any(c not in CHECK_IDS for c in checks):
        raise DrillError(f"{where}: judge.checks must list check ids from: {', '.join(CHECK_IDS)}")
    hints = data.get("hint")
    if not isinstance(hints, list) or len(hints) < 3:
        raise DrillError(f"{where}: needs at least three [[hint]] (a question, where to look, nearly the answer)")
    drill = Drill(
        id=drill_id, folder=path.parent,
        title=_langs(data.get("title"), "title", where), symptom=_langs(data.get("symptom"), "symptom", where),
        lesson=_need_str(reveal, "lesson", where), step=_need_str(reveal, "step", where),
        variants=tuple(dict(v) for v in variants),
        fault=_actions(data.get("fault"), "fault", where, required=True),
        fix=_actions(data.get("fix"), "fix", where, required=True),
        wrong_fix=_actions(data.get("wrong_fix"), "wrong_fix", where, required=True),
        checks=tuple(checks), stopped=_str(judge.get("stopped")),
        config_has=_patterns(judge.get("config_has", []), "config_has", where),
        config_lacks=_patterns(judge.get("config_lacks", []), "config_lacks", where), probe=_need_str(data, "probe", where),
        hints=tuple(_langs(h, "hint", where) for h in hints),
        broken=_langs(reveal.get("broken"), "reveal.broken", where),
        see=_command(reveal.get("see"), "reveal.see", where), fix_command=_command(reveal.get("fix"), "reveal.fix", where))
    if drill.probe not in PROBES:
        raise DrillError(f"{where}: probe {drill.probe!r} is not one of {', '.join(PROBES)}")
    if drill.stopped and "lb-failover" not in drill.checks:
        raise DrillError(f"{where}: judge.stopped is for lb-failover: add it to judge.checks")
    _check_names(drill, where)
    return drill


def _check_names(drill: Drill, where: str) -> None:
    texts = [*drill.title.values(), *drill.symptom.values(), *drill.broken.values(), *drill.see.values(),
             *drill.fix_command.values(), drill.stopped, *(t for h in drill.hints for t in h.values())]
    for action in (*drill.fault, *drill.fix, *drill.wrong_fix):
        texts += [action.value, *(v for _, v in action.options)]
    for index in range(len(drill.variants)):
        values = drill.values(index)
        for text in texts:
            unknown = [name for name in NAME.findall(text) if name not in values]
            if unknown:
                raise DrillError(f"{where}: unknown name {{{unknown[0]}}} (variant {index + 1})")
        for action in (*drill.fault, *drill.fix, *drill.wrong_fix):
            machine = fill(action.option("machine"), values)
            if machine and machine not in APPS[:2]:
                raise DrillError(f"{where}: {action.verb} on {machine!r}: drills use app1 or app2")
        stopped = fill(drill.stopped, values)
        if stopped and stopped not in APPS[:2]:
            raise DrillError(f"{where}: judge.stopped {stopped!r} must be app1 or app2")


def _actions(raw: object, name: str, where: str, required: bool) -> tuple[Action, ...]:
    if not isinstance(raw, list) or (required and not raw):
        raise DrillError(f"{where}: `{name}` needs a list of actions")
    actions = []
    for entry in raw:
        verbs = [key for key in entry if key in ACTIONS] if isinstance(entry, dict) else []
        if len(verbs) != 1:
            raise DrillError(f"{where}: each {name} action names one of: {', '.join(ACTIONS)}")
        verb = verbs[0]
        allowed, extra = ACTIONS[verb]
        value = str(entry[verb])
        if allowed is not None and value not in allowed:
            raise DrillError(f"{where}: {verb} = {value!r}: use one of {', '.join(allowed)}")
        unknown = set(entry) - {verb, *extra}
        if unknown:
            raise DrillError(f"{where}: {verb} does not take {', '.join(sorted(unknown))}")
        if verb == "edit" and (not value.startswith("/etc/") or "find" not in entry or "replace" not in entry):
            raise DrillError(f"{where}: edit needs a path under /etc/, `find` and `replace`")
        if verb in ("occupy", "free") and not value.isdigit():
            raise DrillError(f"{where}: {verb} takes a port number")
        actions.append(Action(verb, value, tuple((k, str(entry[k])) for k in extra if k in entry)))
    return tuple(actions)


def _patterns(raw: object, name: str, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list) or not all(isinstance(p, str) and p for p in raw):
        raise DrillError(f"{where}: judge.{name} needs a list of regular expressions")
    for pattern in raw:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise DrillError(f"{where}: judge.{name} {pattern!r}: {exc}") from None
    return tuple(raw)


def _read(path: Path) -> dict:
    try:
        raw = path.read_bytes()
        if len(raw) > MAX_FILE_BYTES:
            raise DrillError(f"{path}: larger than {MAX_FILE_BYTES} bytes")
        return tomllib.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise DrillError(f"{path}: {exc}") from None


def _langs(raw: object, name: str, where: str) -> dict[str, str]:
    if not isinstance(raw, dict) or any(not isinstance(raw.get(lang), str) or not raw[lang].strip()
                                        for lang in LANGS):
        raise DrillError(f"{where}: `{name}` needs a text in each language ({', '.join(LANGS)})")
    return {lang: raw[lang].strip() for lang in LANGS}


def _command(raw: object, name: str, where: str) -> dict[str, str]:
    """A command shown in the reveal: one text, or one per language when its comment is words."""
    if isinstance(raw, str) and raw.strip():
        return {lang: raw.strip() for lang in LANGS}
    return _langs(raw, name, where)


def _str(raw: object) -> str:
    return raw if isinstance(raw, str) else ""


def _need_str(table: object, key: str, where: str) -> str:
    value = table.get(key) if isinstance(table, dict) else None
    if not isinstance(value, str) or not value.strip():
        raise DrillError(f"{where}: `{key}` is missing")
    return value
