"""What the lab says when it cannot do something: `LabError`, worded in the learner's language.

Used by the lab itself, by `tutor lab`/`check --lab`/`drill`/`twin` (tutor/cli) and by the machines screen.
"""

from __future__ import annotations

from tutor.i18n import tr

TEXT = "lab_cli"  # the section of tutor/locale/<lang>.toml: "err.<key>"


class LabError(Exception):
    """The lab cannot do what was asked: `key` names the reason in the catalogue ([lab_cli]
    err.<key>), `values` fill it; `message(lang)` is the one line, str() the English one (logs, tests)."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def message(self, lang: str) -> str:
        """The one-line reason in `lang`."""
        values = dict(self.values)
        if "prefix" in values:
            values.setdefault("at", prefix_flag(str(values["prefix"])))
        return tr(TEXT, f"err.{self.key}", lang, **values)

    def __str__(self) -> str:
        return self.message("en")


def prefix_flag(prefix: str) -> str:
    """What names this lab after a `tutor lab ACTION` (flags after the verb): "" for the default
    lab, " --prefix P" for a lab built with another prefix (the catalogue's `{at}`)."""
    from tutor.lab.topology import default_prefix

    return "" if prefix == default_prefix() else f" --prefix {prefix}"
