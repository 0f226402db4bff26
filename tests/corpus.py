"""The one path to the shared corpus: ../shared beside the repository (CI lays it there).

Every test and benchmark takes the corpus from here (conftest.py puts tests/ on sys.path).
"""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SYZ = SHARED / "corpus" / "syzkaller-linux"


def syz_log(case: str) -> str:
    """The console log of syzkaller report case `case`, without its test headers."""
    text = (SYZ / "report" / case).read_text(encoding="utf-8", errors="replace")
    return text.partition("\n\n")[2]
