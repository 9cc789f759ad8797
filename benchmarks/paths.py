"""Where the benchmarks find things: the shared real data and the repository root."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the repository; DOSSIER_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get("DOSSIER_SHARED_DATA") or REPO.parent / "shared" / "data")


def print_reproduce(module: str, argv: Sequence[str] | None) -> None:
    """The command line that reproduces a benchmark's figures (every benchmark prints one)."""
    cmd = ["python", "-m", module, *(argv if argv is not None else sys.argv[1:])]
    print("reproduce: " + shlex.join(cmd))
