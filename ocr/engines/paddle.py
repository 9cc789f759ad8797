"""Native PaddleOCR 3.x (optional extra ``paddle``) with models placed on disk by hand.

PaddleOCR downloads its weights at first use, which fails offline, so this adapter only runs
from a local ``model_dir`` holding ``det/``, ``rec/`` and optionally ``cls/`` model folders
(each with ``inference.yml``; see ../shared/notes/ocr-engines.md for how to obtain them).
"""

from __future__ import annotations

import os
import re
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.records import Line
from ocr.errors import EngineUnavailable

if TYPE_CHECKING:
    from PIL import Image

MODEL_DIR_ENV = "DOSSIER_PADDLEOCR_MODEL_DIR"
_HOW = (
    f"install the extra with pip install -e '.[paddle]' and set {MODEL_DIR_ENV} to a folder "
    "holding det/, rec/ and cls/ PP-OCR model folders"
)


class PaddleOcrEngine:
    """PP-OCR det/rec (+ text-line orientation) through ``paddleocr.PaddleOCR``."""

    name = "paddleocr"
    version: str

    def __init__(
        self,
        model_dir: str | os.PathLike[str] | None = None,
        threads: int = 1,
        enable_mkldnn: bool = True,
    ) -> None:
        root = model_dir or os.environ.get(MODEL_DIR_ENV)
        if not root:
            raise EngineUnavailable(f"PaddleOCR needs local models: {_HOW}")
        folder = Path(root)
        det, rec, cls = folder / "det", folder / "rec", folder / "cls"
        if not det.is_dir() or not rec.is_dir():
            raise EngineUnavailable(f"PaddleOCR model folder {folder} lacks det/ or rec/: {_HOW}")
        os.environ.setdefault("PADDLE_PDX_DISABLE_MODEL_SOURCE_CHECK", "True")
        try:
            from paddleocr import PaddleOCR
        except ImportError as exc:
            raise EngineUnavailable(f"paddleocr is not installed ({exc}): {_HOW}") from exc
        self.version = metadata.version("paddleocr")
        kwargs: dict[str, Any] = {
            "text_detection_model_dir": str(det),
            "text_detection_model_name": _model_name(det),
            "text_recognition_model_dir": str(rec),
            "text_recognition_model_name": _model_name(rec),
            "use_doc_orientation_classify": False,
            "use_doc_unwarping": False,
            "use_textline_orientation": cls.is_dir(),
            "device": "cpu",
            "enable_mkldnn": enable_mkldnn,  # ~4x faster; needs paddlepaddle 3.2.x (see notes)
            "cpu_threads": threads,
        }
        if cls.is_dir():
            kwargs["textline_orientation_model_dir"] = str(cls)
            kwargs["textline_orientation_model_name"] = _model_name(cls)
        self._ocr = PaddleOCR(**kwargs)

    def recognize(self, image: Image.Image) -> list[Line]:
        """OCR one page; polygons become axis-aligned boxes in the image's pixels."""
        import numpy as np

        bgr = np.ascontiguousarray(np.asarray(image.convert("RGB"))[:, :, ::-1])
        lines = []
        for res in self._ocr.predict(bgr):
            for text, score, poly in zip(
                res["rec_texts"], res["rec_scores"], res["rec_polys"], strict=False
            ):
                if not str(text).strip():
                    continue
                xs = [float(p[0]) for p in poly]
                ys = [float(p[1]) for p in poly]
                lines.append(Line(str(text), (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return lines


def _model_name(folder: Path) -> str | None:
    """Read ``Global.model_name`` from the folder's inference.yml (PaddleOCR checks it)."""
    spec = folder / "inference.yml"
    if not spec.is_file():
        return None
    match = re.search(r"^\s*model_name:\s*['\"]?([\w.\-]+)", spec.read_text("utf-8"), re.M)
    return match.group(1) if match else None
