"""Struct layouts read from a BPF object's own BTF, with the system libbpf.

User space mirrors the structs it shares with the BPF programs (map keys and values,
ring records, ``.rodata`` configuration) with ctypes. The compiler's BTF in the ``.bpf.o``
is the authority on their layout; :func:`struct_layout` reads it so tests can compare the
two member by member (name, offset, size) instead of trusting a comment.
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
from pathlib import Path

from hotfence.bpf.libbpf import LibbpfError

# Its own handle on the library (the same loaded libbpf.so.1), so these signatures stay
# beside their only user.
_lib = ctypes.CDLL("libbpf.so.1", use_errno=True)
_vp = ctypes.c_void_p
for _name, _restype, _argtypes in (
    ("btf__parse_elf", _vp, [ctypes.c_char_p, _vp]),
    ("btf__free", None, [_vp]),
    ("btf__find_by_name_kind", ctypes.c_int32, [_vp, ctypes.c_char_p, ctypes.c_uint32]),
    ("btf__type_by_id", _vp, [_vp, ctypes.c_uint32]),
    ("btf__name_by_offset", ctypes.c_char_p, [_vp, ctypes.c_uint32]),
    ("btf__resolve_size", ctypes.c_int64, [_vp, ctypes.c_uint32]),
):
    _fn = getattr(_lib, _name)
    _fn.restype = _restype
    _fn.argtypes = _argtypes

BTF_KIND_STRUCT = 4
BTF_KIND_DATASEC = 15


class _BtfType(ctypes.Structure):
    # struct btf_type (include/uapi/linux/btf.h); `size_or_type` is a union of both.
    _fields_ = [
        ("name_off", ctypes.c_uint32),
        ("info", ctypes.c_uint32),
        ("size_or_type", ctypes.c_uint32),
    ]


class _BtfMember(ctypes.Structure):
    _fields_ = [
        ("name_off", ctypes.c_uint32),
        ("type", ctypes.c_uint32),
        ("offset", ctypes.c_uint32),
    ]


class _BtfVarSecinfo(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_uint32),
        ("offset", ctypes.c_uint32),
        ("size", ctypes.c_uint32),
    ]


@dataclass(frozen=True)
class Member:
    name: str
    offset: int  # bytes
    size: int  # bytes


@dataclass(frozen=True)
class Layout:
    name: str
    size: int
    members: tuple[Member, ...]


class Btf:
    """The BTF of one ELF object (``.BTF`` section), freed on close."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        ptr: int | None = _lib.btf__parse_elf(str(path).encode(), None)
        if not ptr:  # libbpf 1.x: NULL and errno
            raise LibbpfError(ctypes.get_errno(), f"read BTF of {path}")
        self._ptr: int | None = ptr

    def __enter__(self) -> Btf:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        if self._ptr:
            _lib.btf__free(self._ptr)
            self._ptr = None

    def _name(self, off: int) -> str:
        raw: bytes | None = _lib.btf__name_by_offset(self._ptr, off)
        return raw.decode() if raw else ""

    def _find(self, name: str, kind: int) -> tuple[int, _BtfType]:
        type_id = _lib.btf__find_by_name_kind(self._ptr, name.encode(), kind)
        if type_id < 0:
            raise KeyError(f"{self.path.name}: no BTF type {name!r} of kind {kind}")
        t = ctypes.cast(_lib.btf__type_by_id(self._ptr, type_id), ctypes.POINTER(_BtfType))
        return type_id, t.contents

    def _size(self, type_id: int) -> int:
        size: int = _lib.btf__resolve_size(self._ptr, type_id)
        if size < 0:
            raise LibbpfError(-size, f"{self.path.name}: size of BTF type {type_id}")
        return size

    def struct(self, name: str) -> Layout:
        """``struct <name>``: its size and each member's offset and size (no bitfields)."""
        _, t = self._find(name, BTF_KIND_STRUCT)
        vlen, kflag = t.info & 0xFFFF, t.info >> 31
        array = ctypes.cast(
            ctypes.addressof(t) + ctypes.sizeof(_BtfType), ctypes.POINTER(_BtfMember * vlen)
        ).contents
        members = []
        for m in array:
            bits = m.offset & 0xFFFFFF if kflag else m.offset
            if kflag and m.offset >> 24:
                raise ValueError(f"struct {name}: bitfield member {self._name(m.name_off)}")
            members.append(Member(self._name(m.name_off), bits // 8, self._size(m.type)))
        return Layout(name, t.size_or_type, tuple(members))

    def datasec(self, name: str) -> Layout:
        """A data section (``.rodata``, ``.bss``): its variables' offsets and sizes."""
        _, t = self._find(name, BTF_KIND_DATASEC)
        vlen = t.info & 0xFFFF
        array = ctypes.cast(
            ctypes.addressof(t) + ctypes.sizeof(_BtfType), ctypes.POINTER(_BtfVarSecinfo * vlen)
        ).contents
        members = []
        for v in array:
            var = ctypes.cast(_lib.btf__type_by_id(self._ptr, v.type), ctypes.POINTER(_BtfType))
            members.append(Member(self._name(var.contents.name_off), v.offset, v.size))
        return Layout(name, t.size_or_type, tuple(members))


def ctypes_layout(cls: type[ctypes.Structure]) -> Layout:
    """The same description of a ctypes mirror, for comparison with :meth:`Btf.struct`."""
    members = []
    for field in cls._fields_:
        descr = getattr(cls, field[0])
        members.append(Member(field[0], descr.offset, descr.size))
    return Layout(cls.__name__, ctypes.sizeof(cls), tuple(members))
