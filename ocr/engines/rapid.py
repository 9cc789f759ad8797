"""RapidOCR 3.10: PP-OCR detection/recognition on ONNX Runtime, models bundled in the wheel.

The models are passed by path so that RapidOCR never takes its download branch (the service
runs offline; the bundled model is the one the version pin was measured with).
"""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

from models.records import Line
from ocr.errors import EngineUnavailable

if TYPE_CHECKING:
    from PIL import Image

# The models shipped inside rapidocr==3.10.0 (see ../shared/notes/ocr-engines.md).
DET_MODEL = "PP-OCRv6_det_small.onnx"
REC_MODEL = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"


class RapidOcrEngine:
    """PP-OCR via RapidOCR; ``threads`` bounds ONNX Runtime's intra-op pool per process.

    Use ``threads=1`` with one worker process per core: two 1-thread workers out-ran one
    2-thread worker in our measurements.

    ``use_cls`` (PP-OCR's per-line 0/180° classifier) is off by default: page orientation is
    fixed before recognition (``ocr.preprocess``), and on upright pages the classifier turned
    whole correct lines upside down, which were then dropped (CER 4.5% instead of 0% on a
    clean page) while costing time.
    """

    name = "rapidocr"

    def __init__(self, threads: int = 1, text_score: float = 0.5, use_cls: bool = False) -> None:
        try:
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise EngineUnavailable(
                f"rapidocr is not installed ({exc}); install the project with pip install -e ."
            ) from exc
        self.version = metadata.version("rapidocr")
        model_dir = Path(rapidocr.__file__).resolve().parent / "models"
        paths = {
            kind: model_dir / file
            for kind, file in (("Det", DET_MODEL), ("Rec", REC_MODEL), ("Cls", CLS_MODEL))
        }
        missing = [str(p) for p in paths.values() if not p.is_file()]
        if missing:
            raise EngineUnavailable(
                f"rapidocr {self.version} lacks its bundled models ({', '.join(missing)}); "
                "install rapidocr==3.10.0, whose wheel ships them"
            )
        params: dict[str, Any] = {
            "Global.log_level": "warning",
            "Global.text_score": text_score,
            "Global.use_cls": use_cls,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
        }
        for kind, path in paths.items():
            params[f"{kind}.model_path"] = str(path)
        self._ocr = RapidOCR(params=params)

    def recognize(self, image: Image.Image) -> list[Line]:
        """OCR one page; quadrilaterals become axis-aligned boxes in the image's pixels."""
        result = self._ocr(image.convert("RGB") if image.mode != "RGB" else image)
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []  # nothing detected (a blank page)
        lines = []
        for quad, text, score in zip(boxes, texts, scores, strict=True):
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            lines.append(Line(text, (min(xs), min(ys), max(xs), max(ys)), float(score)))
        return lines
