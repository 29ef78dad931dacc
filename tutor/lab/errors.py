"""What the lab says when it cannot do something: `LabError` and its one line in the learner's language.

Used by the lab itself, by `tutor lab`/`check --lab`/`drill`/`twin` (tutor/cli) and by the machines screen.
"""

from __future__ import annotations

from tutor.i18n import has, tr

TEXT = "lab_cli"  # the section of tutor/locale/<lang>.toml


class LabError(Exception):
    """The lab cannot do what was asked; str() is a one-line reason (English, for logs and tests).

    `key` and `values` name the reason for the learner's language: `reason`, [lab_cli] in tutor/locale.
    """

    def __init__(self, message: str, key: str = "", **values: object) -> None:
        super().__init__(message)
        self.key = key
        self.values = values


def reason(exc: LabError, lang: str) -> str:
    """The learner's-language one-line reason for a LabError."""
    key = f"err.{exc.key}"
    values = dict(exc.values)
    if "prefix" in values:
        values.setdefault("lab", lab_command(str(values["prefix"])))
    return tr(TEXT, key, lang, **values) if has(TEXT, key) else str(exc)


def lab_command(prefix: str) -> str:
    """How to name this lab on the command line: `tutor lab`, or `tutor lab --prefix P` for a
    lab built with a prefix that is not the default one."""
    from tutor.lab.topology import default_prefix

    return "tutor lab" if prefix == default_prefix() else f"tutor lab --prefix {prefix}"
