"""ocr.engines.runtime: the networks on ONNX Runtime or OpenVINO read a real judgment page to
the same text, and a wrong setting is refused with its reason."""

from __future__ import annotations

import pytest

from ocr.engines.runtime import choose, openvino_pays
from ocr.errors import EngineUnavailable


def test_a_runtime_that_does_not_exist_is_refused_in_chinese() -> None:
    with pytest.raises(EngineUnavailable, match="DOSSIER_OCR_RUNTIME='tensorrt' 无效"):
        choose("tensorrt")
    assert choose("onnxruntime") == "onnxruntime"
    assert choose("openvino") == "openvino"
    # auto: OpenVINO only where it is installed and the CPU runs bfloat16
    assert choose("auto") == ("openvino" if openvino_pays() else "onnxruntime")


def test_both_runtimes_read_a_judgment_page_alike() -> None:
    """The same rendered page of a real judgment on both runtimes: OpenVINO's bfloat16 moves
    scores in the third digit, the text stays (the bench measures it over pages)."""
    from ocr.engines.rapid import RapidOcrEngine
    from ocr.metrics import cer
    from tests.scans.generate import render_pages
    from tests.support.env import GOLD

    text = sorted((GOLD / "texts").glob("*.txt"))[1].read_text("utf-8")
    page, placed = render_pages(text, max_lines=20)[0]
    reads = {}
    for runtime in ("onnxruntime", "openvino"):
        engine = RapidOcrEngine(threads=2, runtime=runtime)
        assert engine.runtime == runtime
        reads[runtime] = "".join(line.text for line in engine.recognize(page))
    assert "+openvino" in RapidOcrEngine(runtime="openvino").version
    truth = "".join(placed.split())
    assert len(truth) > 300
    assert cer(reads["onnxruntime"], reads["openvino"]) <= 0.003
    for read in reads.values():
        assert cer(truth, "".join(read.split())) <= 0.005
