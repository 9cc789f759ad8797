"""Stage engines chosen by settings, built once per process (models load once per worker)."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING, Any

from models.settings import Settings

if TYPE_CHECKING:
    from extraction.base import Extractor
    from search.base import SearchBackend
    from similarity.cluster_knn import ClusterKnn
    from similarity.embedder import Embedder


def ocr_engine(settings: Settings) -> Any:
    """The OCR engine the settings name. The ``ocr`` layer reads no settings: the page steps
    it runs outside the engine (``ocr.dewarp``) and the language model's look-alikes
    (``ocr.lm``) read the environment, so a value set only in
    the ``.env`` file is handed to them here, where the process builds its engine (a value
    in the environment already is the one the settings read too)."""
    import os

    from ocr.engines import get_engine
    from ocr.engines.runtime import choose

    os.environ.setdefault("DOSSIER_OCR_DEWARP", settings.ocr_dewarp)
    os.environ.setdefault("DOSSIER_OCR_CONFUSIONS", settings.ocr_confusions)

    options: dict[str, Any] = {"threads": settings.engine_threads}
    if settings.ocr_engine == "rapidocr":
        options.update(model=settings.ocr_model, recheck_below=settings.ocr_recheck_below,
                       language_model=settings.ocr_language_model_path,
                       runtime=choose(settings.ocr_runtime))
    if settings.ocr_engine == "paddleocr":
        options = {"model_dir": settings.paddleocr_model_dir}
    return get_engine(settings.ocr_engine, **options)


def extractor(settings: Settings) -> Extractor:
    """The rules, helped by the NER model DOSSIER_NER_ENGINE names (built once per process by
    ``get_extractor``; NerUnavailable, a permanent failure with its reason, when that model's
    package is missing)."""
    from extraction.rules import get_extractor

    return get_extractor(settings.ner_engine)


_SEARCH: dict[tuple[str | None, str, str], SearchBackend] = {}


def search_backend(settings: Settings) -> SearchBackend:
    from search import get_backend

    key = (settings.search_url, str(settings.data_dir.resolve()), settings.search_prefix)
    if key not in _SEARCH:
        _SEARCH[key] = get_backend(settings.search_url, settings.data_dir.resolve(),
                                   settings.search_prefix)
    return _SEARCH[key]


_KNN: dict[tuple[str, str], ClusterKnn] = {}


def cluster_knn(settings: Settings) -> ClusterKnn | None:
    """The cluster's case-vector index when similar cases use it (settings.cluster_vectors).

    With DOSSIER_VECTOR_INDEX=auto a cluster without kNN (OpenSearch lacking the k-NN plugin)
    leaves similar cases on the in-process index; with =cluster that is an error. Asking may
    raise SearchUnavailable while the cluster is down."""
    if not settings.cluster_vectors or not settings.search_url:
        return None
    from similarity.cluster_knn import ClusterKnn

    key = (settings.search_url, settings.search_prefix)
    if key not in _KNN:
        _KNN[key] = ClusterKnn(settings.search_url, alias=f"{settings.search_prefix}-cases")
    knn = _KNN[key]
    if knn.supported():
        return knn
    if settings.vector_index == "cluster":
        raise RuntimeError(f"DOSSIER_VECTOR_INDEX=cluster but the cluster at {knn.url} has no"
                           " kNN vector field (OpenSearch needs the k-NN plugin); use auto or"
                           " memory")
    return None


@lru_cache(maxsize=4)
def _embedder(path: str, threads: int) -> Embedder:
    from similarity.embedder import SentenceTransformerEmbedder

    return SentenceTransformerEmbedder(path, threads=threads)


def embedder(settings: Settings) -> Embedder:
    return _embedder(settings.embedding_model_path, settings.engine_threads)


def reset() -> None:
    """Forget cached engines (tests switch data dirs)."""
    for backend in _SEARCH.values():
        backend.close()
    _SEARCH.clear()
    for knn in _KNN.values():
        knn.close()
    _KNN.clear()
