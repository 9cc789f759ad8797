"""Where the benchmarks find things: the shared real data and the repository root."""

from __future__ import annotations

import os
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
# ../shared/data beside the repository; DOSSIER_SHARED_DATA points elsewhere.
SHARED_DATA = Path(os.environ.get("DOSSIER_SHARED_DATA") or REPO.parent / "shared" / "data")
