"""Hostile or broken servers: what they send is sanitized, and they cannot hold a check long."""

from __future__ import annotations

import json
import re
import time

from live_support import lab_machines
from tutor.cli import main
from tutor.live.hosts import Machine
from tutor.live.probe import BODY_LIMIT, fetch, make_client
from tutor.live.runner import run_checks

TIMEOUT = 1.0
UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]|\[/?(?:bold|blink|link)")


async def test_control_sequences_and_markup_from_a_server_are_stripped(lab):
    evil = lab.backend("app1", "127.0.0.2", mode="evil")
    [result] = await run_checks(["app-running"], lab_machines(None, [evil]), "en", TIMEOUT)
    assert result.ok  # it does answer HTTP 200
    shown = json.dumps(result.to_json(), ensure_ascii=False)
    assert "HACKED" in shown  # the text itself is kept ...
    assert not UNSAFE.search(result.message)  # ... without its escapes or markup
    assert not any(UNSAFE.search(value) for value in result.evidence["headers"].values())
    assert result.evidence["headers"]["server"] == "nginx HACKED evil"


async def test_an_evil_server_header_on_the_proxy_is_shown_sanitized(lab):
    evil = lab.backend("proxy", "127.0.0.2", mode="evil")
    machines = lab_machines(None, [])
    machines.by_role["proxy"] = Machine("proxy", evil.host, evil.port)
    [result] = await run_checks(["nginx-running"], machines, "en", TIMEOUT)
    assert result.ok and "Server: nginx HACKED evil" in result.message


def test_cli_output_of_a_hostile_server_has_no_control_sequences(lab, capsys):
    evil = lab.backend("app1", "127.0.0.2", mode="evil")
    assert main(["check", "app-running", "--host", f"app1={evil.address}", "--timeout", "1", "--lang", "en"]) == 0
    table = capsys.readouterr().out
    assert "HACKED" in table and not UNSAFE.search(table.replace("\n", " "))


async def test_a_huge_body_is_read_only_up_to_the_limit(lab):
    huge = lab.backend("app1", "127.0.0.2", mode="huge")
    async with make_client(TIMEOUT) as client:
        probe = await fetch(client, Machine("app1", huge.host, huge.port), TIMEOUT)
    assert probe.status == 200 and probe.failure is None
    assert len(probe.body) == BODY_LIMIT < int(probe.headers["content-length"])


async def test_a_body_trickling_a_byte_a_second_cannot_hold_a_check(lab):
    trickle = lab.backend("app1", "127.0.0.2", mode="trickle", extra=("--delay", "0.5"))
    start = time.monotonic()
    [result] = await run_checks(["app-running"], lab_machines(None, [trickle]), "en", TIMEOUT)
    assert time.monotonic() - start < TIMEOUT + 2
    assert (result.ok, result.code) == (False, "timeout")


async def test_something_that_does_not_speak_http_is_reported_as_such(lab):
    ssh = lab.backend("app1", "127.0.0.2", mode="garbage")
    [result] = await run_checks(["app-running"], lab_machines(None, [ssh]), "en", TIMEOUT)
    assert (result.ok, result.code) == (False, "http_status")
    assert "not with valid HTTP" in result.message and f"sport = :{ssh.port}" in result.message
