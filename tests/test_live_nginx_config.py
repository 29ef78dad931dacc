"""Reading the live nginx config with `multipass exec VM -- sudo nginx -T`: only with consent."""

from __future__ import annotations

import subprocess

import pytest

from live_support import FIXTURES, use_stand_in_multipass
from tutor.live.hosts import HostError
from tutor.live.nginx_config import ConsentRequired, read_nginx_config, split_nginx_dump


def test_nothing_runs_without_consent(monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    use_stand_in_multipass(monkeypatch, nginx_t=FIXTURES / "nginx-T-seed.txt", log=log)
    with pytest.raises(ConsentRequired):
        read_nginx_config("sinambela", consent=False)
    assert not log.exists()


def test_the_recorded_dump_splits_into_its_files(monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    use_stand_in_multipass(monkeypatch, nginx_t=FIXTURES / "nginx-T-seed.txt",
                           nginx_t_stderr=FIXTURES / "nginx-T-seed.stderr.txt", log=log)
    files = read_nginx_config("sinambela", consent=True)
    assert log.read_text() == "exec sinambela -- sudo nginx -T\n"
    assert list(files) == ["/etc/nginx/nginx.conf", "/etc/nginx/mime.types", "/etc/nginx/sites-enabled/default",
                           "/etc/nginx/dumbways/load_balancer.conf"]
    assert "include /etc/nginx/dumbways/*;" in files["/etc/nginx/nginx.conf"]
    assert files["/etc/nginx/dumbways/load_balancer.conf"].startswith("upstream ian {\n")
    assert files["/etc/nginx/dumbways/load_balancer.conf"].endswith("}\n}\n")


def test_a_config_nginx_rejects_gives_nginx_own_reason(monkeypatch):
    use_stand_in_multipass(monkeypatch, exit=1, nginx_t_stderr=FIXTURES / "nginx-T-typo.stderr.txt")
    reason = r'nginx: emerg: invalid port in upstream "http://10.37.19.64:3000" in /etc/nginx/dumbways/'
    with pytest.raises(HostError, match=reason):
        read_nginx_config("sinambela", consent=True)


def test_vm_names_cannot_smuggle_options(monkeypatch, tmp_path):
    log = tmp_path / "calls.log"
    use_stand_in_multipass(monkeypatch, log=log)
    with pytest.raises(HostError, match="not a multipass VM name"):
        read_nginx_config("--all", consent=True)
    assert not log.exists()


def test_split_gives_back_exactly_the_files_real_nginx_dumped(nginx_bin, tmp_path):
    """Run the real `nginx -T` on a config with includes and compare every file byte for byte."""
    (tmp_path / "sites").mkdir()
    site = "upstream ian {\n    server 127.0.0.2:3000;\n}\n\nserver {\n    listen 127.0.0.1:8089;\n}\n"
    (tmp_path / "sites" / "lb.conf").write_text(site)
    (tmp_path / "sites" / "empty.conf").write_text("")
    (tmp_path / "sites" / "no-newline.conf").write_text("# last line without newline")
    main = (f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
            f"http {{\n    access_log off;\n    include {tmp_path}/sites/*.conf;\n}}\n")
    (tmp_path / "nginx.conf").write_text(main)
    dump = subprocess.run([nginx_bin, "-T", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf"),
                           "-e", str(tmp_path / "error.log")], capture_output=True, text=True, timeout=20)
    assert dump.returncode == 0, dump.stderr
    files = split_nginx_dump(dump.stdout)
    expected = {str(tmp_path / "nginx.conf"): main}
    for name in sorted(("lb.conf", "empty.conf", "no-newline.conf")):
        expected[str(tmp_path / "sites" / name)] = (tmp_path / "sites" / name).read_text()
    assert files == expected
