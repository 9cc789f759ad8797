"""Read one rendered page of a real judgment on each OCR runtime, in a process of its own.

``python -m tests.support.runtimes_probe`` prints JSON: the page's true text, each runtime's
reading and the OpenVINO engine's version; the runtime test calls it in a fresh interpreter, as
a worker loads its runtime. ``--first-calls N`` instead has N threads make the process's first
OpenVINO inferences at the same moment and prints ``ok`` when all return.

Twice (CI on 99db03c and on 1b74d9c) the suite's pytest process sat in the runtime comparison
until CI's limit. The likely cause, seen with gdb in a bench worker: the engine's two recogniser
threads making their first OpenVINO calls at once deadlock OpenVINO's Python module
(``ocr.engines.runtime._FirstCall`` now makes the first call alone). A native hang here still
ends the probe with every thread's stack after ``HANG_S`` instead of holding the run."""

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


def first_calls(threads: int) -> None:
    """``threads`` threads released together into their first call of one recogniser session."""
    import threading

    import numpy as np

    from ocr.engines.rapid import model_files
    from ocr.engines.runtime import OpenVinoSession

    faulthandler.dump_traceback_later(HANG_S // 4, exit=True)
    session = OpenVinoSession(model_files("tiny")["Rec"], threads=2, streams=2)
    name = session.get_inputs()[0].name
    line = np.random.default_rng(0).random((1, 3, 48, 160), dtype=np.float32)
    start = threading.Barrier(threads)

    def call() -> None:
        start.wait()
        session.run(None, {name: line})

    workers = [threading.Thread(target=call) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    faulthandler.cancel_dump_traceback_later()
    print("ok")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--first-calls"]:
        first_calls(int(sys.argv[2]))
    else:
        main()
