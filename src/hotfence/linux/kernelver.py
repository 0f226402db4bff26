"""Kernel release strings (`uname -r`, `6.1.0-56-amd64`, `5.15.0-91-generic`) as comparable versions.

Distribution kernels backport fixes without changing the upstream version, so a range
match here means "possibly affected", never "certainly vulnerable"; the catalogue says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")


# Debian's release string hides the stable patch level ("6.1.0-56-amd64"); its version
# string ("#1 SMP PREEMPT_DYNAMIC Debian 6.1.158-1") carries it.
_DISTRO_VERSION = re.compile(r"\b(?:Debian|Ubuntu)\s+(\d+\.\d+\.\d+)")


def parse_version(release: str) -> tuple[int, int, int]:
    """The upstream (major, minor, patch) of a release or full version string.

    Prefers the distribution's upstream version when the string carries one.
    Raises ValueError naming the string when it holds no version.
    """
    distro = _DISTRO_VERSION.search(release or "")
    m = _VERSION.match(distro.group(1) if distro else (release or ""))
    if not m:
        raise ValueError(f"not a kernel version: {release!r} (expected e.g. '6.1.0-56-amd64')")
    return int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)


@dataclass(frozen=True)
class VersionRange:
    """Affected versions: `introduced <= v < fixed`; a missing bound is open."""

    introduced: tuple[int, int, int] | None = None
    fixed: tuple[int, int, int] | None = None

    def contains(self, version: tuple[int, int, int]) -> bool:
        if self.introduced is not None and version < self.introduced:
            return False
        return not (self.fixed is not None and version >= self.fixed)

    def __str__(self) -> str:
        lo = ".".join(map(str, self.introduced)) if self.introduced else "any"
        hi = ".".join(map(str, self.fixed)) if self.fixed else "unfixed"
        return f"[{lo}, {hi})"


def in_any(release: str, ranges: list[VersionRange]) -> bool:
    """True when `release` falls in one of `ranges` (no ranges = every kernel)."""
    if not ranges:
        return True
    version = parse_version(release)
    return any(r.contains(version) for r in ranges)
