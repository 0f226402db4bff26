"""A thin ctypes layer over the system libbpf (Debian ``libbpf1``, libbpf.so.1).

Only what hotfence needs: open/load an object file, find programs and maps, attach a
program to a cgroup (a ``bpf_link`` owned by this process unless pinned), pin/unpin,
map element access by fd (works for maps of a loaded object and for pinned maps
opened with :func:`obj_get`), ring-buffer polling with a Python callback, and libbpf's
own messages routed into :mod:`logging` (logger ``hotfence.libbpf``).

Every failure raises :class:`LibbpfError` carrying ``errno`` and a message that names
the operation and object.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno as errno_mod
import logging
import mmap
import os
import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger("hotfence.libbpf")

_lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
# libc from the process's own symbols (dlopen(NULL)): CPython always has it loaded, and
# ctypes.util.find_library runs ldconfig, ~20 ms of every hook that imports this module.
_libc = ctypes.CDLL(None, use_errno=True)

_vp = ctypes.c_void_p
_cp = ctypes.c_char_p
_int = ctypes.c_int


def _sig(name: str, restype: type[ctypes._CData] | None, *argtypes: type[ctypes._CData]) -> None:
    fn = getattr(_lib, name)
    fn.restype = restype
    fn.argtypes = list(argtypes)


_sig("bpf_object__open_file", _vp, _cp, _vp)
_sig("bpf_object__load", _int, _vp)
_sig("bpf_object__close", None, _vp)
_sig("bpf_object__find_program_by_name", _vp, _vp, _cp)
_sig("bpf_object__find_map_by_name", _vp, _vp, _cp)
_sig("bpf_object__next_map", _vp, _vp, _vp)
_sig("bpf_object__next_program", _vp, _vp, _vp)
_sig("bpf_program__name", _cp, _vp)
_sig("bpf_program__fd", _int, _vp)
_sig("bpf_program__attach_cgroup", _vp, _vp, _int)
_sig("bpf_program__attach", _vp, _vp)
_sig("bpf_program__set_autoload", _int, _vp, ctypes.c_bool)
_sig("bpf_map__name", _cp, _vp)
_sig("bpf_map__fd", _int, _vp)
_sig("bpf_map__key_size", ctypes.c_uint32, _vp)
_sig("bpf_map__value_size", ctypes.c_uint32, _vp)
_sig("bpf_map__max_entries", ctypes.c_uint32, _vp)
_sig("bpf_map__type", _int, _vp)
_sig("bpf_map__pin", _int, _vp, _cp)
_sig("bpf_map__reuse_fd", _int, _vp, _int)
_sig("bpf_map__set_initial_value", _int, _vp, _vp, ctypes.c_size_t)
_sig("bpf_map__set_max_entries", _int, _vp, ctypes.c_uint32)
_sig("bpf_link__pin", _int, _vp, _cp)
_sig("bpf_link__unpin", _int, _vp)
_sig("bpf_link__destroy", _int, _vp)
_sig("bpf_link__fd", _int, _vp)
_sig("bpf_link__open", _vp, _cp)
_sig("bpf_link__disconnect", None, _vp)
_sig("bpf_map_update_elem", _int, _int, _vp, _vp, ctypes.c_uint64)
_sig("bpf_map_lookup_elem", _int, _int, _vp, _vp)
_sig("bpf_map_update_batch", _int, _int, _vp, _vp, ctypes.POINTER(ctypes.c_uint32), _vp)
_sig("bpf_map_delete_elem", _int, _int, _vp)
_sig("bpf_map_get_next_key", _int, _int, _vp, _vp)
_sig("bpf_obj_get", _int, _cp)
_sig("bpf_obj_pin", _int, _int, _cp)
_sig("bpf_obj_get_info_by_fd", _int, _int, _vp, ctypes.POINTER(ctypes.c_uint32))
_sig("libbpf_num_possible_cpus", _int)
_sig("libbpf_strerror", _int, _int, _cp, ctypes.c_size_t)

RING_SAMPLE_FN = ctypes.CFUNCTYPE(_int, _vp, _vp, ctypes.c_size_t)
_sig("ring_buffer__new", _vp, _int, RING_SAMPLE_FN, _vp, _vp)
_sig("ring_buffer__poll", _int, _vp, _int)
_sig("ring_buffer__consume", _int, _vp)
_sig("ring_buffer__free", None, _vp)

# libbpf_print_fn_t: int (*)(enum libbpf_print_level, const char *, va_list). On x86-64
# and arm64 a va_list argument is passed as a pointer, so vsnprintf can format it.
_PRINT_FN = ctypes.CFUNCTYPE(_int, _int, _cp, _vp)
_sig("libbpf_set_print", _vp, _PRINT_FN)
_libc.vsnprintf.restype = _int
_libc.vsnprintf.argtypes = [_cp, ctypes.c_size_t, _cp, _vp]
_libc.close.argtypes = [_int]

_LEVELS = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG}

BPF_ANY = 0
BPF_NOEXIST = 1
BPF_EXIST = 2


class LibbpfError(OSError):
    """A libbpf call failed; ``errno`` is set and the message names what was attempted."""

    def __init__(self, err: int, what: str):
        err = abs(err) or errno_mod.EIO
        super().__init__(err, f"{what}: {os.strerror(err)} ({errno_mod.errorcode.get(err, err)})")


def _check(ret: int, what: str) -> int:
    if ret < 0:
        raise LibbpfError(-ret if ret != -1 else ctypes.get_errno(), what)
    return ret


def _check_ptr(ptr: int | None, what: str) -> int:
    if not ptr:
        raise LibbpfError(ctypes.get_errno(), what)
    return ptr


def _print(level: int, fmt: bytes, va_list: int) -> int:
    buf = ctypes.create_string_buffer(2048)
    _libc.vsnprintf(buf, len(buf), fmt, va_list)
    msg = buf.value.decode(errors="replace").rstrip()
    if msg:
        log.log(_LEVELS.get(level, logging.DEBUG), "%s", msg)
    return 0


_print_cb = _PRINT_FN(_print)  # module-level: libbpf keeps the pointer for ever
_lib.libbpf_set_print(_print_cb)


@contextlib.contextmanager
def quiet(level: int = logging.ERROR) -> Iterator[None]:
    """Silence libbpf's messages below ``level`` (e.g. while probing what is expected to fail)."""
    old = log.level
    log.setLevel(level)
    try:
        yield
    finally:
        log.setLevel(old)


def num_possible_cpus() -> int:
    return _check(_lib.libbpf_num_possible_cpus(), "libbpf_num_possible_cpus")


# ---------------------------------------------------------------------------- maps


class Map:
    """A BPF map by fd. ``owned`` maps (from :func:`obj_get`) close their fd on close()."""

    def __init__(
        self,
        fd: int,
        name: str,
        key_size: int,
        value_size: int,
        percpu: bool = False,
        owned: bool = False,
    ):
        self.fd = fd
        self.name = name
        self.key_size = key_size
        self.value_size = value_size
        self.percpu = percpu
        self._owned = owned
        # Per-CPU maps return one value per possible CPU, each rounded up to 8 bytes.
        self.lookup_size = (
            ((value_size + 7) // 8 * 8) * num_possible_cpus() if percpu else value_size
        )

    def _key(self, key: bytes) -> ctypes.Array[ctypes.c_char]:
        if len(key) != self.key_size:
            raise ValueError(f"map {self.name}: key is {len(key)} bytes, expected {self.key_size}")
        return ctypes.create_string_buffer(key, len(key))

    def update(self, key: bytes, value: bytes, flags: int = BPF_ANY) -> None:
        size = self.lookup_size if self.percpu else self.value_size
        if len(value) != size:
            raise ValueError(f"map {self.name}: value is {len(value)} bytes, expected {size}")
        val = ctypes.create_string_buffer(value, len(value))
        _check(
            _lib.bpf_map_update_elem(self.fd, self._key(key), val, flags), f"update map {self.name}"
        )

    def update_batch(self, keys: bytes, values: bytes) -> None:
        """Write many entries in one system call (keys and values concatenated)."""
        count = len(keys) // self.key_size
        if len(keys) != count * self.key_size or len(values) != count * self.value_size:
            raise ValueError(
                f"map {self.name}: {len(keys)} key bytes and {len(values)} value bytes "
                f"are not {count} entries of {self.key_size}+{self.value_size}"
            )
        n = ctypes.c_uint32(count)
        _check(
            _lib.bpf_map_update_batch(self.fd, keys, values, ctypes.byref(n), None),
            f"batch update of map {self.name} ({n.value} of {count} entries written)",
        )

    def lookup(self, key: bytes) -> bytes | None:
        val = ctypes.create_string_buffer(self.lookup_size)
        ret = _lib.bpf_map_lookup_elem(self.fd, self._key(key), val)
        if ret < 0:
            err = ctypes.get_errno() if ret == -1 else -ret
            if err == errno_mod.ENOENT:
                return None
            raise LibbpfError(err, f"lookup in map {self.name}")
        return val.raw

    def lookup_percpu(self, key: bytes) -> list[bytes]:
        """One value per possible CPU (a per-CPU map read never loses a CPU's count)."""
        raw = self.lookup(key)
        if raw is None:
            return []
        step = (self.value_size + 7) // 8 * 8
        return [raw[i : i + self.value_size] for i in range(0, len(raw), step)]

    def delete(self, key: bytes) -> bool:
        ret = _lib.bpf_map_delete_elem(self.fd, self._key(key))
        if ret < 0:
            err = ctypes.get_errno() if ret == -1 else -ret
            if err == errno_mod.ENOENT:
                return False
            raise LibbpfError(err, f"delete from map {self.name}")
        return True

    def keys(self) -> Iterator[bytes]:
        """All keys; collect them before deleting (deletion restarts hash iteration)."""
        cur = None
        nxt = ctypes.create_string_buffer(self.key_size)
        while True:
            ret = _lib.bpf_map_get_next_key(self.fd, cur, nxt)
            if ret < 0:
                err = ctypes.get_errno() if ret == -1 else -ret
                if err == errno_mod.ENOENT:
                    return
                raise LibbpfError(err, f"iterate map {self.name}")
            yield nxt.raw
            cur = ctypes.create_string_buffer(nxt.raw, self.key_size)

    def max_entries(self) -> int:
        """The map's size, from the kernel (struct bpf_map_info: type, id, key_size,
        value_size, max_entries, ...; a shorter buffer than the kernel's is allowed)."""
        buf = (ctypes.c_uint8 * 32)()
        size = ctypes.c_uint32(ctypes.sizeof(buf))
        _check(
            _lib.bpf_obj_get_info_by_fd(self.fd, buf, ctypes.byref(size)),
            f"read map info of {self.name}",
        )
        return int(struct.unpack_from("<I", bytes(buf), 16)[0])

    def write_array(self, first: int, values: bytes) -> None:
        """Write ``values`` into consecutive entries of an array map from index ``first``.

        An array created with BPF_F_MMAPABLE (Linux 5.5) is written through a shared
        mapping of its values: tens of thousands of entries in a memory copy instead of
        one batch system call that takes milliseconds. An array without the flag (pinned
        by an older hotfence; mmap says EINVAL or EPERM) gets the batch update.
        """
        stride = (self.value_size + 7) // 8 * 8  # the kernel's element size
        count = len(values) // self.value_size
        if len(values) != count * self.value_size or stride != self.value_size:
            raise ValueError(f"map {self.name}: {len(values)} value bytes are not whole entries")
        end = (first + count) * stride
        try:
            view = mmap.mmap(self.fd, (end + mmap.PAGESIZE - 1) // mmap.PAGESIZE * mmap.PAGESIZE)
        except OSError:
            keys = struct.pack(f"={count}I", *range(first, first + count))
            self.update_batch(keys, values)
            return
        with view:
            view[first * stride : end] = values

    def pin(self, path: str | Path) -> None:
        _check(_lib.bpf_obj_pin(self.fd, str(path).encode()), f"pin map {self.name} at {path}")

    def close(self) -> None:
        if self._owned and self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


def obj_get(path: str | Path) -> int:
    """fd of a pinned BPF object (map, program or link) in bpffs."""
    return _check(_lib.bpf_obj_get(str(path).encode()), f"open pinned object {path}")


def open_pinned_map(
    path: str | Path, name: str, key_size: int, value_size: int, percpu: bool = False
) -> Map:
    return Map(obj_get(path), name, key_size, value_size, percpu=percpu, owned=True)


# ---------------------------------------------------------------------------- links


class Link:
    """A bpf_link: the attachment. Destroying it detaches, unless it is pinned."""

    def __init__(self, ptr: int, what: str):
        self._ptr: int | None = ptr
        self.what = what

    @property
    def fd(self) -> int:
        fd: int = _lib.bpf_link__fd(self._ptr)
        return fd

    def pin(self, path: str | Path) -> None:
        _check(_lib.bpf_link__pin(self._ptr, str(path).encode()), f"pin link {self.what} at {path}")

    def destroy(self) -> None:
        """Close this process's reference: detaches unless a bpffs pin still holds the link."""
        if self._ptr:
            _lib.bpf_link__destroy(self._ptr)
            self._ptr = None


def open_pinned_link(path: str | Path) -> Link:
    ptr = _check_ptr(_lib.bpf_link__open(str(path).encode()), f"open pinned link {path}")
    return Link(ptr, str(path))


BPF_LINK_TYPE_CGROUP = 3  # enum bpf_link_type, include/uapi/linux/bpf.h


@dataclass(frozen=True)
class LinkInfo:
    """struct bpf_link_info: the kernel's view of a link (what bpftool link show prints)."""

    type: int  # enum bpf_link_type
    id: int
    prog_id: int
    cgroup_id: int  # cgroup links only: 0 once the cgroup the link was made for is gone


def link_info(path: str | Path) -> LinkInfo:
    """The kernel's info on the link pinned at ``path``."""
    fd = obj_get(path)
    try:
        # struct bpf_link_info: type, id, prog_id, then an 8-aligned union whose cgroup
        # member starts with the u64 cgroup_id. A shorter buffer than the kernel's struct
        # is allowed (the kernel copies what fits).
        buf = (ctypes.c_uint8 * 64)()
        size = ctypes.c_uint32(ctypes.sizeof(buf))
        _check(
            _lib.bpf_obj_get_info_by_fd(fd, buf, ctypes.byref(size)), f"read link info of {path}"
        )
    finally:
        os.close(fd)
    type_, id_, prog_id = struct.unpack_from("<III", bytes(buf), 0)
    cgroup_id = struct.unpack_from("<Q", bytes(buf), 16)[0] if type_ == BPF_LINK_TYPE_CGROUP else 0
    return LinkInfo(type_, id_, prog_id, cgroup_id)


# ---------------------------------------------------------------------------- objects


class Program:
    def __init__(self, ptr: int, name: str):
        self._ptr = ptr
        self.name = name

    @property
    def fd(self) -> int:
        fd: int = _lib.bpf_program__fd(self._ptr)
        return fd

    def set_autoload(self, autoload: bool) -> None:
        _check(_lib.bpf_program__set_autoload(self._ptr, autoload), f"set autoload on {self.name}")

    def attach(self) -> Link:
        """Attach where the program's SEC() says (tracepoint/..., lsm/...)."""
        return Link(
            _check_ptr(_lib.bpf_program__attach(self._ptr), f"attach program {self.name}"),
            self.name,
        )

    def attach_cgroup(self, cgroup_fd: int) -> Link:
        ptr = _check_ptr(
            _lib.bpf_program__attach_cgroup(self._ptr, cgroup_fd),
            f"attach program {self.name} to cgroup",
        )
        return Link(ptr, self.name)


class _OpenOpts(ctypes.Structure):
    # struct bpf_object_open_opts (libbpf.h) up to btf_custom_path; libbpf reads only the
    # first ``sz`` bytes, so the fields after it stay at their defaults.
    _fields_ = [
        ("sz", ctypes.c_size_t),
        ("object_name", ctypes.c_char_p),
        ("relaxed_maps", ctypes.c_bool),
        ("pin_root_path", ctypes.c_char_p),
        ("_attach_prog_fd", ctypes.c_uint32),  # removed from libbpf, kept as padding
        ("kconfig", ctypes.c_char_p),
        ("btf_custom_path", ctypes.c_char_p),
    ]


class BpfObject:
    """An opened (then loaded) BPF object file; ``close()`` frees programs and maps.

    ``core_btf``: the BTF to resolve CO-RE relocations against instead of the kernel's
    whole BTF (:mod:`hotfence.bpf.corebtf`).
    """

    def __init__(self, path: str | Path, core_btf: Path | None = None):
        self.path = Path(path)
        opts = _OpenOpts(sz=ctypes.sizeof(_OpenOpts))
        if core_btf is not None:
            opts.btf_custom_path = str(core_btf).encode()
        self._ptr: int | None = _check_ptr(
            _lib.bpf_object__open_file(str(path).encode(), ctypes.byref(opts)),
            f"open BPF object {path}",
        )
        self.loaded = False

    def __enter__(self) -> BpfObject:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def program(self, name: str) -> Program:
        ptr = _lib.bpf_object__find_program_by_name(self._ptr, name.encode())
        if not ptr:
            raise LibbpfError(errno_mod.ENOENT, f"{self.path.name}: no program {name}")
        return Program(ptr, name)

    def program_names(self) -> list[str]:
        names: list[str] = []
        cur = None
        while True:
            cur = _lib.bpf_object__next_program(self._ptr, cur)
            if not cur:
                return names
            names.append(_lib.bpf_program__name(cur).decode())

    def _map_ptr(self, name: str) -> int:
        ptr: int | None = _lib.bpf_object__find_map_by_name(self._ptr, name.encode())
        if not ptr:
            raise LibbpfError(errno_mod.ENOENT, f"{self.path.name}: no map {name}")
        return ptr

    def reuse_map_fd(self, name: str, fd: int) -> None:
        """Before load: make the object use an existing (e.g. pinned) map instead of a new one."""
        _check(_lib.bpf_map__reuse_fd(self._map_ptr(name), fd), f"reuse fd for map {name}")

    def set_initial_value(self, map_name: str, data: bytes) -> None:
        """Before load: the contents of a global-data map (e.g. ``"<obj>.rodata"``: const volatile)."""
        ptr = self._map_ptr(map_name)
        size = _lib.bpf_map__value_size(ptr)
        if len(data) != size:
            raise ValueError(
                f"{self.path.name}: map {map_name} holds {size} bytes, got {len(data)}"
            )
        buf = ctypes.create_string_buffer(data, len(data))
        _check(
            _lib.bpf_map__set_initial_value(ptr, buf, len(data)), f"set initial value of {map_name}"
        )

    def set_max_entries(self, map_name: str, max_entries: int) -> None:
        """Before load: resize a map (e.g. a ring buffer, in bytes: a power of two pages)."""
        _check(
            _lib.bpf_map__set_max_entries(self._map_ptr(map_name), max_entries),
            f"resize map {map_name}",
        )

    def map(self, name: str) -> Map:
        ptr = self._map_ptr(name)
        percpu = _lib.bpf_map__type(ptr) in (5, 6, 10)  # PERCPU_HASH, PERCPU_ARRAY, LRU_PERCPU_HASH
        return Map(
            _lib.bpf_map__fd(ptr),
            name,
            _lib.bpf_map__key_size(ptr),
            _lib.bpf_map__value_size(ptr),
            percpu=percpu,
        )

    def load(self) -> None:
        _check(
            _lib.bpf_object__load(self._ptr),
            f"load BPF object {self.path.name} (verifier log above)",
        )
        self.loaded = True

    def close(self) -> None:
        if self._ptr:
            _lib.bpf_object__close(self._ptr)
            self._ptr = None


# ---------------------------------------------------------------------------- ring buffer


class RingBuffer:
    """Polls a BPF_MAP_TYPE_RINGBUF map; ``callback(bytes)`` gets each record.

    The callback runs inside ``poll()`` on the caller's thread; an exception in it stops
    the poll and is re-raised from ``poll()``.
    """

    def __init__(self, ring_map: Map, callback: Callable[[bytes], None]):
        self._callback = callback
        self._error: BaseException | None = None

        def sample(_ctx: int, data: int, size: int) -> int:
            try:
                self._callback(ctypes.string_at(data, size))
            except BaseException as exc:
                self._error = exc
                return -1
            return 0

        self._sample = RING_SAMPLE_FN(sample)  # keep a reference: libbpf holds the pointer
        self._ptr: int | None = _check_ptr(
            _lib.ring_buffer__new(ring_map.fd, self._sample, None, None),
            f"ring buffer on map {ring_map.name}",
        )

    def poll(self, timeout_ms: int) -> int:
        """Deliver ready records; returns how many, waiting at most ``timeout_ms``."""
        ret: int = _lib.ring_buffer__poll(self._ptr, timeout_ms)
        if self._error is not None:
            err, self._error = self._error, None
            raise err
        if ret < 0 and -ret != errno_mod.EINTR:
            raise LibbpfError(-ret, "ring_buffer__poll")
        return max(ret, 0)

    def free(self) -> None:
        if self._ptr:
            _lib.ring_buffer__free(self._ptr)
            self._ptr = None
