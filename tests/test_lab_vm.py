"""Each lab machine is a VM to whoever types in it (issue 16): its own files, user ubuntu with sudo,
tmux that stays inside, Ubuntu's systemctl for nginx, and nothing of the host changed."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
from pathlib import Path

import pytest

from lab_host import differences, snapshot
from lesson_lab import SITES_INCLUDE, read_plan
from netlab_support import require_lab
from test_lab_cli import leftovers, tutor
from tutor.lab.network import netns_pids
from tutor.lab.services import alive
from tutor.lessons.loader import load_lessons
from tutor.paths import lessons_dir

pytestmark = pytest.mark.lab

LESSONS = {lesson.id: lesson for lesson in load_lessons(lessons_dir()).lessons}


def typed(prefix: str, role: str, script: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """`script` typed into `tutor lab shell ROLE` (a login shell of ubuntu), as a learner would."""
    return tutor("lab", "shell", role, "--prefix", prefix, "--lang", "en", input=script, timeout=timeout)


def lab_uid(data: Path) -> int:
    line = next(line for line in (data / "laptop" / "etc" / "passwd").read_text().splitlines()
                if line.startswith("ubuntu:"))
    return int(line.split(":")[2])


def lesson_scripts(lesson_id: str) -> tuple[str, str]:
    """What the learner types on the proxy and on the laptop for every step of a lesson: the
    lesson's files (sudo tee), its include lines (sudo sed -i), nginx -t and systemctl reload
    after each step, and the hosts lines (sudo tee -a /etc/hosts)."""
    proxy, laptop = ["set -u"], []
    includes, hosts = [], []
    for plan in read_plan(LESSONS[lesson_id], "en"):
        for path, content in plan.files().items():
            proxy.append(f"sudo mkdir -p {shlex.quote(os.path.dirname(path))}")
            proxy.append(f"sudo tee {shlex.quote(path)} > /dev/null <<'TUTOR_EOF'\n{content.rstrip()}\nTUTOR_EOF")
        for line in plan.includes():
            if line not in includes:
                includes.append(line)
                folder = line.split()[1].rstrip(";").rsplit("/", 1)[0]
                proxy.append(f"sudo mkdir -p {shlex.quote(folder)}")
                proxy.append(f"grep -qF {shlex.quote(line)} /etc/nginx/nginx.conf || "
                             f"sudo sed -i 's|{SITES_INCLUDE.replace('*', '[*]')}|&\\n\\t{line}|' /etc/nginx/nginx.conf")
        if plan.files() or plan.includes():
            proxy.append("sudo nginx -t -q && sudo systemctl reload nginx")
        for line in plan.hosts_lines():
            if line not in hosts:
                hosts.append(line)
                laptop.append(f"echo {shlex.quote(line)} | sudo tee -a /etc/hosts > /dev/null")
    return "\n".join(proxy) + "\n", "\n".join(laptop) + "\n"


def test_the_lessons_typed_in_the_lab_leave_the_host_unchanged(tmp_path):
    """Lessons 2 and 3 typed in the lab's shells (their config files, includes, hosts lines,
    reloads, restarts, the optional serve-built-app step, tmux, sed -i, apt): the host's files,
    interfaces, routes, mounts and processes are as before, and every write is in the lab's folder."""
    require_lab()
    prefix = f"th{os.getpid()}"
    data = Path(os.environ["TUTOR_DATA_DIR"]) / "lab" / prefix
    before = snapshot(prefix)
    seen: set[int] = set()
    try:
        up = tutor("lab", "up", "--prefix", prefix, "--lang", "en")
        assert up.returncode == 0, up.stderr
        uid = lab_uid(data)
        before_tmp = snapshot(prefix, uid)["tmp"]
        # Lesson 2's proxy part by hand first: apt, status, the folder, as steps 9-11 say.
        first = typed(prefix, "proxy", "sudo apt update\nsudo apt install nginx -y\nsudo systemctl status nginx\n"
                                       "ls -ld /etc/nginx\nsudo mkdir -p /etc/nginx/dumbways\n")
        assert "nothing is downloaded" in first.stdout and "Temporary failure" not in first.stdout + first.stderr
        assert "Loaded: loaded (/lib/systemd/system/nginx.service; enabled; vendor preset: enabled)" in first.stdout
        assert "Active: active (running)" in first.stdout and "nginx: worker process" in first.stdout
        for lesson in ("reverse-proxy", "load-balancing"):
            on_proxy, on_laptop = lesson_scripts(lesson)
            done = typed(prefix, "proxy", on_proxy)
            assert "test failed" not in done.stderr, (lesson, done.stderr[-2000:])
            done = typed(prefix, "laptop", on_laptop + "curl -s -o /dev/null -w '%{http_code}\\n' -m 5 http://hasil.xyz\n")
            assert done.stdout.split()[-1:] == ["200"], (lesson, done.stdout, done.stderr)
        # The laptop's hosts file edited with sed -i (Device or resource busy before), then checked.
        laptop = typed(prefix, "laptop", "sudo sed -i '/hasil.xyz/d' /etc/hosts\ngrep -c hasil.xyz /etc/hosts\n"
                                         "echo '10.37.19.64 hasil.xyz' | sudo tee -a /etc/hosts >/dev/null\n"
                                         "sudo tutor lab status --lang en\ntutor check --lab nginx-running --json\n")
        assert laptop.stdout.splitlines()[0] == "0", laptop.stderr
        assert "tutor lab: This shell is inside the lab's machine laptop" in laptop.stderr
        assert json.loads(laptop.stdout[laptop.stdout.index("{"):])["results"][0]["ok"] is True, laptop.stdout
        # A restart with a good config, the journal, the error log.
        proxy = typed(prefix, "proxy", "sudo systemctl restart nginx.service\nsystemctl status nginx --no-pager\n"
                                       "sudo journalctl -u nginx -n 20 --no-pager\nsudo tail -n 3 /var/log/nginx/error.log\n")
        assert "Active: active (running)" in proxy.stdout and "cat:" not in proxy.stderr
        assert "Started A high performance web server" in proxy.stdout
        # The optional serve-built-app step on app1, its npm start stopped first; then tmux on app2.
        assert tutor("lab", "stop", "app1", "--prefix", prefix).returncode == 0
        app1 = typed(prefix, "app1", "cd ~/dumbsound\nnpm run build\nsudo apt install nginx -y\n"
                                     "sudo mkdir -p /var/www/dumbsound\nsudo cp -r build/. /var/www/dumbsound/\n"
                                     "printf 'server {\\n listen 3000;\\n root /var/www/dumbsound;\\n index index.html;\\n"
                                     " location / { try_files $uri /index.html; }\\n}\\n' | "
                                     "sudo tee /etc/nginx/conf.d/dumbsound.conf >/dev/null\n"
                                     "sudo nginx -t && sudo systemctl reload nginx\ncurl -s http://localhost:3000/login\n"
                                     "sudo touch /etc/nginx/x\n")
        assert "built on app1" in app1.stdout, app1.stderr
        app2 = typed(prefix, "app2", "tmux new -d -s app 'sleep 300'\ntmux ls\n")
        assert "app: 1 windows" in app2.stdout, app2.stderr
        seen = {pid for role in ("laptop", "proxy", "app1", "app2") for pid in netns_pids(f"{prefix}-{role}")}
        # Every write landed in the lab's folder: app1's /etc/nginx/x is app1's alone.
        assert (data / "app1" / "etc" / "nginx" / "x").exists()
        assert not Path("/etc/nginx/x").exists() and not (data / "nginx" / "x").exists()
        assert not (data / "app2" / "etc" / "nginx" / "x").exists()
        assert (data / "app1" / "var" / "www" / "dumbsound" / "index.html").exists()
        assert "hasil.xyz" in (data / "laptop" / "etc" / "hosts").read_text()
        during = snapshot(prefix, uid)
        assert differences({"tmp": before_tmp}, {"tmp": during["tmp"]}) == []
    finally:
        down = tutor("lab", "down", "--prefix", prefix)
    assert down.returncode == 0, down.stderr
    assert leftovers(prefix) == [] and not data.exists()
    assert seen and not any(alive(pid) for pid in seen)
    assert differences(before, snapshot(prefix)) == []


def test_tmux_in_a_lab_shell_runs_in_the_machine_and_down_ends_it():
    require_lab()
    prefix = f"tx{os.getpid()}"
    try:
        assert tutor("lab", "up", "--prefix", prefix).returncode == 0
        listed = json.loads(tutor("lab", "status", "--json", "--prefix", prefix).stdout)  # --json, after the action
        assert [vm["name"] for vm in listed["list"]] == ["laptop", "proxy", "app1", "app2"]
        # The host's own tmux socket folder must not be the one the lab's tmux uses.
        done = typed(prefix, "app1", "tmux new -d -s app 'sleep 300'\ntmux display -p -t app '#{pid}'\n"
                                     "tmux display -p -t app '#{socket_path}'\n")
        pid_text, socket = done.stdout.split()[:2]
        server = int(pid_text)
        assert socket.startswith("/tmp/tmux-") and not Path(socket).exists()  # the machine's /tmp, not the host's
        for kind, ours in (("net", f"/run/netns/{prefix}-app1"), ("mnt", f"/run/tutor-lab/{prefix}/app1.mnt")):
            assert os.stat(f"/proc/{server}/ns/{kind}").st_ino == os.stat(ours).st_ino, kind
        assert "app1" in subprocess.run(["nsenter", "-t", str(server), "-u", "hostname"], capture_output=True,
                                        text=True, timeout=10).stdout
    finally:
        down = tutor("lab", "down", "--prefix", prefix)
    assert down.returncode == 0 and not alive(server)
    assert not any(f"/{prefix}" in line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines())


def test_restart_with_a_broken_config_takes_the_site_down_as_on_ubuntu(netlab):
    broken = netlab.exec("proxy", ["sh", "-c", "echo 'server { listen 80; location / { proxy_pass http://http://x:1; } }'"
                                               " > /etc/nginx/conf.d/bad.conf; systemctl restart nginx"])
    assert broken.returncode == 1
    assert "Job for nginx.service failed because the control process exited with error code." in broken.stderr
    refused = netlab.exec("laptop", ["curl", "-sS", "-m", "3", "http://10.37.19.64/"])
    assert refused.returncode == 7, refused.stderr  # connection refused: the site is down
    status = netlab.exec("proxy", ["systemctl", "status", "nginx"])
    assert status.returncode == 3 and "Active: failed (Result: exit-code)" in status.stdout
    journal = netlab.exec("proxy", ["journalctl", "-u", "nginx", "--no-pager"])
    assert 'invalid port in upstream "http://x:1"' in journal.stdout
    fixed = netlab.exec("proxy", ["sh", "-c", "rm /etc/nginx/conf.d/bad.conf; systemctl start nginx; "
                                              "systemctl status nginx"])
    assert fixed.returncode == 0 and "Active: active (running)" in fixed.stdout, fixed.stderr
    assert netlab.exec("laptop", ["curl", "-sS", "-m", "3", "http://10.37.19.64/"]).returncode == 0


def test_apt_and_sudo_as_ubuntu_answer_in_one_line(netlab):
    done = netlab.exec("proxy", ["runuser", "-u", "ubuntu", "--", "sh", "-c",
                                 "PATH=/usr/local/sbin:$PATH; id -un; sudo id -un; sudo apt update; apt install nginx"],
                       env=netlab.user_env())
    assert done.stdout.splitlines()[:3] == [
        "ubuntu", "root", "tutor lab: nothing to update: the lab has no internet and nginx is already installed."]
    assert "are you root?" in done.stderr  # apt without sudo, as on Ubuntu
    # sudo passes every word as it is: spaces, quotes and $ are not re-read by a shell.
    words = netlab.exec("proxy", ["runuser", "-u", "ubuntu", "--", "/usr/local/sbin/sudo", "printf", "%s|",
                                  "a b", "c'd", "$(id)", "-x"], env=netlab.user_env())
    assert words.stdout == "a b|c'd|$(id)|-x|", words.stderr


def test_status_start_and_stop_see_an_app_the_learner_started(netlab):
    prefix = netlab.prefix
    assert tutor("lab", "stop", "app2", "--prefix", prefix).returncode == 0
    started = subprocess.Popen(netlab.user_command("app2", ["node", "server.js"], "/home/ubuntu/dumbsound"),
                               env=netlab.user_env(PORT="3000", MACHINE="mine"), stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        assert wait_until(lambda: netlab.listener("app2") is not None)
        table = tutor("lab", "status", "--prefix", prefix, "--lang", "en").stdout
        row = next(line.split(None, 3) for line in table.splitlines() if line.startswith("app2 "))
        assert row[:3] == ["app2", "Running", "10.37.19.182"] and row[3].startswith("app running (pid ")
        assert row[3].endswith(": node server.js)"), table
        busy = tutor("lab", "start", "app2", "--prefix", prefix, "--lang", "en")
        assert busy.returncode == 2 and "EADDRINUSE" in busy.stderr and "node server.js" in busy.stderr
        stop = tutor("lab", "stop", "app2", "--prefix", prefix, "--lang", "en")
        assert stop.stdout.startswith("Stopped what listened on port 3000 on app2: pid ")
        assert netlab.listener("app2") is None
        again = tutor("lab", "stop", "app2", "--prefix", prefix, "--lang", "en")
        assert again.stdout.strip() == "Nothing listens on port 3000 on app2: there was no app to stop."
    finally:
        if started.poll() is None:
            netlab.stop("app2")  # the learner's app, when the test failed before stopping it
        started.wait(timeout=10)


def wait_until(condition, timeout: float = 15.0) -> bool:
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


CRA_LIKE = r"""
"use strict";
// A Create-React-App-shaped dev server: listens at once, holds requests until its "compile" is done,
// and stops when its input ends unless CI=true (as react-scripts start does).
const http = require("http");
const fs = require("fs");
let compiled = false;
const waiting = [];
if (process.env.CI !== "true") {
  process.stdin.on("end", () => process.exit(0));
  process.stdin.resume();
}
fs.mkdirSync("node_modules/.cache", { recursive: true });
fs.writeFileSync("node_modules/.cache/compiled", "yes");
const answer = (res) => res.end(`compiled app, NODE_OPTIONS=${process.env.NODE_OPTIONS || ""}\n`);
http.createServer((req, res) => (compiled ? answer(res) : waiting.push(res))).listen(Number(process.env.PORT || 3000));
console.log("Starting the development server...");
setTimeout(() => { compiled = true; console.log("Compiled successfully!"); waiting.splice(0).forEach(answer); }, 800);
"""


def test_up_with_an_own_app_runs_npm_start_and_says_what_it_needs(tmp_path):
    require_lab()
    app = tmp_path / "dumbsound"
    (app / "node_modules" / "left-pad").mkdir(parents=True)
    (app / "package.json").write_text(json.dumps({"name": "cra-like", "scripts": {"start": "node start.js"}}))
    (app / "start.js").write_text(CRA_LIKE)
    prefix = f"ta{os.getpid()}"
    try:
        up = tutor("lab", "up", "--prefix", prefix, "--app", str(app), "--lang", "en", timeout=240)
        assert up.returncode == 0, up.stderr
        node = int(subprocess.run(["node", "--version"], capture_output=True, text=True).stdout[1:].split(".")[0])
        needs = "CI=true NODE_OPTIONS=--openssl-legacy-provider npm start" if node >= 17 else "CI=true npm start"
        assert f"On app1: cd /home/ubuntu/dumbsound && {needs}" in up.stdout
        page = tutor("lab", "exec", "laptop", "--prefix", prefix, "--", "curl", "-s", "-m", "10",
                     "http://10.37.19.182:3000/")
        assert page.stdout.startswith("compiled app")
        assert not (app / "node_modules" / ".cache").exists()  # the app's writes are the machine's
        data = Path(os.environ["TUTOR_DATA_DIR"]) / "lab" / prefix
        assert (data / "app2" / "app" / "node_modules" / ".cache" / "compiled").exists()
    finally:
        assert tutor("lab", "down", "--prefix", prefix).returncode == 0
    assert leftovers(prefix) == []


@pytest.mark.skipif(not os.environ.get("TUTOR_REAL_APP"), reason="TUTOR_REAL_APP (a dumbsound checkout with "
                    "node_modules) is not set")
def test_the_real_dumbsound_app_runs_in_the_lab():
    require_lab()
    prefix = f"tr{os.getpid()}"
    try:
        up = tutor("lab", "up", "--prefix", prefix, "--app", os.environ["TUTOR_REAL_APP"], timeout=400)
        assert up.returncode == 0, up.stderr
        page = tutor("lab", "exec", "laptop", "--prefix", prefix, "--", "curl", "-s", "-m", "120",
                     "http://10.37.19.46:3000/", timeout=150)
        assert "<title>DumbPlay - Bootcamp DevOps</title>" in page.stdout
    finally:
        assert tutor("lab", "down", "--prefix", prefix).returncode == 0


@pytest.mark.parametrize("prefix", ["abc\n", ""])
def test_a_prefix_with_a_newline_or_empty_is_refused(prefix):
    require_lab()
    done = tutor("lab", "up", "--prefix", prefix, "--lang", "en")
    assert done.returncode == 2 and "Lab prefix" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert leftovers("abc") == []


def test_a_second_up_while_the_first_builds_says_so(tmp_path):
    require_lab()
    from tutor.lab import Lab

    prefix = f"tb{os.getpid()}"
    with Lab(prefix, tmp_path).busy():
        done = tutor("lab", "up", "--prefix", prefix, "--lang", "en")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip() == (f"tutor lab: The lab '{prefix}' is being built or removed by another tutor lab "
                                   "right now; wait for it, then try again.")
    assert leftovers(prefix) == []
