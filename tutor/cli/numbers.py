"""Numbers typed on the command line: `2,5` and `2.5` alike, in either language."""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Sequence

from tutor.cli.main import CLI
from tutor.i18n import tr

_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:[.,][0-9]*)?|[.,][0-9]+)")
MAX_LENGTH = 40


def decimal_number(text: str) -> float | None:
    """`text` as a number, with a decimal comma or point ("2,5", "2.5", "3"); None if it is none."""
    text = text.strip()
    if len(text) > MAX_LENGTH or not _DECIMAL.fullmatch(text):
        return None
    value = float(text.replace(",", "."))
    return value if math.isfinite(value) else None


class DecimalNumber(argparse.Action):
    """`add_argument(..., action=DecimalNumber)`: the value read by `decimal_number`; anything else is
    a usage error (exit 2) in one plain line of the command line's language: "--timeout: expected a
    number such as 2.5". The command keeps its own bounds check."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: str | Sequence[object] | None, option_string: str | None = None) -> None:
        value = decimal_number(values) if isinstance(values, str) else None
        if value is None:
            lang = getattr(parser, "lang", "id")  # tutor.cli.main.Parser's, set by localize
            parser.error(tr(CLI, "input.not_a_number", lang, option=option_string or self.dest))
        setattr(namespace, self.dest, value)
