"""Tesseract 5 (Debian's ``tesseract-ocr`` + ``tesseract-ocr-chi-sim``) as a light fallback.

It is far less accurate on Chinese than PP-OCR (~5% CER against ~0.2%) but needs 0.16 GB
instead of ~1 GB. The binary is called directly: pytesseract adds nothing we need.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from typing import TYPE_CHECKING

from models.records import Line
from ocr.errors import EngineUnavailable

if TYPE_CHECKING:
    from PIL import Image

_INSTALL_HINT = "install it with: apt-get install tesseract-ocr tesseract-ocr-chi-sim"


class TesseractEngine:
    """Runs ``tesseract stdin stdout -l LANG --psm 6 tsv`` and groups words into lines.

    ``threads`` sets OMP_THREAD_LIMIT: Debian's build uses OpenMP and becomes dramatically
    slower when it competes for cores, so one thread per worker is the default.
    """

    name = "tesseract"
    version: str
    # ocr_page tries a page turned by 180° when its confidence is below this. Tesseract's
    # chi_sim confidences are lower than PP-OCR's: ~0.85-0.90 upright, ~0.2 upside down.
    flip_below = 0.6

    def __init__(
        self,
        lang: str = "chi_sim",
        psm: int = 6,
        threads: int = 1,
        binary: str = "tesseract",
        timeout_s: float = 300.0,
    ) -> None:
        path = shutil.which(binary)
        if path is None:
            raise EngineUnavailable(f"the tesseract binary was not found; {_INSTALL_HINT}")
        self._binary = path
        self._lang = lang
        self._psm = psm
        self._timeout = timeout_s
        self._env = {**os.environ, "OMP_THREAD_LIMIT": str(threads)}
        self.version = self._run([self._binary, "--version"]).splitlines()[0].split()[-1]
        listed = self._run([self._binary, "--list-langs"]).split()
        missing = [code for code in lang.split("+") if code not in listed]
        if missing:
            raise EngineUnavailable(
                f"tesseract has no language data for {', '.join(missing)}; {_INSTALL_HINT}"
            )

    def _run(self, args: list[str], stdin: bytes | None = None) -> str:
        try:
            proc = subprocess.run(
                args,
                input=stdin,
                capture_output=True,
                env=self._env,
                timeout=self._timeout,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise EngineUnavailable(f"running {args[0]} failed: {exc}") from exc
        if proc.returncode != 0:
            raise EngineUnavailable(
                f"{' '.join(args[:2])} exited with {proc.returncode}: "
                + proc.stderr.decode("utf-8", "replace").strip()[-500:]
            )
        # --version prints to stdout in 5.x (stderr in old releases).
        return (proc.stdout or proc.stderr).decode("utf-8", "replace")

    def recognize(self, image: Image.Image) -> list[Line]:
        """OCR one page image; boxes are in the image's pixels."""
        buf = io.BytesIO()
        image.convert("RGB" if image.mode not in ("L", "1") else image.mode).save(buf, "PNG")
        dpi = image.info.get("dpi", (300, 300))[0] or 300
        args = [
            self._binary,
            "stdin",
            "stdout",
            "-l",
            self._lang,
            "--psm",
            str(self._psm),
            "--dpi",
            str(int(round(float(dpi)))),
            "tsv",
        ]
        return parse_tsv(self._run(args, stdin=buf.getvalue()))


def parse_tsv(tsv: str) -> list[Line]:
    """Group Tesseract's word rows (level 5) by block/paragraph/line into ``Line`` records.

    Words are joined without a space between two CJK characters (chi_sim emits one word per
    character or phrase) and with a space otherwise; the confidence is the mean word
    confidence scaled to 0..1.
    """
    grouped: dict[tuple[str, str, str, str], list[tuple[str, float, float, float, float, float]]]
    grouped = {}
    for row in tsv.splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            left, top, width, height = (float(c) for c in cols[6:10])
            conf = float(cols[10])
        except ValueError:
            continue
        key = (cols[1], cols[2], cols[3], cols[4])
        grouped.setdefault(key, []).append(
            (cols[11].strip(), conf, left, top, left + width, top + height)
        )
    lines = []
    for words in grouped.values():
        text = words[0][0]
        for word in words[1:]:
            sep = "" if _is_cjk(text[-1]) or _is_cjk(word[0][0]) else " "
            text += sep + word[0]
        confs = [w[1] for w in words if w[1] >= 0]
        box = (
            min(w[2] for w in words),
            min(w[3] for w in words),
            max(w[4] for w in words),
            max(w[5] for w in words),
        )
        lines.append(Line(text, box, (sum(confs) / len(confs) / 100.0) if confs else 0.0))
    return lines


def _is_cjk(ch: str) -> bool:
    code = ord(ch)
    return (
        0x3000 <= code <= 0x303F  # CJK punctuation
        or 0x3400 <= code <= 0x9FFF
        or 0xF900 <= code <= 0xFAFF
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x20000 <= code <= 0x3FFFF
    )
