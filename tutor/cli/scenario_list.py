"""`--list` of `tutor play` and `tutor sim`: the shipped scenarios with their titles, one a line."""

from __future__ import annotations

import argparse

from tutor.sanitize import terminal_text


def add_list_option(parser: argparse.ArgumentParser) -> None:
    """Give a command `--list` (its help: the [cli] catalogue, key "<command>.list")."""
    parser.add_argument("--list", action="store_true")


def print_list(lang: str) -> int:
    """Print the shipped scenarios as "name  title" in `lang`, aligned; returns exit code 0."""
    from tutor.scenarios import listing

    shipped = listing(lang)
    width = max((len(name) for name, _ in shipped), default=0)
    print(terminal_text("\n".join(f"{name:<{width}}  {title}" for name, title in shipped)))
    return 0
