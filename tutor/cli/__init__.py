"""The `tutor` command line: tutor/cli/main.py parses and dispatches; one module per command."""

from tutor.cli.main import main

__all__ = ["main"]
