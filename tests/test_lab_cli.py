"""`tutor lab` from the command line: up, use, down, and nothing left behind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from netlab_support import require_lab
from tutor.lab.network import NETNS_ETC, netns_pids
from tutor.lab.services import alive

pytestmark = pytest.mark.lab


def leftovers(prefix: str) -> list[str]:
    """Namespaces and /etc/netns entries named `<prefix>-...`."""
    found = [f"/run/netns/{name}" for name in (os.listdir("/run/netns") if os.path.isdir("/run/netns") else ())
             if name.startswith(f"{prefix}-")]
    return found + [str(path) for path in NETNS_ETC.glob(f"{prefix}-*")]


def machine_nginx_state() -> dict[str, tuple]:
    """The machine's own nginx config, logs and pid file: name -> (size, mtime)."""
    state = {}
    for root in ("/etc/nginx", "/var/log/nginx", "/run/nginx.pid"):
        paths = [Path(root)] + (sorted(Path(root).rglob("*")) if Path(root).is_dir() else [])
        for path in paths:
            if path.exists() or path.is_symlink():
                info = path.lstat()
                state[str(path)] = (info.st_size, info.st_mtime_ns)
    return state


def tutor(*args: str, input: str | None = None, timeout: float = 60,
          sudo_user: str | None = None) -> subprocess.CompletedProcess:
    """`python -m tutor ARGS` as root, or as if run with sudo by `sudo_user`."""
    env = {name: value for name, value in os.environ.items() if name != "SUDO_USER"}
    if sudo_user:
        env["SUDO_USER"] = sudo_user
    return subprocess.run([sys.executable, "-m", "tutor", *args], capture_output=True, text=True, env=env,
                          input=input, timeout=timeout, stdin=None if input else subprocess.DEVNULL)


def test_up_shell_curl_and_down_leaves_nothing(tmp_path):
    require_lab()
    prefix = f"tc{os.getpid()}"
    data = Path(os.environ["TUTOR_DATA_DIR"]) / "lab" / prefix
    machine_before = machine_nginx_state()
    try:
        up = tutor("lab", "--prefix", prefix, "up", "--lang", "en")
        assert up.returncode == 0, up.stderr
        assert "The lab is up" in up.stdout
        listed = json.loads(tutor("lab", "--prefix", prefix, "status", "--json").stdout)
        assert [(vm["name"], vm["ipv4"], vm["state"]) for vm in listed["list"]] == [
            ("laptop", ["10.37.19.1"], "Running"), ("proxy", ["10.37.19.64"], "Running"),
            ("app1", ["10.37.19.46"], "Running"), ("app2", ["10.37.19.182"], "Running")]
        # The learner's way in: a shell on the laptop, then curl the proxy with the tutorial's domain.
        shell = tutor("lab", "--prefix", prefix, "shell", "laptop",
                      input="hostname\ncurl -sS -m 5 -H 'Host: hasil.xyz' -D - http://10.37.19.64\n")
        assert shell.returncode == 0, shell.stderr
        assert shell.stdout.splitlines()[0] == "laptop"
        assert "Server: nginx" in shell.stdout and "<title>Welcome to nginx!</title>" in shell.stdout
        app = tutor("lab", "--prefix", prefix, "exec", "laptop", "--", "curl", "-sS", "-m", "5",
                    "http://10.37.19.182:3000/")
        assert "served by app2" in app.stdout
        # nginx -t in the proxy reads the lab's tree, which is the proxy's /etc/nginx.
        tested = tutor("lab", "exec", "proxy", "--prefix", prefix, "--", "sudo", "nginx", "-t")
        assert tested.returncode == 0 and "/etc/nginx/nginx.conf test is successful" in tested.stderr
        assert (data / "nginx" / "sites-enabled" / "default").is_symlink()
        # exec is ubuntu's, as `multipass exec` is, whoever ran tutor: root's work needs sudo.
        mine = tutor("lab", "--prefix", prefix, "exec", "proxy", "--", "sh", "-c", "id -un; nginx -t",
                     sudo_user="nobody")
        assert mine.stdout.split() == ["ubuntu"] and mine.returncode != 0 and "Permission denied" in mine.stderr
        # Break the lab's config and reload it: the machine's own nginx files stay as they were.
        broken = tutor("lab", "--prefix", prefix, "exec", "proxy", "--", "sudo", "sh", "-c",
                       "echo 'server { listen 80; location / { proxy_pass http://http://x:1; } }' "
                       "> /etc/nginx/conf.d/bad.conf; nginx -t; systemctl reload nginx; rm /etc/nginx/conf.d/bad.conf;"
                       " nginx -s reload")
        assert "nginx: [emerg] invalid port in upstream" in broken.stderr
        pids = [pid for role in ("proxy", "app1", "app2") for pid in netns_pids(f"{prefix}-{role}")]
        assert len(pids) >= 5  # nginx master and workers, and npm -> sh -> node on each app
    finally:
        down = tutor("lab", "--prefix", prefix, "down")
    assert down.returncode == 0, down.stderr
    assert leftovers(prefix) == []
    assert not any(alive(pid) for pid in pids)
    assert not data.exists()
    assert machine_nginx_state() == machine_before


def test_a_second_down_and_a_status_of_no_lab_are_calm():
    require_lab()
    prefix = f"tn{os.getpid()}"
    assert tutor("lab", "--prefix", prefix, "down").returncode == 0
    status = tutor("lab", "--prefix", prefix, "status", "--lang", "en")
    assert (status.returncode, status.stdout.strip()) == (
        0, f"The lab is not up. Start it with: sudo tutor lab up --prefix {prefix}")  # its own prefix, to copy


def test_check_lab_takes_the_labs_prefix_and_names_it_when_that_lab_is_not_up():
    """`tutor lab --prefix P up` then `tutor check --lab`: the check must find lab P (--prefix, as
    for tutor lab), and a lab that is not up is named in the command to start it."""
    require_lab()
    prefix = f"tc{os.getpid()}"
    done = tutor("--lang", "en", "check", "--lab", "--prefix", prefix)
    assert done.returncode == 2
    assert done.stderr.strip() == f"tutor check: The lab is not up: run sudo tutor lab up --prefix {prefix} first."
    done = tutor("--lang", "id", "check", "--lab", "--prefix", prefix)
    assert done.stderr.strip() == f"tutor check: Lab belum menyala: jalankan dulu sudo tutor lab up --prefix {prefix}"


def test_check_prefix_without_lab_is_bad_usage():
    done = tutor("--lang", "en", "check", "--prefix", "walk", "--host", "app1=127.0.0.1:9")
    assert (done.returncode, done.stderr.strip()) == (
        2, "tutor check: --prefix names a lab of tutor lab: use it together with --lab.")


@pytest.mark.parametrize("args, needle", [
    (["lab", "--prefix", "Bad-Prefix", "status"], "Lab prefix 'Bad-Prefix'"),
    (["lab", "--prefix", "tq1", "exec", "proxy", "--"], "the lab is not up"),
    (["lab", "--prefix", "tq1", "poweroff", "app2"], "The lab has no machine 'app2'"),
])
def test_bad_requests_are_one_line_and_exit_2(args, needle):
    require_lab()
    done = tutor("--lang", "en", *args)
    assert done.returncode == 2
    assert needle.lower() in done.stderr.lower() and len(done.stderr.strip().splitlines()) == 1
    assert "Traceback" not in done.stderr


def test_without_root_the_lab_says_why_in_one_line():
    code = ("import os, sys; os.geteuid = lambda: 1000; from tutor.cli import main; "
            "sys.exit(main(['lab', 'up', '--lang', 'id']))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    if not sys.platform.startswith("linux"):
        assert done.returncode == 2 and "Linux" in done.stderr
        return
    assert done.returncode == 2
    assert done.stderr.strip() == "tutor lab: tutor lab butuh root: jalankan dengan sudo, misalnya sudo tutor lab up"


def test_the_lab_checker_answers_each_line_like_tutor_check():
    import io

    from tutor.cli.check_server import serve

    out = io.StringIO()
    serve(['["--host", "proxy=127.0.0.1:9", "nginx-running", "--json", "--timeout", "1"]\n',
           "not json\n", '["--bogus-option"]\n'], out)
    answers = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [answer["rc"] for answer in answers] == [1, 2, 2]
    assert json.loads(answers[0]["stdout"])["results"][0]["code"] == "refused"
    assert "one JSON list" in answers[1]["stderr"] and "--bogus-option" in answers[2]["stderr"]


def test_down_cleans_what_a_crashed_run_left_even_without_knowing_its_data_folder(tmp_path):
    require_lab()
    from tutor.lab import Lab

    prefix = f"tk{os.getpid()}"
    crashed = Lab(prefix, tmp_path / "elsewhere")
    crashed.up()
    nginx = crashed.nginx_master()
    crashed.poweroff("app2")
    # A new process knows only the prefix (its own data folder is elsewhere).
    Lab(prefix, tmp_path / "unrelated").down()
    assert leftovers(prefix) == []
    assert not (tmp_path / "elsewhere").exists()
    assert nginx is not None and not alive(nginx)
    crashed.reap()


def test_without_node_up_says_how_to_install_it(tmp_path):
    require_lab()
    import shutil

    tools = tmp_path / "bin"
    tools.mkdir()
    for tool in ("ip", "ss", "nsenter", "runuser", "su", "nginx"):  # everything the lab needs but node and npm
        (tools / tool).symlink_to(shutil.which(tool))
    env = {**os.environ, "PATH": str(tools)}
    done = subprocess.run([sys.executable, "-m", "tutor", "--lang", "en", "lab", "--prefix", "tz1", "up"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == ("tutor lab: Node.js is missing (node and npm): install it, "
                                   "e.g. sudo apt install nodejs npm")
    assert leftovers("tz1") == []
