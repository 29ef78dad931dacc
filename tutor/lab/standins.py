"""The Ubuntu commands a lab machine answers itself, in its own /usr/local/sbin (first in PATH).

No systemd, no apt mirror and maybe no sudo run inside the lab: `systemctl`/`service` and
`journalctl` answer for nginx as Ubuntu 22.04 does, `apt`/`apt-get` say in one line why nothing
is downloaded, `sudo` lets the machine's user `ubuntu` run anything as root (like ubuntu on a
multipass VM; through `su`, which the machine's own /etc/pam.d/su lets the group sudo use without
a password), `nginx` logs start-up errors to /var/log/nginx/error.log as Ubuntu's build does, and
`tutor` is the tutor that built the lab.
"""

from __future__ import annotations

import shlex

from tutor.i18n import tr

TEXT = "lab_cli"
JOURNAL = "/var/log/tutor-lab/nginx.journal"  # what `journalctl -u nginx` shows
FAILED = "/run/tutor-lab/nginx.failed"  # present when the last start of nginx failed
SINCE = "/run/tutor-lab/nginx.since"  # when nginx was last started (seconds since 1970)

NGINX = """#!/bin/sh
exec {real} -e /var/log/nginx/error.log "$@"
"""

SUDO = """#!/bin/sh
# tutor lab: sudo for the user ubuntu (it may run anything as root, as on a multipass VM)
user=root; login=; shell=
while [ $# -gt 0 ]; do
    case "$1" in
        -i|--login) login=1 ;;
        -s|--shell) shell=1 ;;
        -u|--user) user="$2"; shift ;;
        -E|--preserve-env|-H|--set-home|-n|--non-interactive|-k|-S|--stdin) ;;
        --) shift; break ;;
        -*) echo {bad_option} "$1" >&2; exit 1 ;;
        *) break ;;
    esac
    shift
done
if [ $# -eq 0 ]; then
    [ -n "$login$shell" ] || {{ echo "usage: sudo [-i|-s] [-u user] command" >&2; exit 1; }}
    if [ "$(id -un)" = "$user" ]; then exec bash ${{login:+-l}}; fi
    exec su ${{login:+-}} "$user"
fi
if [ "$(id -un)" = "$user" ]; then exec "$@"; fi
cmd=
for word in "$@"; do
    cmd="$cmd '$(printf '%s' "$word" | sed "s/'/'\\\\\\\\''/g")'"
done
exec su ${{login:+-}} "$user" -s /bin/sh -c "exec $cmd"
"""

SYSTEMCTL = """#!/bin/bash
# tutor lab: no systemd runs inside the lab; this answers `systemctl ... nginx` as Ubuntu 22.04 does.
journal={journal}; failed={failed}
pager=; verb=; unit=
for word in "$@"; do
    case "$word" in
        --no-pager|-l|--full|-q|--quiet|--now) ;;
        -*) ;;
        *) if [ -z "$verb" ]; then verb="$word"; elif [ -z "$unit" ]; then unit="${{word%.service}}"; fi ;;
    esac
done
if [ "$(id -u)" != 0 ] && [ "$verb" != status ] && [ "$verb" != is-active ]; then
    echo "Failed to $verb ${{unit}}.service: Interactive authentication required." >&2
    echo "See system logs and 'systemctl status ${{unit}}.service' for details." >&2
    exit 1
fi
if [ "$unit" != nginx ]; then
    echo {no_unit} >&2; exit 1
fi
[ "$(id -u)" = 0 ] && mkdir -p "$(dirname "$journal")" "$(dirname "$failed")"
log() {{ echo "$(date '+%b %d %H:%M:%S') $(hostname) $1" >> "$journal"; }}
running() {{  # a master that has exited but is not reaped yet (a zombie) counts as stopped
    pid=$(cat /run/nginx.pid 2>/dev/null) && [ -n "$pid" ] && [ "$(awk '{{print $3}}' "/proc/$pid/stat" 2>/dev/null)" != Z ] \
        && [ -e "/proc/$pid" ]
}}
failed_job() {{
    echo "Job for nginx.service failed because the control process exited with error code." >&2
    echo "See \\"systemctl status nginx.service\\" and \\"journalctl -xeu nginx.service\\" for details." >&2
    date '+%a %Y-%m-%d %H:%M:%S %Z' > "$failed"
    log "systemd[1]: nginx.service: Control process exited, code=exited, status=1/FAILURE"
    log "systemd[1]: nginx.service: Failed with result 'exit-code'."
    log "systemd[1]: Failed to start A high performance web server and a reverse proxy server."
    exit 1
}}
test_config() {{
    out=$(nginx -t -q -g 'daemon on; master_process on;' 2>&1); rc=$?
    [ -n "$out" ] && printf '%s\\n' "$out" | while IFS= read -r line; do log "nginx[$$]: $line"; done
    return $rc
}}
stop_nginx() {{
    running || return 0
    log "systemd[1]: Stopping A high performance web server and a reverse proxy server..."
    nginx -s quit 2>/dev/null
    i=0; while running && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    running && kill -TERM "$(cat /run/nginx.pid)" 2>/dev/null
    i=0; while running && [ "$i" -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    rm -f /run/nginx.pid
    log "systemd[1]: nginx.service: Deactivated successfully."
    log "systemd[1]: Stopped A high performance web server and a reverse proxy server."
}}
start_nginx() {{
    running && return 0
    log "systemd[1]: Starting A high performance web server and a reverse proxy server..."
    test_config || failed_job
    out=$(nginx -g 'daemon on; master_process on;' 2>&1) || {{ log "nginx[$$]: $out"; failed_job; }}
    i=0; while ! running && [ "$i" -lt 100 ]; do sleep 0.02; i=$((i + 1)); done
    rm -f "$failed"; date +%s > {since}
    log "systemd[1]: Started A high performance web server and a reverse proxy server."
}}
case "$verb" in
    start) start_nginx ;;
    stop) stop_nginx; rm -f "$failed" ;;
    restart) stop_nginx; start_nginx ;;
    reload)
        running || {{ echo "nginx.service is not active, cannot reload." >&2; exit 1; }}
        log "systemd[1]: Reloading A high performance web server and a reverse proxy server..."
        if test_config; then nginx -s reload; log "systemd[1]: Reloaded A high performance web server and a reverse proxy server."; exit 0; fi
        nginx -t -q 2>&1 | sed 's/^/ /' >&2
        echo "Job for nginx.service failed. See 'nginx -t' for details." >&2
        log "systemd[1]: nginx.service: Control process exited, code=exited, status=1/FAILURE"
        log "systemd[1]: Reload failed for A high performance web server and a reverse proxy server."
        exit 1 ;;
    is-active) if running; then echo active; elif [ -e "$failed" ]; then echo failed; exit 3; else echo inactive; exit 3; fi ;;
    is-enabled) echo enabled ;;
    enable|disable|daemon-reload) exit 0 ;;
    status)
        loaded="     Loaded: loaded (/lib/systemd/system/nginx.service; enabled; vendor preset: enabled)"
        if running; then
            master=$(cat /run/nginx.pid)
            echo "● nginx.service - A high performance web server and a reverse proxy server"
            echo "$loaded"
            since=$(cat {since} 2>/dev/null || date +%s); ago=$(( $(date +%s) - since ))
            if [ "$ago" -ge 60 ]; then ago="$((ago / 60))min $((ago % 60))s"; else ago="${{ago}}s"; fi
            echo "     Active: active (running) since $(date -d "@$since" '+%a %Y-%m-%d %H:%M:%S %Z'); $ago ago"
            echo "       Docs: man:nginx(8)"
            echo "   Main PID: $master (nginx)"
            echo "     CGroup: /system.slice/nginx.service"
            workers=$(ps -o pid= --ppid "$master")
            last=$(echo $workers | awk '{{print $NF}}')
            echo "             $( [ -n "$workers" ] && echo '├' || echo '└')─$master \\"$(ps -o args= -p "$master")\\""
            for w in $workers; do
                branch='├'; [ "$w" = "$last" ] && branch='└'
                echo "             $branch─$w \\"$(ps -o args= -p "$w")\\""
            done
        elif [ -e "$failed" ]; then
            echo "× nginx.service - A high performance web server and a reverse proxy server"
            echo "$loaded"
            echo "     Active: failed (Result: exit-code) since $(cat "$failed")"
            echo "       Docs: man:nginx(8)"
            echo
            tail -n 10 "$journal" 2>/dev/null
            exit 3
        else
            echo "○ nginx.service - A high performance web server and a reverse proxy server"
            echo "$loaded"
            echo "     Active: inactive (dead)"
            echo "       Docs: man:nginx(8)"
            exit 3
        fi ;;
    *) echo {no_verb} >&2; exit 1 ;;
esac
"""

SERVICE = """#!/bin/sh
# tutor lab: `service nginx ACTION` is `systemctl ACTION nginx`
exec systemctl "$2" "$1"
"""

JOURNALCTL = """#!/bin/sh
# tutor lab: nginx's own messages and what systemctl did with it (no systemd journal runs here)
lines=
while [ $# -gt 0 ]; do
    case "$1" in
        -n|--lines) lines="$2"; shift ;;
        -n*) lines="${{1#-n}}" ;;
        *) ;;
    esac
    shift
done
[ -f {journal} ] || {{ echo "-- No entries --"; exit 0; }}
if [ -n "$lines" ]; then tail -n "$lines" {journal}; else cat {journal}; fi
"""

APT = """#!/bin/sh
# tutor lab: nothing is downloaded inside the lab. `install nginx` on a machine without it sets up
# the lab's Ubuntu-like /etc/nginx and starts nginx, as the package does on Ubuntu.
[ "$(id -u)" = 0 ] || {{ echo "E: Could not open lock file /var/lib/dpkg/lock-frontend - open (13: Permission denied)" >&2
    echo "E: Unable to acquire the dpkg frontend lock (/var/lib/dpkg/lock-frontend), are you root?" >&2; exit 100; }}
case " $* " in
    *" install "*)
        if ! grep -qs "tutor lab" /etc/nginx/nginx.conf; then
            rm -rf /etc/nginx && cp -a {dist}/etc /etc/nginx
            mkdir -p /var/log/nginx /var/lib/nginx /var/www/html
            cp {dist}/index.nginx-debian.html /var/www/html/
            systemctl start nginx
        fi
        echo {installed}; exit 0 ;;
esac
echo {no_download}
"""
NGINX_DIST = ".nginx"  # in the stand-ins' folder: the Ubuntu-like /etc/nginx that `apt install nginx` sets up

TUTOR = """#!/bin/sh
# the tutor that built this lab
PYTHONPATH={source}${{PYTHONPATH:+:$PYTHONPATH}} exec {python} -m tutor "$@"
"""


def scripts(lang: str, nginx_real: str, python: str, source: str) -> dict[str, str]:
    """File name in /usr/local/sbin -> script text, with the learner's messages in `lang`."""
    dist = f"/usr/local/sbin/{NGINX_DIST}"

    def say(key: str, **values: str) -> str:
        return shlex.quote(tr(TEXT, key, lang, **values))

    return {
        "sudo": SUDO.format(bad_option=say("vm.sudo_option")),
        "systemctl": SYSTEMCTL.format(journal=JOURNAL, failed=FAILED, since=SINCE, no_unit=say("vm.no_unit"),
                                      no_verb=say("vm.no_verb")),
        "service": SERVICE,
        "journalctl": JOURNALCTL.format(journal=JOURNAL),
        "apt": APT.format(installed=say("vm.apt_installed"), no_download=say("vm.apt_offline"), dist=dist),
        "apt-get": APT.format(installed=say("vm.apt_installed"), no_download=say("vm.apt_offline"), dist=dist),
        "nginx": NGINX.format(real=nginx_real),
        "tutor": TUTOR.format(source=shlex.quote(source), python=shlex.quote(python)),
    }
