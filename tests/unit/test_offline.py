"""models.offline: importing the product turns the runtimes' telemetry off, so that loading
OpenVINO forks no child to send a Google Analytics event and ONNX Runtime starts with its
uploader disabled. Each case runs in a fresh interpreter: the switches act at import time."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# an audit hook sees every fork and name lookup of the process and of the children it forks
# (they inherit it); a lookup is refused there, so that not even the control run calls out
PROBE = textwrap.dedent("""
    import json, os, sys, time
    seen = []
    def hook(event, args):
        if event in ("os.fork", "socket.getaddrinfo", "socket.connect"):
            seen.append(event)
            if event != "os.fork":
                raise RuntimeError("no network in this test")
    sys.addaudithook(hook)
    if sys.argv[1] == "product":
        import models  # noqa: F401
    ort_switch = os.environ.get("ORT_DISABLE_TELEMETRY")
    import openvino  # noqa: F401
    deadline = time.monotonic() + 15
    while sys.argv[1] == "bare" and "os.fork" not in seen and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    from openvino.tools.ovc import telemetry_utils
    print(json.dumps({"seen": seen, "ort": ort_switch, "telemetry": telemetry_utils.tm.__name__}))
""")


def _probe(mode: str, home: Path) -> dict[str, object]:
    """Run the probe with an environment of its own (no CI switch that the telemetry obeys;
    its client-id file written under ``home``)."""
    run = subprocess.run([sys.executable, "-c", PROBE, mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=120, env={"PATH": "/usr/bin:/bin", "HOME": str(home)})
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def test_openvino_alone_forks_to_send_telemetry(tmp_path: Path) -> None:
    """The control: without the product's switch, ``import openvino`` forks its sender."""
    bare = _probe("bare", tmp_path)
    assert "os.fork" in bare["seen"], bare
    assert bare["telemetry"] == "openvino_telemetry"


def test_the_product_loads_the_runtimes_without_telemetry(tmp_path: Path) -> None:
    product = _probe("product", tmp_path)
    assert product["seen"] == [], product
    assert product["telemetry"] == "openvino.tools.ovc.telemetry_stub"
    assert product["ort"] == "1"
