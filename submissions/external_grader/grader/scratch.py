"""
The scratch space of one sandboxed run: a tmpfs capped in bytes and in files, private to the run.

The run's child process, between ``fork`` and ``exec``, enters a mount namespace of its own (and a user
namespace when the worker is not root), mounts one tmpfs (``size=``, ``nr_inodes=``) on a directory the
parent made, creates the run's ``work`` and ``tmp`` directories in it, and hands the parent a descriptor
of the tmpfs over a socket. The host never sees the mount: what the learner writes lives in memory (charged
to the run's memory cgroup), disappears with the run, and cannot outlive a killed worker. After the run the
parent reads the tmpfs's free blocks and inodes through the descriptor: zero left means the learner hit the
disk limit, even when the program ignored its ENOSPC errors. See ADR 0023.
"""

import contextlib
import ctypes
import os
import socket

__all__ = ["ScratchSpace", "mounts_supported"]

CLONE_NEWNS = 0x00020000
CLONE_NEWUSER = 0x10000000
MS_NOSUID = 0x2
MS_NODEV = 0x4
MS_BIND = 0x1000
MS_REC = 0x4000
MS_PRIVATE = 1 << 18
#: Inodes of the tmpfs that are not the learner's: its root, ``work`` and ``tmp``.
OWN_INODES = 3


def _libc():
    try:
        libc = ctypes.CDLL(None, use_errno=True)  # the C library the interpreter is linked with
        unshare, mount = libc.unshare, libc.mount
    except (OSError, AttributeError):
        return None, None
    unshare.argtypes = [ctypes.c_int]
    mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
    return unshare, mount


# Looked up once in the parent: the child (after fork, before exec) only calls them.
_unshare, _mount = _libc()


def mounts_supported():
    """Whether this platform has the calls at all (the probe finds out whether they are permitted)."""
    return _unshare is not None


def _check(result):
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code))


def _write(path, text):
    fd = os.open(path, os.O_WRONLY)
    try:
        os.write(fd, text.encode())
    finally:
        os.close(fd)


class ScratchSpace:
    """
    One run's tmpfs. The parent builds it, :meth:`enter` runs in the child before ``exec``, then the parent
    calls :meth:`receive` once the child started and :meth:`exhausted` / :meth:`close` after it ended.

    ``root`` is an empty directory (the mount point); ``owner`` the UID and GID that own ``work`` and ``tmp``
    (the slot UID, or the worker's own); ``bind_work`` a host directory on which ``work`` is bind-mounted, for
    levels where the program sees host paths.
    """

    def __init__(self, root, *, size, files, owner, bind_work=None):
        self.root = root
        self.work = os.path.join(root, "work")
        self.tmp = os.path.join(root, "tmp")
        self.size = int(size)
        self.files = int(files)
        self.owner = owner
        self.bind_work = bind_work
        self.root_user = os.geteuid() == 0
        self.ids = (os.getuid(), os.getgid())
        self._parent, self._child = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.fd = None

    # -- in the child, between fork and exec: system calls only, no locks --------------------------------
    def enter(self):
        if self.root_user:
            _check(_unshare(CLONE_NEWNS))
        else:
            # An unprivileged worker gets the capability to mount in a user namespace mapping only itself.
            _check(_unshare(CLONE_NEWNS | CLONE_NEWUSER))
            uid, gid = self.ids
            _write("/proc/self/setgroups", "deny")
            _write("/proc/self/uid_map", f"{uid} {uid} 1")
            _write("/proc/self/gid_map", f"{gid} {gid} 1")
        # Nothing mounted here may propagate back to the host's namespace.
        _check(_mount(None, b"/", None, MS_REC | MS_PRIVATE, None))
        options = f"size={self.size},nr_inodes={self.files + OWN_INODES},mode=0711"
        _check(_mount(b"tmpfs", self.root.encode(), b"tmpfs", MS_NOSUID | MS_NODEV, options.encode()))
        for path in (self.work, self.tmp):
            os.mkdir(path, 0o700)
            os.chown(path, *self.owner)
        if self.bind_work:
            _check(_mount(self.work.encode(), self.bind_work.encode(), None, MS_BIND, None))
            # subprocess changed into the run's directory before this: look it up again, on top of the mount.
            os.chdir(os.getcwd())
        fd = os.open(self.root, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            socket.send_fds(self._child, [b"s"], [fd])
        finally:
            os.close(fd)

    # -- in the parent ------------------------------------------------------------------------------------
    def receive(self):
        """Take the tmpfs descriptor the child sent (it was sent before ``exec``, so it is already queued)."""
        self._child.close()
        self._parent.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            _, fds, _, _ = socket.recv_fds(self._parent, 1, 1, socket.MSG_CMSG_CLOEXEC)
            self.fd = fds[0] if fds else None
        return self.fd is not None

    def exhausted(self):
        """True when the run used up the bytes or the files of its tmpfs."""
        if self.fd is None:
            return False
        stats = os.fstatvfs(self.fd)
        return stats.f_bavail == 0 or stats.f_favail == 0

    def close(self):
        """Release the tmpfs (its memory is freed with the last reference) and the socket."""
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self._parent.close()
        self._child.close()
