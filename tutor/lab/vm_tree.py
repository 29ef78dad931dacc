"""The files of one lab machine in the lab's data folder (what tutor.lab.machine mounts).

    <machine>/etc                   on top of the host's /etc: hostname, hosts, passwd with ubuntu, ...
    <machine>/var                   on top of the host's /var: its own log/, www/, tmp/ (opaque)
    <machine>/.work/...             overlayfs's work folders
    <machine>/home, root, tmp, run  the machine's own folders
    <machine>/.root                 where the machine's root is assembled
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

USER = "ubuntu"
SUDO_GROUP = "sudo"
MARKER = "tutor-lab"  # /etc/tutor-lab inside a machine: "prefix role"

HOSTS_TEMPLATE = """127.0.0.1 localhost
127.0.1.1 {name}

# The following lines are desirable for IPv6 capable hosts
::1     ip6-localhost ip6-loopback
fe00::0 ip6-localnet
ff00::0 ip6-mcastprefix
ff02::1 ip6-allnodes
ff02::2 ip6-allrouters
"""
# No name server the lab could reach: a name that is not in /etc/hosts fails at once, and no
# query ever leaves the lab.
RESOLV_CONF = "# tutor lab: no DNS server inside the lab; names come from /etc/hosts\nnameserver 127.0.0.1\noptions timeout:1 attempts:1\n"
NSSWITCH_CONF = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
PAM_SU = ("# tutor lab: the group sudo becomes root without a password (the machine's sudo uses su)\n"
          f"auth sufficient pam_rootok.so\nauth sufficient pam_wheel.so trust use_uid group={SUDO_GROUP}\n")
PROFILE = """# tutor lab: the stand-in commands (sudo, systemctl, apt, tutor) come first, as /usr/local/sbin does on Ubuntu
case ":$PATH:" in *:/usr/local/sbin:*) ;; *) PATH="/usr/local/sbin:$PATH" ;; esac
export PATH TUTOR_LAB_PREFIX={prefix}
"""
OPAQUE = "trusted.overlay.opaque"


def whoami(etc: Path = Path("/etc")) -> tuple[str, str, tuple[str, ...]] | tuple[()]:
    """(prefix, role, the lab's roles) when this process runs inside a lab machine, else ()."""
    try:
        words = (etc / MARKER).read_text(encoding="utf-8").split()
    except (OSError, UnicodeDecodeError):
        return ()
    return (words[0], words[1], tuple(words[2].split(","))) if len(words) >= 3 else ()


def upper(folder: Path, path: str) -> Path:
    """Where `path` inside the machine (under /etc, /var or /usr/local/sbin) lives on the host."""
    for inside, own in (("/usr/local/sbin", "sbin"), ("/etc", "etc"), ("/var", "var")):
        if path == inside or path.startswith(inside + "/"):
            return folder / own / path[len(inside):].lstrip("/")
    raise ValueError(f"{path} is not under the machine's /etc, /var or /usr/local/sbin")


def write_tools(folder: Path, tools: dict[str, str]) -> None:
    """The stand-in commands (tutor.lab.standins), one folder for every machine's /usr/local/sbin."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tools.items():
        (folder / name).write_text(text, encoding="utf-8")
        (folder / name).chmod(0o755)


def build(folder: Path, prefix: str, role: str, roles: tuple[str, ...], fresh_var: tuple[str, ...]) -> int:
    """Write `role`'s machine folder; returns the uid of ubuntu inside it."""
    etc = folder / "etc"
    for sub in ("etc/pam.d", "etc/profile.d", "var", ".work/etc", ".work/var", "root", "run", "tmp", "home"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    (folder / "tmp").chmod(0o1777)
    (folder / "root").chmod(0o700)
    (etc / "hostname").write_text(f"{role}\n", encoding="utf-8")
    (etc / "hosts").write_text(HOSTS_TEMPLATE.format(name=role), encoding="utf-8")
    (etc / "resolv.conf").write_text(RESOLV_CONF, encoding="utf-8")
    (etc / "nsswitch.conf").write_text(NSSWITCH_CONF, encoding="utf-8")
    (etc / MARKER).write_text(f"{prefix} {role} {','.join(roles)}\n", encoding="utf-8")
    (etc / "profile.d" / "tutor-lab.sh").write_text(PROFILE.format(prefix=prefix), encoding="utf-8")
    su = Path("/etc/pam.d/su").read_text(encoding="utf-8") if Path("/etc/pam.d/su").exists() else ""
    (etc / "pam.d" / "su").write_text(PAM_SU + su, encoding="utf-8")
    uid = _accounts(etc)
    for name in ("log", "www", "tmp", *fresh_var):  # the machine's own, none of the host's
        path = folder / "var" / name
        path.mkdir(parents=True, exist_ok=True)
        os.setxattr(path, OPAQUE, b"y")
    (folder / "var" / "tmp").chmod(0o1777)
    home = folder / "home" / USER
    shutil.copytree("/etc/skel", home, dirs_exist_ok=True) if Path("/etc/skel").is_dir() else home.mkdir()
    home.chmod(0o750)
    chown_tree(home, uid)
    return uid


def chown_tree(path: Path, uid: int) -> None:
    """Give `path` and everything below it to `uid` (group of the same number)."""
    os.chown(path, uid, uid, follow_symlinks=False)
    for root, dirs, files in os.walk(path):
        for name in dirs + files:
            os.chown(os.path.join(root, name), uid, uid, follow_symlinks=False)


def _accounts(etc: Path) -> int:
    """The machine's passwd, group and shadow: the host's, plus ubuntu in the group sudo."""
    passwd = _lines("/etc/passwd")
    group = _lines("/etc/group")
    shadow = _lines("/etc/shadow")
    used = {int(line.split(":")[2]) for line in passwd + group if line.count(":") >= 3 and line.split(":")[2].isdigit()}
    uid = next(n for n in range(1000, 60000) if n not in used)
    passwd = [line for line in passwd if not line.startswith(f"{USER}:")]
    passwd.append(f"{USER}:x:{uid}:{uid}:Ubuntu:/home/{USER}:/bin/bash")
    group = [line for line in group if not line.startswith(f"{USER}:")]
    group.append(f"{USER}:x:{uid}:")
    if not any(line.startswith(f"{SUDO_GROUP}:") for line in group):
        group.append(f"{SUDO_GROUP}:x:27:")
    group = [line + ("," if not line.endswith(":") else "") + USER if line.startswith(f"{SUDO_GROUP}:") else line
             for line in group]
    shadow = [line for line in shadow if not line.startswith(f"{USER}:")] + [f"{USER}:*:19000:0:99999:7:::"]
    for name, lines, mode in (("passwd", passwd, 0o644), ("group", group, 0o644), ("shadow", shadow, 0o640)):
        (etc / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
        (etc / name).chmod(mode)
    return uid


def _lines(path: str) -> list[str]:
    try:
        return [line for line in Path(path).read_text(encoding="utf-8").splitlines() if line.strip()]
    except OSError:
        return []
