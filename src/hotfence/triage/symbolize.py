"""Map oops frames (`func+0xoff/0xsize [module]`) to `file:line` with inline chains.

Reads a vmlinux (or a module's ``.ko``) with pyelftools:

- the ELF ``.symtab`` gives each function's start address and size, so
  ``func+0xoff/0xsize`` becomes an address (the size picks among same-named static
  functions);
- the DWARF line program (``.debug_line``) gives the innermost ``file:line`` of an
  address;
- ``DW_TAG_subprogram`` / ``DW_TAG_inlined_subroutine`` DIEs give the inline chain: each
  inlined subroutine's ``DW_AT_call_file``/``DW_AT_call_line`` is where its caller
  called it. The result is ordered like ``addr2line -i`` and the kernel's
  ``scripts/faddr2line``: innermost inline first, the real (outermost) function last.

Everything is indexed lazily per compile unit (found through ``.debug_aranges`` or the
CU's own ranges) into sorted address arrays searched with bisect, so symbolising a
trace in a multi-hundred-megabyte vmlinux parses only the few CUs that the trace hits.

Return addresses (every call-trace frame but the RIP) point after the call, so like
syzkaller and decode_stacktrace.sh we look up ``address - 1`` for them.

Modules (``.ko``) are relocatable objects: every section starts at address 0, so
functions in ``.text``, ``.init.text`` or ``.text.unlikely`` would overlap. Like the
module loader, we give each allocated section its own base address (by rewriting the
symbol values in memory before pyelftools applies the DWARF relocations), so a module
is then looked up exactly like vmlinux.
"""

from __future__ import annotations

import bisect
import io
import os
import struct
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from elftools.common.exceptions import ELFError
from elftools.dwarf.ranges import BaseAddressEntry, RangeEntry
from elftools.elf.elffile import ELFFile
from elftools.elf.sections import SymbolTableSection

from hotfence.triage.model import Frame, SourceLocation
from hotfence.triage.reader import InputError, decompress

_UNSET: Any = object()


class SymbolizeError(Exception):
    """The ELF file cannot be used (missing, not ELF, no symbols); names the file."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass
class ElfSymbol:
    name: str
    address: int
    size: int


@dataclass
class _Node:
    """A concrete subprogram or inlined subroutine and the address ranges it covers."""

    name: str
    ranges: list[tuple[int, int]]
    call_file: str | None = None
    call_line: int | None = None
    children: list[_Node] = field(default_factory=list)

    def contains(self, addr: int) -> bool:
        return any(lo <= addr < hi for lo, hi in self.ranges)


@dataclass
class _Sequence:
    """One DWARF line-table sequence: rows sorted by address, ``hi`` is its end."""

    lo: int
    hi: int
    addrs: list[int]
    rows: list[tuple[str, int]]  # (file, line) of each row


@dataclass
class _CUIndex:
    sequences: list[_Sequence]
    seq_los: list[int]
    tops: list[tuple[int, int, _Node]]  # (lo, hi, top-level subprogram), sorted by lo
    top_los: list[int]


class ElfDebugInfo:
    """Symbols and DWARF of one ELF file (vmlinux, a .ko, or any object with -g)."""

    def __init__(self, path: str) -> None:
        self.path = path
        try:
            fh = open(path, "rb")
            magic = fh.read(6)
            fh.seek(0)
        except OSError as exc:
            raise SymbolizeError(path, exc.strerror or str(exc)) from exc
        stream: BinaryIO = fh
        if not magic.startswith(b"\x7fELF"):
            # modules often ship as .ko.xz / .ko.gz: decompress into memory
            with fh:
                raw = fh.read()
            try:
                stream = io.BytesIO(decompress(raw, path))
            except InputError as exc:
                raise SymbolizeError(path, exc.reason) from exc
        self.section_bases: dict[int, int] = {}
        try:
            # A plain vmlinux is read lazily from the file (it can be ~1 GB with DWARF).
            self.elf = ELFFile(stream)
            self.relocatable = self.elf["e_type"] == "ET_REL"
            if self.relocatable:
                stream.seek(0)
                laid_out, self.section_bases = _lay_out_sections(self.elf, stream.read())
                self.elf = ELFFile(io.BytesIO(laid_out))
        except ELFError as exc:
            raise SymbolizeError(path, f"not an ELF file ({exc})") from exc
        self.symbols_by_name: dict[str, list[ElfSymbol]] = {}
        starts: list[tuple[int, ElfSymbol]] = []
        for es in _code_symbols(self.elf):
            self.symbols_by_name.setdefault(es.name, []).append(es)
            starts.append((es.address, es))
        if not self.symbols_by_name:
            raise SymbolizeError(path, "no .symtab function symbols (stripped?)")
        starts.sort(key=lambda t: t[0])
        self._sym_starts = [a for a, _ in starts]
        self._sym_list = [s for _, s in starts]
        self.dwarf = self.elf.get_dwarf_info() if self.elf.has_dwarf_info() else None
        self._cu_ranges: list[tuple[int, int, int]] | None = None  # (lo, hi, cu offset)
        self._cu_cache: dict[int, _CUIndex] = {}
        self.comp_dirs: list[str] = []  # DW_AT_comp_dir of the CUs parsed so far
        self._aranges: Any = _UNSET

    def close(self) -> None:
        self.elf.stream.close()

    # -- symbols -------------------------------------------------------------------

    def symbol_address(self, name: str, size: int | None = None) -> ElfSymbol | None:
        """The symbol called ``name``; with several (static) ones, the one of ``size``."""
        cands = self.symbols_by_name.get(name)
        if not cands:
            return None
        if size is not None:
            for sym in cands:
                if sym.size == size:
                    return sym
        return cands[0]

    def symbol_at(self, addr: int) -> tuple[ElfSymbol, int] | None:
        """(symbol, offset) containing ``addr`` (absolute ELF addresses only)."""
        i = bisect.bisect_right(self._sym_starts, addr) - 1
        while i >= 0:
            sym = self._sym_list[i]
            if sym.address + max(sym.size, 1) > addr:
                return sym, addr - sym.address
            if sym.size:
                return None
            i -= 1
        return None

    def read_code(self, address: int, size: int) -> bytes | None:
        """The bytes at ``address`` (an address as this index numbers them), or None."""
        for idx, sec in enumerate(self.elf.iter_sections()):
            if not sec["sh_flags"] & _SHF_ALLOC or sec["sh_type"] == "SHT_NOBITS":
                continue
            lo = self.section_bases.get(idx, sec["sh_addr"]) if self.relocatable else sec["sh_addr"]
            if lo <= address < lo + sec["sh_size"]:
                return sec.data()[address - lo : address - lo + size]
        return None

    # -- DWARF ---------------------------------------------------------------------

    def locations(self, addr: int, function: str | None = None) -> list[SourceLocation]:
        """The inline chain at ``addr``, innermost first; [] without DWARF for it."""
        if self.dwarf is None:
            return []
        out: list[SourceLocation] = []
        for cu_offset in self._cus_for(addr):
            index = self._cu_index(cu_offset)
            chain = self._chain(index, addr, function)
            fileline = self._line(index, addr)
            if fileline is None and not chain:
                continue
            if not chain:
                assert fileline is not None  # the continue above takes the both-empty case
                return [SourceLocation(function or "??", fileline[0], fileline[1])]
            file, line = fileline if fileline else ("??", 0)
            for depth in range(len(chain) - 1, -1, -1):
                node = chain[depth]
                out.append(SourceLocation(node.name, file, line, inlined=depth > 0))
                file, line = node.call_file or "??", node.call_line or 0
            return out
        return out

    def _cus_for(self, addr: int) -> list[int]:
        assert self.dwarf is not None
        if self._aranges is _UNSET:
            self._aranges = self.dwarf.get_aranges()
        aranges = self._aranges
        if aranges is not None:
            off = aranges.cu_offset_at_addr(addr)
            if off is not None:
                return [off]
        if self._cu_ranges is None:
            self._cu_ranges = self._build_cu_ranges()
        return [off for lo, hi, off in self._cu_ranges if lo <= addr < hi]

    def _build_cu_ranges(self) -> list[tuple[int, int, int]]:
        assert self.dwarf is not None
        out = []
        for cu in self.dwarf.iter_CUs():
            top = cu.get_top_DIE()
            for lo, hi in self._die_ranges(top, cu, 0):
                out.append((lo, hi, cu.cu_offset))
        out.sort()
        return out

    def _die_ranges(self, die: Any, cu: Any, cu_base: int) -> list[tuple[int, int]]:
        attrs = die.attributes
        if "DW_AT_low_pc" in attrs and "DW_AT_high_pc" in attrs:
            lo = attrs["DW_AT_low_pc"].value
            hi_attr = attrs["DW_AT_high_pc"]
            # DWARF 4+: a constant-class high_pc is a length, an address-class one is not
            hi = hi_attr.value if hi_attr.form == "DW_FORM_addr" else lo + hi_attr.value
            return [(lo, hi)]
        if "DW_AT_ranges" in attrs:
            rl = self.dwarf.range_lists() if self.dwarf is not None else None
            if rl is None:
                return []
            base = cu_base
            out = []
            for entry in rl.get_range_list_at_offset(attrs["DW_AT_ranges"].value, cu=cu):
                if isinstance(entry, BaseAddressEntry):
                    base = entry.base_address
                elif isinstance(entry, RangeEntry):
                    if entry.is_absolute:
                        out.append((entry.begin_offset, entry.end_offset))
                    else:
                        out.append((base + entry.begin_offset, base + entry.end_offset))
            return [(lo, hi) for lo, hi in out if hi > lo]
        return []

    def _cu_index(self, cu_offset: int) -> _CUIndex:
        cached = self._cu_cache.get(cu_offset)
        if cached is not None:
            return cached
        assert self.dwarf is not None
        cu = self.dwarf.get_CU_at(cu_offset)
        top = cu.get_top_DIE()
        comp_dir = _str(top.attributes.get("DW_AT_comp_dir"))
        if comp_dir and comp_dir not in self.comp_dirs:
            self.comp_dirs.append(comp_dir)
        cu_base = top.attributes["DW_AT_low_pc"].value if "DW_AT_low_pc" in top.attributes else 0
        lineprog = self.dwarf.line_program_for_CU(cu)
        files = _file_table(lineprog, comp_dir) if lineprog is not None else {}
        sequences = _sequences(lineprog, files) if lineprog is not None else []
        tops: list[tuple[int, int, _Node]] = []
        for child in top.iter_children():
            for node in self._nodes(child, cu, cu_base, files):
                for lo, hi in node.ranges:
                    tops.append((lo, hi, node))
        tops.sort(key=lambda t: t[0])
        sequences.sort(key=lambda s: s.lo)
        index = _CUIndex(sequences, [s.lo for s in sequences], tops, [t[0] for t in tops])
        self._cu_cache[cu_offset] = index
        return index

    def _nodes(self, die: Any, cu: Any, cu_base: int, files: dict[int, str]) -> list[_Node]:
        """Concrete subprogram/inline nodes at or below ``die`` (lexical blocks and
        namespaces are transparent: their inline children belong to the parent)."""
        tag = die.tag
        if tag in ("DW_TAG_subprogram", "DW_TAG_inlined_subroutine"):
            ranges = self._die_ranges(die, cu, cu_base)
            if not ranges:
                return []  # abstract instance or declaration: no code of its own
            node = _Node(_die_name(die), ranges)
            if tag == "DW_TAG_inlined_subroutine":
                cf = die.attributes.get("DW_AT_call_file")
                cl = die.attributes.get("DW_AT_call_line")
                node.call_file = files.get(cf.value) if cf is not None else None
                node.call_line = cl.value if cl is not None else None
            for child in die.iter_children():
                node.children.extend(self._nodes(child, cu, cu_base, files))
            return [node]
        if tag in (
            "DW_TAG_lexical_block",
            "DW_TAG_namespace",
            "DW_TAG_try_block",
            "DW_TAG_catch_block",
        ):
            out: list[_Node] = []
            for child in die.iter_children():
                out.extend(self._nodes(child, cu, cu_base, files))
            return out
        return []

    def _chain(self, index: _CUIndex, addr: int, function: str | None) -> list[_Node]:
        """Outermost subprogram first, then each inlined subroutine containing addr."""
        i = bisect.bisect_right(index.top_los, addr) - 1
        candidates = []
        # Top-level subprograms do not overlap, but one may have several ranges (a .cold
        # part), so the entry that starts last before addr may belong to a neighbour:
        # look back until a containing range is found.
        while i >= 0:
            lo, hi, node = index.tops[i]
            if lo <= addr < hi:
                candidates.append(node)
                break
            i -= 1
        if not candidates:
            return []
        top = candidates[0]
        if function is not None and len(candidates) > 1:
            named = [n for n in candidates if n.name == function]
            if named:
                top = named[0]
        chain = [top]
        node = top
        while True:
            inner = next((c for c in node.children if c.contains(addr)), None)
            if inner is None:
                return chain
            chain.append(inner)
            node = inner

    def _line(self, index: _CUIndex, addr: int) -> tuple[str, int] | None:
        i = bisect.bisect_right(index.seq_los, addr) - 1
        while i >= 0:
            seq = index.sequences[i]
            i -= 1
            if not seq.lo <= addr < seq.hi:
                continue
            j = bisect.bisect_right(seq.addrs, addr) - 1
            if j >= 0:
                return seq.rows[j]
        return None


_SHF_ALLOC = 0x2
_STT_NOTYPE, _STT_FUNC = 0, 2
_SHN_UNDEF, _SHN_LORESERVE = 0, 0xFF00


def _code_symbols(elf: ELFFile) -> list[ElfSymbol]:
    """Function (and untyped, e.g. assembly entry) symbols of ``.symtab``.

    Decoded with ``struct.iter_unpack`` over the raw table rather than pyelftools'
    per-symbol parser: a vmlinux has ~150k symbols, and this is ~50x faster.
    """
    symtab = elf.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        return []
    strtab = elf.get_section(symtab["sh_link"]).data()
    end = "<" if elf.little_endian else ">"
    if elf.elfclass == 64:
        fmt, order = end + "IBBHQQ", (0, 1, 3, 4, 5)  # name, info, other, shndx, value, size
    else:
        fmt, order = end + "IIIBBH", (0, 3, 5, 1, 2)  # name, value, size, info, other, shndx
    data = symtab.data()
    size = struct.calcsize(fmt)
    out: list[ElfSymbol] = []
    for rec in struct.iter_unpack(fmt, data[: len(data) // size * size]):
        name_off, info, shndx, value, sz = (rec[i] for i in order)
        if info & 0xF not in (_STT_FUNC, _STT_NOTYPE):
            continue
        if shndx == _SHN_UNDEF or shndx >= _SHN_LORESERVE or name_off == 0:
            continue  # undefined, absolute or common: not code
        nul = strtab.find(b"\0", name_off)
        name = strtab[name_off : nul if nul >= 0 else len(strtab)].decode("utf-8", "replace")
        if name and not name.startswith("$"):  # arm mapping symbols ($x, $d)
            out.append(ElfSymbol(name, value, sz))
    return out


def _lay_out_sections(elf: ELFFile, raw: bytes) -> tuple[bytes, dict[int, int]]:
    """A copy of a relocatable ELF whose symbols are moved to distinct section bases.

    Every allocated section gets a base (in section order, aligned, from 0x1000) and
    each symbol defined in it has the base added to ``st_value``. pyelftools computes
    DWARF relocations from symbol values, so the DWARF addresses move the same way.
    """
    bases: dict[int, int] = {}
    cursor = 0x1000
    for idx, sec in enumerate(elf.iter_sections()):
        if sec["sh_flags"] & _SHF_ALLOC and sec["sh_size"]:
            align = max(sec["sh_addralign"], 1)
            cursor = (cursor + align - 1) // align * align
            bases[idx] = cursor
            cursor += sec["sh_size"]
    symtab = elf.get_section_by_name(".symtab")
    if not isinstance(symtab, SymbolTableSection):
        return raw, {}
    buf = bytearray(raw)
    is64 = elf.elfclass == 64
    fmt = ("<" if elf.little_endian else ">") + ("Q" if is64 else "I")
    value_at = 8 if is64 else 4  # offset of st_value in Elf64_Sym / Elf32_Sym
    entsize = symtab["sh_entsize"]
    for i, sym in enumerate(symtab.iter_symbols()):
        shndx = sym["st_shndx"]
        if isinstance(shndx, int) and shndx in bases:
            off = symtab["sh_offset"] + i * entsize + value_at
            struct.pack_into(fmt, buf, off, sym["st_value"] + bases[shndx])
    return bytes(buf), bases


def _str(attr: Any) -> str | None:
    if attr is None:
        return None
    v = attr.value
    return v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v)


def _die_name(die: Any) -> str:
    """DW_AT_name, following abstract_origin / specification links (inline instances)."""
    seen = 0
    while die is not None and seen < 8:
        if "DW_AT_name" in die.attributes:
            return _str(die.attributes["DW_AT_name"]) or "??"
        for link in ("DW_AT_abstract_origin", "DW_AT_specification"):
            if link in die.attributes:
                die = die.get_DIE_from_attribute(link)
                break
        else:
            return "??"
        seen += 1
    return "??"


def _file_table(lineprog: Any, comp_dir: str | None) -> dict[int, str]:
    """File index -> path relative to the compilation directory when under it.

    DWARF 5 numbers files and directories from 0 (entry 0 is the primary source file
    and the compilation directory); DWARF 2-4 number files from 1 and directory 0 means
    the compilation directory.
    """
    version = lineprog["version"]
    dirs = [
        d.decode("utf-8", "replace") if isinstance(d, bytes) else str(d)
        for d in lineprog["include_directory"]
    ]
    out: dict[int, str] = {}
    for i, entry in enumerate(lineprog["file_entry"]):
        name = (
            entry.name.decode("utf-8", "replace")
            if isinstance(entry.name, bytes)
            else str(entry.name)
        )
        di = entry.dir_index
        if version >= 5:
            directory = dirs[di] if di < len(dirs) else ""
            key = i
        else:
            directory = (
                (comp_dir or "") if di == 0 else (dirs[di - 1] if di - 1 < len(dirs) else "")
            )
            key = i + 1
        path = name if os.path.isabs(name) else os.path.join(directory, name)
        if comp_dir and os.path.isabs(path):
            rel = os.path.relpath(path, comp_dir)
            if not rel.startswith(".."):
                path = rel
        out[key] = os.path.normpath(path)
    return out


def _sequences(lineprog: Any, files: dict[int, str]) -> list[_Sequence]:
    out: list[_Sequence] = []
    addrs: list[int] = []
    rows: list[tuple[str, int]] = []
    for entry in lineprog.get_entries():
        state = entry.state
        if state is None:
            continue
        if state.end_sequence:
            if addrs:
                out.append(_Sequence(addrs[0], state.address, addrs, rows))
            addrs, rows = [], []
            continue
        row = (files.get(state.file, "??"), state.line)
        if addrs and addrs[-1] == state.address:
            # Several rows at one address (views): the last one describes the
            # instruction, as in addr2line.
            rows[-1] = row
        else:
            addrs.append(state.address)
            rows.append(row)
    return out


class Symbolizer:
    """Symbolises frames against a vmlinux and, for module frames, ``<module>.ko``."""

    def __init__(self, vmlinux: str | None = None, modules_dir: str | None = None) -> None:
        self.vmlinux = ElfDebugInfo(vmlinux) if vmlinux else None
        self.modules_dir = modules_dir
        if modules_dir is not None and not os.path.isdir(modules_dir):
            raise SymbolizeError(modules_dir, "not a directory")
        self._module_paths: dict[str, str] | None = None
        self._modules: dict[str, ElfDebugInfo | None] = {}

    def _module(self, name: str) -> ElfDebugInfo | None:
        if self.modules_dir is None:
            return None
        key = name.replace("-", "_")
        if key in self._modules:
            return self._modules[key]
        if self._module_paths is None:
            self._module_paths = {}
            for root, _dirs, files in os.walk(self.modules_dir):
                for f in sorted(files):
                    for ext in (".ko", ".ko.xz", ".ko.gz", ".o"):
                        if f.endswith(ext):
                            mod = f[: -len(ext)].replace("-", "_")
                            self._module_paths.setdefault(mod, os.path.join(root, f))
        path = self._module_paths.get(key)
        try:
            info = ElfDebugInfo(path) if path else None
        except SymbolizeError:
            info = None  # one broken .ko must not stop the rest of the trace
        self._modules[key] = info
        return info

    def elf_for(self, frame: Frame) -> ElfDebugInfo | None:
        if frame.module:
            return self._module(frame.module)
        return self.vmlinux

    def symbolize_frame(self, frame: Frame, is_rip: bool = False) -> Frame:
        """Fill ``address``, ``locations`` (and ``file``/``line`` if the log had none).

        ``is_rip``: the frame is the faulting PC, not a return address.
        """
        elf = self.elf_for(frame)
        if elf is None:
            return frame
        addr: int | None = None
        sym = elf.symbol_address(frame.function) if frame.function else None
        if sym is not None and frame.offset is not None:
            if frame.size is not None:
                sym = elf.symbol_address(frame.function, frame.size) or sym
            addr = sym.address + frame.offset
        elif frame.address is not None and not elf.relocatable:
            # A bare address (`[<ffffffff81234567>]`, arm `pc : [<808f355c>]`): name it.
            addr = frame.address
            found = elf.symbol_at(addr)
            if found is not None and (not frame.function or frame.function.startswith("0x")):
                frame.function, frame.offset, frame.size = found[0].name, found[1], found[0].size
        if addr is None:
            return frame
        frame.address = addr
        lookup = addr if (is_rip or addr == 0) else addr - 1
        locs = elf.locations(lookup, frame.function)
        if locs:
            frame.locations = locs
            if frame.file is None:
                outer = locs[-1]
                frame.file, frame.line = outer.file, outer.line
        return frame

    def comp_dirs(self) -> list[str]:
        """Build directories named by the DWARF read so far (where relative source
        paths were compiled from)."""
        out: list[str] = []
        for elf in [self.vmlinux, *self._modules.values()]:
            if elf is not None:
                out.extend(d for d in elf.comp_dirs if d not in out)
        return out

    def symbolize(self, rip: Frame | None, frames: Iterable[Frame]) -> None:
        if rip is not None:
            self.symbolize_frame(rip, is_rip=True)
        for f in frames:
            self.symbolize_frame(f)
