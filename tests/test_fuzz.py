"""Property-based fuzzing of every place text enters `tutor` (issue 10).

Hypothesis generates scenario files, nginx configs, lesson folders, saved JSON, `--host` and
`--weight` values and raw HTTP answers; for each, the outcome must be: exit code 0, 1 or 2, no
traceback, no byte below 0x20 but newline and tab (no ESC, no C1) on stdout/stderr, finished
within a generous bound (a hang detector), and saved progress intact. Seeded (derandomize) and
sized to add well under a minute to the suite at -n 2. Calls run in-process for speed.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hostile import OSC52, assert_clean, run_cli, terminal_safe

FUZZ = settings(derandomize=True, deadline=None, database=None, max_examples=40,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                       HealthCheck.data_too_large])
BOUND = 20.0
"""Seconds one example may take: a hang detector, far above what any example needs."""

# Text that has hurt before: escapes, C1 controls, bidi overrides, markup, huge numbers.
NASTY = st.sampled_from([OSC52, "\x1b[2J", "\x9b31m", "\u202e", "\x00", "\r", "[bold]x[/]", "[", "²",
                         "9" * 30, "1e308", "-1", "0", "nan", "inf", "\ufeff", "a" * 300, "..", "/", "$x", "{", "}",
                         ";", '"', "'", "\\", "#", "\n"])
TEXT = st.one_of(NASTY, st.text(max_size=30), st.text(alphabet=st.characters(max_codepoint=0x3000), max_size=8))


@contextmanager
def bounded(what: str):
    start = time.monotonic()
    yield
    took = time.monotonic() - start
    assert took < BOUND, f"{what} took {took:.1f} s (a hang?)"


@contextmanager
def small_limits():
    """The request limit cut to 20,000 so that a generated scenario at the limit runs in a moment."""
    with mock.patch("sim.scenario.MAX_REQUESTS", 20_000), mock.patch("sim.engine.MAX_REQUESTS", 20_000):
        yield


def folder() -> Path:
    return Path(tempfile.mkdtemp(prefix="tutor-fuzz-"))


# -- scenario files ----------------------------------------------------------------------------------

def toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if value == value and abs(value) != float("inf") else ("nan" if value != value else
                                                                                  ("inf" if value > 0 else "-inf"))
    if isinstance(value, str):
        return json.dumps(value)  # JSON string escapes are TOML basic-string escapes
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{ " + ", ".join(f"{json.dumps(k)} = {toml_value(v)}" for k, v in value.items()) + " }"


NUMBER = st.one_of(st.sampled_from([0, 1, 2, 0.0, 0.5, 3.0, -1, 1e308, 1e12, 2**63 - 1, 10**6, 1e-9]),
                   st.floats(allow_nan=True, allow_infinity=True), st.integers(-10, 10**7))
VALUE = st.one_of(NUMBER, TEXT, st.booleans(), st.lists(st.one_of(NUMBER, TEXT), max_size=3),
                  st.dictionaries(TEXT, NUMBER, max_size=2))
KEYS = {
    "scenario": ["name", "title", "seed", "duration", "requests", "warmup", "bogus"],
    "traffic": ["pattern", "rate", "clients", "think_time", "method", "client_address"],
    "nginx": ["policy", "next_upstream", "next_upstream_tries", "connect_timeout", "read_timeout", "workers",
              "zone", "latency"],
    "server": ["name", "address", "weight", "max_fails", "fail_timeout", "max_conns", "backup", "down",
               "concurrency", "queue", "service", "fail"],
    "event": ["at", "server", "action", "factor"],
}
GOOD = {"pattern": st.sampled_from(["poisson", "uniform", "closed"]), "action": st.sampled_from(["stop", "poweroff", "hang"]),
        "policy": st.sampled_from(["round_robin", "least_conn", "ip_hash"]), "duration": st.sampled_from([1.0, 5.0, 30.0]),
        "service": st.sampled_from([{"dist": "exp", "mean": 0.05}, {"dist": "const", "mean": 0.0}]),
        "server": st.sampled_from(["app1", "app2"]), "name": st.sampled_from(["app1", "app2", "x"])}


@st.composite
def scenario_text(draw) -> str:
    lines = []
    for table, keys in KEYS.items():
        count = draw(st.integers(0, 2)) if table in ("server", "event") else draw(st.integers(0, 1))
        for _ in range(count):
            lines.append(f"[[{table}]]" if table in ("server", "event") else f"[{table}]")
            for key in draw(st.lists(st.one_of(st.sampled_from(keys), NASTY), max_size=4, unique=True)):
                strategy = st.one_of(GOOD[key], VALUE) if key in GOOD else VALUE
                lines.append(f"{json.dumps(key)} = {toml_value(draw(strategy))}")
    if draw(st.booleans()):
        lines.insert(0, draw(st.sampled_from(["a = " + "[" * 3000 + "]" * 3000, "x = \x1b", "[[[", "\xff"])))
    return "\n".join(lines) + "\n"


@FUZZ
@given(scenario_text())
def test_fuzz_scenario_files(text):
    where = folder()
    try:
        path = where / "s.toml"
        path.write_text(text, encoding="utf-8", errors="surrogateescape")
        with bounded("tutor sim"), small_limits():
            code, out, err = run_cli(["sim", str(path), "--lang", "en"])
        assert_clean(code, out, err, codes=(0, 2))
    finally:
        shutil.rmtree(where)


# -- nginx configs -----------------------------------------------------------------------------------

WORDS = st.sampled_from(["upstream", "app", "server", "location", "/", "proxy_pass", "http://app", "http://10.0.0.1:3000",
                         "10.0.0.2:3000", "weight=3", "weight=99999999999999999999", "max_fails=0", "backup", "down",
                         "fail_timeout=1m30s", "least_conn", "ip_hash", "random", "two", "listen", "80", "http", "events",
                         "worker_processes", "0", "100000000", "include", "/dev/zero", "*.conf", "proxy_next_upstream",
                         "error", "timeout", "proxy_next_upstream_tries", "proxy_connect_timeout", "5s", "zone", "z",
                         "64k", "map", "$x", "${", "if", "($a)", "return", "200", "{", "}", ";", "#", '"', "'", "\\",
                         "\n", " ", OSC52, "\x00", "\xff", "²", "a" * 5000])


@FUZZ
@given(st.lists(st.one_of(WORDS, TEXT), max_size=60))
def test_fuzz_nginx_configs(words):
    where = folder()
    try:
        path = where / "site.conf"
        path.write_text(" ".join(words), encoding="utf-8")
        with bounded("tutor sim --nginx-conf"), small_limits():
            code, out, err = run_cli(["sim", "--nginx-conf", str(path), "--json"])
        assert_clean(code, out, err, codes=(0, 2))
    finally:
        shutil.rmtree(where)


# -- lesson folders ----------------------------------------------------------------------------------

@st.composite
def lesson_files(draw) -> tuple[str, str]:
    steps = draw(st.lists(st.sampled_from(["intro", "two", "x", "Bad Id", OSC52]), max_size=3))
    toml = (f"id = {toml_value(draw(st.one_of(st.just('fuzz'), TEXT)))}\norder = {toml_value(draw(NUMBER))}\n"
            f"title = {{ id = {toml_value(draw(TEXT))}, en = \"T\" }}\nsummary = {{ id = \"S\", en = \"S\" }}\n"
            f"requires = {toml_value(draw(st.lists(st.sampled_from(['fuzz', 'other']), max_size=2)))}\n"
            + "".join(f"[[step]]\nid = {toml_value(step)}\nscenario = {toml_value(draw(TEXT))}\n" for step in steps))
    body = "\n".join(draw(st.lists(st.one_of(TEXT, st.sampled_from(
        ["# T", "::::{step} intro", "::::", ":::{hint}", ":::", "```bash {role=proxy}", "```", "[x](../../etc)",
         "[y](lesson:nope#x)", ":::{predict} lb-one-dies", "- [x] yes", "- [ ] no"])), max_size=25)))
    return toml, body


@FUZZ
@given(lesson_files())
def test_fuzz_lesson_folders(files):
    toml, body = files
    where = folder()
    try:
        lesson = where / "01-fuzz"
        lesson.mkdir()
        (lesson / "lesson.toml").write_text(toml, encoding="utf-8", errors="surrogateescape")
        for lang in ("id", "en"):
            (lesson / f"{lang}.md").write_text(body, encoding="utf-8", errors="surrogateescape")
        with bounded("tutor lint"):
            code, out, err = run_cli(["lint", str(where)])
        assert_clean(code, out, err, codes=(0, 1, 2))
        with bounded("tutor lint --json"):
            code, out, err = run_cli(["lint", str(where), "--json"])
        assert_clean(code, out, err, codes=(0, 1, 2))
    finally:
        shutil.rmtree(where)


# -- saved state ------------------------------------------------------------------------------------

JSON = st.recursive(st.one_of(st.none(), st.booleans(), NUMBER.filter(lambda v: v == v and abs(v) != float("inf")),
                              TEXT),
                    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(TEXT, inner, max_size=3)),
                    max_leaves=12)
SAVED = st.one_of(
    JSON.map(json.dumps),
    st.fixed_dictionaries({"version": st.just(1), "lessons": st.dictionaries(
        st.sampled_from(["web-server", "x", OSC52]), st.fixed_dictionaries({"steps": st.dictionaries(
            TEXT, st.sampled_from(["done", "visited", "bogus", 3]), max_size=2)}), max_size=2)}).map(json.dumps),
    st.sampled_from(["[" * 100_000, "null", "", "\xff", "{" + '"a":' * 50_000]),
)


@FUZZ
@given(progress=SAVED, saved_settings=SAVED)
def test_fuzz_saved_state(progress, saved_settings):
    from tutor.progress import DONE, Progress
    from tutor.settings import Settings

    where = folder()
    try:
        (where / "progress.json").write_text(progress, encoding="utf-8", errors="surrogateescape")
        (where / "settings.json").write_text(saved_settings, encoding="utf-8", errors="surrogateescape")
        with bounded("loading saved state"):
            loaded, _ = Progress.load(where)
            settings_, _ = Settings.load(where)
        loaded.mark_done("web-server", "intro")
        settings_.save()
        again, backup = Progress.load(where)  # what we saved reads back, intact, without a backup
        assert backup is None and again.state("web-server", "intro") == DONE
        for value in (settings_.hosts, settings_.vms, settings_.domain):
            assert terminal_safe(json.dumps(value, ensure_ascii=False))
    finally:
        shutil.rmtree(where)


# -- --host and --weight ------------------------------------------------------------------------------

@FUZZ
@given(host=st.one_of(TEXT, st.sampled_from(["127.0.0.1:²", "127.0.0.1:" + "9" * 5000, "0x7f.0.0.1", "127.1",
                                            "[::1]:80", "[::1", "a..b", "a.b:0"])),
       weight=st.one_of(TEXT, st.sampled_from(["inf", "nan", "-inf", "1e400", "0", "3", "1_000"])))
def test_fuzz_host_and_weight_options(host, weight):
    from tutor.live import runner

    async def no_network(checks, machines, **kwargs):
        return []  # parsing and printing only: fuzzed addresses are never contacted

    argv = ["check", "lb-distributes", "--host", f"proxy={host}", "--host", "app1=127.0.0.2:3000",
            "--weight", f"app1={weight}", "--json"]
    with mock.patch.object(runner, "run_checks", no_network), bounded("tutor check"):
        code, out, err = run_cli(argv)
    assert_clean(code, out, err, codes=(0, 2))


# -- hostile HTTP answers -------------------------------------------------------------------------------

class RawServer:
    """A loopback TCP server that answers every connection with `self.answer` (raw bytes), then closes."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.2", 0))
        self.port = self.sock.getsockname()[1]
        self.answer = b""
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        self.sock.settimeout(0.2)
        while self.running:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    conn.recv(4096)
                    conn.sendall(self.answer)
                except OSError:
                    pass

    def close(self) -> None:
        self.running = False
        self.thread.join(timeout=5)
        self.sock.close()


HEADER_TEXT = st.one_of(NASTY, st.text(alphabet=st.characters(max_codepoint=0xFF, exclude_characters="\r\n"),
                                       max_size=40))


@st.composite
def http_answer(draw) -> bytes:
    status = draw(st.one_of(st.sampled_from([b"200", b"404", b"500", b"502", b"301", b"999", b"abc"]),
                            st.binary(max_size=4)))
    headers = b"".join(name + b": " + draw(HEADER_TEXT).encode("latin-1", "replace") + b"\r\n"
                       for name in draw(st.lists(st.sampled_from([b"Server", b"X-Upstream", b"Location",
                                                                   b"Content-Type"]), max_size=3, unique=True)))
    body = b"<title>" + draw(TEXT).encode("utf-8", "replace") + b"</title>" + draw(st.binary(max_size=200))
    head = b"HTTP/1.1 " + status + b" Reason\r\n" + headers + b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n"
    return draw(st.one_of(st.just(head + body), st.binary(max_size=300), st.just(head[: len(head) // 2])))


@settings(FUZZ, max_examples=30)
@given(http_answer())
def test_fuzz_hostile_http_answers(answer):
    from tutor.live.hosts import Machine, Machines
    from tutor.live.runner import run_checks

    server = RawServer()
    try:
        server.answer = answer
        machines = Machines(by_role={"app1": Machine("app1", "127.0.0.2", server.port),
                                     "proxy": Machine("proxy", "127.0.0.2", server.port)})
        with bounded("checks against a hostile server"):
            results = asyncio.run(run_checks(["app-running", "nginx-running", "proxy-pass"], machines,
                                             lang="en", timeout=1.0))
        for result in results:
            assert terminal_safe(result.message), repr(result.message)
            assert terminal_safe(json.dumps(result.to_json(), ensure_ascii=False).replace("\\n", ""))
    finally:
        server.close()
