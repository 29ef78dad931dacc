"""The command line loads heavy modules only for the commands that use them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = ("import sys, runpy\n"
         "sys.argv = ['tutor'] + sys.argv[1:]\n"
         "try:\n"
         "    runpy.run_module('tutor', run_name='__main__')\n"
         "except SystemExit:\n"
         "    pass\n"
         "print('LOADED', sorted(m for m in ('textual', 'simpy', 'httpx', 'markdown_it', 'crossplane', "
         "'textual_serve', 'aiohttp') "
         "if m in sys.modules), file=sys.stderr)\n")


def loaded_by(*argv: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120)
    line = next(line for line in done.stderr.splitlines() if line.startswith("LOADED"))
    return set(eval(line.removeprefix("LOADED ")))  # a list literal printed by the probe above


@pytest.mark.parametrize("argv, allowed", [
    (("--version",), set()),
    (("--help",), set()),
    (("sim", "--help"), set()),
    (("lint", "--json"), {"markdown_it"}),
    (("sim", "--json", "--seed", "2"), {"simpy", "crossplane"}),  # crossplane: the scenario's [nginx] config
    (("sim", "--nginx-conf", str(ROOT / "assets" / "nginx" / "load_balancer.conf"), "--json"), {"simpy", "crossplane"}),
    (("check", "--host", "app1=127.0.0.2:9", "--timeout", "0.5", "--json"), {"httpx"}),
    (("serve", "--help"), set()),
    (("serve", "--port", "99999"), set()),  # a bad argument is refused before the web server loads
])
def test_each_command_loads_only_what_it_needs(argv, allowed):
    assert loaded_by(*argv) <= allowed


def test_the_web_server_loads_textual_serve_but_not_textual():
    """`tutor serve` itself runs no app: each browser tab's app is its own process."""
    probe = ("import sys\n"
             "import tutor.web.server\n"
             "print(sorted(m for m in ('textual', 'textual_serve', 'aiohttp', 'simpy', 'httpx') if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert eval(done.stdout) == ["aiohttp", "textual_serve"]  # a list literal printed by the probe above
