"""Source text for symbolised locations: `file:line` -> the line itself, when we have it.

DWARF paths are absolute or relative to the kernel build directory; a vmlinux usually
sits at the top of that directory, so by default relative paths are looked up next to
the vmlinux, and ``--source DIR`` adds a kernel source tree. Files are read once and
only when a report points into them.
"""

from __future__ import annotations

import os
from collections.abc import Iterable


class SourceLines:
    """Line lookup over one or more source roots (first root that has the file wins)."""

    def __init__(self, roots: Iterable[str]) -> None:
        self.roots = [r for r in roots if r]
        self._files: dict[str, list[str] | None] = {}

    def _load(self, path: str) -> list[str] | None:
        if path not in self._files:
            try:
                with open(path, encoding="utf-8", errors="replace") as fh:
                    self._files[path] = fh.read().splitlines()
            except OSError:
                self._files[path] = None
        return self._files[path]

    def line(self, file: str, line: int) -> str | None:
        """The text of ``file:line`` (stripped), or None if no root has the file."""
        if line <= 0 or not file or file == "??":
            return None
        candidates = [file] if os.path.isabs(file) else [os.path.join(r, file) for r in self.roots]
        for path in candidates:
            lines = self._load(path)
            if lines is not None:
                return lines[line - 1].strip() if line <= len(lines) else None
        return None
