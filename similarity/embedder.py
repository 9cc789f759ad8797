"""Text embedders for case facts: a small protocol and the sentence-transformers implementation.

Why a protocol: ranking and indexing only need "texts in, unit vectors out", so tests and later
backends (a static model2vec model, a remote encoder) can stand in without torch.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    import numpy as np

E5_MAX_TOKENS = 512


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into float32 rows of unit L2 norm, with asymmetric query/passage encoding."""

    @property
    def name(self) -> str:
        """Stable identifier of the model (used to key caches of stored vectors)."""
        ...

    @property
    def dim(self) -> int:
        """Length of every embedding row."""
        ...

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed documents (case facts to be found): shape (len(texts), dim)."""
        ...

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search inputs (the case a judge is looking at): shape (len(texts), dim)."""
        ...


_MODELS: dict[tuple[str, str, int], Any] = {}
_MODELS_LOCK = threading.Lock()


def _load_sentence_transformer(path: Path, device: str, max_seq_length: int) -> Any:
    """Load (once per process) a local sentence-transformers directory, never touching a hub."""
    key = (str(path), device, max_seq_length)
    with _MODELS_LOCK:
        model = _MODELS.get(key)
        if model is None:
            if not (path / "modules.json").is_file():
                raise FileNotFoundError(
                    f"no sentence-transformers model at {path}; build it with "
                    f"`python -m similarity.model_build --out {path}`"
                )
            from sentence_transformers import SentenceTransformer

            model = SentenceTransformer(str(path), device=device, local_files_only=True)
            model.max_seq_length = max_seq_length
            model.eval()
            _MODELS[key] = model
        return model


class SentenceTransformerEmbedder:
    """Embedder over a local sentence-transformers model (by default the rebuilt e5-small).

    Loading is lazy (first embed call) and shared per process and (path, device, length), so
    workers pay the ~2 s model load once. Inputs longer than `max_seq_length` tokens are cut
    at the end: for judgments the facts paragraph starts with the decisive conduct.
    """

    def __init__(
        self,
        model_path: str | Path,
        *,
        query_prefix: str = "query: ",
        passage_prefix: str = "passage: ",
        max_seq_length: int = E5_MAX_TOKENS,
        device: str = "cpu",
        threads: int | None = None,
        batch_size: int = 16,
    ) -> None:
        if max_seq_length < 8:
            raise ValueError("max_seq_length must be at least 8 tokens")
        self.model_path = Path(model_path).expanduser().resolve()
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self.max_seq_length = max_seq_length
        self.device = device
        self.threads = threads
        self.batch_size = batch_size
        self._dim: int | None = None

    @property
    def name(self) -> str:
        """Model directory name plus the settings that change the vectors."""
        return f"{self.model_path.name}@{self.max_seq_length}"

    @property
    def dim(self) -> int:
        """Read from the pooling config when present, so asking does not load torch."""
        if self._dim is None:
            try:
                cfg = json.loads((self.model_path / "1_Pooling" / "config.json").read_text())
                self._dim = int(cfg["word_embedding_dimension"])
            except (OSError, ValueError, KeyError):
                model = self._model()
                get = getattr(model, "get_embedding_dimension", None)  # renamed in ST 6
                self._dim = int((get or model.get_sentence_embedding_dimension)())
        return self._dim

    def _model(self) -> Any:
        if self.threads:
            import torch

            torch.set_num_threads(self.threads)  # process-wide: torch has one intra-op pool
        return _load_sentence_transformer(self.model_path, self.device, self.max_seq_length)

    def _encode(self, texts: list[str], prefix: str) -> np.ndarray:
        import numpy as np

        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vecs = self._model().encode(
            [prefix + t for t in texts],
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return np.ascontiguousarray(vecs, dtype=np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """Embed documents with the passage prefix."""
        return self._encode(list(texts), self.passage_prefix)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """Embed search inputs with the query prefix."""
        return self._encode(list(texts), self.query_prefix)
