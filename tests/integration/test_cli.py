"""The `dossier` command line, run as a real process on real files."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.support.env import REPO

SCHEMA_KEYS = {"doc_type", "case_number", "court", "procuratorate", "judgment_date", "defendants",
               "victims", "defense_counsel", "mitigating", "amount_involved_yuan",
               "blood_alcohol_mg_per_100ml",
               "instance"}  # beyond SCHEMA.md: the instance the case number names (issue 19)


def dossier(*args: str, env: dict[str, str], check: bool = True) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run([sys.executable, "-m", "api.cli", *args], env=env, cwd=REPO,
                          capture_output=True, text=True, timeout=600)
    if check and proc.returncode != 0:
        raise AssertionError(f"dossier {args} exited {proc.returncode}:\n{proc.stderr[-3000:]}")
    return proc


def gold(shared_data: Path, name: str) -> Path:
    return shared_data / "extraction_gold" / "texts" / f"{name}.txt"


def test_user_add_prints_the_token_on_its_last_line(env: Callable[..., dict[str, str]]) -> None:
    e = env()
    out = dossier("user", "add", "alice", "--role", "clerk", "--agency", "court-1", env=e)
    token = out.stdout.strip().splitlines()[-1]
    assert len(token) >= 32 and " " not in token
    again = dossier("user", "add", "alice", "--role", "clerk", "--agency", "court-1", env=e,
                    check=False)
    assert again.returncode != 0 and "exists" in again.stderr
    bad = dossier("user", "add", "bob", "--role", "boss", "--agency", "x", env=e, check=False)
    assert bad.returncode != 0 and "role" in bad.stderr


def test_extract_gives_the_parts_of_a_bundle(env: Callable[..., dict[str, str]],
                                             shared_data: Path, tmp_path: Path) -> None:
    """An indictment form page then a real judgment, pages split by form feeds: two parts,
    the judgment's fields, provenance pages counted from the start of the file."""
    from tests.support.texts import FORMS

    text = gold(shared_data, "lecard-12174").read_text()
    bundle = tmp_path / "bundle.txt"
    half = len(text) // 2
    bundle.write_text("\f".join([FORMS["起诉书"], text[:half], text[half:]]), encoding="utf-8")
    out = dossier("extract", str(bundle), "--format", "json", env=env())
    (line,) = [json.loads(x) for x in out.stdout.splitlines()]
    assert [(p["first"], p["last"], p["kind"], p["primary"]) for p in line["parts"]] == [
        (1, 1, "起诉书", False), (2, 3, "刑事判决书", True)]
    label = json.loads((shared_data / "extraction_gold" / "labels" / "lecard-12174.json")
                       .read_text())
    assert line["case_number"] == label["case_number"]
    assert line["provenance"]["case_number"]["page"] == 2
    assert line["provenance"]["parts/0/kind"]["page"] == 1


def test_extract_prints_one_json_line_per_file(env: Callable[..., dict[str, str]],
                                               shared_data: Path, tmp_path: Path) -> None:
    from tests.scans.generate import make_text_pdf

    txt = gold(shared_data, "lecard-10868")
    pdf = tmp_path / "judgment.pdf"
    pdf.write_bytes(make_text_pdf(gold(shared_data, "lecard-19303").read_text()))
    out = dossier("extract", str(txt), str(pdf), "--format", "json", env=env())
    lines = [json.loads(x) for x in out.stdout.splitlines()]
    assert [x["source"] for x in lines] == [str(txt), str(pdf)]
    for x in lines:
        assert set(x) == SCHEMA_KEYS | {"source", "evidence", "provenance"}
        assert x["provenance"]["case_number"]["page"] == 1
        assert x["provenance"]["case_number"]["extractor"].startswith("rules")
        for item in x["evidence"]:
            assert set(item) == {"text", "kind", "page", "start", "end", "confidence"}
    assert lines[0]["evidence"] and lines[0]["evidence"][0]["kind"] == \
        "犯罪嫌疑人/被告人供述和辩解"  # 1、被告人马保全供述：…
    page = txt.read_text()
    first = lines[0]["evidence"][0]
    assert page[first["start"]:first["end"]].startswith("被告人马保全供述")
    labels = {n: json.loads((shared_data / "extraction_gold" / "labels" / f"{n}.json").read_text())
              for n in ("lecard-10868", "lecard-19303")}
    assert lines[0]["case_number"] == labels["lecard-10868"]["case_number"]
    assert lines[1]["case_number"] == labels["lecard-19303"]["case_number"]
    assert lines[1]["defendants"][0]["charges"] == ["危险驾驶罪"]


@pytest.mark.slow
def test_ocr_prints_page_texts(env: Callable[..., dict[str, str]], shared_data: Path,
                               tmp_path: Path) -> None:
    from tests.scans.generate import degrade, render_pages

    (img, truth), *_ = render_pages(gold(shared_data, "lecard-19303").read_text(), max_lines=8)
    scan = tmp_path / "scan.png"
    degrade(img, skew_deg=0.5, noise=5, seed=3).save(scan)
    text = dossier("ocr", str(scan), "--format", "text", env=env()).stdout
    from ocr.metrics import cer

    assert cer(truth, text) < 0.05, text
    data = json.loads(dossier("ocr", str(scan), "--format", "json", env=env()).stdout)
    assert data["pages"][0]["method"] == "ocr" and data["pages"][0]["lines"]


def test_bad_files_get_a_message_and_non_zero_exit(env: Callable[..., dict[str, str]],
                                                   tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4\n garbage")
    out = dossier("ocr", str(bad), env=env(), check=False)
    assert out.returncode != 0 and "broken.pdf" in out.stderr
    missing = dossier("ingest", str(tmp_path / "nope"), env=env(), check=False)
    assert missing.returncode != 0 and "no such file" in missing.stderr


@pytest.mark.slow
def test_ingest_then_search_and_audit(env: Callable[..., dict[str, str]], shared_data: Path,
                                      tmp_path: Path) -> None:
    folder = tmp_path / "inbox"
    folder.mkdir()
    for name in ("lecard-12174", "lecard-19303"):
        (folder / f"{name}.txt").write_bytes(gold(shared_data, name).read_bytes())
    (folder / "empty.txt").write_bytes(b"")
    e = env()
    out = dossier("ingest", str(folder), env=e, check=False)
    assert out.returncode == 1  # the empty file is rejected, the others are processed
    assert out.stdout.count("succeeded") == 2 and "empty.txt: rejected" in out.stderr
    res = json.loads(dossier("search", "危险驾驶", "--json", env=e).stdout)
    assert res["total"] == 1
    hit = res["hits"][0]
    assert set(hit) >= {"document_id", "case_id", "filename", "score", "page", "highlights"}
    assert hit["filename"] == "lecard-19303.txt"
    assert "危险驾驶罪" in [f["value"] for f in res["facets"]["charge"]]
    assert "intact" in dossier("audit", "verify", env=e).stdout

    import sqlite3

    db = sqlite3.connect(Path(e["DOSSIER_DATA_DIR"]) / "dossier.sqlite3")
    db.execute("UPDATE audit_events SET detail = '{}' WHERE id = 2")
    db.commit()
    db.close()
    broken = dossier("audit", "verify", env=e, check=False)
    assert broken.returncode == 1 and "event 2" in broken.stderr


def test_audit_verify_catches_a_truncated_chain_after_an_anchor(
        env: Callable[..., dict[str, str]]) -> None:
    import sqlite3

    e = env()
    for name in ("alice", "bob", "carol"):
        dossier("user", "add", name, "--role", "clerk", "--agency", "court-1", env=e)
    assert "anchored event" in dossier("audit", "anchor", env=e).stdout
    ok = dossier("audit", "verify", env=e).stdout
    assert "intact" in ok and "1 anchors" in ok
    db = sqlite3.connect(Path(e["DOSSIER_DATA_DIR"]) / "dossier.sqlite3")
    last = db.execute("SELECT max(id) FROM audit_events").fetchone()[0]
    db.execute("DELETE FROM audit_events WHERE id = ?", (last,))  # the newest event cut off
    db.commit()
    db.close()
    broken = dossier("audit", "verify", env=e, check=False)
    assert broken.returncode == 1 and f"event {last}" in broken.stderr, broken.stderr
    assert "cut off" in broken.stderr
