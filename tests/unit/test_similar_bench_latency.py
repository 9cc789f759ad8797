"""The 100k-case latency bench, run small: a pool synthesised from real CAIL2018 / LeCaRD
cases, laid out as the worker stores it, and the timed production path over it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from benchmarks import similar_latency as bench


def test_term_in_verdict_reads_chinese_numerals() -> None:
    assert bench.term_in_verdict("被告人高良犯赌博罪，判处有期徒刑一年零十个月，并处罚金") == 22
    assert bench.term_in_verdict("判处有期徒刑三年，缓刑三年") == 36
    assert bench.term_in_verdict("判处有期徒刑十个月") == 10
    assert bench.term_in_verdict("判处有期徒刑十一年六个月") == 138
    assert bench.term_in_verdict("判处拘役三个月") is None


@pytest.fixture(scope="module")
def pool(shared_data: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[object, list]:
    from models.settings import Settings
    from services.similar import vocabulary

    sources = bench.load_sources(shared_data, vocabulary(), limit=300)
    data_dir = tmp_path_factory.mktemp("latency-pool")
    settings = Settings(data_dir=data_dir, database_url=None)
    bench.build_pool(settings.db_url, sources, 400, seed=1, log=lambda *_: None)
    return settings, sources


def test_synthesised_cases_recombine_real_sentences_and_keep_their_fields(
        shared_data: Path) -> None:
    from services.similar import vocabulary

    sources = bench.load_sources(shared_data, vocabulary(), limit=200)
    assert len(sources) > 300 and all(s.charges and s.sentences for s in sources)
    assert any(s.term_months for s in sources) and any(s.fine_yuan for s in sources)
    real = {sent for s in sources for sent in s.sentences}
    rows = list(bench.synthesise(sources, 50, seed=2))
    for facts, fields, first in rows:
        assert fields["defendants"][0]["charges"][0] == first
        sents = bench._SENTENCE.findall(facts)
        assert sents and all(x in real for x in sents)
    vecs = bench._vectors([r[2] for r in rows], bench.DIM, 2)
    assert vecs.shape == (50, bench.DIM) and np.allclose(np.linalg.norm(vecs, axis=1), 1)
    # same charge -> nearer than different charges, on average
    same = [vecs[i] @ vecs[j] for i in range(50) for j in range(i) if rows[i][2] == rows[j][2]]
    diff = [vecs[i] @ vecs[j] for i in range(50) for j in range(i) if rows[i][2] != rows[j][2]]
    assert same and diff and np.mean(same) > np.mean(diff) + 0.2


def test_timed_path_returns_explained_results_with_the_stored_charges(pool: tuple) -> None:
    from sqlalchemy import select

    from models.db import session_scope
    from models.schema import Charge, Document
    from services import indexing, similar

    settings, _ = pool
    timing = bench.time_queries(settings, [3, 77, 250], k=5)
    assert len(timing.total) == 3 and all(t > 0 for t in timing.total)
    assert bench.percentile(timing.total, 95) == max(timing.total)
    hits = similar.similar_cases(settings, indexing.case_vector(settings, 3), 5,
                                 allowed=set(range(1, 401)), exclude=[3])
    assert [h["case_id"] for h in hits] != [] and all(h["explanation"] for h in hits)
    with session_scope(settings.db_url) as s:
        for h in hits:  # charges from the fields equal the Charge rows the pipeline writes
            rows = s.execute(select(Charge.name).join(Document)
                             .where(Document.case_id == h["case_id"])).scalars()
            assert h["charges"] == sorted(set(rows))
            assert h["sentences"] or h["charges"]
