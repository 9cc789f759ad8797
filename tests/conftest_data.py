"""Where the shared real data lives (../shared/data relative to the repo root; CI has it too).

Kept out of conftest.py so that test modules can import it explicitly.
"""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data() -> Path:
    """The ../shared/data folder next to the repository (may not exist on a bare checkout)."""
    return (REPO_ROOT / ".." / "shared" / "data").resolve()
