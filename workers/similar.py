"""Similar-case lookup over the stored case vectors.

The vector index lives in the reading process and is rebuilt from ``case_vectors`` whenever that
table changes (count or newest update), so a case processed by any worker is a neighbour at once
and scale-out needs no shared index file.

For a stored case the dense top-50 is reranked by the hybrid ranker of `similarity.fusion`
(BM25 over bigrams of the stored facts, charge / circumstance / amount agreement from the stored
fields) and each result explains itself (shared charges, matching circumstances, the bigrams that
matched). `sentencing` summarises how the most similar cases with the same charges were sentenced.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from models.db import session_scope
from models.schema import Case, CaseVector, Charge, Document, Party, Sentence
from models.settings import Settings

_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], Any]] = {}


def _index(settings: Settings) -> Any:
    import numpy as np

    from similarity.vector_index import VectorIndex

    with session_scope(settings.db_url) as s:
        stamp = tuple(s.execute(select(func.count(), func.max(CaseVector.updated_at))).one())
        with _lock:
            hit = _cache.get(settings.db_url)
            if hit and hit[0] == stamp:
                return hit[1]
        rows = s.execute(select(CaseVector.case_id, CaseVector.dim, CaseVector.vector)).all()
    dim = rows[0][1] if rows else 384
    index = VectorIndex(dim)
    for case_id, d, blob in rows:
        if d == dim:
            index.upsert(case_id, np.frombuffer(blob, dtype=np.float32))
    with _lock:
        _cache[settings.db_url] = (stamp, index)
    return index


def case_vector(settings: Settings, case_id: int) -> Any | None:
    import numpy as np

    with session_scope(settings.db_url) as s:
        row = s.get(CaseVector, case_id)
        return None if row is None else np.frombuffer(row.vector, dtype=np.float32)


def similar_cases(settings: Settings, vector: Any, k: int, *, allowed: set[int],
                  exclude: Iterable[int] = (), case_id: int | None = None
                  ) -> list[dict[str, Any]]:
    """Top-k visible cases, each with its charges and the sentences it imposed.

    When the query is a stored case (`case_id`, or the single excluded id) the dense top-50
    is reranked by the hybrid ranker and each result explains itself; else dense cosine only.
    """
    ex = list(exclude)
    if case_id is None and len(ex) == 1:
        case_id = ex[0]
    if case_id is not None:
        return similar_hybrid(settings, vector, k, allowed=allowed, exclude=ex, case_id=case_id)
    hits = _index(settings).search(vector, k, exclude=set(ex), allowed=allowed)
    return [dict(case_summary(settings, cid), score=round(float(score), 4)) for cid, score in hits]


def case_summary(settings: Settings, case_id: int) -> dict[str, Any]:
    with session_scope(settings.db_url) as s:
        case = s.get(Case, case_id)
        assert case is not None
        docs = s.execute(select(Document.id, Document.doc_type, Document.court,
                                Document.decision_date).where(Document.case_id == case_id)
                         .order_by(Document.id)).all()
        charges = sorted(set(s.execute(select(Charge.name).join(Document)
                                       .where(Document.case_id == case_id)).scalars()))
        sentences = [
            {"defendant": name, "principal": sen.principal, "term_months": sen.term_months,
             "probation_months": sen.probation_months, "fine_yuan": sen.fine_yuan,
             "confiscation": sen.confiscation}
            for sen, name in s.execute(select(Sentence, Party.name).join(Party)
                                       .join(Document, Document.id == Sentence.document_id)
                                       .where(Document.case_id == case_id)).all()
        ]
        return {"case_id": case.id, "case_number": case.case_number,
                "court": next((d.court for d in docs if d.court), None),
                "date": next((d.decision_date for d in docs if d.decision_date), None),
                "document_ids": [d.id for d in docs], "charges": charges,
                "sentences": sentences}


# --- hybrid reranking and sentencing support -------------------------------------------------

def vocabulary() -> tuple[str, ...]:
    from extraction.charges import charge_list

    return charge_list()


def _order() -> dict[str, int]:
    from similarity.fusion import statute_order

    return statute_order(vocabulary())


def case_profiles(settings: Settings, case_ids: Iterable[int]) -> dict[int, tuple[str, Any]]:
    """case id -> (facts text, CaseFeatures) from the stored fields and facts of its documents.

    The document holding the case's vector (the one that describes its facts) comes first."""
    from similarity.features import from_fields

    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    vocab = vocabulary()
    with session_scope(settings.db_url) as s:
        primary: dict[int, int] = {
            cid: did for cid, did in s.execute(select(CaseVector.case_id, CaseVector.document_id)
                                               .where(CaseVector.case_id.in_(ids))).all()}
        rows = s.execute(select(Document.case_id, Document.id, Document.facts, Document.fields)
                         .where(Document.case_id.in_(ids)).order_by(Document.id)).all()
    by_case: dict[int, list[Any]] = {}
    for row in rows:
        by_case.setdefault(row[0], []).append(row)
    out: dict[int, tuple[str, Any]] = {}
    for cid in ids:
        docs = sorted(by_case.get(cid, []), key=lambda r: r[1] != primary.get(cid))
        facts = next((r[2] for r in docs if r[2]), "") or ""
        fields: dict[str, Any] = {"defendants": [], "mitigating": []}
        for r in docs:
            f = r[3] or {}
            fields["defendants"] += f.get("defendants") or []
            fields["mitigating"] += f.get("mitigating") or []
            for key in ("amount_involved_yuan", "blood_alcohol_mg_per_100ml"):
                fields.setdefault(key, f.get(key))
                if fields[key] is None:
                    fields[key] = f.get(key)
        out[cid] = (facts, from_fields(fields, facts, vocab))
    return out


RERANK_CHARS = 4000


def rerank(settings: Settings, query_text: str, query: Any, hits: list[tuple[int, float]],
           k: int) -> list[tuple[int, float, dict[str, Any]]]:
    """Hybrid rerank (similarity.fusion) of dense hits: (case id, score, explanation) best first."""
    from similarity.fusion import rank
    from similarity.lexical import BM25

    if not hits:
        return []
    profiles = case_profiles(settings, [cid for cid, _ in hits])
    keys = [cid for cid, _ in hits if cid in profiles]
    lexical: BM25[int] = BM25()
    # bigram counting costs ~1 ms per 1,000 characters: the decisive conduct comes first
    lexical.add_many({cid: profiles[cid][0][:RERANK_CHARS] for cid in keys})
    ranked = rank(query_text, query, keys, {cid: profiles[cid][1] for cid in keys},
                  lexical=lexical, dense={cid: float(s) for cid, s in hits}, order=_order())
    return [(r.key, r.score, r.explanation(lexical.matched_terms(query_text, r.key)))
            for r in ranked[:k]]


def similar_hybrid(settings: Settings, vector: Any, k: int, *, allowed: set[int],
                   exclude: Iterable[int] = (), query_text: str | None = None,
                   query: Any = None, case_id: int | None = None,
                   depth: int = 50) -> list[dict[str, Any]]:
    """Top-k visible cases: dense top-`depth` reranked by lexical + structured agreement
    (`similarity.fusion`, the weights fitted on LeCaRD).

    The query is a stored case (`case_id`: its facts and fields) or pasted facts
    (`query_text` + `query` CaseFeatures). Each result carries its explanation: shared charges,
    matching circumstances, per-signal scores, the bigrams that matched.
    """
    if case_id is not None and (query_text is None or query is None):
        query_text, query = case_profiles(settings, [case_id]).get(case_id, ("", None))
    hits = _index(settings).search(vector, max(depth, k), exclude=set(exclude), allowed=allowed)
    if query is None or not query_text:
        return [dict(case_summary(settings, cid), score=round(float(s), 4)) for cid, s in hits[:k]]
    cosine = dict(hits)
    return [dict(case_summary(settings, cid), score=round(score, 4),
                 dense=round(float(cosine[cid]), 4), explanation=expl)
            for cid, score, expl in rerank(settings, query_text, query, hits, k)]


def sentencing(settings: Settings, vector: Any, *, allowed: set[int], query_text: str,
               query: Any, exclude: Iterable[int] = (), k: int = 20,
               proposed_months: float | None = None) -> dict[str, Any]:
    """Sentencing statistics over the top-k similar cases with the same charges.

    Comparable cases have exactly the query's charges; when none does, cases sharing at least
    one charge are used (`match` says which)."""
    from similarity.sentencing import SentenceRecord, sentencing_stats

    ranked = similar_hybrid(settings, vector, max(50, 3 * k), allowed=allowed, exclude=exclude,
                            query_text=query_text, query=query, depth=max(50, 3 * k))
    profiles = case_profiles(settings, [r["case_id"] for r in ranked])
    if not query.charges:  # pasted facts naming no charge: those of the nearest cases
        from dataclasses import replace

        from similarity.fusion import infer_charges

        query = replace(query, charges=infer_charges(
            [profiles[r["case_id"]][1].charges for r in ranked[:10]]))
    want = set(query.charges)
    same = [r for r in ranked if want and set(profiles[r["case_id"]][1].charges) == want]
    match = "same charges"
    if not same:
        same = [r for r in ranked if want & set(profiles[r["case_id"]][1].charges)]
        match = "sharing a charge"
    comparable = same[:k]
    records = [SentenceRecord.from_dict(sen, case_id=r["case_id"],
                                        charges=profiles[r["case_id"]][1].charges)
               for r in comparable for sen in r["sentences"]]
    stats = sentencing_stats(records, proposed_months=proposed_months)
    return {"charges": list(query.charges), "features": query.to_dict(), "k": k,
            "match": match, "stats": stats,
            "cases": [{"case_id": r["case_id"], "case_number": r["case_number"],
                       "score": r["score"], "charges": r["charges"],
                       "sentences": r["sentences"],
                       "shared_circumstances": (r.get("explanation") or {})
                       .get("shared_circumstances", [])} for r in comparable]}


def query_features(facts: str, charges: list[str] | None = None) -> Any:
    """CaseFeatures of pasted facts: charges given, else named in the facts (犯/涉嫌…罪)."""
    from similarity.features import from_text

    return from_text(facts, vocabulary(), charges=charges or None)


def embed_query(settings: Settings, text: str) -> Any:
    from workers import engines

    return engines.embedder(settings).embed_queries([text])[0]
