"""No call home: the inference runtimes' telemetry is off before they load.

Dossiers of criminal cases never leave the agencies' network, and neither does anything about
them. Two runtimes this product loads phone home by default: ONNX Runtime (1.29 and later, its
native 1DS uploader, on Linux too) and OpenVINO (``import openvino`` sends a Google Analytics
event from a child process it forks off the importing one: a fork of a process with many
threads, on a host whose network drops packets, is also how a run can stall).

ONNX Runtime reads ``ORT_DISABLE_TELEMETRY`` once, when it starts; OpenVINO falls back to its
own do-nothing stub when ``openvino_telemetry`` cannot be imported, which a ``None`` entry in
``sys.modules`` makes so. ``models`` is the bottom layer every process imports before an engine
(``models/__init__.py`` calls this), and ``ocr.engines.runtime``, where the runtimes load, says
so again on import.
"""

from __future__ import annotations

import os
import sys

#: environment switches that turn a library's telemetry off (set unless already set)
OFF = {
    "ORT_DISABLE_TELEMETRY": "1",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
#: packages that only send telemetry, kept from importing so that their users take the stub
BLOCKED = ("openvino_telemetry",)


def no_telemetry() -> None:
    """Turn the runtimes' telemetry off in this process and the processes it starts."""
    for name, value in OFF.items():
        os.environ.setdefault(name, value)
    for module in BLOCKED:
        sys.modules.setdefault(module, None)  # type: ignore[arg-type]
