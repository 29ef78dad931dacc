"""Named values in lesson code fences: `{proxy_ip}`, `{app1_ip}`, `{domain}`, ... declared once, here.

A lesson's code fence may write `{name}` where the learner's own value belongs:

    ```nginx {role=proxy file=/etc/nginx/dumbways/reverse_proxy.conf}
    server {
        server_name {domain};
        location / { proxy_pass http://{app1_ip}:3000; }
    }
    ```

Only `{lowercase_name}` tokens (letters, digits, `_`) whose name is in `NAMED_VALUES` are values.
nginx's own braces never look like that (`location / {` has a space or a newline after `{`), and
`${name}` (a shell or nginx variable) is never a value. `tutor lint` flags every other
`{lowercase_name}` in a fence; write `\\{name}` to show a literal `{name}` (the `\\` is dropped).

A fence that shows the tutorial's own addresses on purpose (a bug to spot, the tutorial's log)
says `{example=tutorial}`: it is shown with a note saying so, and tests that look for tutorial
addresses skip it.

This module fills; it does not find fences. Where a fence stands and which flags it has comes
from the lesson parser (tutor/lessons/prose.py: `fence_spans` for a piece of a step's Markdown,
`StepText.fences`/`commands` for the fences as data).

Values are filled from the machines the learner saved (settings: typed on the machines screen,
`m`, or imported from multipass), or from any mapping (the lab passes its own). A value that is
not known yet shows the tutorial's example, and the fence gets a visible note before it naming the
example values and the key that sets the real ones. What is copied (`c`) is the filled fence.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import TYPE_CHECKING

from tutor.course import DEFAULT_DOMAIN, EXAMPLE_ADDRESSES

if TYPE_CHECKING:
    from tutor.lessons.model import Fence, FenceSpan, StepText


@dataclass(frozen=True)
class NamedValue:
    """One value a fence may use: its name, the tutorial's value, and where the real one comes from."""

    name: str
    example: str  # the original tutorial's value (seed/), shown marked as an example until known
    source: str  # where the learner's value comes from (for authors)
    role: str | None = None  # the machine whose saved address it is (settings.hosts[role])


NAMED_VALUES: dict[str, NamedValue] = {
    value.name: value
    for value in (
        NamedValue("proxy_ip", EXAMPLE_ADDRESSES["proxy"], "the proxy VM's address: machines screen (m), multipass import, or the lab", "proxy"),
        NamedValue("app1_ip", EXAMPLE_ADDRESSES["app1"], "app1's address: machines screen (m), multipass import, or the lab", "app1"),
        NamedValue("app2_ip", EXAMPLE_ADDRESSES["app2"], "app2's address: machines screen (m), multipass import, or the lab", "app2"),
        NamedValue("app3_ip", EXAMPLE_ADDRESSES["app3"], "app3's address: machines screen (m), multipass import, or the lab", "app3"),
        NamedValue("domain", DEFAULT_DOMAIN, "the domain the learner tests (settings; the tutorial's hasil.xyz by default)"),
    )
}
SET_KEY = "m"  # the lesson screen's key that opens the machines screen, where values are set

# `{name}` not preceded by `$` or `%` (a shell/nginx variable, curl -w) or `\` (escaped); group 1 is the name.
TOKEN = re.compile(r"(?<![$%\\])\{([a-z][a-z0-9_]*)\}")
_ESCAPED = re.compile(r"\\(\{[a-z][a-z0-9_]*\})")


@dataclass(frozen=True)
class Values:
    """The learner's known values (name -> text); every other name shows its example."""

    known: tuple[tuple[str, str], ...] = ()
    lab: bool = False  # the machines are the lab's (`tutor lab`): `{when=lab}` fences are shown

    def __post_init__(self) -> None:
        # The last gate before a command is filled (saved state may be hostile): a value that is no
        # address or name is dropped, so its example shows, marked, instead.
        object.__setattr__(self, "known", tuple((name, text) for name, text in self.known if fits(name, text)))

    @classmethod
    def of(cls, mapping: Mapping[str, str], lab: bool = False) -> Values:
        """Values from a plain mapping (the lab's, a test's); unknown names and empty values are dropped."""
        return cls(tuple(sorted((name, str(text)) for name, text in mapping.items() if name in NAMED_VALUES and text)),
                   lab)

    def get(self, name: str) -> tuple[str, bool]:
        """(text, is_example) of `name`: the learner's value, else the tutorial's example."""
        for known, text in self.known:
            if known == name:
                return text, False
        return NAMED_VALUES[name].example, True

    def examples(self) -> tuple[str, ...]:
        """The names that would show their example."""
        known = {name for name, _ in self.known}
        return tuple(name for name in NAMED_VALUES if name not in known)


def fits(name: str, text: object) -> bool:
    """True when `text` may be filled in for `name` in a command the learner copies: for a machine,
    an IPv4/IPv6 address or a host name (sim.address's rule: no shell metacharacter gets through,
    not even in an IPv6 zone id); for the domain, a domain name (tutor.live.hosts.parse_domain's rule)."""
    from sim.address import host_kind
    from tutor.live.hosts import HostError, parse_domain

    if name not in NAMED_VALUES or not isinstance(text, str):
        return False
    if NAMED_VALUES[name].role is not None:
        return host_kind(text) is not None
    try:
        return parse_domain(text) == text
    except HostError:
        return False


def values_from_settings(settings) -> Values:
    """The values the learner saved: each role's address (`settings.hosts`) and the domain.

    A saved address that does not parse is left out (its example shows, marked), so one bad
    entry never hides the others. The domain is the tutorial's hasil.xyz until set otherwise.
    """
    from tutor.live.hosts import HostError, parse_address, parse_domain

    hosts = getattr(settings, "hosts", None) or {}
    mapping: dict[str, str] = {}
    for value in NAMED_VALUES.values():
        if value.role is None or not isinstance(hosts.get(value.role), str):
            continue
        try:
            host, _port = parse_address(hosts[value.role], 0)
        except HostError:
            continue
        mapping[value.name] = host
    try:
        mapping["domain"] = parse_domain(settings.domain if isinstance(getattr(settings, "domain", None), str) else None)
    except HostError:
        mapping["domain"] = DEFAULT_DOMAIN
    from tutor.live.lab_machines import inside_lab, saved_lab

    return Values.of(mapping, lab=saved_lab(settings) or inside_lab())


def values_from_machines(machines) -> Values:
    """The values of a `tutor.live.hosts.Machines` (the lab's or `tutor check`'s machines)."""
    mapping = {value.name: machines.by_role[value.role].host for value in NAMED_VALUES.values()
               if value.role in machines.by_role and machines.by_role[value.role].host}
    mapping["domain"] = machines.domain or DEFAULT_DOMAIN
    return Values.of(mapping, lab=machines.lab)


def names_in(text: str) -> list[str]:
    """Every `{name}`-looking token in `text`, known or not, in order (for lint)."""
    return TOKEN.findall(text)


def fill_code(code: str, values: Values) -> tuple[str, tuple[str, ...]]:
    """`code` with every known `{name}` filled, and the names that were filled with their example."""
    examples: list[str] = []

    def one(match: re.Match) -> str:
        name = match[1]
        if name not in NAMED_VALUES:
            return match[0]
        text, is_example = values.get(name)
        if is_example and name not in examples:
            examples.append(name)
        return f"[{text}]" if ":" in text and _in_url(match) else text

    return _ESCAPED.sub(r"\1", TOKEN.sub(one, code)), tuple(examples)


def _in_url(match: re.Match) -> bool:
    """True when the token stands where a URL's host does (`http://{x}`, `{x}:3000`): an IPv6
    address there needs brackets (`http://[::1]:3000`)."""
    before, after = match.string[:match.start()], match.string[match.end():]
    return not before.endswith("[") and (before.endswith("://") or re.match(r":[0-9]", after) is not None)


def fill_markdown(markdown: str, values: Values, lang: str, spans: tuple[FenceSpan, ...] | None = None) -> str:
    """Fill the code fences of a piece of a step's Markdown (as the parser left it); mark each fence
    that shows example values, and each fence that shows the tutorial's addresses on purpose
    (`{example=tutorial}`), with a note before it. A `{when=lab}` fence shows with a note when the
    machines are the lab's, and not at all otherwise. Fence info is left as the language alone.
    `spans` are where the fences stand when the parser said so already (`StepText.spans`)."""
    if spans is None:
        from tutor.lessons.prose import fence_spans

        spans = fence_spans(markdown)
    if not spans:
        return markdown
    lines = markdown.split("\n")
    out: list[str] = []
    done = 0
    for span in spans:
        out.extend(lines[done:span.start])
        done = span.end
        if span.lab and not values.lab:  # the lab's command, and the machines are not the lab's
            continue
        code, examples = fill_code("\n".join(lines[span.code:span.code_end]), values)
        quote = span.prefix
        if span.tutorial:
            out.extend([quote + "> " + _text("values.tutorial_note", lang), ""])
        elif span.lab:
            out.extend([quote + "> " + _lab_text("lab.note", lang), ""])
        if examples and not span.tutorial:
            out.extend([quote + example_note(examples, lang), ""])
        opening = lines[span.start]
        out.append(opening[: opening.find(span.markup) + len(span.markup)] + span.language)
        if span.code_end > span.code:
            out.extend(code.split("\n"))
        out.extend(lines[span.code_end:span.end])
    out.extend(lines[done:])
    return "\n".join(out)


def example_note(names: Iterable[str], lang: str) -> str:
    """The visible mark before a fence that shows example values: which, and the key to set them."""
    shown = ", ".join(f"`{NAMED_VALUES[name].example}` ({name})" for name in names)
    return "> " + _text("values.example_note", lang, values=shown, set_key=SET_KEY)


def _lab_text(string_key: str, lang: str) -> str:
    from tutor.i18n import tr
    from tutor.lessons.vocabulary import LESSON_TEXT

    return tr(LESSON_TEXT, string_key, lang)


def _text(string_key: str, lang: str, **values: object) -> str:
    from tutor.i18n import tr
    from tutor.strings import STRINGS

    return tr(STRINGS, string_key, lang, **values)


@lru_cache(maxsize=512)
def fill_step(text: StepText, values: Values, lang: str) -> StepText:
    """The step as the learner sees and copies it: every fence filled (body, parts, hints, solution,
    questions), each fence that shows an example marked, and `commands` and `fences` filled the same
    way (a `{when=lab}` fence only when the machines are the lab's)."""
    from tutor.lessons.model import Predict

    known = dict(text.spans)

    def md(markdown: str) -> str:
        return fill_markdown(markdown, values, lang, known.get(markdown))

    def predict(item: Predict) -> Predict:
        return replace(item, question=md(item.question), explanation=md(item.explanation))

    def fences(found: tuple[Fence, ...]) -> tuple[Fence, ...]:
        filled = []
        for fence in found:
            if fence.lab and not values.lab:
                continue
            code, examples = fill_code(fence.code, values)
            filled.append(replace(fence, code=code, examples=() if fence.tutorial else examples))
        return tuple(filled)

    return replace(
        text,
        body=md(text.body),
        hints=tuple(md(hint) for hint in text.hints),
        solution=md(text.solution) if text.solution is not None else None,
        commands=fences(text.commands),
        fences=fences(text.fences),
        spans=(),
        predicts=tuple(predict(item) for item in text.predicts),
        sim_captions=tuple(md(caption) for caption in text.sim_captions),
        parts=tuple(replace(part, markdown=md(part.markdown), predict=predict(part.predict) if part.predict else None)
                   for part in text.parts),
    )
