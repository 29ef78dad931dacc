"""Hostile nginx configs (`--nginx-conf`, the `nginx -T` reader): nginx's own verdict, or one clean line.

HOSTILE holds what nginx 1.22's `nginx -t` said about each config (first error and line, or
"accepted"), measured on this machine; the `nginx`-marked test runs the real binary again on every
one and prints the agreement. OUTSIDE lists configs where agreeing is impossible or beyond what
tutor models, each with the reason, and what tutor says instead.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from hostile import OSC52, assert_clean, run_cli
from sim.nginxconf import NginxConfError, check_nginx_config, read_nginx_config
from tutor.live.nginx_config import lint_nginx_files

ACCEPTED = "accepted"
LISTEN = "127.0.0.1:18999"


def up(params: str = "", proxy: str = "") -> str:
    return ("upstream app {\n %s\n server 10.0.0.9:3000;\n}\n"
            "server {\n listen %s;\n location / { proxy_pass http://app; %s }\n}\n" % (params, LISTEN, proxy))


def loc(body: str) -> str:
    return "server {\n listen %s;\n location / {\n  %s\n }\n}\n" % (LISTEN, body)


PASS = "proxy_pass http://127.0.0.1:3000;"
TOKEN = "http://127.0.0.1:3000/"
# (id, config bytes or text, nginx's (message, line) or ACCEPTED); the config is included from http {}
HOSTILE = [
    ("weight-overflow", up("server 10.0.0.1:3000 weight=99999999999999999999;"),
     ('invalid parameter "weight=99999999999999999999"', 2)),
    ("weight-max-int", up("server 10.0.0.1:3000 weight=9223372036854775807;"), ACCEPTED),
    ("max-conns-overflow", up("server 10.0.0.1:3000 max_conns=99999999999999999999;"),
     ('invalid parameter "max_conns=99999999999999999999"', 2)),
    ("max-fails-overflow", up("server 10.0.0.1:3000 max_fails=99999999999999999999;"),
     ('invalid parameter "max_fails=99999999999999999999"', 2)),
    ("fail-timeout-overflow", up("server 10.0.0.1:3000 fail_timeout=99999999999999999999d;"),
     ('invalid parameter "fail_timeout=99999999999999999999d"', 2)),
    ("fail-timeout-999999999d", up("server 10.0.0.1:3000 fail_timeout=999999999d;"), ACCEPTED),
    ("fail-timeout-0", up("server 10.0.0.1:3000 fail_timeout=0;"), ACCEPTED),
    ("tries-overflow", up(proxy="proxy_next_upstream_tries 99999999999999999999;"),
     ('"proxy_next_upstream_tries" directive invalid number', 7)),
    ("tries-negative", up(proxy="proxy_next_upstream_tries -1;"),
     ('"proxy_next_upstream_tries" directive invalid number', 7)),
    ("connect-timeout-overflow", up(proxy="proxy_connect_timeout 99999999999999999999;"),
     ('"proxy_connect_timeout" directive invalid value', 7)),
    ("connect-timeout-years", up(proxy="proxy_connect_timeout 999999999y;"),
     ('"proxy_connect_timeout" directive invalid value', 7)),
    ("read-timeout-ms", up(proxy="proxy_read_timeout 500ms;"), ACCEPTED),
    ("read-timeout-units-reversed", up(proxy="proxy_read_timeout 1s1m;"),
     ('"proxy_read_timeout" directive invalid value', 7)),
    ("read-timeout-with-space", up(proxy="proxy_read_timeout '1m 30s';"), ACCEPTED),
    ("token-1mb", loc("proxy_pass " + TOKEN + "a" * 1_000_000 + ";"), ('too long parameter "http://127..." started', 4)),
    ("token-4095", loc("proxy_pass " + TOKEN + "a" * (4095 - len(TOKEN)) + ";"), ACCEPTED),
    ("token-4096", loc("proxy_pass " + TOKEN + "a" * (4096 - len(TOKEN)) + ";"),
     ('too long parameter "http://127..." started', 4)),
    ("quoted-4095", loc('proxy_pass "' + TOKEN + "a" * (4095 - len(TOKEN)) + '";'),
     ('too long parameter "http://127..." started', 4)),
    ("quoted-4096", loc('proxy_pass "' + TOKEN + "a" * (4096 - len(TOKEN)) + '";'),
     ('too long parameter, probably missing terminating """ character', 4)),
    ("comment-5000", loc(PASS + " #" + "c" * 5000), ('too long parameter "#ccccccccc..." started', 4)),
    ("spaces-5000", loc(PASS + " " * 5000), ACCEPTED),
    ("newlines-5000", loc(PASS + "\n" * 5000), ACCEPTED),
    ("port-5000-digits", up("server 10.0.0.1:" + "9" * 5000 + ";"), ('too long parameter "10.0.0.1:9..." started', 2)),
    ("binary-first-line", b"\x00\x01\x02\xff\xfe binary\n" + loc(PASS).encode(), ('unknown directive ""', 2)),
    ("binary-last-line", loc(PASS).encode() + b"\x00\x01\x02\xff\xfe;\n", ('unknown directive ""', 7)),
    ("utf8-bom", "\ufeff" + loc(PASS), ('unknown directive "\ufeffserver"', 1)),
    ("crlf-lines", loc(PASS).replace("\n", "\r\n"), ACCEPTED),
    ("nul-in-uri", loc("proxy_pass http://127.0.0.1:3000/\x00x;"), ACCEPTED),
    ("server-osc52", up(f'server "10.0.0.9{OSC52}";'), (f'host not found in upstream "10.0.0.9{OSC52}"', 2)),
    ("proxy-pass-osc52", loc(f"proxy_pass http://a{OSC52}.b:3000;"), ('unknown directive "c"', 4)),
    ("port-superscript", up("server 10.0.0.1:\u00b2;"), ('invalid port in upstream "10.0.0.1:\u00b2"', 2)),
    ("hex-address", up("server 0x7f.0.0.1:3000;"), ACCEPTED),
    ("short-address", up("server 127.1:3000;"), ACCEPTED),
    ("ipv6", up("server [::1]:3000;"), ACCEPTED),
    ("ipv6-no-bracket", up("server [::1:3000;"), ('invalid host in upstream "[::1:3000"', 2)),
    ("unix-socket", up("server unix:/tmp/x.sock;"), ACCEPTED),
    ("weight-negative", up("server 10.0.0.1:3000 weight=-1;"), ('invalid parameter "weight=-1"', 2)),
    ("weight-plus", up("server 10.0.0.1:3000 weight=+1;"), ('invalid parameter "weight=+1"', 2)),
    ("weight-empty", up("server 10.0.0.1:3000 weight= 1;"), ('invalid parameter "weight="', 2)),
    ("max-fails-empty", up("server 10.0.0.1:3000 max_fails=;"), ('invalid parameter "max_fails="', 2)),
    ("only-backups", "upstream app {\n server 10.0.0.1:3000 backup;\n server 10.0.0.2:3000 backup;\n}\n"
     + loc("proxy_pass http://app;"), ('no servers in upstream "app"', 1)),
    ("brace-in-quotes", loc('add_header X "{";\n  ' + PASS), ACCEPTED),
    ("backslash-at-end", loc("proxy_pass http://127.0.0.1:3000\\"), ('unexpected "}"', 5)),
    ("char-after-quote", loc('proxy_pass "http://127.0.0.1:3000"x;'), ('unexpected "x"', 4)),
    ("empty-file", "", ACCEPTED),
    ("only-a-comment", "# nothing\n", ACCEPTED),
    ("made-up-directive", loc("frobnicate on;\n  " + PASS), ('unknown directive "frobnicate"', 4)),
    ("include-dev-zero", "include /dev/zero;\n" + loc(PASS), ACCEPTED),
    ("include-folder", "include {dir};\n" + loc(PASS), ('pread() "{dir}" failed (21: Is a directory)', None)),
    ("include-missing", "include {dir}/nothing-here.conf;\n" + loc(PASS),
     ('open() "{dir}/nothing-here.conf" failed (2: No such file or directory)', 1)),
    ("include-glob-no-match", "include {dir}/nothing-*.conf;\n" + loc(PASS), ACCEPTED),
    ("nested-3000", "server { listen %s;" % LISTEN + " location / {" * 3000 + " " + PASS + "}" * 3000 + "}\n",
     ACCEPTED),
]
# Whole nginx.conf files (main context): run as `nginx -t -c FILE`.
MAIN = "pid {dir}/nginx.pid;\nerror_log {dir}/error.log;\nevents {}\nhttp {\n" + loc(PASS) + "}\n"
HOSTILE_MAIN = [
    ("worker-processes-0", "worker_processes 0;\n" + MAIN, ACCEPTED),
    ("worker-processes-1e8", "worker_processes 100000000;\n" + MAIN, ACCEPTED),
    ("worker-processes-overflow", "worker_processes 99999999999999999999;\n" + MAIN,
     ('"worker_processes" directive invalid value', 1)),
    ("worker-processes-auto", "worker_processes auto;\n" + MAIN, ACCEPTED),
]
OUTSIDE = {
    "include-itself": "nginx 1.22 recurses until its stack overflows (segfault, no message)",
    "include-loop-a-b-a": "the same crash through two files",
    "variable-unclosed-bracket": "variables in proxy_pass are not modelled",
    "config-50mb": "beyond MAX_CONFIG_BYTES (4 MB): refused in a moment instead of parsed",
}


def _write(folder: Path, case_id: str, text: str | bytes) -> Path:
    path = folder / f"{case_id}.conf"
    if isinstance(text, str):
        text = text.replace("{dir}", str(folder)).encode("utf-8")
    path.write_bytes(text)
    return path


def _ours(path: Path):
    try:
        check_nginx_config(path)
    except NginxConfError as exc:
        return exc.message, exc.line
    return ACCEPTED


def _expected(expected, folder: Path):
    if expected == ACCEPTED:
        return expected
    message, line = expected
    return message.replace("{dir}", str(folder)), line


@pytest.mark.parametrize("case_id,text,expected", HOSTILE + HOSTILE_MAIN,
                         ids=[case[0] for case in HOSTILE + HOSTILE_MAIN])
def test_hostile_config_gets_nginx_verdict(tmp_path, case_id, text, expected):
    path = _write(tmp_path, case_id, text)
    assert _ours(path) == _expected(expected, tmp_path)


EMERG = re.compile(r"^nginx: \[(?:emerg|crit)\] (?P<message>.*?)(?: in (?P<file>\S+):(?P<line>\d+))?$")


def _nginx_verdict(binary: str, conf: Path, prefix: Path):
    done = subprocess.run([binary, "-t", "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")],
                          capture_output=True, timeout=60)
    first = done.stderr.decode("utf-8", errors="replace").splitlines()[0]
    if "syntax is ok" in first:
        return ACCEPTED
    match = EMERG.match(first)
    assert match, first
    return match["message"], int(match["line"]) if match["line"] else None


@pytest.mark.nginx
def test_the_hostile_table_matches_real_nginx_t(lab, nginx_bin, tmp_path):
    """Each hostile config through the real `nginx -t`: its verdict must be the table's (n of N printed)."""
    agree, mismatches = 0, []
    for case_id, text, expected in HOSTILE:
        path = _write(tmp_path, case_id, text)
        server = lab.nginx(f"include {path};", start=False)
        verdict = _nginx_verdict(nginx_bin, server.write_conf(), server.prefix)
        if verdict == _expected(expected, tmp_path) == _ours(path):
            agree += 1
        else:
            mismatches.append((case_id, verdict, _ours(path)))
    for case_id, text, expected in HOSTILE_MAIN:
        path = _write(tmp_path, case_id, text)
        verdict = _nginx_verdict(nginx_bin, path, tmp_path)
        if verdict == _expected(expected, tmp_path) == _ours(path):
            agree += 1
        else:
            mismatches.append((case_id, verdict, _ours(path)))
    total = len(HOSTILE) + len(HOSTILE_MAIN)
    print(f"\nnginx -t agreement on hostile configs: {agree} of {total} "
          f"(+{len(OUTSIDE)} outside what nginx or tutor can agree on: {', '.join(OUTSIDE)})")
    assert mismatches == []


def test_an_include_loop_is_one_clean_error_not_a_crash(tmp_path):
    (tmp_path / "self.conf").write_text(f"include {tmp_path}/self.conf;\n")
    (tmp_path / "a.conf").write_text(f"include {tmp_path}/b.conf;\n")
    (tmp_path / "b.conf").write_text(f"\ninclude {tmp_path}/a.conf;\n")
    for name, line, chain in (("self", 1, "self.conf -> self.conf"), ("a", 2, "a.conf -> b.conf -> a.conf")):
        with pytest.raises(NginxConfError) as caught:
            check_nginx_config(tmp_path / f"{name}.conf")
        assert caught.value.line == line and chain in caught.value.message
        assert "include loop" in caught.value.message


@pytest.mark.parametrize("setup,phrase", [
    (lambda d: "upstream app {\n" + "".join(f" server 10.0.{i // 256}.{i % 256}:3000;\n" for i in range(100_000))
     + "}\n" + loc("proxy_pass http://app;"), "100,000 servers: at most 1,000"),
    (lambda d: "worker_processes 100000000;\n" + MAIN.replace("{dir}", str(d)), "at most 1,024 worker processes"),
    (lambda d: "worker_processes 0;\n" + MAIN.replace("{dir}", str(d)), "nginx starts no worker process"),
    (lambda d: loc(PASS) + ("#" + "x" * 70 + "\n") * 700_000, "larger than 4,000,000 bytes"),
    (lambda d: up(f'server "10.0.0.9{OSC52}";'), "host not found in upstream"),
])
def test_configs_beyond_the_simulator_are_one_clean_line(tmp_path, setup, phrase):
    path = tmp_path / "site.conf"
    path.write_text(setup(tmp_path))
    code, out, err = run_cli(["sim", "--nginx-conf", str(path), "--lang", "en"])
    assert_clean(code, out, err, codes=(2,))
    assert phrase in err and str(path) in err


# -- the nginx -T reader ---------------------------------------------------------------------------

def test_a_dump_never_reads_this_machines_files(tmp_path, monkeypatch):
    """Relative includes, globs and absolute paths that point out of the dump find nothing."""
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    secret = tmp_path / "secret.conf"  # beside the dump's folder: this machine's file
    secret.write_text("frobnicate secret;\n")  # read, it would be an unknown directive
    for target, found in (("../../../secret.conf", False), ("../../../secret*", True), (str(secret), False)):
        files = {"/etc/nginx/nginx.conf": f"events {{}}\nhttp {{\n include {target};\n"
                                          + loc("proxy_pass http://10.0.0.1:3000;") + "}\n"}
        lint = lint_nginx_files(files)
        try:
            if found:  # a glob that matches nothing inside the dump is no error, as in nginx
                assert lint.error is None and lint.setup is not None, lint.error
            else:
                assert lint.error is not None and "No such file or directory" in lint.error, lint.error
            assert "frobnicate" not in (lint.error or "")
        finally:
            shutil.rmtree(lint.folder, ignore_errors=True)


def test_a_dump_listing_a_file_and_a_file_under_it_is_read_and_cleaned_up(tmp_path, monkeypatch):
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    files = {"/etc/nginx/nginx.conf": "events {}\nhttp {\n" + loc("proxy_pass http://10.0.0.1:3000;") + "}\n",
             "/etc/nginx/x": "# a file", "/etc/nginx/x/y": "# and a file under it"}
    lint = lint_nginx_files(files)  # used to raise FileExistsError and leave the folder behind
    assert lint.error is None and lint.setup is not None
    shutil.rmtree(lint.folder)
    assert list(tmp_path.iterdir()) == []


def test_a_failing_dump_lint_leaves_no_temporary_folder(tmp_path, monkeypatch):
    import tempfile

    import sim.nginxconf

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))

    def boom(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(sim.nginxconf, "read_nginx_config", boom)
    with pytest.raises(RuntimeError):
        lint_nginx_files({"/etc/nginx/nginx.conf": "events {}\n"})
    assert list(tmp_path.iterdir()) == []


def test_reading_many_servers_stays_linear(tmp_path):
    """Not a speed test: 20 times the servers may not take 100 times as long (it was quadratic)."""
    def timed(count: int) -> float:
        path = tmp_path / f"u{count}.conf"
        path.write_text("upstream app {\n" + " server 10.0.0.1:3000;\n" * count + "}\n" + loc("proxy_pass http://app;"))
        start = time.perf_counter()
        read_nginx_config(path)
        return time.perf_counter() - start

    small, large = timed(1000), timed(20_000)
    assert large < 100 * max(small, 0.001)


@pytest.mark.parametrize("kind", ["fifo", "folder"])
def test_a_config_that_is_no_regular_file_says_what_it_is(tmp_path, kind):
    path = tmp_path / "site.conf"
    os.mkfifo(path) if kind == "fifo" else path.mkdir()
    code, out, err = run_cli(["sim", "--nginx-conf", str(path), "--lang", "en"])
    assert_clean(code, out, err, codes=(2,))
    assert ("not a regular file" if kind == "fifo" else "is a folder") in err
