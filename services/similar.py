"""Similar-case lookup over the stored case vectors.

The vector index lives in the reading process, loaded once from ``case_vectors`` and kept up to
date: a new case (an id above the largest loaded) is added on the next request, so a case
processed by any worker is a neighbour at once; re-embedded or deleted cases are caught by a
full check of the table (count, newest update), on every request for small pools and in the
background every INDEX_RECHECK_S seconds for large ones. Scale-out needs no shared index file.
Per-case features are cached (PROFILE_CACHE_SIZE) while the case's documents are unchanged.

For a stored case the dense top-50 is reranked by the hybrid ranker of `similarity.fusion`
(BM25 over bigrams of the stored facts, charge / circumstance / amount agreement from the stored
fields) and each result explains itself (shared charges, matching circumstances, the bigrams that
matched). `sentencing` summarises how the most similar cases with the same charges were sentenced.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, null, select
from sqlalchemy.exc import IntegrityError

from models.db import session_scope
from models.schema import Case, CaseFeatureRow, CaseVector, Document, Party, Sentence
from models.settings import Settings
from services import engines
from similarity.copies import sentences_once

log = logging.getLogger(__name__)
_lock = threading.Lock()


@dataclass
class _Loaded:
    """The in-process vector index of one database and what it was loaded from."""

    index: Any  # VectorIndex
    stamp: tuple[Any, ...]  # (count, newest updated_at) of case_vectors at the last full check
    top: int  # the largest case id loaded
    checked: float  # time.monotonic() of the last full check
    lock: threading.Lock = field(default_factory=threading.Lock)  # searches and updates
    checking: bool = False  # a background full check is running


_cache: dict[str, _Loaded] = {}

#: The full check of ``case_vectors`` (row count and newest update) reads the whole table,
#: about 100 ms at 100,000 cases. Over SMALL_POOL vectors it runs in the background at most
#: every INDEX_RECHECK_S seconds; a NEW case is still seen at once, by its id (an indexed max()
#: on the primary key): what waits for the next full check is a re-embedded or deleted case.
SMALL_POOL = 20_000
INDEX_RECHECK_S = 2.0


def _load_all(settings: Settings) -> _Loaded:
    import numpy as np

    from similarity.vector_index import VectorIndex

    with session_scope(settings.db_url) as s:
        stamp = tuple(s.execute(select(func.count(), func.max(CaseVector.updated_at))).one())
        rows = s.execute(select(CaseVector.case_id, CaseVector.dim, CaseVector.vector)).all()
    dim = rows[0][1] if rows else 384
    index = VectorIndex(dim)
    keep = [(case_id, blob) for case_id, d, blob in rows if d == dim]
    if keep:
        matrix = np.frombuffer(b"".join(blob for _, blob in keep), dtype=np.float32)
        index.upsert_many((case_id for case_id, _ in keep), matrix.reshape(len(keep), dim))
    top = max((case_id for case_id, _, _ in rows), default=0)
    return _Loaded(index, stamp, top, time.monotonic())


def _add_rows(loaded: _Loaded, rows: Iterable[Any]) -> None:
    import numpy as np

    with loaded.lock:
        for case_id, d, blob in rows:
            if d == loaded.index.dim:
                loaded.index.upsert(case_id, np.frombuffer(blob, dtype=np.float32))
            loaded.top = max(loaded.top, case_id)


def _full_check(settings: Settings, hit: _Loaded) -> _Loaded:
    """Compare the table's (count, newest update) with the loaded index; fold in the rows
    updated since, or load everything anew when rows went away. Returns the current entry."""
    url = settings.db_url
    cols = (CaseVector.case_id, CaseVector.dim, CaseVector.vector)
    with session_scope(url) as s:
        stamp = tuple(s.execute(select(func.count(), func.max(CaseVector.updated_at))).one())
        changed = None
        if stamp != hit.stamp and hit.stamp[1] is not None and stamp[0] >= len(hit.index):
            changed = s.execute(select(*cols).where(CaseVector.updated_at >= hit.stamp[1])).all()
    if stamp != hit.stamp:
        if changed is not None:
            _add_rows(hit, changed)
        if changed is None or len(hit.index) != stamp[0]:  # deletions: load anew
            fresh = _load_all(settings)
            with _lock:
                _cache[url] = fresh
            return fresh
    hit.stamp, hit.checked = stamp, time.monotonic()
    return hit


def _background_check(settings: Settings, hit: _Loaded) -> None:
    try:
        _full_check(settings, hit)
    finally:
        hit.checking = False


def _loaded(settings: Settings) -> _Loaded:
    """The current vector index of the database: loaded once, then kept up to date.

    New cases (a case id above the largest loaded) are added at once; the full check runs
    on every call for small pools and, over SMALL_POOL vectors, in a background thread at
    most every INDEX_RECHECK_S seconds (the request goes on with the index it has)."""
    url = settings.db_url
    with _lock:
        hit = _cache.get(url)
    if hit is None:
        hit = _load_all(settings)
        with _lock:
            _cache[url] = hit
        return hit
    if len(hit.index) < SMALL_POOL:
        return _full_check(settings, hit)
    with session_scope(url) as s:
        top = s.execute(select(func.max(CaseVector.case_id))).scalar() or 0
        if top > hit.top:
            cols = (CaseVector.case_id, CaseVector.dim, CaseVector.vector)
            _add_rows(hit, s.execute(select(*cols).where(CaseVector.case_id > hit.top)).all())
    with _lock:
        due = not hit.checking and time.monotonic() - hit.checked >= INDEX_RECHECK_S
        if due:
            hit.checking = True
    if due:
        threading.Thread(target=_background_check, args=(settings, hit), daemon=True,
                         name="similar-index-check").start()
    return hit


def _search(settings: Settings, vector: Any, k: int, **kw: Any) -> list[tuple[int, float]]:
    """Dense top-k: the cluster's kNN index in scale mode, else the in-process index. During a
    search outage the in-process index is built from case_vectors (the source of truth), so
    similar cases and sentencing keep answering (exact, and slower to start)."""
    from search.base import SearchUnavailable

    try:
        knn = engines.cluster_knn(settings)  # asking whether it has kNN may meet the outage
        if knn is not None:
            return knn.search(vector, k, exists=lambda ids: _stored(settings, ids), **kw)
    except SearchUnavailable as exc:
        log.warning("kNN index unavailable, searching the stored vectors instead: %s", exc)
    loaded = _loaded(settings)
    with loaded.lock:
        hits: list[tuple[int, float]] = loaded.index.search(vector, k, **kw)
    return hits


def _stored(settings: Settings, case_ids: list[int]) -> set[int]:
    """Which of these cases still have a vector in case_vectors (the source of truth)."""
    if not case_ids:
        return set()
    with session_scope(settings.db_url) as s:
        return set(s.execute(select(CaseVector.case_id)
                             .where(CaseVector.case_id.in_(case_ids))).scalars())


def _index(settings: Settings) -> Any:
    """The current VectorIndex (searches from other threads should go through `_search`)."""
    return _loaded(settings).index


def similar_cases(settings: Settings, vector: Any, k: int, *, allowed: Collection[int],
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
    hits = distinct_judgments(settings, _search(settings, vector, 2 * k, exclude=set(ex),
                                                allowed=allowed), ex)[:k]
    summaries = case_summaries(settings, [cid for cid, _ in hits])
    return [dict(summaries[cid], score=round(float(score), 4)) for cid, score in hits]


def judgment_identities(settings: Settings, case_ids: Iterable[int]) -> dict[int, set[str]]:
    """case id -> the marks its judgment is known by (`similarity.copies.identity`): the key
    of its number, the SHA-256 of its documents with facts. Two IN queries on indexes."""
    from extraction.case_numbers import case_key
    from similarity.copies import identity

    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    with session_scope(settings.db_url) as s:
        numbers = dict(s.execute(select(Case.id, Case.case_number)
                                 .where(Case.id.in_(ids))).tuples().all())
        digests = s.execute(select(Document.case_id, Document.sha256)
                            .where(Document.case_id.in_(ids), Document.facts.is_not(None),
                                   Document.facts != "")).all()
    by_case: dict[int, list[str]] = {}
    for c, d in digests:  # grouped once: the per-case scan was quadratic in the hits
        by_case.setdefault(c, []).append(d)
    return {cid: identity(case_key(numbers.get(cid)), by_case.get(cid, ())) for cid in ids}


def distinct_judgments(settings: Settings, hits: list[tuple[int, float]],
                       exclude: Iterable[int] = ()) -> list[tuple[int, float]]:
    """Dense hits without copies of the excluded (query) cases and with one case per judgment
    (`similarity.copies`): the same judgment uploaded twice is neither its own most similar
    case nor two comparable cases."""
    from similarity.copies import distinct

    ex = list(exclude)
    identities = judgment_identities(settings, [cid for cid, _ in hits] + ex)
    return distinct(hits, identities, ex)


def case_summary(settings: Settings, case_id: int) -> dict[str, Any]:
    return case_summaries(settings, [case_id])[case_id]


def case_summaries(settings: Settings, case_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """case id -> its number, court, date, documents, charges and sentences (one session, a
    few IN queries, every one on an index: the cost does not grow with the pool). Each
    defendant's sentence is listed once even when the case holds copies of its judgment
    (`similarity.copies.sentences_once`): what the case page shows as 判处 and sentencing counts.

    The charges are those of the documents' extracted fields, the source of the Charge rows
    (`services.records.replace_parties` writes one row per field charge): the fields are read
    for the court and date anyway, so the charges cost no further query."""
    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}
    with session_scope(settings.db_url) as s:
        cases = {c.id: c.case_number for c in s.execute(
            select(Case.id, Case.case_number).where(Case.id.in_(ids))).all()}
        docs = s.execute(select(Document.case_id, Document.id, Document.court,
                                Document.decision_date, Document.fields)
                         .where(Document.case_id.in_(ids)).order_by(Document.id)).all()
        # the columns, not Sentence objects: the ORM's identity map cost more than the query
        sens = s.execute(select(Party.case_id, Party.document_id, Party.name,
                                Sentence.principal, Sentence.term_months,
                                Sentence.probation_months, Sentence.fine_yuan,
                                Sentence.confiscation)
                         .join(Sentence, Sentence.party_id == Party.id)
                         .where(Party.case_id.in_(ids))
                         .order_by(Party.document_id, Sentence.id)).all()
    docs_of: dict[int, list[Any]] = {}
    for d in docs:  # grouped once, in the rows' order (the per-case scans were quadratic)
        docs_of.setdefault(d.case_id, []).append(d)
    sens_of: dict[int, list[Any]] = {}
    for row in sens:
        sens_of.setdefault(row[0], []).append(row)
    out: dict[int, dict[str, Any]] = {}
    for cid in ids:
        if cid not in cases:
            raise KeyError(f"case {cid} not found")
        mine = docs_of.get(cid, [])
        charges = {c for d in mine for dd in ((d.fields or {}).get("defendants") or [])
                   for c in dd.get("charges") or []}
        out[cid] = {
            "case_id": cid, "case_number": cases[cid],
            "court": next((d.court for d in mine if d.court), None),
            "date": next((d.decision_date for d in mine if d.decision_date), None),
            "document_ids": [d.id for d in mine], "charges": sorted(charges),
            "sentences": sentences_once(
                (sen.document_id, sen.name,
                 {"defendant": sen.name, "principal": sen.principal,
                  "term_months": sen.term_months, "probation_months": sen.probation_months,
                  "fine_yuan": sen.fine_yuan, "confiscation": sen.confiscation})
                for sen in sens_of.get(cid, ())),
        }
    return out


# --- hybrid reranking and sentencing support -------------------------------------------------

def vocabulary() -> tuple[str, ...]:
    from extraction.charges import charge_list

    return charge_list()


def _order() -> dict[str, int]:
    from similarity.fusion import statute_order

    return statute_order(vocabulary())


#: CaseFeatures of this many cases stay cached per process (a few hundred bytes each); an
#: entry is reused while its case's documents are unchanged (count, newest update, the
#: document holding the vector)
PROFILE_CACHE_SIZE = 50_000
_profile_lock = threading.Lock()
_profile_cache: OrderedDict[tuple[str, int], tuple[tuple[Any, ...], Any]] = OrderedDict()


def _stamp_text(stamp: tuple[Any, ...]) -> str:
    n, newest, primary = stamp
    return f"{n}|{newest.isoformat() if newest is not None else ''}|{primary}"


def case_profiles(settings: Settings, case_ids: Iterable[int], *, with_facts: bool = True
                  ) -> dict[int, tuple[str, Any]]:
    """case id -> (facts text, CaseFeatures) from the stored fields and facts of its documents.

    The document holding the case's vector (the one that describes its facts) comes first.
    Features are cached per case while its documents are unchanged; the facts are read anew
    (one indexed query for all ids) and returned in NFKC form (`similarity.textfold.fold`).
    ``with_facts=False``: the features only (the facts are read for cases not cached, and ""
    is returned), for a caller that already ranked the cases by their text. Features stored
    once a document was processed (``store_features``) are used while the case's documents
    are unchanged."""
    return _profiles(settings, case_ids, with_facts)[0]


def _profiles(settings: Settings, case_ids: Iterable[int], with_facts: bool = True
              ) -> tuple[dict[int, tuple[str, Any]], dict[int, tuple[Any, ...]]]:
    """``case_profiles`` and the stamp of each case's documents."""
    from similarity.features import CaseFeatures, from_fields
    from similarity.textfold import fold

    ids = list(dict.fromkeys(case_ids))
    if not ids:
        return {}, {}
    url = settings.db_url  # a property that resolves a path: read it once
    with session_scope(url) as s:
        primary: dict[int, int] = {
            cid: did for cid, did in s.execute(select(CaseVector.case_id, CaseVector.document_id)
                                               .where(CaseVector.case_id.in_(ids))).all()}
        rows = s.execute(select(Document.case_id, Document.id,
                                Document.facts if with_facts else null(),
                                Document.updated_at)
                         .where(Document.case_id.in_(ids)).order_by(Document.id)).all()
    by_case: dict[int, list[Any]] = {}
    for row in rows:
        by_case.setdefault(row[0], []).append(row)
    stamps: dict[int, tuple[Any, ...]] = {}
    feats: dict[int, Any] = {}
    with _profile_lock:
        for cid in ids:
            docs = by_case.get(cid, [])
            stamps[cid] = (len(docs), max((r[3] for r in docs), default=None), primary.get(cid))
            hit = _profile_cache.get((url, cid))
            if hit is not None and hit[0] == stamps[cid]:
                _profile_cache.move_to_end((url, cid))
                feats[cid] = hit[1]
    unknown = [cid for cid in ids if cid not in feats]
    if unknown:  # stored at index time, still matching their documents
        with session_scope(url) as s:
            stored = s.execute(select(CaseFeatureRow.case_id, CaseFeatureRow.stamp,
                                      CaseFeatureRow.features)
                               .where(CaseFeatureRow.case_id.in_(unknown))).all()
        fresh = {cid: CaseFeatures.from_dict(data) for cid, stamp, data in stored
                 if stamp == _stamp_text(stamps[cid])}
        feats.update(fresh)
        with _profile_lock:
            for cid, feat in fresh.items():
                _profile_cache[(url, cid)] = (stamps[cid], feat)
    missing = [cid for cid in ids if cid not in feats]
    if not with_facts and missing:  # the features of these need their facts after all
        return ({**case_profiles(settings, missing),
                 **{cid: ("", feats[cid]) for cid in ids if cid in feats}}, stamps)
    facts_of: dict[int, str] = {}
    for cid in ids:
        docs = sorted(by_case.get(cid, []), key=lambda r: r[1] != primary.get(cid))
        # folded once here: the features and the bigram tokens both read the NFKC form
        facts_of[cid] = fold(next((r[2] for r in docs if r[2]), "") or "")
    if missing:
        with session_scope(url) as s:
            field_rows = s.execute(select(Document.case_id, Document.id, Document.fields)
                                   .where(Document.case_id.in_(missing))
                                   .order_by(Document.id)).all()
        vocab = vocabulary()
        for cid in missing:
            docs = sorted((r for r in field_rows if r[0] == cid),
                          key=lambda r: r[1] != primary.get(cid))
            fields: dict[str, Any] = {"defendants": [], "mitigating": []}
            for r in docs:
                f = r[2] or {}
                fields["defendants"] += f.get("defendants") or []
                fields["mitigating"] += f.get("mitigating") or []
                for key in ("amount_involved_yuan", "blood_alcohol_mg_per_100ml"):
                    fields.setdefault(key, f.get(key))
                    if fields[key] is None:
                        fields[key] = f.get(key)
            feats[cid] = from_fields(fields, facts_of[cid], vocab)
        with _profile_lock:
            for cid in missing:
                _profile_cache[(url, cid)] = (stamps[cid], feats[cid])
            while len(_profile_cache) > PROFILE_CACHE_SIZE:
                _profile_cache.popitem(last=False)
    return {cid: (facts_of[cid], feats[cid]) for cid in ids}, stamps


def store_features(settings: Settings, case_ids: Iterable[int]) -> int:
    """Compute the cases' comparison features and store them with their documents' stamp
    (services.processing.finish once a document is processed; a benchmark's pool). Returns
    how many were stored."""
    profiles, stamps = _profiles(settings, case_ids, with_facts=True)
    done = 0
    for cid, (_, feat) in profiles.items():
        try:
            with session_scope(settings.db_url) as s:
                row = s.get(CaseFeatureRow, cid)
                if row is None:
                    row = CaseFeatureRow(case_id=cid)
                    s.add(row)
                row.stamp, row.features = _stamp_text(stamps[cid]), feat.to_dict()
            done += 1
        except IntegrityError:  # another document of the case stored them at the same moment
            log.info("case %s: features stored by another worker", cid)
    return done


RERANK_CHARS = 4000


def rerank(settings: Settings, query_text: str, query: Any, hits: list[tuple[int, float]],
           k: int, *, terms: bool = True) -> list[tuple[int, float, dict[str, Any]]]:
    """Hybrid rerank (similarity.fusion) of dense hits: (case id, score, explanation) best first.
    ``terms=False`` leaves the matched bigrams out of the explanations (a quarter of a cold
    sentencing answer went into finding bigrams its page never shows)."""
    return _rerank(settings, query_text, query, hits, k, terms=terms)[0]


def _rerank(settings: Settings, query_text: str, query: Any, hits: list[tuple[int, float]],
            k: int, *, terms: bool = True
            ) -> tuple[list[tuple[int, float, dict[str, Any]]], dict[int, tuple[str, Any]]]:
    """``rerank`` and the profiles (facts, features) of the hits it read."""
    from similarity.fusion import rank
    from similarity.lexical import PoolBM25, tokens

    if not hits:
        return [], {}
    profiles = case_profiles(settings, [cid for cid, _ in hits])
    keys = [cid for cid, _ in hits if cid in profiles]
    # BM25 statistics of the reranked pool (numpy token codes, no term dict per case); the
    # first RERANK_CHARS characters of the facts: the decisive conduct comes first
    lexical: PoolBM25[int] = PoolBM25({cid: profiles[cid][0][:RERANK_CHARS] for cid in keys})
    ranked = rank(query_text, query, keys, {cid: profiles[cid][1] for cid in keys},
                  lexical=lexical, dense={cid: float(s) for cid, s in hits}, order=_order())
    qterms = tokens(query_text) if terms else []
    return [(r.key, r.score,
             r.explanation(lexical.matched_terms(qterms, r.key) if terms else ()))
            for r in ranked[:k]], profiles


def similar_hybrid(settings: Settings, vector: Any, k: int, *, allowed: Collection[int],
                   exclude: Iterable[int] = (), query_text: str | None = None,
                   query: Any = None, case_id: int | None = None,
                   depth: int = 50, terms: bool = True) -> list[dict[str, Any]]:
    """Top-k visible cases: dense top-`depth` reranked by lexical + structured agreement
    (`similarity.fusion`, the weights fitted on LeCaRD).

    The query is a stored case (`case_id`: its facts and fields) or pasted facts
    (`query_text` + `query` CaseFeatures). Each result carries its explanation: shared charges,
    matching circumstances, per-signal scores, the bigrams that matched.
    """
    return _similar_hybrid(settings, vector, k, allowed=allowed, exclude=exclude,
                           query_text=query_text, query=query, case_id=case_id, depth=depth,
                           terms=terms)[0]


def _similar_hybrid(settings: Settings, vector: Any, k: int, *, allowed: Collection[int],
                    exclude: Iterable[int] = (), query_text: str | None = None,
                    query: Any = None, case_id: int | None = None, depth: int = 50,
                    terms: bool = True
                    ) -> tuple[list[dict[str, Any]], dict[int, tuple[str, Any]] | None]:
    """``similar_hybrid`` and the profiles of the reranked cases (None when not reranked)."""
    if case_id is not None and (query_text is None or query is None):
        query_text, query = case_profiles(settings, [case_id]).get(case_id, ("", None))
    ex = list(exclude)
    hits = distinct_judgments(
        settings, _search(settings, vector, max(depth, k), exclude=set(ex), allowed=allowed), ex)
    if query is None or not query_text:
        summaries = case_summaries(settings, [cid for cid, _ in hits[:k]])
        return [dict(summaries[cid], score=round(float(s), 4)) for cid, s in hits[:k]], None
    cosine = dict(hits)
    ranked, profiles = _rerank(settings, query_text, query, hits, k, terms=terms)
    summaries = case_summaries(settings, [cid for cid, _, _ in ranked])
    return [dict(summaries[cid], score=round(score, 4), dense=round(float(cosine[cid]), 4),
                 explanation=expl) for cid, score, expl in ranked], profiles


def sentencing(settings: Settings, vector: Any, *, allowed: Collection[int], query_text: str,
               query: Any, exclude: Iterable[int] = (), k: int = 20,
               proposed_months: float | None = None) -> dict[str, Any]:
    """Sentencing statistics over the top-k similar cases with the same charges.

    Comparable cases have exactly the query's charges; when none does, cases sharing at least
    one charge are used (`match` says which)."""
    from similarity.sentencing import SentenceRecord, sentencing_stats

    ranked, read = _similar_hybrid(settings, vector, max(50, 3 * k), allowed=allowed,
                                   exclude=exclude, query_text=query_text, query=query,
                                   depth=max(50, 3 * k), terms=False)
    # the rerank read every ranked case's features a moment ago, in this request: not again
    profiles = (read if read is not None and all(r["case_id"] in read for r in ranked)
                else case_profiles(settings, [r["case_id"] for r in ranked], with_facts=False))
    share = None
    if not query.charges:  # pasted facts naming no charge: those of the nearest cases
        from dataclasses import replace

        from similarity.fusion import infer_charges

        near = [profiles[r["case_id"]][1].charges for r in ranked[:10]]
        query = replace(query, charges=infer_charges(near))
        # how sure that guess is: the share of the ten nearest cases that carry it
        share = (round(sum(1 for cs in near if set(query.charges) <= set(cs)) / len(near), 2)
                 if near and query.charges else 0.0)
    want = set(query.charges)
    same = [r for r in ranked if want and set(profiles[r["case_id"]][1].charges) == want]
    match = "same charges"
    if not same:
        same = [r for r in ranked if want & set(profiles[r["case_id"]][1].charges)]
        match = "sharing a charge"
    comparable = same[:k]
    # every ranked case with the query's charges (up to max(50, 3k)): the sentencing estimate's
    # stand-in for the charge's median over the visible pool (services.sentence_estimate)
    case_terms = [(set(profiles[r["case_id"]][1].charges),
                   [t for sen in r["sentences"]
                    if (t := SentenceRecord.from_dict(sen).fixed_term) is not None])
                  for r in same]
    pool_terms = [t for _, ts in case_terms for t in ts]
    # several charges no case shares: each charge's terms, for 数罪并罚 of their medians
    by_charge = ([[t for chs, ts in case_terms if ch in chs for t in ts] for ch in sorted(want)]
                 if match == "sharing a charge" else [])
    records = [SentenceRecord.from_dict(sen, case_id=r["case_id"],
                                        charges=profiles[r["case_id"]][1].charges)
               for r in comparable for sen in r["sentences"]]
    stats = sentencing_stats(records, proposed_months=proposed_months)
    return {"charges": list(query.charges), "features": query.to_dict(), "k": k,
            "charges_from_neighbours": share is not None, "charges_share": share,
            "match": match, "stats": stats, "pool_terms": pool_terms,
            "pool_terms_by_charge": by_charge,
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
    return engines.embedder(settings).embed_queries([text])[0]
