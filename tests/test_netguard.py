"""The network guard itself: loopback passes, anything else from this namespace is refused and
fails the test, in this process and in the Python processes a test starts."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

import conftest


def _new_lines(before: int) -> list[str]:
    return conftest._netguard_lines()[before:]


def _forget(before: int) -> None:
    """Drop what this test logged on purpose, so the autouse check does not fail it."""
    folder = Path(os.environ["TUTOR_NETGUARD_LOG"])
    lines = conftest._netguard_lines()[:before]
    for log in folder.glob("*.log"):
        log.unlink()
    if lines:
        (folder / "kept.log").write_text("".join(f"{line}\n" for line in lines))


def test_loopback_is_allowed():
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        with socket.create_connection(server.getsockname(), timeout=5):
            pass


@pytest.mark.parametrize("address", ["192.0.2.1", "10.37.19.46"])
def test_other_addresses_are_refused_in_this_process(address):
    before = len(conftest._netguard_lines())
    with socket.socket() as sock, pytest.raises(OSError, match="network guard"):
        sock.connect((address, 9))
    assert _new_lines(before) == [f"{address}:9"]
    _forget(before)


def test_a_child_python_is_guarded_too():
    before = len(conftest._netguard_lines())
    code = "import socket; s = socket.socket(); s.connect(('192.0.2.1', 9))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode != 0 and "network guard" in done.stderr
    assert _new_lines(before) == ["192.0.2.1:9"]
    _forget(before)


def test_inside_a_namespace_the_test_made_every_address_is_allowed(tmp_path):
    """A Python started in a fresh network namespace may connect anywhere: nothing leaves it."""
    import shutil

    if os.geteuid() != 0 or shutil.which("unshare") is None:
        pytest.skip("needs root and unshare")
    code = ("import socket; s = socket.socket(); s.settimeout(2)\n"
            "try:\n    s.connect(('10.37.19.46', 9))\nexcept OSError as e:\n    print(e)")
    before = len(conftest._netguard_lines())
    done = subprocess.run(["unshare", "--net", sys.executable, "-c", code],
                          capture_output=True, text=True, timeout=60)
    assert "network guard" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert "unreachable" in done.stdout.lower()  # the kernel's answer in an empty namespace
    assert _new_lines(before) == []
