"""One lab machine's own file system: a mount namespace that lives as long as the machine.

`make()` forks a child that joins the machine's network namespace, makes new mount and UTS
namespaces and builds the machine's root there:

- the host's `/` bound read-only (every mount below it too: /usr, /bin, /lib, ... as a VM image);
- `/etc` and `/var` as overlays: the host's folder read-only below, the machine's own folder in
  the lab's data folder on top, so `sed -i /etc/hosts` and `touch /etc/nginx/x` write there and
  nowhere else; `/usr/local/sbin` the lab's stand-in commands (read-only);
- `/home`, `/root`, `/tmp` and `/run` the machine's own folders (tmux's sockets in /tmp, so a
  tmux server belongs to one machine); fresh /proc, /sys (the machine's network devices) and /dev/shm.

The parent then bind-mounts the child's mount and UTS namespaces onto files under
`/run/tutor-lab/<prefix>/`, so they outlive the child; `enter()` gives the nsenter argv that
runs a command there. `release()` unmounts those files: once the machine's processes are gone,
the kernel frees the namespaces and every mount in them.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import os
import platform
import select
import socket
import subprocess
from pathlib import Path

from tutor.lab.errors import LabError

NS_ROOT = Path("/run/tutor-lab")
OVERLAYS = {"etc": "etc", "var": "var"}  # host folder below -> the machine's own on top
TOOLS = "/usr/local/sbin"  # the lab's stand-in commands, read-only (one folder for every machine)
PRIVATE = ("home", "root", "tmp", "run")  # the machine's own folders, nothing of the host's
HIDDEN_BELOW = ("proc", "sys", "dev/shm", "run", "tmp", "home", "root")  # host mounts not carried in

_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 0x1, 0x2, 0x4, 0x8
_MS_REMOUNT, _MS_BIND, _MS_REC, _MS_PRIVATE = 0x20, 0x1000, 0x4000, 0x40000
_MNT_DETACH = 2
_CLONE_NEWNS, _CLONE_NEWUTS, _CLONE_NEWNET = 0x20000, 0x4000000, 0x40000000
_AT_FDCWD, _AT_RECURSIVE, _MOUNT_ATTR_RDONLY = -100, 0x8000, 0x1
_SYS_MOUNT_SETATTR = 442  # the same number on every architecture
_SYS_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41}

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


def _mount(source: str | None, target: str, fstype: str | None = None, flags: int = 0, data: str | None = None) -> None:
    _check(_libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(), flags,
                       data and data.encode()), f"mount {target}")


def _detach(target: str) -> None:
    _libc.umount2(target.encode(), _MNT_DETACH)


def _readonly_tree(target: str) -> None:
    """Make `target` and every mount below it read-only (one call on Linux 5.12+, else one per mount)."""
    attr = _MountAttr(_MOUNT_ATTR_RDONLY, 0, 0, 0)
    if _libc.syscall(_SYS_MOUNT_SETATTR, _AT_FDCWD, target.encode(), _AT_RECURSIVE, ctypes.byref(attr),
                     ctypes.sizeof(attr)) == 0:
        return
    if ctypes.get_errno() != errno.ENOSYS:
        _check(-1, f"read-only {target}")
    keep = {"nosuid": _MS_NOSUID, "nodev": _MS_NODEV, "noexec": _MS_NOEXEC}
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
        mounts = [(line.split()[4].encode().decode("unicode_escape"), line.split()[5].split(",")) for line in table]
    for point, options in mounts:
        if point == target or point.startswith(target + "/"):
            flags = sum(flag for name, flag in keep.items() if name in options)
            _mount(None, point, None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY | flags)


def _pivot_here() -> None:
    number = _SYS_PIVOT_ROOT.get(platform.machine())
    if number is None:
        _check(subprocess.call(["pivot_root", ".", "."]), "pivot_root")
    else:
        _check(_libc.syscall(number, b".", b"."), "pivot_root")
    _detach(".")


def ns_dir(prefix: str) -> Path:
    return NS_ROOT / prefix


def ns_files(prefix: str, role: str) -> tuple[Path, Path]:
    """The files that hold `role`'s mount and UTS namespaces."""
    return ns_dir(prefix) / f"{role}.mnt", ns_dir(prefix) / f"{role}.uts"


def exists(prefix: str, role: str) -> bool:
    return ns_files(prefix, role)[0] in _mounted_files(prefix)


def enter(prefix: str, role: str, netns: str, argv: list[str], wd: str = "/") -> list[str]:
    """The argv that runs `argv` inside the machine: its network, mounts and host name."""
    mnt, uts = ns_files(prefix, role)
    inside = argv if wd == "/" else ["env", f"--chdir={wd}", *argv]  # nsenter's --wd is a path of the host
    return ["nsenter", f"--net=/run/netns/{netns}", f"--mount={mnt}", f"--uts={uts}", "--", *inside]


def make(prefix: str, role: str, netns: str, folder: Path, tools: Path, binds: dict[str, Path], keep: list[str],
         layered: dict[str, tuple[Path, Path, Path]] | None = None) -> None:
    """Build `role`'s root from `folder` (its etc, var, home, ... as prepared by tutor.lab.vm_tree)
    and keep its namespaces at ns_files(). `binds`: path inside -> host folder mounted there
    (the proxy's /etc/nginx); `keep`: host paths that stay reachable read-only even where a
    private folder covers them (the Python and the tutor running the lab); `layered`: path
    inside -> (host folder below, the machine's folder on top, overlayfs's work folder)
    (the learner's own app)."""
    try:
        _make(prefix, role, netns, folder, {**binds, TOOLS: tools}, keep, layered or {})
    except OSError as exc:
        raise LabError("vm_failed", role=role, why=str(exc)) from None


def _make(prefix: str, role: str, netns: str, folder: Path, binds: dict[str, Path], keep: list[str],
          layered: dict[str, tuple[Path, Path, Path]]) -> None:
    _ensure_ns_root(prefix)
    stage = folder / ".root"
    stage.mkdir(exist_ok=True)
    for path in keep:
        for private in PRIVATE:
            if path.startswith(f"/{private}/"):
                (folder / private / path.removeprefix(f"/{private}/")).mkdir(parents=True, exist_ok=True)
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: build, report, wait for the parent to keep the namespaces, exit
        code = 0
        try:
            os.close(ready_r)
            os.close(go_w)
            _build(role, netns, folder, stage, binds, keep, layered)
            os.write(ready_w, b"ok\n")
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, never raised here
            os.write(ready_w, f"{exc}"[:400].encode() + b"\n")
            code = 1
        finally:
            os.read(go_r, 1)
            os._exit(code)
    os.close(ready_w)
    os.close(go_r)
    try:
        select.select([ready_r], [], [], 30)
        answer = os.read(ready_r, 500).decode(errors="replace").strip()
        if answer != "ok":
            raise LabError("vm_failed", role=role, why=answer or "-")
        for kind, file in zip(("mnt", "uts"), ns_files(prefix, role)):
            file.touch()
            _mount(f"/proc/{pid}/ns/{kind}", str(file), None, _MS_BIND)
    finally:
        os.close(go_w)
        os.close(ready_r)
        os.waitpid(pid, 0)


def _build(role: str, netns: str, folder: Path, stage: Path, binds: dict[str, Path], keep: list[str],
           layered: dict[str, tuple[Path, Path, Path]]) -> None:
    fd = os.open(f"/run/netns/{netns}", os.O_RDONLY)
    _check(_libc.setns(fd, _CLONE_NEWNET), "setns")
    os.close(fd)
    _check(_libc.unshare(_CLONE_NEWNS | _CLONE_NEWUTS), "unshare")
    socket.sethostname(role)
    _mount(None, "/", None, _MS_REC | _MS_PRIVATE)
    root = str(stage)
    _mount("/", root, None, _MS_BIND | _MS_REC)
    _readonly_tree(root)
    for below in HIDDEN_BELOW:  # mounts of the host under these are not the machine's
        points = _mount_points(f"{root}/{below}")
        for point in points:  # a detach takes the mounts below along
            if not any(point.startswith(other + "/") for other in points):
                _detach(point)
    for name, own in OVERLAYS.items():
        options = f"lowerdir=/{name},upperdir={folder / own},workdir={folder / '.work' / own}"
        _mount("overlay", f"{root}/{name}", "overlay", 0, options)
    for name in PRIVATE:
        _mount(str(folder / name), f"{root}/{name}", None, _MS_BIND)
    for inside, source in binds.items():
        _mount(str(source), f"{root}{inside}", None, _MS_BIND)
        if inside == TOOLS:
            _mount(None, f"{root}{inside}", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
    for inside, (lower, upper, work) in layered.items():
        _mount("overlay", f"{root}{inside}", "overlay", 0, f"lowerdir={lower},upperdir={upper},workdir={work}")
    for path in keep:
        if any(path.startswith(f"/{private}/") for private in PRIVATE):
            _mount(path, f"{root}{path}", None, _MS_BIND | _MS_REC)
            _mount(None, f"{root}{path}", None, _MS_REMOUNT | _MS_BIND | _MS_RDONLY)
    os.chdir(root)
    _pivot_here()
    os.chdir("/")
    _mount("proc", "/proc", "proc", _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _mount("sysfs", "/sys", "sysfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC)
    _mount("tmpfs", "/dev/shm", "tmpfs", _MS_NOSUID | _MS_NODEV, "mode=1777")


def _mount_points(under: str) -> list[str]:
    """Mount points at or below `under` in this process's mount namespace."""
    points = []
    with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as table:
        for line in table:
            point = line.split()[4].encode().decode("unicode_escape")
            if point == under or point.startswith(under + "/"):
                points.append(point)
    return points


def _ensure_ns_root(prefix: str) -> None:
    """/run/tutor-lab as a private mount (namespace files may only be bound there), and the lab's folder."""
    NS_ROOT.mkdir(parents=True, exist_ok=True)
    if str(NS_ROOT) not in _mount_points(str(NS_ROOT)):
        _mount(str(NS_ROOT), str(NS_ROOT), None, _MS_BIND)
    _mount(None, str(NS_ROOT), None, _MS_PRIVATE)
    ns_dir(prefix).mkdir(exist_ok=True)


def _mounted_files(prefix: str) -> set[Path]:
    return {Path(point) for point in _mount_points(str(ns_dir(prefix)))}


def release(prefix: str) -> None:
    """Unmount the namespace files of `prefix` and remove its folder (the machines' processes must
    be gone already: then nothing of the machines is left)."""
    for file in sorted(_mounted_files(prefix), key=lambda p: len(str(p)), reverse=True):
        _detach(str(file))
    folder = ns_dir(prefix)
    for entry in folder.iterdir() if folder.is_dir() else ():
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
    try:
        folder.rmdir()
    except OSError:
        pass
