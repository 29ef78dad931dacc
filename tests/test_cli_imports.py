"""The command line loads heavy modules only for the commands that use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

PROBE = ("import sys, runpy\n"
         "sys.argv = ['tutor'] + sys.argv[1:]\n"
         "code = 0\n"
         "try:\n"
         "    runpy.run_module('tutor', run_name='__main__')\n"
         "except SystemExit as exc:\n"
         "    code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 2)\n"
         "sys.stdout.flush()\n"
         "print('LOADED', sorted(m for m in ('textual', 'simpy', 'httpx', 'markdown_it', 'crossplane') "
         "if m in sys.modules), file=sys.stderr)\n"
         "print('EXIT', code, file=sys.stderr)\n")


def run_probe(*argv: str) -> tuple[int, str, set[str]]:
    """Run `tutor ARGV` in a child process: (exit code, stdout, heavy modules it loaded)."""
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=120)
    lines = done.stderr.splitlines()
    loaded = next(line for line in lines if line.startswith("LOADED"))
    code = next(line for line in lines if line.startswith("EXIT"))
    return (int(code.split()[1]), done.stdout,
            set(eval(loaded.removeprefix("LOADED "))))  # a list literal printed by the probe above


def _is_json(out: str) -> bool:
    json.loads(out)
    return True


@pytest.mark.parametrize("argv, allowed, exit_code, output", [
    (("--version",), set(), 0, lambda out: out.startswith("tutor ")),
    (("--help",), set(), 0, lambda out: "sim" in out and "lint" in out and "check" in out),
    (("sim", "--help"), set(), 0, lambda out: "--nginx-conf" in out and "--seed" in out),
    (("sim", "--list", "--lang", "en"), set(), 0, lambda out: out.splitlines()[0].startswith("default-demo ")),
    (("lint", "--json"), {"markdown_it"}, 0, lambda out: json.loads(out)["errors"] == []),
    (("sim", "--json", "--seed", "2"), {"simpy", "crossplane"}, 0,  # crossplane: the scenario's [nginx] config
     lambda out: json.loads(out)["seed"] == 2 and json.loads(out)["requests"]["sent"] > 0),
    (("sim", "--nginx-conf", str(ROOT / "assets" / "nginx" / "load_balancer.conf"), "--json"), {"simpy", "crossplane"},
     0, lambda out: _is_json(out)),
    (("check", "--host", "app1=127.0.0.2:9", "--timeout", "0.5", "--json"), {"httpx"}, 1,
     lambda out: json.loads(out)["results"][0]["code"] == "refused"),
])
def test_each_command_loads_only_what_it_needs(argv, allowed, exit_code, output):
    code, out, loaded = run_probe(*argv)
    assert loaded <= allowed
    assert code == exit_code, out
    assert output(out), out[:500]
