"""What the live checks say (the `[live]` section of tutor/locale/*.toml) and how numbers read in it.

Values put into these strings that came from a server are sanitized before (see sanitize.py).
"""

from __future__ import annotations

from tutor.i18n import has, number, tr

MESSAGES = "live"
"""The catalogue section of the live checks' messages (tutor/locale/*.toml)."""
LAB_MESSAGES = "live_lab"
"""The lab's version of the messages that name a VM action (same keys as MESSAGES)."""


def say(key: str, lang: str, *, lab: bool = False, **values: object) -> str:
    """The message `key` in `lang`, filled with `values`; with `lab`, the lab's version of it when
    it has one (`sudo tutor lab start app1`, not `npm start`)."""
    return tr(LAB_MESSAGES if lab and has(LAB_MESSAGES, key) else MESSAGES, key, lang, **values)


def join_names(names: list[str], lang: str) -> str:
    """`a`, `a and b`, `a, b and c` in the learner's language."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} {say('and', lang)} {names[-1]}"


def percent(p: float, lang: str) -> str:
    """A probability in plain words, with `lang`'s decimal mark: 83%, 1.2% (1,2%), < 0.1%."""
    if p >= 0.995:
        return "100%"
    if p >= 0.1:
        return number(p, lang, ".0%")
    if p >= 0.001:
        return number(p, lang, ".1%")
    return "< " + number(0.001, lang, ".1%")
