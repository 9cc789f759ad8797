"""ocr.engines.runtime: the networks on ONNX Runtime or OpenVINO read a real judgment page to
the same text, and a wrong setting is refused with its reason."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from ocr.engines.runtime import choose, openvino_pays
from ocr.errors import EngineUnavailable
from tests.support.runtimes_probe import HANG_S

# the probe's own watchdog ends a hang first, with its stacks
PROBE_S = HANG_S + 60
# a hang in one process of eight in ten without the fix: (23/30)^10 ~ 7 % would all pass
FIRST_CALL_PROCESSES = 10


def test_a_runtime_that_does_not_exist_is_refused_in_chinese() -> None:
    with pytest.raises(EngineUnavailable, match="DOSSIER_OCR_RUNTIME='tensorrt' 无效"):
        choose("tensorrt")
    assert choose("onnxruntime") == "onnxruntime"
    assert choose("openvino") == "openvino"
    # auto: OpenVINO only where it is installed and the CPU runs bfloat16
    assert choose("auto") == ("openvino" if openvino_pays() else "onnxruntime")


def test_both_runtimes_read_a_judgment_page_alike() -> None:
    """The same rendered page of a real judgment on both runtimes: OpenVINO's bfloat16 moves
    scores in the third digit, the text stays (the bench measures it over pages). Read in a
    fresh process, as a worker loads its runtime (tests.support.runtimes_probe says why)."""
    from ocr.metrics import cer
    from tests.support.env import REPO

    probe = subprocess.run([sys.executable, "-m", "tests.support.runtimes_probe"], cwd=REPO,
                           capture_output=True, text=True, timeout=PROBE_S)
    assert probe.returncode == 0, probe.stderr[-6000:]
    found = json.loads(probe.stdout)
    reads = found["reads"]
    assert "+openvino" in found["versions"]["openvino"]
    assert "+openvino" not in found["versions"]["onnxruntime"]
    truth = "".join(found["truth"].split())
    assert len(truth) > 300
    assert cer(reads["onnxruntime"], reads["openvino"]) <= 0.003
    for read in reads.values():
        assert cer(truth, "".join(read.split())) <= 0.005


def test_threads_starting_on_openvino_together_do_not_hang() -> None:
    """Eight threads make a fresh process's first OpenVINO inferences at the same moment. Before
    ``ocr.engines.runtime._FirstCall`` 7 of 30 such processes hung for good (OpenVINO's NumPy
    bridge is filled on first use inside a C++ static that lets go of the GIL); each of these
    must say ``ok`` within its time."""
    from tests.support.env import REPO

    for _ in range(FIRST_CALL_PROCESSES):
        probe = subprocess.run(
            [sys.executable, "-m", "tests.support.runtimes_probe", "--first-calls", "8"],
            cwd=REPO, capture_output=True, text=True, timeout=PROBE_S)
        assert probe.returncode == 0 and probe.stdout.strip() == "ok", probe.stderr[-6000:]
