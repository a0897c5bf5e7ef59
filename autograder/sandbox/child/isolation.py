"""The sandbox layers a fresh worker puts between student code and the machine.

Applied in the worker right after the fork, before any student code runs, in this
order: new namespaces (mount, network, IPC, UTS; the PID namespace is made by the fork
server), a filesystem view of read-only system and Python folders plus a private
tmpfs, resource limits, then an unprivileged user. Each layer is applied where the host
allows it; ``enter`` returns the names of the layers that are on, and the grader
reports them with every result.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import resource
import signal

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000

MS_RDONLY = 0x1
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_NOEXEC = 0x8
MS_REMOUNT = 0x20
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 0x40000

PR_SET_NO_NEW_PRIVS = 38
PR_SET_CHILD_SUBREAPER = 36

SYSTEM_PATHS = ("/usr", "/bin", "/lib", "/lib64", "/lib32", "/sbin")
DEVICES = ("/dev/null", "/dev/zero", "/dev/urandom", "/dev/random")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    def enc(text):
        return text.encode() if text is not None else None

    _check(_libc.mount(enc(source), enc(target), enc(fstype), ctypes.c_ulong(flags),
                       enc(data)), f"mount {target}")


def prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), "prctl")


def become_subreaper() -> bool:
    """Orphans of our workers come to us (and are reaped), not to the host's init."""
    try:
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        return True
    except OSError:
        return False


def new_pid_namespace() -> bool:
    """The next child of this process starts a new PID namespace as its PID 1, so that
    killing it kills every process it started."""
    try:
        unshare(CLONE_NEWPID)
        return True
    except OSError:
        return False


# ---------------------------------------------------------------------- filesystem


def bind(path: str, root: str, *, writable: bool = False) -> None:
    """Show ``path`` at the same place inside ``root``, read-only unless asked."""
    target = root + path
    if os.path.islink(path):
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.lexists(target):
            os.symlink(os.readlink(path), target)
        return
    if os.path.isdir(path):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            open(target, "a").close()
    mount(path, target, None, MS_BIND | MS_REC)
    if not writable:
        mount(None, target, None, MS_REMOUNT | MS_BIND | MS_RDONLY | MS_NOSUID)


def build_view(root: str, keep: list[str], tmp_mb: int, uid: int, devices: list[str]) -> None:
    """Make ``root`` a tiny filesystem: ``keep`` folders read-only, a private /tmp, /proc."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", root, "tmpfs", MS_NOSUID | MS_NODEV, "size=1m,mode=0755")
    # /tmp first: a kept folder may live under /tmp (a checkout there) and must stay on top
    os.makedirs(root + "/tmp", exist_ok=True)
    mount("tmpfs", root + "/tmp", "tmpfs", MS_NOSUID | MS_NODEV,
          f"size={tmp_mb}m,mode=1777")
    for path in dict.fromkeys(keep):
        if os.path.lexists(path):
            bind(path, root)
    for device in devices:
        if os.path.exists(device):
            bind(device, root, writable=True)
    os.makedirs(root + "/proc", exist_ok=True)
    # without a PID namespace of our own, leave /proc out rather than show the host's
    with contextlib.suppress(OSError):
        mount("proc", root + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
    os.makedirs(root + "/tmp/work", exist_ok=True)
    os.chown(root + "/tmp/work", uid, uid)
    os.chdir(root)
    os.chroot(root)
    os.chdir("/tmp/work")


# ---------------------------------------------------------------------- limits


def vm_size_bytes() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    return 0


def apply_limits(limits: dict, *, address_space: bool) -> list[str]:
    """Set the resource limits; returns the names of those set."""
    applied = []
    table = {
        "cpu_seconds": (resource.RLIMIT_CPU, lambda v: int(v)),
        "processes": (resource.RLIMIT_NPROC, lambda v: int(v)),
        "open_files": (resource.RLIMIT_NOFILE, lambda v: int(v)),
        "file_mb": (resource.RLIMIT_FSIZE, lambda v: int(v * 2**20)),
    }
    if address_space:  # CUDA maps huge address ranges: its memory is budgeted elsewhere
        table["memory_mb"] = (resource.RLIMIT_AS, lambda v: vm_size_bytes() + int(v * 2**20))
    for key, (which, convert) in table.items():
        if limits.get(key):
            value = convert(limits[key])
            resource.setrlimit(which, (value, value))
            applied.append(key)
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    # an oversized write should fail with an error, not kill the worker silently
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return applied


def drop_privileges(uid: int) -> None:
    os.setgroups([])
    os.setresgid(uid, uid, uid)
    os.setresuid(uid, uid, uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)


# ---------------------------------------------------------------------- all layers


def enter(config: dict) -> list[str]:
    """Apply every layer the host allows; return the names of the active ones."""
    layers = []
    sandbox = config.get("sandbox") or {}
    if config.get("pid_namespace"):
        layers.append("pid-namespace")
    privileged = os.geteuid() == 0
    if sandbox.get("namespaces", True) and privileged:
        try:
            unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS)
            layers += ["network-namespace", "ipc-namespace", "mount-namespace"]
        except OSError:
            pass
    if "mount-namespace" in layers:
        keep = [*SYSTEM_PATHS, *config.get("path", []), config["child_dir"]]
        devices = list(DEVICES)
        if config.get("device") == "cuda":
            keep.append("/sys")
            devices += [os.path.join("/dev", d) for d in os.listdir("/dev")
                        if d.startswith("nvidia")]
        build_view(config["workdir"], keep, int(sandbox.get("tmp_mb", 64)),
                   int(config["uid"]), devices)
        layers.append("filesystem-view")
    layers += apply_limits(sandbox.get("limits", {}),
                           address_space=config.get("device") != "cuda")
    if privileged and sandbox.get("drop_privileges", True):
        drop_privileges(int(config["uid"]))
        layers.append("unprivileged-user")
    os.environ.clear()
    os.environ.update({"PATH": "/usr/bin:/bin", "HOME": "/tmp/work", "LANG": "C.UTF-8"})
    layers.append("clean-environment")
    return layers
