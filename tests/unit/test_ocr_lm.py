"""ocr.lm: the character n-gram model that picks among the recogniser's own candidates.

A small model is counted from real judgments (../shared/data's extraction gold texts); the
misreadings are the ones the bench's faxes showed (本腕 for 本院, 犯辱 for 犯罪, 隐真相 for 隐瞒真相).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from ocr import lm, lm_build
from tests.support.env import GOLD


@pytest.fixture(scope="module")
def model() -> lm.CharModel:
    texts = [p.read_text("utf-8-sig") for p in sorted((GOLD / "texts").glob("*.txt"))]
    if not texts:
        pytest.fail(f"shared data missing: {GOLD / 'texts'}")
    texts.append("诈骗犯罪嫌疑人虚构事实、隐瞒真相，骗取他人财物。\n" * 3)
    vocab = sorted({ch for text in texts for ch in text if ch.strip()})
    return lm.build(texts, vocab)


def test_counts_and_boundaries(model: lm.CharModel) -> None:
    assert model.count(model.ids("本院")) > 10
    assert model.count(model.ids("本院认为")) > 10
    assert model.count(model.ids("本腕")) == 0
    # nothing is counted across the end of a line: the boundary id 0 never enters a key
    assert all(int(k) & 0xFFFF for k in model.keys[0])


def test_score_backs_off_to_shorter_context(model: lm.CharModel) -> None:
    known = model.score(model.ids("本院认"), model.ids("为")[0])
    assert known > math.log10(0.5)  # 本院认 is almost always followed by 为
    unseen = model.score(model.ids("腕腕腕"), model.ids("为")[0])
    assert unseen < known
    # an unseen history costs the backoff penalty per order dropped, down to the unigram
    unigram = math.log10(model.count(model.ids("为")) / model.total)
    assert unseen == pytest.approx(3 * lm.BACKOFF + unigram)


def test_an_unsure_look_alike_is_replaced_by_the_candidate_the_context_wants(
        model: lm.CharModel) -> None:
    slots = [[(ch, 0.999)] for ch in "本"] + [[("腕", 0.55), ("院", 0.40)]] + [
        [(ch, 0.999)] for ch in "认为"]
    assert lm.choose(model, slots) == "本院认为"
    slots = [[("犯", 0.999)], [("辱", 0.49), ("罪", 0.30)], [("事", 0.999)], [("实", 0.999)]]
    assert lm.choose(model, slots) == "犯罪事实"


def test_a_sure_character_and_an_unproposed_one_are_never_changed(model: lm.CharModel) -> None:
    sure = [[("本", 0.999)], [("腕", 0.996), ("院", 0.004)], [("认", 0.999)], [("为", 0.999)]]
    assert lm.choose(model, sure) == "本腕认为"
    alone = [[("本", 0.999)], [("腕", 0.6)], [("认", 0.999)], [("为", 0.999)]]
    assert lm.choose(model, alone) == "本腕认为"  # the model picks, it does not write


def test_a_swallowed_character_comes_back_from_a_gap(model: lm.CharModel) -> None:
    slots = [[(ch, 0.999)] for ch in "隐"] + [[("", 0.9), ("瞒", 0.1)]] + [
        [(ch, 0.999)] for ch in "真相"]
    assert lm.choose(model, slots) == "隐瞒真相"
    # a gap whose character does not fit stays empty
    slots = [[(ch, 0.999)] for ch in "本院"] + [[("", 0.9), ("瞒", 0.1)]] + [
        [(ch, 0.999)] for ch in "认为"]
    assert lm.choose(model, slots) == "本院认为"


def test_ctc_slots_from_frames() -> None:
    chars = ["blank", "本", "院", "腕", "认", "为", " "]
    # frames: 本 本 blank 腕(院 runner-up) blank(为 runner-up 0.3) 认 为
    top = np.array([[1, 2], [1, 2], [0, 5], [3, 2], [0, 5], [4, 0], [5, 0]])
    probs = np.array([[0.99, 0.0], [0.98, 0.01], [0.9, 0.001], [0.5, 0.45], [0.7, 0.3],
                      [0.99, 0.0], [0.99, 0.0]])
    slots = lm.ctc_slots(top, probs, chars)
    assert [slot[0][0] for slot in slots] == ["本", "腕", "", "认", "为"]
    assert slots[0] == [("本", 0.99), ("院", 0.01)]  # the best of each token over the run
    assert slots[1] == [("腕", 0.5), ("院", 0.45)]
    assert slots[2] == [("", pytest.approx(0.7)), ("为", 0.3)]  # the gap offers 为


def test_model_file_round_trip(model: lm.CharModel, tmp_path: Path) -> None:
    path = tmp_path / "lm" / "m.npz"
    model.save(path)
    again = lm.CharModel.load(path)
    assert again.vocab == model.vocab and again.total == model.total
    assert again.count(again.ids("本院认为")) == model.count(model.ids("本院认为"))


def test_build_refuses_a_missing_data_folder(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    assert lm_build.main(["--data", str(tmp_path / "nowhere"),
                    "--out", str(tmp_path / "m.npz")]) == 2
    assert "没有找到" in capsys.readouterr().err
    assert not (tmp_path / "m.npz").exists()


def _line(text: str, unsure: dict[int, list[tuple[str, float]]]) -> list[lm.Slot]:
    return [unsure.get(i, [(ch, 0.999)]) for i, ch in enumerate(text)]


def test_a_rare_name_read_surely_elsewhere_on_the_page_is_kept() -> None:
    # 李居丕 (a defendant of a bench page): judgments that never name him prefer 不在 to 丕在
    texts = ["被告人李某定居不在事故现场所在地，未投案。", "被告人李居住在事故现场附近。"] * 5
    model = lm.build(texts, sorted({ch for text in texts for ch in text} | set("丕、孔江犯")))
    slots = _line("被告人李居丕在事故现场投案", {5: [("丕", 0.99), ("不", 0.008)]})
    assert lm.choose(model, slots) == "被告人李居不在事故现场投案"
    page = model.page(["指控被告人李居丕、孔江江犯交通肇事罪"])
    assert lm.choose(model, slots, page) == "被告人李居丕在事故现场投案"


def test_letters_and_digits_are_the_recognisers_to_read(model: lm.CharModel) -> None:
    slots = _line("密码是GAO584521", {5: [("O", 0.6), ("0", 0.4)]})
    assert lm.choose(model, slots) == "密码是GAO584521"


def test_a_gap_never_repeats_its_neighbour(model: lm.CharModel) -> None:
    slots = [[("刑", 0.999)], [("", 0.6), ("刑", 0.4)], [("初", 0.999)], [("字", 0.999)]]
    assert lm.choose(model, slots) == "刑初字"
    slots = [[("（", 0.999)], [("4", 0.999)], [("）", 0.999)], [("", 0.6), (")", 0.4)],
             [("支", 0.999)]]
    assert lm.choose(model, slots) == "（4）支"


def test_sure_text_is_the_stretches_read_surely() -> None:
    slots = [[("被", 0.999)], [("告", 0.999)], [("人", 0.5), ("入", 0.4)], [("李", 0.999)],
             [("居", 0.999)], [("丕", 0.999)], [("", 0.9), ("、", 0.1)], [("孔", 0.999)]]
    assert lm.sure_text(slots) == ["被告", "李居丕"]


def test_a_page_with_nothing_read_surely_gives_an_empty_page_model(model: lm.CharModel) -> None:
    page = model.page([])
    assert page.total == 0 and page.count(model.ids("本院")) == 0
    slots = _line("本院认为", {1: [("腕", 0.55), ("院", 0.40)]})
    assert lm.choose(model, slots, page) == "本院认为"


def test_a_line_is_read_on_from_the_line_before_and_into_the_line_after(
        model: lm.CharModel) -> None:
    # a line wrapped mid-word: 自 | 己 (自己) and 已 | 经 (已经); alone, the recogniser's
    # first choice stands
    opens = [[("已", 0.6), ("己", 0.39)]]
    assert lm.choose(model, opens) == "已"
    assert lm.choose(model, opens, before="被告人自") == "己"
    assert lm.choose(model, opens, after="的行为") == "己"
    ends = [[("己", 0.6), ("已", 0.39)]]
    assert lm.choose(model, ends) == "己"
    assert lm.choose(model, ends, after="经赔偿") == "已"
    # whitespace in the neighbours is not context
    assert lm.choose(model, ends, after=" 经 赔偿") == "已"


def test_ctc_slots_skip_candidates_below_the_floor() -> None:
    chars = ["blank", "本", "院", "腕", " "]
    top = np.array([[3, 2, 1]])
    probs = np.array([[0.6, 0.39, lm.CANDIDATE_FLOOR / 2]])
    assert lm.ctc_slots(top, probs, chars) == [[("腕", 0.6), ("院", 0.39)]]


def test_a_look_alike_the_recogniser_did_not_propose_comes_from_the_confusion_table(
        model: lm.CharModel) -> None:
    # bench fax page 0: 日被依法[逮]捕 read 建 at 0.641 with 逮 nowhere among the tiny
    # recogniser's candidates (建 遠 遣 速 達 境); the table learned on other faxed judgments
    # (ocr/confusions.txt) says an unsure 建 was often a 逮, and the context picks it
    table = lm.load_confusions()
    assert "逮" in dict(table["建"])
    slots = _line("日被依法建捕", {4: [("建", 0.641), ("遠", 0.093), ("遣", 0.083), ("速", 0.074),
                                      ("達", 0.025), ("境", 0.018)]})
    assert lm.choose(model, slots) == "日被依法建捕"  # without the table: not proposed
    confused = lm.CharModel(model.vocab, model.keys, model.counts, model.total, table)
    assert lm.choose(confused, slots) == "日被依法逮捕"
    # 犯[罪]行为 read 零 at 0.971, no 罪 among its candidates
    slots = _line("能就其犯零行为", {4: [("零", 0.971), ("锻", 0.004), ("辱", 0.004)]})
    assert lm.choose(confused, slots) == "能就其犯罪行为"
    # a sure character is still never changed, nor one whose context does not want the other
    assert lm.choose(confused, _line("日被依法建捕", {})) == "日被依法建捕"
    slots = _line("依法建立", {2: [("建", 0.641), ("遠", 0.093)]})
    assert lm.choose(confused, slots) == "依法建立"


def test_the_confusion_table_file(tmp_path: Path) -> None:
    path = tmp_path / "confusions.txt"
    path.write_text("# comment\n建\t逮\t11\t3\t100\n建\t述\t12\t6\t100\n·\t。\t1\t1\t50\n",
                    encoding="utf-8")
    table = lm.load_confusions(path)
    assert table == {"建": [("述", 0.12), ("逮", 0.11)]}  # seen once: not offered
    assert lm.load_confusions(tmp_path / "missing.txt") == {}


def test_two_readers_candidates_are_merged_where_their_readings_line_up(
        model: lm.CharModel) -> None:
    """A fax's fused 罪 read 辱 by one recogniser, with no 罪 among its candidates; the other
    reader offers 罪: merged, the model can choose it."""
    tiny = [[("犯", 0.999)], [("辱", 0.97), ("零", 0.02)], [("事", 0.999)], [("实", 0.999)]]
    small = [[("犯", 0.999)], [("罪", 0.9), ("辱", 0.05)], [("事", 0.999)], [("实", 0.999)]]
    assert lm.choose(model, tiny) == "犯辱事实"  # the model does not write what is not offered
    merged = lm.merge_slots(tiny, small)
    assert merged[1] == [("辱", 0.51), ("罪", 0.45), ("零", 0.01)]
    assert merged[0] == [("犯", 0.999)] and merged[3] == [("实", 0.999)]
    assert lm.choose(model, merged) == "犯罪事实"


def test_slots_that_do_not_line_up_keep_the_first_readers(model: lm.CharModel) -> None:
    """A stretch one reader read with more characters than the other, and a gap slot, are the
    first reader's: there is no character to pair them with."""
    gap = [("", 0.9), ("罪", 0.1)]
    first = [[("本", 0.999)], [("院", 0.6), ("腕", 0.3)], gap, [("认", 0.999)], [("为", 0.999)]]
    second = [[("本", 0.999)], [("阝", 0.5)], [("完", 0.5)], [("认", 0.999)], [("为", 0.999)]]
    merged = lm.merge_slots(first, second)
    assert merged[1] == first[1] and merged[2] == gap
    assert merged[0] == first[0] and merged[3] == first[3]
    assert lm.merge_slots(first, lm.sure_slots("本院认为"))[1] == [("院", 0.8), ("腕", 0.15)]


def test_a_run_of_x_is_read_as_times_where_judgments_write_times() -> None:
    texts = ["被告人通过其银行账户（卡号：×××）转账。\n" * 5,
             "驾驶浙A×××××号小型轿车。\n" * 5, "其手机为iPhonex，型号XXX。\n"]
    model = lm.build(texts, sorted({ch for text in texts for ch in text if ch.strip()} | {"x"}))
    assert lm.times_runs(model, "银行账户（卡号：xxx）转账") == "银行账户（卡号：×××）转账"
    assert lm.times_runs(model, "驾驶浙Ax号小型轿车") == "驾驶浙A×号小型轿车"
    assert lm.times_runs(model, "型号XXX。") == "型号XXX。"  # uppercase X is written so
    assert lm.times_runs(model, "iPhonex") == "iPhonex"  # a word's letter


def test_a_rare_name_repeated_on_a_poor_page_counts_as_the_pages_own_text() -> None:
    # lecard-277 (tune split) faxed: no line reads surely, the recogniser's best reading is
    # 只金铎 in most mentions, and judgments that never name him prefer 锋 (先锋, 交锋)
    texts = ["被告人只金锋犯盗窃罪。", "先锋队与之交锋，锋利的刀。"] * 20 + ["铎"]
    model = lm.build(texts, sorted({ch for text in texts for ch in text if ch.strip()}))
    slots = _line("上诉人只金铎不服", {5: [("铎", 0.6), ("锋", 0.3)]})
    assert lm.choose(model, slots) == "上诉人只金锋不服"
    lines = ["上诉人只金铎不服", "只金铎安排驾驶员", "被告人只金铎犯", "只金铎上诉称",
             "只金铎取得了谅解"]
    share = 5 / model.total  # 铎 counted once here: rare; 锋 and 只 are not
    assert lm.repeated_rare(lines, model, times=5, share=share, seen=1) == ["只金铎"]
    page = model.page(lm.repeated_rare(lines, model, times=5, share=share, seen=1))
    assert lm.choose(model, slots, page) == "上诉人只金铎不服"
    # read four times only, or a common character repeated: nothing is protected
    assert lm.repeated_rare(lines[:4], model, times=5, share=share, seen=1) == []
    assert lm.repeated_rare(["先锋队"] * 6, model, times=5, share=share, seen=1) == []
    # a character judgments never write (張 for 张 on a poor page) is a misreading, not a name
    assert lm.repeated_rare(["被告人張斌"] * 6, model, times=5, share=share, seen=1) == []
    assert lm.repeated_rare(lines, model, times=5, share=share, seen=2) == []


def test_build_leaves_out_copies_not_texts_sharing_a_formula(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # a left-out judgment (a folder of .txt, as the judgment-shapes bench's) is found again by
    # two of its three pieces, whitespace aside; a judgment that shares one piece only (the
    # Criminal Law's text, the 羁押一日折抵刑期一日 formula) is counted
    import gzip
    import json

    gold = sorted((GOLD / "texts").glob("*.txt"))[:2]
    if len(gold) < 2:
        pytest.fail(f"shared data missing: {GOLD / 'texts'}")
    left, other = ("".join(p.read_text("utf-8-sig").split()) for p in gold)
    middle = left[len(left) // 2 - 20:len(left) // 2 + 60]
    corpus = [left[:300] + "\n" + left[300:],  # the left-out judgment, wrapped anew
              other[:200] + middle + other[200:],  # one piece in common
              other]
    (tmp_path / "data" / "lecard").mkdir(parents=True)
    with gzip.open(tmp_path / "data" / "lecard" / "corpus.jsonl.gz", "wt",
                   encoding="utf-8") as fh:
        for k, text in enumerate(corpus):
            fh.write(json.dumps({"candidate_id": k, "qw": text}, ensure_ascii=False) + "\n")
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "one.txt").write_text(left, "utf-8")
    assert lm_build.main(["--data", str(tmp_path / "data"), "--out", str(tmp_path / "m.npz"),
                          "--leave-out", str(tmp_path / "out")]) == 0
    assert "2 texts (1 left out)" in capsys.readouterr().out


def _named_model() -> lm.CharModel:
    """Real judgments, plus a thousand defendants' headers (a tenth of them with 凤 as their
    name's second character), a few other roles' names, and 风 in text three times as often
    as 凤 (judgments write 风 more: 6,639 against 4,613)."""
    texts = [p.read_text("utf-8-sig") for p in sorted((GOLD / "texts").glob("*.txt"))]
    if not texts:
        pytest.fail(f"shared data missing: {GOLD / 'texts'}")
    texts += [f"被告人{a}{b}{c}，男，1975年3月出生，汉族。"
              for a in "李王张刘陈杨赵黄周吴" for b in "凤建国秀明志文海春玉" for c in "英华兰霞军平强芳林杰"]
    texts += ["被害人张凤兰（曾用名张兰），女。", "书记员刘金凤",
              "证人证言，证明当晚刮起大风，作风不正。"] + ["存在安全风险，作风问题，风气不正。"] * 100
    return lm.build(texts, sorted({ch for text in texts for ch in text if ch.strip()}),
                    names=True)


def test_names_are_counted_from_headers_and_signatures_only() -> None:
    model = _named_model()
    assert model.names is not None and model.names.shape == (3, len(model.vocab) + 2)
    first, second, third = (model.names[k] for k in range(3))
    assert second[model.vocab["凤"]] >= 3 and third[model.vocab["凤"]] >= 1
    assert first[model.vocab["李"]] >= 1 and first[model.vocab["刘"]] >= 1
    # 证人证言， is no name: a name needs 男/女/出生 … after its comma, or the end of a signature
    assert first[model.vocab["证"]] == 0 and second[model.vocab["言"]] == 0
    assert second[model.vocab["风"]] == 0
    assert model.name_score(1, model.vocab["凤"]) == lm.NAME_CLIP
    assert model.name_score(1, model.vocab["风"]) < 0
    # a page model and a model counted without names weigh no name
    assert model.page(["被告人李凤英，女"]).names is None
    assert lm.CharModel(model.vocab, model.keys, model.counts, model.total).name_score(
        1, model.vocab["凤"]) == 0.0


def test_a_name_after_its_role_takes_the_names_character() -> None:
    # a fax reads 凤 as 风 (马凤春: 风 0.8, 凤 0.2); text at large writes 风, names write 凤
    model = _named_model()
    slots = _line("被告人马风春到庭参加诉讼", {4: [("风", 0.8), ("凤", 0.2)]})
    assert lm.choose(model, slots) == "被告人马凤春到庭参加诉讼"
    plain = lm.CharModel(model.vocab, model.keys, model.counts, model.total)
    assert lm.choose(plain, slots) == "被告人马风春到庭参加诉讼"
    # the role word may end the line above: a name wrapped over two lines
    wrapped = _line("马风春到庭", {1: [("风", 0.8), ("凤", 0.2)]})
    assert lm.choose(model, wrapped, before="……公诉机关指控被告人") == "马凤春到庭"
    # no role before it: text, not a name
    text = _line("当晚刮起大风", {5: [("风", 0.8), ("凤", 0.2)]})
    assert lm.choose(model, text) == "当晚刮起大风"


def test_a_surname_is_left_to_the_n_grams() -> None:
    # a rare surname (巫) is as real as a common one (吴): names counted with 吴 first a
    # thousand times do not turn a 巫某 the judgments' n-grams prefer into 吴某
    texts = ["被告人巫某到庭。"] * 5 + ["被告人吴某到庭。"] * 4
    model = lm.build(texts, sorted({ch for text in texts for ch in text}), names=True)
    assert model.names is not None
    model.names[0, model.vocab["吴"]] = 1000
    model.names[1, model.vocab["某"]] = 1000
    assert model.name_score(0, model.vocab["吴"]) > model.name_score(0, model.vocab["巫"])
    slots = _line("被告人巫某到庭", {3: [("巫", 0.5), ("吴", 0.5)]})
    assert lm.choose(model, slots) == "被告人巫某到庭"


def test_name_counts_survive_the_model_file(tmp_path: Path) -> None:
    model = _named_model()
    model.save(tmp_path / "m.npz")
    again = lm.CharModel.load(tmp_path / "m.npz")
    assert again.names is not None and np.array_equal(again.names, model.names)
    plain = lm.CharModel(model.vocab, model.keys, model.counts, model.total)
    plain.save(tmp_path / "plain.npz")
    assert lm.CharModel.load(tmp_path / "plain.npz").names is None


def test_the_unsure_slots_of_a_line_are_chosen_together() -> None:
    """Two unsure slots side by side: deciding the first against the recogniser's best reading
    of the second (己) took 戊, since 甲戊己丁 is written; read together, the line the
    recogniser prefers that judgments also write (甲乙丙丁) wins."""
    texts = ["甲乙丙丁。", "甲戊己丁。"] * 10
    model = lm.build(texts, sorted({ch for text in texts for ch in text}))
    slots = [[("甲", 0.999)], [("乙", 0.6), ("戊", 0.35)], [("己", 0.5), ("丙", 0.45)],
             [("丁", 0.999)]]
    assert lm.choose(model, slots) == "甲乙丙丁"
    # the beam keeps the recogniser's own reading where nothing in context says otherwise
    assert lm.choose(model, _line("甲乙丙丁", {})) == "甲乙丙丁"


def _with_look_alikes(model: lm.CharModel, table: dict[str, list[tuple[str, float]]]
                      ) -> lm.CharModel:
    from dataclasses import replace

    return replace(model, confusions=table)


def test_a_sure_misreading_that_no_judgment_writes_is_doubted(model: lm.CharModel) -> None:
    # a fax reads 寻衅滋事 as 寻鲜滋事 surely (0.999): the look-alike table says 鲜 is often
    # a misreading of 衅, and 寻衅滋事罪 reads far better
    faxed = _with_look_alikes(model, {"鲜": [("衅", 1.0)], "院": [("腕", 0.1)]})
    slots = _line("犯寻鲜滋事罪", {})
    doubted = lm.doubt(faxed, slots)
    assert doubted is not None and doubted[2] == [("鲜", lm.DOUBT_SCORE), ("衅", 0.03)]
    assert lm.choose(faxed, doubted) == "犯寻衅滋事罪"
    # a sure character its look-alike does not beat in context is left as read
    assert lm.doubt(faxed, _line("本院认为", {})) is None
    # without a look-alike table nothing is doubted
    assert lm.doubt(model, slots) is None


def test_a_name_after_its_role_is_not_doubted() -> None:
    texts = ["被告人王思亮，男，1980年出生。思亮说思想。"] * 5 + ["被告人李恩华，男，汉族。"]
    model = lm.build(texts, sorted({ch for text in texts for ch in text} | {"恩"}), names=True)
    faxed = _with_look_alikes(model, {"恩": [("思", 1.0)]})
    assert lm.doubt(faxed, _line("被告人王恩亮，男", {})) is None
    # the same character outside a name is doubted
    assert lm.doubt(faxed, _line("亮说恩想", {})) is not None


def test_a_misreading_repeated_on_a_page_is_not_taken_for_a_rare_name() -> None:
    texts = ["因犯寻衅滋事罪被判刑。"] * lm.MISREAD_SEEN + ["被告人李某到案。", "新鲜。"]
    model = lm.build(texts, sorted({ch for text in texts for ch in text} | set("居丕")))
    faxed = _with_look_alikes(model, {"鲜": [("衅", 1.0)]})
    page = ["因犯寻鲜滋事罪被判刑", "被告人李居丕到案"] * lm.REPEAT_MIN
    kept = lm.repeated_rare(page, faxed, share=1.0, seen=0)
    assert "李居丕" in kept  # a name no judgment writes, with no look-alike that is written
    assert "寻鲜滋" not in kept and "鲜滋事" not in kept
    assert "寻鲜滋" in lm.repeated_rare(page, model, share=1.0, seen=0)  # without the table


def test_a_name_read_after_its_role_elsewhere_on_the_page_is_weighed_as_a_name() -> None:
    # 马凤春 named after 被告人 on the page; a later mention (no role before it) takes the
    # name's character too, a text that only shares the surname's neighbour does not
    model = _named_model()
    named = lm.page_names(["公诉机关指控被告人马凤春犯诈骗罪，", "被害人张凤兰到庭"])
    assert {"马", "马凤", "张", "张凤"} <= named
    later = _line("由马风春假装", {2: [("风", 0.8), ("凤", 0.2)]})
    assert lm.choose(model, later) == "由马风春假装"
    assert lm.choose(model, later, named=named) == "由马凤春假装"
    text = _line("当晚刮起大风", {5: [("风", 0.8), ("凤", 0.2)]})
    assert lm.choose(model, text, named=named) == "当晚刮起大风"
    # an anonymised 王某 is a whole name: what follows it is no name's character
    assert lm.page_names(["被告人王某到庭"]) == frozenset({"王"})


def test_a_mark_judgments_never_write_beside_another_is_dropped() -> None:
    # a fax's full-width ） read with its paper as a second mark: （2017）.闽, （3））协议书
    texts = ["（2017）闽0582刑初6号，（一）被告人。（二）证人“张某”、李某。"] * 50
    texts += ["血液中乙醇含量为1.5毫克。"] * 40
    model = lm.build(texts, sorted({ch for text in texts for ch in text}))
    assert lm.odd_marks(model, "（2017）.闽0582刑初6号") == "（2017）闽0582刑初6号"
    assert lm.odd_marks(model, "（一））被告人") == "（一）被告人"
    assert lm.odd_marks(model, "被告人。（二）证人“张某”、李某。") == "被告人。（二）证人“张某”、李某。"
    assert lm.odd_marks(model, "（2017）×××号") == "（2017）×××号"  # not a mark here


def test_a_fax_digit_whose_opening_filled_in_is_read_as_its_runner_up() -> None:
    # a fax's thick strokes close a 6's opening: the recogniser reads 8, with 6 close behind
    assert lm.filled_digits([[("8", 0.6), ("6", 0.38)]]) == [[("6", 0.38), ("8", 0.6)]]
    # the runner-up is the best other digit, after a letter
    assert lm.filled_digits([[("8", 0.6), ("B", 0.2), ("3", 0.15)]])[0][0] == ("3", 0.15)
    kept = [
        [("8", 0.95), ("6", 0.05)],  # 19 times surer: an 8
        [("6", 0.6), ("8", 0.38)],  # a 6 read with an 8 behind it: no opening filled
        [("8", 0.6), ("0", 0.38)],  # 0 is not a misreading an 8 stands for
        [("8", 0.999)],  # read surely
        [("", 0.7), ("6", 0.3)],  # a gap
    ]
    assert lm.filled_digits(kept) == kept


def test_filled_digits_are_read_on_faxes_only() -> None:
    from ocr.engines.rapid import Reading, _in_context

    texts = ["于2016年3月被逮捕。"] * 20 + ["于2018年3月被逮捕。"] * 20
    model = lm.build(texts, sorted({ch for text in texts for ch in text}))
    slots: list[lm.Slot] = [[(ch, 1.0)] for ch in "于201"]
    slots += [[("8", 0.55), ("6", 0.44)]] + [[(ch, 1.0)] for ch in "年3月被逮捕。"]
    read = Reading("于2018年3月被逮捕。", 0.96, 1.0, slots)
    assert _in_context(model, [read], fax=True) == ["于2016年3月被逮捕。"]
    assert _in_context(model, [read], fax=False) == ["于2018年3月被逮捕。"]


def test_a_fax_dot_is_read_as_the_mark_its_runner_up_names() -> None:
    # a fax fills a 。 or a ， into a solid dot, read ·; the runner-up mark says which
    assert lm.filled_marks([[("·", 0.88), ("，", 0.04), ("。", 0.03)]]) == [
        [("，", 0.88), ("·", 0.04), ("。", 0.03)]]
    assert lm.filled_marks([[("·", 0.99), ("．", 0.005), ("。", 0.002)]])[0][0] == ("。", 0.99)
    # none offered: a 。 (66 of 67 on the recorded pages)
    assert lm.filled_marks([[("·", 0.994), (".", 0.003)]]) == [
        [("。", 0.994), (".", 0.003), ("·", lm.CANDIDATE_FLOOR)]]
    kept = [[("，", 0.9), ("·", 0.1)], [("张", 1.0)], [("", 0.8), ("·", 0.2)]]
    assert lm.filled_marks(kept) == kept


def test_a_name_read_several_ways_on_a_fax_takes_the_pages_leading_reading() -> None:
    # OCR bench fax page 312 (tune): 郭继超 chosen 13 times and 郭维超 7; judgments name neither
    # and write 维 more often than 继 (维持, 维护), so each mention alone leans to 维
    texts = ["本院维持原判，维护当事人权益。", "继续审理。", "郭某与王某维修车辆。"] * 20
    model = lm.build(texts, sorted({ch for text in texts for ch in text if ch.strip()}
                                   | set("超其带说找让问")))
    lines = ["郭继超带了几个人", "郭继超说他帮其催", "其就找郭继超问", "郭继超让其直接联系",
             "郭继超都说是本人", "后来郭维超把手机号给其"]
    pieces, redo = lm.consensus(lines, model, times=5)
    assert redo == {5} and pieces == ["后来郭继超把手"]
    slots = _line("后来郭维超把手机号给其", {3: [("维", 0.6), ("继", 0.3)]})
    assert lm.choose(model, slots) == "后来郭维超把手机号给其"
    assert lm.choose(model, slots, model.page(pieces)) == "后来郭继超把手机号给其"
    # four mentions lead by too little, and a word the judgments write (维持 beside 继持: none
    # here) or one they write more often than the leader is left alone
    assert lm.consensus(lines[:4] + lines[5:] * 3, model, times=5) == ([], set())
    assert lm.consensus(["本院维修车辆"] + ["本院继修车辆"] * 6, model, times=5) == ([], set())


def test_consensus_runs_on_faxes_only() -> None:
    from ocr.engines.rapid import Reading, _in_context

    texts = ["本院维持原判，维护当事人权益。", "继续审理。", "郭某与王某维修车辆。"] * 20
    model = lm.build(texts, sorted({ch for text in texts for ch in text if ch.strip()}
                                   | set("超其带说找让问把手机号给")))
    # the five mentions read 继 unsurely (no sure text holds them): only the vote decides
    reads = [Reading(text, 0.9, 0.9, _line(text, {text.index("继"): [("继", 0.9), ("维", 0.05)]}))
             for text in ["郭继超带了几个人", "郭继超说他帮其催", "其就找郭继超问",
                          "郭继超让其直接联系", "郭继超都说是本人"]]
    slots = _line("后来郭维超把手机号给其", {3: [("维", 0.6), ("继", 0.3)]})
    reads.append(Reading("后来郭维超把手机号给其", 0.9, 0.6, slots))
    assert _in_context(model, reads, fax=True)[-1] == "后来郭继超把手机号给其"
    assert _in_context(model, reads, fax=False)[-1] == "后来郭维超把手机号给其"


def _spaced(text: str, room_after: int | None = None) -> tuple[list[lm.Slot], tuple[float, ...]]:
    """Sure slots of ``text`` with each character's centre one cell (0.05 of the line) after the
    last, and ``room_after``: an empty gap slot after that character, with a cell's room."""
    slots: list[lm.Slot] = []
    at: list[float] = []
    x = 0.025
    for k, ch in enumerate(text):
        slots.append([(ch, 1.0)])
        at.append(x)
        x += 0.05
        if k == room_after:
            slots.append([("", 0.78), ("·", 0.16), ("。", 0.05)])
            x += 0.05
    return slots, tuple(at)


def test_a_gap_that_left_a_cells_room_held_a_mark() -> None:
    # OCR bench fax page 305: 为117000元。邦高公司 read 元邦, the 。 a blank frame's runner-up
    # (0.22, a filled · beside it) with a whole cell of paper between 元 and 邦
    slots, at = _spaced("共计人民币元邦高公司为抵押人", room_after=5)
    opened = lm.open_cells(slots, at)
    assert opened[6] == [("", 0.78 * lm.ROOM_BLANK), ("。", 0.16)]
    assert opened[:6] == slots[:6] and opened[7:] == slots[7:]
    texts = ["借款共计人民币十万元。邦高公司为抵押人。"] * 10 + ["人民币十万元邦高公司"] * 2
    model = lm.build(texts, sorted({ch for text in texts for ch in text}))
    assert lm.choose(model, slots) == "共计人民币元邦高公司为抵押人"
    assert lm.choose(model, opened) == "共计人民币元。邦高公司为抵押人"
    # the same gap between characters at their usual distance is left as it is: a blank
    # frame's runner-up there is the recogniser's doubt, not paper
    evenly = tuple(0.025 + 0.05 * k for k in range(len(at)))
    assert lm.open_cells(slots, evenly) == slots
    # no centres (a line read surely, or merged from another reading): nothing to measure
    assert lm.open_cells(slots, None) == slots


def test_a_gap_offering_the_quote_a_line_wants_is_doubted() -> None:
    gap = [("", 0.95), ("”", 0.04), ("“", 0.02)]
    line = [[(ch, 1.0)] for ch in "绰号“加明"] + [gap] + [[(ch, 1.0)] for ch in "回家睡觉"]
    doubted = lm.open_cells(line, None)
    assert doubted[5] == [("", 0.95 * lm.ROOM_BLANK), ("”", 0.04), ("“", 0.02)]
    # closed already, or opened too far before: left alone
    closed = [*line[:6], [("”", 1.0)], *line[6:]]
    assert lm.open_cells(closed, None)[5] == gap
    far = [[(ch, 1.0)] for ch in "“" + "某" * lm.QUOTE_REACH] + [gap]
    assert lm.open_cells(far, None)[-1] == gap
    # an opening quote before a closing one that has none
    before = [[(ch, 1.0)] for ch in "名为"] + [gap] + [[(ch, 1.0)] for ch in "三生三世”的"]
    assert lm.open_cells(before, None)[2][0] == ("", 0.95 * lm.ROOM_BLANK)


def test_open_cells_runs_on_faxes_only() -> None:
    from ocr.engines.rapid import Reading, _in_context

    texts = ["借款共计人民币十万元。邦高公司为抵押人。"] * 10 + ["人民币十万元邦高公司"] * 2
    model = lm.build(texts, sorted({ch for text in texts for ch in text}))
    slots, at = _spaced("共计人民币元邦高公司为抵押人", room_after=5)
    read = Reading("共计人民币元邦高公司为抵押人", 0.99, 1.0, slots, at)
    assert _in_context(model, [read], fax=True) == ["共计人民币元。邦高公司为抵押人"]
    assert _in_context(model, [read], fax=False) == ["共计人民币元邦高公司为抵押人"]


def test_a_gap_ending_a_line_with_a_cells_room_held_its_mark() -> None:
    # fax page 369: 罚金人民币三万元。 read without its 。 (a trailing blank, 。 at 0.29)
    text = "并处罚金人民币三万元"
    slots = [[(ch, 1.0)] for ch in text] + [[("", 0.71), ("。", 0.29)]]
    cell = 1.0 / (len(text) + 1.4)  # the crop ends 1.4 cells after the last centre
    at = tuple(cell * (k + 0.5) for k in range(len(text)))
    assert lm.open_cells(slots, at)[-1] == [("", 0.71 * lm.ROOM_BLANK), ("。", 0.29)]
    # a crop ending a quarter of a line after the last character's ink: nothing stood there
    tight = tuple(x * (len(text) + 1.4) / (len(text) + 0.3) for x in at)
    assert lm.open_cells(slots, tight) == slots


def test_width_variants_count_as_one_character() -> None:
    """A judgment writes an item's number as 5．(full width) or 5. and the recogniser reads
    either: counted apart, the half-width dot the recogniser read lost to 、, which judgments
    write there more often than either dot alone. Both widths are now one character; what
    ``choose`` writes is still the recogniser's own character."""
    texts = ["证据如下。5．陈某的证言。\n" * 10, "证据如下。5、陈某的证言。\n" * 6,
             "证据如下。5.陈某的证言。\n"]
    vocab = sorted({ch for text in texts for ch in text if ch.strip()} | {"，", ","})
    model = lm.build(texts, vocab)
    assert model.ids(".") == model.ids("．") and model.ids("，") == model.ids(",")
    assert model.ids("、") != model.ids(".")
    assert model.count(model.ids("。5.")) == model.count(model.ids("。5．")) == 11
    slots = [[(ch, 0.999)] for ch in "如下。5"] + [[(".", 0.6), ("、", 0.35)]] + [
        [(ch, 0.999)] for ch in "陈某"]
    assert lm.choose(model, slots) == "如下。5.陈某"
    assert lm.fold_table("．.、") == {ord("．"): "."}


def test_a_full_stop_read_as_one_becomes_a_comma_only_where_the_recogniser_saw_one() -> None:
    """Fax pages 300-399 and 700-799: the n-grams turned 31 full stops the recogniser had read
    right into commas (依法逮捕。后于 → 依法逮捕，后于: a comma fits three characters of context as
    well), against 18 rightly; every right one had the comma at >= 0.097. A stop, a semicolon
    or a straight quote read as such now becomes another mark only where the recogniser gave
    that mark MARK_SWAP_FLOOR (its widths summed); a colon or a comma it read is still the
    model's to change (a fax loses a semicolon's tail), and so is a dot it filled."""
    texts = ["被告人张某，男，汉族。经审理查明；8.被告人李某供述：如下。\n"] * 50
    model = lm.build(texts, sorted({ch for text in texts for ch in text if ch.strip()}))
    unlikely = [("。", 0.9), ("，", 0.06), (",", 0.03)]
    assert lm.choose(model, _line("被告人张某。男", {5: unlikely})) == "被告人张某。男"
    seen = [("。", 0.6), ("，", 0.1), (",", 0.08)]  # 0.18 for the comma in its two widths
    assert lm.choose(model, _line("被告人张某。男", {5: seen})) == "被告人张某，男"
    semicolon = [("；", 0.85), ("：", 0.12)]
    assert lm.choose(model, _line("供述；如下", {2: semicolon})) == "供述；如下"
    # a colon read where judgments write a semicolon is still changed, at any probability
    assert lm.choose(model, _line("查明：8.被告", {2: [("：", 0.9), ("；", 0.05)]})) == "查明；8.被告"
    # nor does the look-alike table offer a kept mark another one
    confused = lm.CharModel(model.vocab, model.keys, model.counts, model.total,
                            {"。": [("，", 1.0)]})
    assert lm.choose(confused, _line("被告人张某。男", {5: [("。", 0.9)]})) == "被告人张某。男"
    assert lm.MARK_SWAP_FLOOR == 0.15


def test_a_closing_quote_read_as_an_opening_one_is_closed_on_a_fax() -> None:
    # fax pages 300-399 (recorded readings): the closing quote of a short quoted name read as
    # an opening one; quotes come in pairs, so the second “ within the sentence closes the first
    assert lm.closing_quotes(["我和朋友“阿照“在外面逛了以后", "拿着“三进一“猎枪，“阿照", "“背着"]) == [
        "我和朋友“阿照”在外面逛了以后", "拿着“三进一”猎枪，“阿照", "”背着"]
    # a second “ beyond the reach leaves both as read, and the next pair is not turned
    assert lm.closing_quotes(["“谁发证、谁审批、谁负责“的原则", "他说：“我去了。“好的”"]) == [
        "“谁发证、谁审批、谁负责“的原则", "他说：“我去了。“好的”"]
    # a sentence's end closes nothing: the next “ opens
    assert lm.closing_quotes(["他说“我去了。“好的”"]) == ["他说“我去了。“好的”"]


def test_closing_quotes_runs_on_faxes_only(model: lm.CharModel) -> None:
    from ocr.engines.rapid import Reading, _in_context

    reads = [Reading("我和朋友“阿照“在外面逛了以后", 0.99, 0.99, None, None)]
    assert _in_context(model, reads, fax=True) == ["我和朋友“阿照”在外面逛了以后"]
    assert _in_context(model, reads, fax=False) == ["我和朋友“阿照“在外面逛了以后"]
