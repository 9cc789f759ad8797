"""Read one rendered page of a real judgment on each OCR runtime, in a process of its own.

``python -m tests.support.runtimes_probe`` prints JSON: the page's true text, each runtime's
reading and the OpenVINO engine's version. The runtime test calls it in a fresh interpreter: the
product loads a runtime in a worker process of its own, while the suite's long-lived pytest
process has by then started servers, workers and other runtimes' thread pools, and twice (CI on
99db03c and on 1b74d9c) sat in this comparison until CI's limit. A native hang here ends the
probe with every thread's stack after ``HANG_S`` instead of holding the run."""

from __future__ import annotations

import faulthandler
import json
import sys

HANG_S = 240


def main() -> None:
    faulthandler.dump_traceback_later(HANG_S, exit=True)
    from ocr.engines.rapid import RapidOcrEngine
    from tests.scans.generate import render_pages
    from tests.support.env import GOLD

    text = sorted((GOLD / "texts").glob("*.txt"))[1].read_text("utf-8")
    page, placed = render_pages(text, max_lines=20)[0]
    reads, versions = {}, {}
    for runtime in ("onnxruntime", "openvino"):
        engine = RapidOcrEngine(threads=2, runtime=runtime)
        assert engine.runtime == runtime, engine.runtime
        versions[runtime] = engine.version
        reads[runtime] = "".join(line.text for line in engine.recognize(page))
    faulthandler.cancel_dump_traceback_later()
    json.dump({"truth": placed, "reads": reads, "versions": versions}, sys.stdout,
              ensure_ascii=False)


if __name__ == "__main__":
    main()
