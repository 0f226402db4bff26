"""Access to the leads' shared corpus (../shared beside the repository; CI lays it there)."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SYZ = SHARED / "corpus" / "syzkaller-linux"


def syz_log(case: str) -> str:
    """The console log of syzkaller report case `case`, without its test headers."""
    text = (SYZ / "report" / case).read_text(encoding="utf-8", errors="replace")
    return text.partition("\n\n")[2]
