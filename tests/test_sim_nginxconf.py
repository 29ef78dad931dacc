"""sim/nginxconf.py: reading a learner's nginx config the way `nginx -t` does.

The expected messages below were copied from nginx 1.22.1's `nginx -t`; the `nginx`-marked test
checks every one of them against the real binary again, so the table cannot drift from nginx.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim import Event, Server, default_scenario
from sim.nginxconf import NginxConfError, apply_to_scenario, read_nginx_config
from tutor.paths import assets_dir


def _upstream(params: str = "", proxy: str = "") -> str:
    return ("upstream app {\n %s\n server 10.0.0.9:3000;\n}\n"
            "server {\n listen 127.0.0.1:18999;\n location / { proxy_pass http://app; %s }\n}\n"
            % (params, proxy))


def _location(body: str) -> str:
    return "server {\n listen 127.0.0.1:18999;\n location / {\n  %s\n }\n}\n" % body


# (id, config text, nginx's message, line)
BROKEN = [
    ("double-http", _location("proxy_pass http://http://10.37.19.64:3000;"),
     'invalid port in upstream "http://10.37.19.64:3000"', 4),
    ("unknown-upstream", _location("proxy_pass http://nosuchupstream;"),
     'host not found in upstream "nosuchupstream"', 4),
    ("unknown-host-port", _location("proxy_pass http://nosuchupstream:3000/;"),
     'host not found in upstream "nosuchupstream"', 4),
    ("weigth", _upstream("server 10.0.0.1:3000 weigth=2;"), 'invalid parameter "weigth=2"', 2),
    ("weight-0", _upstream("server 10.0.0.1:3000 weight=0;"), 'invalid parameter "weight=0"', 2),
    ("fail-timeout-ms", _upstream("server 10.0.0.1:3000 fail_timeout=500ms;"),
     'invalid parameter "fail_timeout=500ms"', 2),
    ("max-fails-text", _upstream("server 10.0.0.1:3000 max_fails=abc;"), 'invalid parameter "max_fails=abc"', 2),
    ("plus-only-param", _upstream("server 10.0.0.1:3000 resolve;"), 'invalid parameter "resolve"', 2),
    ("backup-ip-hash", _upstream("ip_hash;\n server 10.0.0.2:3000 backup;"),
     'balancing method does not support parameter "backup"', 3),
    ("backup-random", _upstream("random;\n server 10.0.0.2:3000 backup;"),
     'balancing method does not support parameter "backup"', 3),
    ("random-three", _upstream("random three;"), 'invalid parameter "three"', 2),
    ("least-conn-arg", _upstream("least_conn now;"), 'invalid number of arguments in "least_conn" directive', 2),
    ("server-no-args", _upstream("server;"), 'invalid number of arguments in "server" directive', 2),
    ("server-with-scheme", _upstream("server http://10.0.0.1:3000;"),
     'invalid host in upstream "http://10.0.0.1:3000"', 2),
    ("server-bad-port", _upstream("server 10.0.0.1:99999;"), 'invalid port in upstream "10.0.0.1:99999"', 2),
    ("server-no-host", _upstream("server :3000;"), 'no host in upstream ":3000"', 2),
    ("server-unknown-host", _upstream("server nosuchhost:3000;"), 'host not found in upstream "nosuchhost:3000"', 2),
    ("missing-semicolon-before-brace", _location("proxy_pass http://10.0.0.1:3000"), 'unexpected "}"', 5),
    ("missing-semicolon-before-block",
     "server {\n listen 127.0.0.1:18999;\n server_name a.b\n location / {\n  proxy_pass http://10.0.0.1:3000;\n }\n}\n",
     'directive "server_name" is not terminated by ";"', 4),
    ("misspelt-directive", _location("proxy_passs http://10.0.0.1:3000;"), 'unknown directive "proxy_passs"', 4),
    ("unclosed-block", "server {\n listen 127.0.0.1:18999;\n location / {\n  proxy_pass http://10.0.0.1:3000;\n }\n",
     'unexpected end of file, expecting "}"', 6),
    ("extra-brace", _location("proxy_pass http://10.0.0.1:3000;") + "}\n", 'unexpected "}"', 7),
    ("unterminated-directive", "server {\n listen 127.0.0.1:18999;\n location / {\n  proxy_pass http://10.0.0.1:3000",
     'unexpected end of file, expecting ";" or "}"', 4),
    ("unclosed-quote", _location('proxy_pass "http://10.0.0.1:3000;'), 'unexpected end of file, expecting ";" or "}"', 7),
    ("lone-semicolon", "server {\n listen 127.0.0.1:18999;;\n}\n", 'unexpected ";"', 2),
    ("next-upstream-value", _upstream(proxy="proxy_next_upstream error bogus;"), 'invalid value "bogus"', 7),
    ("connect-timeout-value", _upstream(proxy="proxy_connect_timeout abc;"),
     '"proxy_connect_timeout" directive invalid value', 7),
    ("connect-timeout-twice", _upstream(proxy="proxy_connect_timeout 1s; proxy_connect_timeout 2s;"),
     '"proxy_connect_timeout" directive is duplicate', 7),
    ("tries-value", _upstream(proxy="proxy_next_upstream_tries x;"),
     '"proxy_next_upstream_tries" directive invalid number', 7),
    ("proxy-pass-twice", _upstream(proxy="proxy_pass http://app;"), '"proxy_pass" directive is duplicate', 7),
    ("proxy-pass-no-scheme", _location("proxy_pass 10.0.0.1:3000;"), "invalid URL prefix", 4),
    ("proxy-pass-no-host", _location("proxy_pass http://:3000;"), 'no host in upstream ":3000"', 4),
    ("proxy-pass-in-server", "server {\n listen 127.0.0.1:18999;\n proxy_pass http://10.0.0.1:3000;\n}\n",
     '"proxy_pass" directive is not allowed here', 3),
    ("upstream-in-server", "server {\n listen 127.0.0.1:18999;\n upstream app { server 10.0.0.1:3000; }\n}\n",
     '"upstream" directive is not allowed here', 3),
    ("empty-upstream", "upstream app {\n}\n" + _location("proxy_pass http://app;"), "no servers are inside upstream", 2),
    ("only-backups", "upstream app {\n server 10.0.0.1:3000 backup;\n}\n" + _location("proxy_pass http://app;"),
     'no servers in upstream "app"', 1),
    ("duplicate-upstream", "upstream app {\n server 10.0.0.1:3000;\n}\nupstream app {\n server 10.0.0.2:3000;\n}\n"
     + _location("proxy_pass http://app;"), 'duplicate upstream "app"', 4),
    ("upstream-with-port-80", "upstream app {\n server 10.0.0.9:3000;\n}\n" + _location("proxy_pass http://app:80;"),
     'upstream "app" may not have port 80', 7),
    ("multi-line-directive", _location("proxy_pass\n    http://http://10.0.0.1:3000\n  ;"),
     'invalid port in upstream "http://10.0.0.1:3000"', 6),
    ("error-after-proxy-pass", _location("proxy_pass http://app;") + "upstream app {\n server 10.0.0.1:3000 weigth=1;\n}\n",
     'invalid parameter "weigth=1"', 8),
]


def _write(tmp_path: Path, text: str, name: str = "site.conf") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("case_id,text,message,line", BROKEN, ids=[case[0] for case in BROKEN])
def test_broken_config_gives_nginx_message_and_line(tmp_path, case_id, text, message, line):
    path = _write(tmp_path, text)
    with pytest.raises(NginxConfError) as caught:
        read_nginx_config(path)
    assert (caught.value.message, caught.value.line, caught.value.file) == (message, line, str(path))
    assert str(caught.value) == f"{path}:{line}: {message}"


EMERG = re.compile(r"^nginx: \[emerg\] (?P<message>.*) in (?P<file>\S+):(?P<line>\d+)$")


@pytest.mark.nginx
def test_the_table_matches_real_nginx_t(lab, tmp_path):
    """Each broken config, included from a real nginx.conf: nginx's first error line == ours."""
    mismatches = []
    for case_id, text, _, _ in BROKEN:
        path = _write(tmp_path, text, f"{case_id}.conf")
        server = lab.nginx(f"include {path};", start=False)
        result = server.test_config()
        first = result.stderr.splitlines()[0]
        match = EMERG.match(first)
        try:
            read_nginx_config(path)
            ours = "accepted"
        except NginxConfError as exc:
            ours = (exc.message, str(exc.line), exc.file)
        if match is None or ours != (match["message"], match["line"], match["file"]):
            mismatches.append((case_id, first, ours))
    assert mismatches == []
    print(f"\nnginx -t agreement: {len(BROKEN)}/{len(BROKEN)} broken configs, same message and line")


@pytest.mark.nginx
def test_configs_nginx_accepts_are_accepted(lab, tmp_path):
    good = {
        "lb": assets_dir() / "nginx" / "load_balancer.conf",
        "rp": assets_dir() / "nginx" / "reverse_proxy.conf",
        "full": _write(tmp_path, FULL_LB, "lb.conf"),
        "map": _write(tmp_path, 'map $http_upgrade $conn {\n default upgrade;\n "" close;\n}\n'
                      + _location("proxy_pass http://127.0.0.1:3000/;"), "map.conf"),
    }
    for name, path in good.items():
        result = lab.nginx(f"include {path};", start=False).test_config()
        assert "test is successful" in result.stderr, (name, result.stderr)
        assert read_nginx_config(path).servers, name


FULL_LB = """upstream ian {
    server 10.37.19.46:3000 weight=3 max_fails=2 fail_timeout=1m30s;
    server 10.37.19.182:3000 backup;
    server 10.37.19.64 down max_conns=5;
    least_conn;
    zone ian 64k;
}
server {
    listen 127.0.0.1:18999;
    server_name hasil.xyz;
    proxy_connect_timeout 5s;
    proxy_next_upstream_tries 2;
    location /static/ { root /var/www; }
    location / {
        proxy_pass http://ian;
        add_header X-Upstream $upstream_addr always;
        proxy_next_upstream error timeout http_502;
        proxy_read_timeout 1500ms;
    }
}
"""


def test_upstream_servers_parameters_and_proxy_settings_are_read(tmp_path):
    setup = read_nginx_config(_write(tmp_path, FULL_LB))
    assert setup.upstream == "ian"
    assert setup.policy == "least_conn"
    assert setup.zone is True
    assert [(s.address, s.weight, s.max_fails, s.fail_timeout, s.backup, s.down, s.max_conns)
            for s in setup.servers] == [
        ("10.37.19.46:3000", 3, 2, 90, False, False, 0),
        ("10.37.19.182:3000", 1, 1, 10.0, True, False, 0),
        ("10.37.19.64:80", 1, 1, 10.0, False, True, 5),
    ]
    assert setup.next_upstream == ("error", "timeout", "http_502")
    assert setup.next_upstream_tries == 2          # inherited from server{}
    assert setup.connect_timeout == 5.0             # inherited from server{}
    assert setup.read_timeout == 1.5
    assert setup.workers is None                    # a snippet: worker_processes unknown
    assert setup.line == 15


def test_defaults_are_nginx_defaults(tmp_path):
    setup = read_nginx_config(_write(tmp_path, "upstream a { server 10.0.0.1:3000; server 10.0.0.2:3000; }\n"
                                     + _location("proxy_pass http://a;")))
    assert (setup.policy, setup.next_upstream, setup.next_upstream_tries, setup.connect_timeout,
            setup.read_timeout, setup.zone) == ("round_robin", ("error", "timeout"), 0, 60.0, 60.0, False)
    assert [(s.weight, s.max_fails, s.fail_timeout) for s in setup.servers] == [(1, 1, 10.0)] * 2


@pytest.mark.parametrize("line,policy", [("random;", "random"), ("random two;", "random_two_least_conn"),
                                         ("random two least_conn;", "random_two_least_conn"),
                                         ("ip_hash;", "ip_hash"), ("least_conn;\n ip_hash;", "ip_hash")])
def test_balancing_directives(tmp_path, line, policy):
    assert read_nginx_config(_write(tmp_path, _upstream(line))).policy == policy


def test_hash_is_reported_as_not_modelled(tmp_path):
    with pytest.raises(NginxConfError, match=r"site.conf:2: \"hash\" balancing is not modelled"):
        read_nginx_config(_write(tmp_path, _upstream("hash $remote_addr consistent;")))


def test_next_upstream_off_and_repeated(tmp_path):
    assert read_nginx_config(_write(tmp_path, _upstream(proxy="proxy_next_upstream off;"))).next_upstream == ()
    both = _upstream(proxy="proxy_next_upstream error; proxy_next_upstream http_503;")
    assert read_nginx_config(_write(tmp_path, both)).next_upstream == ("error", "http_503")


def test_direct_proxy_pass_is_a_group_of_one(tmp_path):
    setup = read_nginx_config(assets_dir() / "nginx" / "reverse_proxy.conf")
    assert setup.upstream is None
    assert [s.address for s in setup.servers] == ["10.37.19.64:3000"]
    https = read_nginx_config(_write(tmp_path, _location("proxy_pass https://10.0.0.5/;")))
    assert [s.address for s in https.servers] == ["10.0.0.5:443"]


def test_the_tutorials_typo_is_found_at_its_line():
    path = assets_dir() / "nginx" / "reverse_proxy_broken.conf"
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "http://http://" in text)
    with pytest.raises(NginxConfError) as caught:
        read_nginx_config(path)
    assert str(caught.value) == f'{path}:{line}: invalid port in upstream "http://10.37.19.64:3000"'


def test_whole_nginx_conf_with_glob_include_relative_to_its_folder(tmp_path):
    """A copy of /etc/nginx: `include /etc/nginx/dumbways/*;` is looked up next to nginx.conf."""
    (tmp_path / "dumbways").mkdir()
    (tmp_path / "dumbways" / "b.conf").write_text(_location("proxy_pass http://ian;"))
    (tmp_path / "dumbways" / "a.conf").write_text("upstream ian { server 10.0.0.1:3000; server 10.0.0.2:3000; }\n")
    (tmp_path / "conf.d").mkdir()
    main = _write(tmp_path, "worker_processes 2;\nevents {}\nhttp {\n    include /etc/nginx/dumbways/*;\n"
                  "    include conf.d/*.conf;\n}\n", "nginx.conf")
    setup = read_nginx_config(main)
    assert setup.upstream == "ian" and setup.workers == 2
    assert setup.file == str(tmp_path / "dumbways" / "b.conf")
    main.write_text("events {}\nhttp {\n    include /etc/nginx/dumbways/*;\n}\n")
    assert read_nginx_config(main).workers == 1      # nginx's default in a whole config


def test_missing_included_file_and_missing_config(tmp_path):
    main = _write(tmp_path, "events {}\nhttp {\n include /nonexistent/tutor-test.conf;\n}\n", "nginx.conf")
    with pytest.raises(NginxConfError, match=r'nginx.conf:3: open\(\) "/nonexistent/tutor-test.conf" failed'):
        read_nginx_config(main)
    with pytest.raises(NginxConfError, match="no such file"):
        read_nginx_config(tmp_path / "nope.conf")


def test_config_without_proxy_pass_is_refused(tmp_path):
    with pytest.raises(NginxConfError, match="no proxy_pass found"):
        read_nginx_config(_write(tmp_path, "server {\n listen 80;\n root /var/www/html;\n}\n"))


def test_errors_in_included_files_name_that_file(tmp_path):
    bad = _write(tmp_path, _location("proxy_pass http://http://10.0.0.1:3000;"), "bad.conf")
    main = _write(tmp_path, f"events {{}}\nhttp {{\n include {bad};\n}}\n", "nginx.conf")
    with pytest.raises(NginxConfError) as caught:
        read_nginx_config(main)
    assert (caught.value.file, caught.value.line) == (str(bad), 4)


# ---------------------------------------------------------------- mapping onto a scenario


def _setup_for(tmp_path, upstream_lines: str, proxy: str = ""):
    return read_nginx_config(_write(tmp_path, "upstream ian {\n%s\n}\n" % upstream_lines
                                    + _location("proxy_pass http://ian; " + proxy)))


def test_mapping_keeps_names_and_apps_of_servers_with_the_same_address(tmp_path):
    base = default_scenario()
    slow_app2 = tuple(s if s.name != "app2" else Server(name="app2", address=s.address,
                                                         service={"dist": "const", "mean": 0.3})
                      for s in base.servers)
    scenario = type(base)(servers=slow_app2, events=base.events)
    setup = _setup_for(tmp_path, "server 10.37.19.182:3000 weight=3;\nserver 10.37.19.46:3000 max_fails=3;\nleast_conn;",
                       "proxy_connect_timeout 2s;")
    mapped, notes = apply_to_scenario(setup, scenario)
    assert [(s.name, s.address, s.weight, s.max_fails) for s in mapped.servers] == [
        ("app2", "10.37.19.182:3000", 3, 1), ("app1", "10.37.19.46:3000", 1, 3)]
    assert mapped.server("app2").service == {"dist": "const", "mean": 0.3}
    assert mapped.nginx.policy == "least_conn" and mapped.nginx.connect_timeout == 2.0
    assert [(n.code, n.server) for n in notes] == [("not_in_upstream", "app3")]
    assert [e.server for e in mapped.events] == ["app2"]


def test_mapping_pairs_new_addresses_in_order_and_drops_events_of_servers_left_out(tmp_path):
    scenario = type(default_scenario())(events=(Event(at=5.0, server="app3", action="stop"),))
    setup = _setup_for(tmp_path, "server 192.168.1.10:3000;\nserver 192.168.1.11:3000;")
    mapped, notes = apply_to_scenario(setup, scenario)
    assert [(s.name, s.address) for s in mapped.servers] == [("app1", "192.168.1.10:3000"),
                                                             ("app2", "192.168.1.11:3000")]
    assert mapped.events == ()
    assert [(n.code, n.server) for n in notes] == [("not_in_upstream", "app3"), ("event_dropped", "app3")]


def test_mapping_adds_servers_beyond_the_scenario(tmp_path):
    scenario = type(default_scenario())(servers=(Server(name="web", address="10.0.0.1:80"),), events=())
    setup = _setup_for(tmp_path, "server 10.0.0.1;\nserver 10.0.0.2:8080;")
    mapped, notes = apply_to_scenario(setup, scenario)
    assert [s.name for s in mapped.servers] == ["web", "10.0.0.2:8080"]
    assert [(n.code, n.server) for n in notes] == [("added_server", "10.0.0.2:8080")]


def test_mapping_uses_the_configs_worker_processes_only_when_the_file_has_them(tmp_path):
    scenario = type(default_scenario())(nginx=type(default_scenario().nginx)(workers=3))
    snippet = _setup_for(tmp_path, "server 10.37.19.46:3000;")
    assert apply_to_scenario(snippet, scenario)[0].nginx.workers == 3
    main = _write(tmp_path, "worker_processes 2;\nevents {}\nhttp {\n" + _location("proxy_pass http://10.0.0.1:3000;")
                  + "}\n", "nginx.conf")
    assert apply_to_scenario(read_nginx_config(main), scenario)[0].nginx.workers == 2
