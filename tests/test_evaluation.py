import json
from dataclasses import dataclass, field

import pytest

from qa.evaluation import (
    EvalExample,
    contains_gold,
    evaluate,
    exact_match,
    f1_score,
    format_report,
    load_jsonl,
    load_squad,
    normalize_answer,
    percentile,
    tokenize,
)

# ---------------------------------------------------------------- scoring


def test_normalize_removes_only_the_official_punctuation():
    assert normalize_answer(" 《红楼梦》。 ") == "红楼梦"
    assert normalize_answer("A-B_C") == "abc"
    assert normalize_answer("「甲」（乙）『丙』·丁、") == "甲乙丙丁"
    # Not in the official list: ASCII period, comma, %, full-width ％.
    assert normalize_answer("3.5%, ok") == "3.5%, ok"
    # Strip happens before punctuation removal, as in the official script.
    assert normalize_answer("北京 。") == "北京 "


def test_tokenize_cjk_per_character_and_words():
    assert tokenize("我爱Python 3.5版") == ["我", "爱", "python", "3.5", "版"]
    assert tokenize("New York，纽约") == ["new", "york", "纽", "约"]
    assert tokenize("1,000美元!") == ["1,000", "美", "元", "!"]
    assert tokenize("—《》") == ["—"]  # em dash is not in the official list
    assert tokenize("") == []


def test_exact_match():
    assert exact_match("《红楼梦》", ["红楼梦"]) == 1.0
    assert exact_match("Beijing", ["上海", "beijing"]) == 1.0
    assert exact_match("红楼 梦", ["红楼梦"]) == 0.0  # inner spaces count
    assert exact_match(None, ["红楼梦"]) == 0.0
    assert exact_match("红楼梦", []) == 0.0


def test_f1_uses_longest_contiguous_run_not_bag_of_tokens():
    # Both 甲 and 丙 are shared, but not adjacent in the prediction:
    # run = 1, P = 1/4, R = 1/2 -> F1 = 1/3 (bag-of-tokens would give 2/3).
    assert f1_score("甲乙丙丁", ["甲丙"]) == pytest.approx(1 / 3)


def test_f1_mixed_chinese_english():
    # pred [iphone, 12, 手, 机], gold [iphone, 12]: P = 1/2, R = 1 -> 2/3
    assert f1_score("iPhone 12手机", ["iPhone 12"]) == pytest.approx(2 / 3)
    # pred [3000, 万, 元], gold [3000, 万]: P = 2/3, R = 1 -> 0.8
    assert f1_score("3000万元", ["3000万"]) == pytest.approx(0.8)


def test_f1_max_over_golds_punctuation_and_none():
    assert f1_score("北京大学", ["北京", "北京大学"]) == 1.0
    assert f1_score("北京，大学", ["北京大学"]) == 1.0
    assert f1_score("上海", ["北京"]) == 0.0
    assert f1_score(None, ["北京"]) == 0.0
    assert f1_score("，", ["北京"]) == 0.0  # nothing left after normalising


def test_contains_gold():
    assert contains_gold("3000万元", ["3000万"])
    assert contains_gold("作家鲁迅。", ["《鲁迅》"])
    assert not contains_gold("鲁", ["鲁迅"])
    assert not contains_gold("anything", ["", "。"])  # empty gold never matches
    assert not contains_gold(None, ["鲁迅"])


# ---------------------------------------------------------------- loading


def test_load_jsonl(tmp_path):
    path = tmp_path / "q.jsonl"
    path.write_text(
        json.dumps({"question": "谁写了《呐喊》？", "answers": ["鲁迅"], "id": "a",
                    "type": "person", "lang": "zh", "doc_id": "d1.txt"},
                   ensure_ascii=False)
        + "\n\n"
        + json.dumps({"question": "不存在的问题", "answers": []}, ensure_ascii=False)
        + "\n",
        encoding="utf-8",
    )
    first, second = load_jsonl(path)
    assert first == EvalExample("a", "谁写了《呐喊》？", ["鲁迅"], "person", "zh", "d1.txt")
    assert second.id == "3" and second.answers == [] and not second.answerable
    assert second.type is None and second.lang is None and second.doc_id is None


@pytest.mark.parametrize(
    "bad",
    [
        "{not json",
        '["a list"]',
        '{"answers": ["x"]}',
        '{"question": "  ", "answers": ["x"]}',
        '{"question": "q"}',
        '{"question": "q", "answers": "x"}',
        '{"question": "q", "answers": [1]}',
        '{"question": "q", "answers": [], "type": ["x"]}',
    ],
)
def test_load_jsonl_errors_name_the_line(tmp_path, bad):
    path = tmp_path / "q.jsonl"
    path.write_text('{"question": "q", "answers": ["a"]}\n' + bad + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"q\.jsonl:2:"):
        load_jsonl(path)


def _squad_article(title, contexts):
    return {
        "title": title,
        "paragraphs": [
            {"context": c, "qas": [{"id": f"{title}-{i}", "question": f"{c}?",
                                    "answers": [{"text": c[:2], "answer_start": 0},
                                                {"text": c[:2], "answer_start": 0},
                                                {"text": c[:3], "answer_start": 0}]}]}
            for i, c in enumerate(contexts)
        ],
    }


def test_load_squad(tmp_path):
    data = {"version": "v1", "data": [
        _squad_article("a/b", ["北京是首都", "上海是城市"]),
        _squad_article("a\\b", ["广州在南方"]),
        _squad_article("..hidden", ["深圳很年轻"]),
        _squad_article("A/B", ["杭州有西湖"]),
        {"title": "", "paragraphs": [{"context": "无题", "qas": [
            {"id": "imp", "question": "不可回答？", "answers": [], "is_impossible": True}]}]},
    ]}
    path = tmp_path / "squad.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")

    docs, examples = load_squad(path)
    ids = [d for d, _ in docs]
    assert ids == ["a_b_0000.txt", "a_b_0001.txt", "a_b-2_0000.txt", "hidden_0000.txt",
                   "A_B-3_0000.txt", "doc4_0000.txt"]
    assert len({i.casefold() for i in ids}) == len(ids)
    assert all("/" not in i and "\\" not in i and not i.startswith(".") for i in ids)
    assert docs[1] == ("a_b_0001.txt", "上海是城市")

    assert len(examples) == 6
    assert examples[0] == EvalExample("a/b-0", "北京是首都?", ["北京", "北京是"],
                                      doc_id="a_b_0000.txt")
    assert examples[-1].id == "imp" and examples[-1].answers == []


def test_load_squad_rejects_other_json(tmp_path):
    path = tmp_path / "x.json"
    path.write_text("[]", encoding="utf-8")
    with pytest.raises(ValueError):
        load_squad(path)


# ---------------------------------------------------------------- evaluate


@dataclass
class FakeSource:
    text: str


@dataclass
class FakeAnswer:
    answer: str | None
    abstained: bool
    took_ms: float
    sources: list[FakeSource] = field(default_factory=list)


EXAMPLES = [
    EvalExample("1", "首都？", ["北京"], type="place", lang="zh"),
    EvalExample("2", "多少钱？", ["3000万"], type="number", lang="zh"),
    EvalExample("3", "作者？", ["鲁迅"], type="person", lang="zh"),
    EvalExample("4", "无解1？", [], lang="zh"),
    EvalExample("5", "无解2？", [], lang="en"),
]

ANSWERS = {
    # right answer; the gold is only in the 2nd source
    "首都？": FakeAnswer("北京", False, 10, [FakeSource("上海"), FakeSource("首都是北京。")]),
    # gold plus a unit; gold in the 1st source
    "多少钱？": FakeAnswer("3000万元", False, 20, [FakeSource("花了3000万元")]),
    # wrongly abstained (an answer flagged as abstained is not shown)
    "作者？": FakeAnswer("周作人", True, 30, [FakeSource("无关")]),
    "无解1？": FakeAnswer(None, True, 40),
    "无解2？": FakeAnswer("瞎说", False, 50),
}


def test_evaluate_scores_and_latency():
    calls = []
    report = evaluate(EXAMPLES, lambda q: ANSWERS[q], k=5,
                      progress=lambda i, n: calls.append((i, n)))
    assert calls == [(i, 5) for i in range(1, 6)]

    o = report.overall
    assert (o.n_answerable, o.n_unanswerable) == (3, 2)
    assert o.em == pytest.approx(100 / 3)
    assert o.f1 == pytest.approx(100 * (1 + 0.8 + 0) / 3)
    assert o.contains == pytest.approx(200 / 3)
    assert o.recall_at_k == pytest.approx(200 / 3)
    assert o.wrongly_abstained == pytest.approx(100 / 3)
    assert o.abstention_accuracy == 50.0
    assert report.latency_p50_ms == 30.0
    assert report.latency_p95_ms == pytest.approx(48.0)  # 40 + 0.8 * (50 - 40)

    assert report.records[2].prediction is None and report.records[2].abstained
    assert [r.id for r in report.failures()] == ["2", "3", "5"]

    assert set(report.by_type) == {"place", "number", "person"}
    assert report.by_type["number"].em == 0.0
    assert report.by_type["number"].contains == 100.0
    assert report.by_lang["zh"].n_answerable == 3
    assert report.by_lang["en"].em is None  # no answerable question there
    assert report.by_lang["en"].abstention_accuracy == 0.0


def test_evaluate_recall_depends_on_k():
    report = evaluate(EXAMPLES, lambda q: ANSWERS[q], k=1)
    assert report.overall.recall_at_k == pytest.approx(100 / 3)


def test_report_serialises_and_formats():
    report = evaluate(EXAMPLES, lambda q: ANSWERS[q])
    d = report.to_dict()
    json.dumps(d, ensure_ascii=False)
    assert d["overall"]["abstention_accuracy"] == 50.0
    assert len(d["records"]) == 5
    assert "records" not in report.to_dict(include_records=False)

    text = format_report(report)
    assert "overall" in text and "type=number" in text and "lang=en" in text
    assert "R@5" in text and "p95 48.0" in text


def test_evaluate_empty():
    report = evaluate([], lambda q: None)
    assert report.overall.em is None and report.latency_p50_ms is None
    assert "overall" in format_report(report)


def test_percentile_matches_linear_interpolation():
    assert percentile([5.0], 95) == 5.0
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([], 50) is None


def test_evaluate_in_own_document_passes_the_gold_document():
    asked = []
    examples = [EvalExample("1", "首都？", ["北京"], doc_id="a.txt"), EvalExample("2", "作者？", ["鲁迅"], doc_id="b.txt")]

    def ask(question, doc_id):
        asked.append((question, doc_id))
        return ANSWERS[question]

    evaluate(examples, ask, in_own_document=True)
    assert asked == [("首都？", "a.txt"), ("作者？", "b.txt")]
