"""Write initramfs images (cpio "newc" archives) and resolve kernel-module load order.

The kernel unpacks an uncompressed newc archive passed with ``-initrd`` into its rootfs
and runs ``/init`` from it. The archive is written here from Python (no root, no cpio
tool needed: device nodes such as /dev/console are just header fields). Module load order
comes from each ``.ko``'s ``.modinfo`` ``depends=`` field, which is what modpost records
and what depmod turns into modules.dep; Debian's .deb ships no modules.dep.
"""

from __future__ import annotations

import stat
from dataclasses import dataclass, field
from pathlib import Path

_NEWC_MAGIC = b"070701"


@dataclass
class CpioEntry:
    """One archive member: a regular file, directory, symlink or character device."""

    name: str  # path inside the archive, without leading '/'
    mode: int  # full st_mode (type bits | permissions)
    data: bytes = b""  # file content, or the target for a symlink
    rdev: tuple[int, int] = (0, 0)  # (major, minor) for device nodes


@dataclass
class Initramfs:
    """An in-memory newc archive; parent directories are added automatically."""

    entries: dict[str, CpioEntry] = field(default_factory=dict)

    def _parents(self, name: str) -> None:
        parts = name.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            d = "/".join(parts[:i])
            if d and d not in self.entries:
                self.entries[d] = CpioEntry(d, stat.S_IFDIR | 0o755)

    def add_dir(self, name: str, perm: int = 0o755) -> None:
        name = name.strip("/")
        self._parents(name)
        self.entries[name] = CpioEntry(name, stat.S_IFDIR | perm)

    def add_file(self, name: str, data: bytes, perm: int = 0o644) -> None:
        name = name.strip("/")
        self._parents(name)
        self.entries[name] = CpioEntry(name, stat.S_IFREG | perm, data)

    def add_symlink(self, name: str, target: str) -> None:
        name = name.strip("/")
        self._parents(name)
        self.entries[name] = CpioEntry(name, stat.S_IFLNK | 0o777, target.encode())

    def add_chardev(self, name: str, major: int, minor: int, perm: int = 0o600) -> None:
        name = name.strip("/")
        self._parents(name)
        self.entries[name] = CpioEntry(name, stat.S_IFCHR | perm, rdev=(major, minor))

    def to_bytes(self) -> bytes:
        out = bytearray()
        # Directories must precede their contents; sorting by path achieves that.
        for ino, name in enumerate(sorted(self.entries), start=1):
            _append(out, ino, self.entries[name])
        _append(out, 0, CpioEntry("TRAILER!!!", 0))
        return bytes(out)


def _append(out: bytearray, ino: int, e: CpioEntry) -> None:
    name = e.name.encode() + b"\0"
    fields = [ino, e.mode, 0, 0, 1, 0, len(e.data), 0, 0, e.rdev[0], e.rdev[1], len(name), 0]
    out += _NEWC_MAGIC + b"".join(b"%08x" % v for v in fields) + name
    out += b"\0" * (-len(out) % 4)
    out += e.data
    out += b"\0" * (-len(out) % 4)


def read_module(ko: Path) -> bytes:
    """A module's ELF bytes: Debian ships 6.1's ``.ko`` plain and 6.12's as ``.ko.xz``;
    busybox insmod and pyelftools both want the plain ELF."""
    data = ko.read_bytes()
    if ko.name.endswith(".ko.xz"):
        import lzma

        return lzma.decompress(data)
    if ko.name.endswith(".ko.zst"):
        import zstandard

        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    if ko.name.endswith(".ko.gz"):
        import gzip

        return gzip.decompress(data)
    return data


def read_modinfo(ko: Path) -> dict[str, list[str]]:
    """The ``.modinfo`` section of a kernel module as key -> values (keys may repeat)."""
    import io

    from elftools.elf.elffile import ELFFile

    with io.BytesIO(read_module(ko)) as fh:
        sec = ELFFile(fh).get_section_by_name(".modinfo")
        if sec is None:
            raise ValueError(f"{ko}: no .modinfo section (not a kernel module?)")
        info: dict[str, list[str]] = {}
        for item in sec.data().split(b"\0"):
            if b"=" in item:
                k, v = item.decode(errors="replace").split("=", 1)
                info.setdefault(k, []).append(v)
        return info


def _modname(path: Path) -> str:
    return path.name.split(".ko")[0].replace("-", "_")


class ModuleIndex:
    """The ``.ko`` files under ``lib/modules/<kver>`` by module name, with dependencies."""

    def __init__(self, modules_dir: Path):
        self.modules_dir = modules_dir
        self.paths = {_modname(p): p for p in (modules_dir / "kernel").rglob("*.ko*")}
        builtin = modules_dir / "modules.builtin"
        self.builtin = (
            {_modname(Path(line)) for line in builtin.read_text().split()}
            if builtin.exists()
            else set()
        )

    def load_order(self, wanted: list[str]) -> list[Path]:
        """``.ko`` paths for ``wanted`` and their dependencies, each after what it needs.

        Built-in modules are skipped; an unknown name raises KeyError naming it.
        """
        order: list[Path] = []
        done: set[str] = set()

        def visit(name: str, chain: tuple[str, ...]) -> None:
            name = name.replace("-", "_")
            if name in done or name in self.builtin:
                return
            if name in chain:
                raise ValueError(f"module dependency cycle: {' -> '.join(chain + (name,))}")
            path = self.paths.get(name)
            if path is None:
                raise KeyError(
                    f"module {name!r} not found under {self.modules_dir} (needed by {chain or 'request'})"
                )
            for deps in read_modinfo(path).get("depends", []):
                for dep in filter(None, deps.split(",")):
                    visit(dep, chain + (name,))
            done.add(name)
            order.append(path)

        for w in wanted:
            visit(w, ())
        return order
