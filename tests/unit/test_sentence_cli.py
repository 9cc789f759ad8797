"""`dossier sentence --input Q.jsonl --out P.jsonl --reference CASES.jsonl.gz` as a real process:
one output line per input line, months and range, the steps from 起点 to the estimate, and the
comparable cases drawn from the reference file (CAIL2018 format)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from pathlib import Path

from tests.support.env import REPO


def cail(fact: str, accusation: list[str], months: int, life: bool = False) -> str:
    return json.dumps({"fact": fact, "meta": {
        "accusation": accusation, "relevant_articles": [], "punish_of_money": 0,
        "criminals": ["张某"], "term_of_imprisonment": {
            "imprisonment": months, "life_imprisonment": life, "death_penalty": False}}},
        ensure_ascii=False)


def test_sentence_against_a_reference_file(tmp_path: Path) -> None:
    ref = tmp_path / "cases.jsonl.gz"
    lines = [cail(f"被告人张某盗窃他人财物，价值人民币{3000 + 1000 * i}元。到案后如实供述。", ["盗窃"], 6 + i)
             for i in range(6)]
    lines.append(cail("被告人醉酒驾驶机动车，血液中乙醇含量为150mg/100ml。", ["危险驾驶"], 2))
    with gzip.open(ref, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(lines) + "\n")
    q = tmp_path / "q.jsonl"
    q.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in [
        {"id": "a", "facts": "被告人李某盗窃手机一部，价值人民币6000元。到案后如实供述，已退赃。",
         "charges": ["盗窃"]},
        {"id": "b", "facts": "被告人王某有配偶而重婚。", "charges": ["重婚罪"]},
    ]) + "\n", "utf-8")
    out = tmp_path / "p.jsonl"
    env = dict(os.environ, DOSSIER_DATA_DIR=str(tmp_path / "data"))
    proc = subprocess.run([sys.executable, "-m", "api.cli", "sentence", "--input", str(q),
                           "--out", str(out), "--reference", str(ref)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    a, b = rows
    assert isinstance(a["months"], int) and a["range"][0] <= a["months"] <= a["range"][1]
    kinds = [s["kind"] for s in a["steps"]]
    assert kinds[0] == "起点" and "基准刑" in kinds and "宣告刑" in kinds and kinds[-1] == "估计"
    assert all(s["basis"] for s in a["steps"])
    assert a["comparable"]["charge_n"] == 6 and a["comparable"]["match"] == "same charges"
    # 盗窃 6,000 元: 4.5 + (6,000-2,000)/2,000 = 6.5; 坦白 -10 %, 退赃 -15 % -> 4.875 -> 5
    assert a["guideline_months"] == 5
    # 重婚 has no rules here and no reference case: the reference file's median fixed term over
    # all its cases (2, 6-11 -> 8), its 25th-75th percentile as the range, flagged as a fallback
    assert b["months"] == 8 and b["range"] == [7, 10] and b["fallback"] is True
    assert b["life_or_death"] is None and a["fallback"] is False
    assert b["steps"][-1]["kind"] == "估计" and "参考库全部案件刑期的中位数" in b["steps"][-1]["label"]
    assert "6 reference" not in proc.stderr and "7 reference cases" in proc.stderr


def run_sentence(tmp_path: Path, q: Path, out: Path, ref: Path,
                 *more: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, DOSSIER_DATA_DIR=str(tmp_path / "data"))
    return subprocess.run([sys.executable, "-m", "api.cli", "sentence", "--input", str(q),
                           "--out", str(out), "--reference", str(ref), *more], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)


def test_as_of_applies_the_law_of_that_day(tmp_path: Path) -> None:
    """虚开 of 300万元 tax: 数额巨大 under 法〔2018〕226号 (≥ 250万), 数额较大 under 法释〔2024〕4号
    (500万) from 2024-03-20 on; today's law unless --as-of names the day."""
    ref = tmp_path / "cases.jsonl"
    ref.write_text(cail("被告人张某为他人虚开增值税专用发票，税款数额人民币80万元。",
                        ["虚开增值税专用发票、用于骗取出口退税、抵扣税款发票"], 40) + "\n", "utf-8")
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "a", "facts": "被告人李某为他人虚开增值税专用发票，税款数额人民币300万元。",
                             "charges": ["虚开增值税专用发票罪"]}, ensure_ascii=False) + "\n", "utf-8")
    got = {}
    for day in ("2023-06-01", None):
        out = tmp_path / f"p-{day}.jsonl"
        proc = run_sentence(tmp_path, q, out, ref, *(["--as-of", day] if day else []))
        assert proc.returncode == 0, proc.stderr[-2000:]
        got[day] = json.loads(out.read_text("utf-8"))
    assert got["2023-06-01"]["guideline_months"] == 133 and got[None]["guideline_months"] == 51
    assert "法〔2018〕226号" in got["2023-06-01"]["steps"][0]["basis"]
    assert "法释〔2024〕4号" in got[None]["steps"][0]["basis"]
    proc = run_sentence(tmp_path, q, tmp_path / "p.jsonl", ref, "--as-of", "2024/03/20")
    assert proc.returncode == 2 and "日期应写作 YYYY-MM-DD" in proc.stderr, proc.stderr
    assert not (tmp_path / "p.jsonl").exists()


def test_a_bad_line_is_refused_by_its_number_and_nothing_is_written(tmp_path: Path) -> None:
    ref = tmp_path / "cases.jsonl"
    ref.write_text(cail("被告人张某盗窃他人财物，价值人民币3000元。", ["盗窃"], 6) + "\n", "utf-8")
    good = json.dumps({"id": "a", "facts": "被告人李某盗窃手机一部，价值人民币6000元。",
                       "charges": ["盗窃"]}, ensure_ascii=False)
    out = tmp_path / "p.jsonl"
    out.write_text("earlier results\n", "utf-8")
    for bad, reason in [("not json", "第3行不是合法的JSON"),
                        ('["a", "b"]', "第3行应为JSON对象"),
                        ('{"id": "b", "charges": ["盗窃"]}', "第3行缺少案情 facts"),
                        # a bare text would be read character by character: 盗, 窃
                        ('{"id": "b", "facts": "被告人盗窃。", "charges": "盗窃"}',
                         "第3行的 charges 应为罪名列表")]:
        q = tmp_path / "q.jsonl"
        q.write_text(f"{good}\n\n{bad}\n{good}\n", "utf-8")
        proc = run_sentence(tmp_path, q, out, ref)
        assert proc.returncode == 2, proc.stderr[-2000:]
        assert reason in proc.stderr and "Traceback" not in proc.stderr
        # checked before anything is written: the earlier output is as it was
        assert out.read_text("utf-8") == "earlier results\n"


def test_a_reference_file_not_in_the_cail2018_format_is_refused(tmp_path: Path) -> None:
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "a", "facts": "被告人盗窃手机一部。", "charges": ["盗窃"]},
                            ensure_ascii=False) + "\n", "utf-8")
    not_gzip = tmp_path / "cases.jsonl.gz"
    not_gzip.write_text("plain text", "utf-8")
    no_meta = tmp_path / "cases.jsonl"
    no_meta.write_text(json.dumps({"fact": "被告人盗窃。"}, ensure_ascii=False) + "\n", "utf-8")
    for ref in (not_gzip, no_meta):
        proc = run_sentence(tmp_path, q, tmp_path / "p.jsonl", ref)
        assert proc.returncode == 2 and "不是CAIL2018格式的案例文件" in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr and not (tmp_path / "p.jsonl").exists()
    proc = run_sentence(tmp_path, q, tmp_path / "missing" / "p.jsonl", no_meta)
    assert proc.returncode == 2 and "不存在" in proc.stderr
