"""A thin ctypes layer over the system libseccomp (``libseccomp.so.2``, Debian libseccomp2).

Only what the seccomp backend needs: build a filter context, add rules with argument
comparisons, set attributes, export the classic-BPF program for inspection, load it
into the calling thread.  libseccomp returns negative errno values; every failure is
raised as :class:`SeccompError` naming the call and the errno.

Constants are the values from ``<seccomp.h>`` of libseccomp 2.5 (a stable ABI).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import enum
import errno as errno_mod
import os
import threading
from dataclasses import dataclass

# Actions (uint32 return values of a seccomp filter, include/uapi/linux/seccomp.h).
ACT_KILL_PROCESS = 0x80000000
ACT_KILL_THREAD = 0x00000000
ACT_TRAP = 0x00030000
ACT_LOG = 0x7FFC0000
ACT_ALLOW = 0x7FFF0000


def act_errno(err: int) -> int:
    """SCMP_ACT_ERRNO(err): the system call fails with -err without running."""
    return 0x00050000 | (err & 0xFFFF)


class Attr(enum.IntEnum):
    """enum scmp_filter_attr."""

    ACT_DEFAULT = 1
    ACT_BADARCH = 2
    CTL_NNP = 3
    CTL_TSYNC = 4
    API_TSKIP = 5
    CTL_LOG = 6
    CTL_SSB = 7
    CTL_OPTIMIZE = 8
    API_SYSRAWRC = 9


class Cmp(enum.IntEnum):
    """enum scmp_compare."""

    NE = 1
    LT = 2
    LE = 3
    EQ = 4
    GE = 5
    GT = 6
    MASKED_EQ = 7


class _ArgCmp(ctypes.Structure):
    """struct scmp_arg_cmp."""

    _fields_ = [
        ("arg", ctypes.c_uint),
        ("op", ctypes.c_int),
        ("datum_a", ctypes.c_uint64),
        ("datum_b", ctypes.c_uint64),
    ]


@dataclass(frozen=True)
class ArgCmp:
    """One comparison of a syscall argument: SCMP_CMP(arg, op, a, b).

    For ``Cmp.MASKED_EQ`` ``a`` is the mask and ``b`` the value: ``(arg & a) == b``.
    """

    arg: int  # 0..5
    op: Cmp
    a: int
    b: int = 0


class SeccompError(OSError):
    """A libseccomp call failed; ``errno`` is the positive errno it returned."""

    def __init__(self, call: str, rc: int) -> None:
        err = -rc if rc < 0 else errno_mod.EINVAL
        super().__init__(err, f"{call}: {os.strerror(err)}")
        self.call = call


_lib: ctypes.CDLL | None = None


def _load() -> ctypes.CDLL:
    global _lib
    if _lib is not None:
        return _lib
    name = ctypes.util.find_library("seccomp") or "libseccomp.so.2"
    try:
        lib = ctypes.CDLL(name, use_errno=True)
    except OSError as exc:
        raise SeccompError(
            f"load {name} (install Debian package libseccomp2)", -errno_mod.ENOENT
        ) from exc
    lib.seccomp_init.argtypes = [ctypes.c_uint32]
    lib.seccomp_init.restype = ctypes.c_void_p
    lib.seccomp_release.argtypes = [ctypes.c_void_p]
    lib.seccomp_release.restype = None
    lib.seccomp_rule_add_array.argtypes = [
        ctypes.c_void_p,
        ctypes.c_uint32,
        ctypes.c_int,
        ctypes.c_uint,
        ctypes.POINTER(_ArgCmp),
    ]
    lib.seccomp_rule_add_array.restype = ctypes.c_int
    lib.seccomp_attr_set.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint32]
    lib.seccomp_attr_set.restype = ctypes.c_int
    lib.seccomp_load.argtypes = [ctypes.c_void_p]
    lib.seccomp_load.restype = ctypes.c_int
    lib.seccomp_export_bpf.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_export_bpf.restype = ctypes.c_int
    lib.seccomp_export_pfc.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.seccomp_export_pfc.restype = ctypes.c_int
    lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
    lib.seccomp_syscall_resolve_name.restype = ctypes.c_int
    _lib = lib
    return lib


def syscall_number(name: str) -> int:
    """The native syscall number of ``name`` (e.g. ``socket`` -> 41 on x86_64)."""
    nr = int(_load().seccomp_syscall_resolve_name(name.encode()))
    if nr < 0:
        raise SeccompError(f"seccomp_syscall_resolve_name({name!r})", -errno_mod.ENOENT)
    return nr


class Filter:
    """A libseccomp filter context (``scmp_filter_ctx``) for the native architecture.

    Use as a context manager, or call :meth:`release`; nothing reaches the kernel
    until :meth:`load`.
    """

    def __init__(self, default_action: int) -> None:
        self._lib = _load()
        ctx = self._lib.seccomp_init(default_action)
        if not ctx:
            raise SeccompError(f"seccomp_init({default_action:#x})", -errno_mod.EINVAL)
        self._ctx: int | None = ctx

    def __enter__(self) -> Filter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _handle(self) -> int:
        if self._ctx is None:
            raise SeccompError("filter already released", -errno_mod.EBADF)
        return self._ctx

    def set_attr(self, attr: Attr, value: int) -> None:
        rc = self._lib.seccomp_attr_set(self._handle(), int(attr), value)
        if rc < 0:
            raise SeccompError(f"seccomp_attr_set({attr.name}, {value:#x})", rc)

    def add_rule(
        self, action: int, syscall: int | str, cmps: list[ArgCmp] | tuple[ArgCmp, ...] = ()
    ) -> None:
        """seccomp_rule_add_array: all comparisons must hold (each argument at most once)."""
        nr = syscall_number(syscall) if isinstance(syscall, str) else syscall
        array = (_ArgCmp * max(len(cmps), 1))()
        for i, c in enumerate(cmps):
            array[i] = _ArgCmp(c.arg, int(c.op), c.a, c.b)
        rc = self._lib.seccomp_rule_add_array(self._handle(), action, nr, len(cmps), array)
        if rc < 0:
            raise SeccompError(
                f"seccomp_rule_add_array(action={action:#x}, syscall={syscall}, {list(cmps)})", rc
            )

    def _export(self, fn_name: str) -> bytes:
        # libseccomp writes to a file descriptor. No temporary file: a container's /tmp may
        # be read-only or absent. A memfd where the kernel and seccomp allow it, else a
        # pipe drained by a thread (the output can exceed the pipe's buffer).
        try:
            fd = os.memfd_create("hotfence-seccomp-export", os.MFD_CLOEXEC)
        except OSError:
            return self._export_pipe(fn_name)
        with os.fdopen(fd, "w+b") as f:
            rc = getattr(self._lib, fn_name)(self._handle(), f.fileno())
            if rc < 0:
                raise SeccompError(fn_name, rc)
            f.seek(0)
            return f.read()

    def _export_pipe(self, fn_name: str) -> bytes:
        r, w = os.pipe()
        chunks: list[bytes] = []

        def drain() -> None:
            with os.fdopen(r, "rb") as reader:
                chunks.append(reader.read())

        reader = threading.Thread(target=drain, daemon=True)
        reader.start()
        try:
            rc = getattr(self._lib, fn_name)(self._handle(), w)
        finally:
            os.close(w)
            reader.join()
        if rc < 0:
            raise SeccompError(fn_name, rc)
        return b"".join(chunks)

    def export_bpf(self) -> bytes:
        """The classic-BPF program as the kernel would get it (8 bytes per instruction)."""
        return self._export("seccomp_export_bpf")

    def export_pfc(self) -> str:
        """The filter in libseccomp's human-readable pseudo-filter-code."""
        return self._export("seccomp_export_pfc").decode()

    def load(self) -> None:
        """Install the filter on the calling thread; it is inherited across fork and exec."""
        rc = self._lib.seccomp_load(self._handle())
        if rc < 0:
            raise SeccompError("seccomp_load", rc)

    def release(self) -> None:
        if self._ctx is not None:
            self._lib.seccomp_release(self._ctx)
            self._ctx = None
