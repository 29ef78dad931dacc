"""Reading a lesson as instructions for the lab: what the learner writes where, step by step.

The lesson self-test (tests/test_lab_lessons.py) applies these to the lab. Everything comes from
the lesson files as they are now, read by the lesson parser (tutor/lessons/prose.py): the fences
of each step (body, hints, solution, ..., with their `{role=... file=... example=...}` options and
where they stand), the named values filled with the lab's addresses.

Rules (the fence options lesson authors write are in lessons/README.md):
- a `nginx` fence with `role=proxy file=/etc/nginx/...` is that file's whole content (the last one
  in a step wins); for `/etc/nginx/nginx.conf` a block without `http {` is a fragment whose lines
  go inside `http { }`, after `include /etc/nginx/sites-enabled/*;`;
- a `role=proxy` nginx fence of nothing but `include ...;` lines (and `}`) adds those includes to
  nginx.conf when it says `file=/etc/nginx/nginx.conf`, or when they include a folder (`.../*`);
- a laptop fence line `PROXY_IP DOMAIN` (plain, or written to /etc/hosts) is the hosts line;
- a step that quotes `nginx: [emerg] ... in FILE:LINE` shows a broken config: a config-looking
  fence of that step, placed at FILE, must make `nginx -t` print that line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

from tutor.lab import ADDRESSES
from tutor.lessons.model import Fence, Lesson
from tutor.lessons.prose import parse_file
from tutor.lessons.values import DEFAULT_DOMAIN, NAMED_VALUES, Values, fill_code

# Every machine's named value (NAMED_VALUES says which role each belongs to) at its lab address.
LAB_VALUES = Values.of({**{value.name: ADDRESSES[value.role] for value in NAMED_VALUES.values() if value.role},
                        "domain": DEFAULT_DOMAIN})
NGINX_CONF = "/etc/nginx/nginx.conf"
SITES_INCLUDE = "include /etc/nginx/sites-enabled/*;"

_EMERG = re.compile(r"nginx: \[emerg\] .*? in (/etc/nginx/\S+):(\d+)")
_HOSTS_LINE = re.compile(r"(?:^|[\"'\s])(\d{1,3}(?:\.\d{1,3}){3})\s+([a-z0-9-]+(?:\.[a-z0-9-]+)+)(?=$|[\"'\s])")
_INCLUDE = re.compile(r"^\s*include\s+\S+;\s*(#.*)?$")


@dataclass
class StepPlan:
    """What one step of a lesson asks for, read from its raw text in one language."""

    id: str
    checks: tuple[str, ...]
    roles: tuple[str, ...]
    fences: list[Fence] = field(default_factory=list)  # the parser's, with a language; code filled with the lab's values
    text: str = ""  # the whole raw step (prose, fences, hints, solution), values filled

    def files(self) -> dict[str, str]:
        """Absolute path -> whole content, for the proxy files this step writes (last one wins)."""
        found: dict[str, str] = {}
        for fence in self.fences:
            if fence.role == "proxy" and fence.file and not fence.tutorial and fence.language == "nginx":
                if fence.file == NGINX_CONF and "http {" not in fence.code:
                    continue
                found[fence.file] = fence.code
        return found

    def includes(self) -> list[str]:
        """`include` lines this step adds inside nginx.conf's http { }."""
        lines: list[str] = []
        for fence in self.fences:
            if fence.role != "proxy" or fence.language != "nginx" or fence.tutorial:
                continue
            if fence.file not in (None, NGINX_CONF) or "http {" in fence.code:
                continue
            body = [line for line in fence.code.splitlines() if line.strip() and line.strip() != "}"]
            if not body or not all(_INCLUDE.match(line) for line in body):
                continue
            found = [line.strip().split("#")[0].strip() for line in body]
            # Without file=, only folder globs (`include /etc/nginx/dumbways/*;`) are nginx.conf lines;
            # a bare `include proxy_params;` belongs in a location the lesson shows elsewhere.
            lines += [line for line in found if fence.file == NGINX_CONF or "/*" in line]
        return lines

    def hosts_lines(self) -> list[str]:
        """`IP NAME` lines this step puts into the laptop's /etc/hosts."""
        found = []
        for fence in self.fences:
            if fence.role != "laptop" or fence.tutorial:
                continue
            for line in fence.code.splitlines():
                writes_hosts = "/etc/hosts" in line or fence.language == "text"
                match = _HOSTS_LINE.search(line)
                if writes_hosts and match and not line.lstrip().startswith(("ping", "curl", "getent")):
                    found.append(f"{match[1]} {match[2]}")
        return found

    def stopped_app(self) -> tuple[str, bool] | None:
        """For lb-failover: (app, powered_off) the step has the learner stop."""
        vm = re.search(r"multipass stop (app\d)\b", self.text)
        if vm:
            return vm[1], True
        apps = [role for role in self.roles if role.startswith("app")]
        return (apps[-1], False) if apps else None

    def quoted_errors(self) -> list[tuple[str, str, int]]:
        """(the quoted `nginx: [emerg] ...` line, its file, its line number)."""
        return [(m[0], m[1], int(m[2])) for m in _EMERG.finditer(self.text)]

    def broken_candidates(self) -> list[Fence]:
        """Fences that look like an nginx config (server/upstream blocks) but are not written anywhere."""
        return [fence for fence in self.fences
                if fence.language in ("nginx", "text") and not fence.file
                and re.search(r"^\s*(server|upstream)\b[^;]*\{", fence.code, re.MULTILINE)
                and "nginx: [" not in fence.code]


def read_plan(lesson: Lesson, lang: str) -> list[StepPlan]:
    """The steps of `lesson` in `lang`, each with its fences (wherever they stand in the step)."""
    parsed = parse_file(lesson.folder / f"{lang}.md")
    plans = []
    for meta in lesson.steps:
        step = parsed.step(meta.id)
        plan = StepPlan(meta.id, tuple(meta.checks), tuple(meta.roles))
        if step is not None:
            plan.text = fill_code(step.source, LAB_VALUES)[0]
            plan.fences = [replace(fence, code=fill_code(fence.code, LAB_VALUES)[0] + "\n")
                           for fence in step.fences if fence.language]
        plans.append(plan)
    return plans


def upstream_weights(config: str) -> dict[str, int]:
    """app role -> weight of `server ADDR:3000 weight=N` lines (only when some weight is set)."""
    weights = {}
    for match in re.finditer(r"^\s*server\s+([\d.]+):3000\b([^;]*);", config, re.MULTILINE):
        role = next((r for r, addr in ADDRESSES.items() if addr == match[1]), None)
        weight = re.search(r"weight=(\d+)", match[2])
        if role:
            weights[role] = int(weight[1]) if weight else 1
    return weights if any(w != 1 for w in weights.values()) else {}


def apps_in(config: str) -> list[str]:
    """The app roles whose address the config names, in the tutorial's order."""
    return [role for role in ("app1", "app2", "app3") if re.search(rf"\b{re.escape(ADDRESSES[role])}:3000\b", config)]
