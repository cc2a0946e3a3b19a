"""Evaluation arithmetic on a hand-made case, and the JSONL reader."""

import json
from pathlib import Path

import pytest

from knowledge import Candidate, Decision, DecisionKind
from knowledge.evaluate import (
    LabelledQuestion,
    evaluate,
    format_report,
    outcome_details,
    percentile,
    read_labelled,
    report_json,
)

A, S, N = DecisionKind.ANSWER, DecisionKind.SUGGEST, DecisionKind.NONE


class ScriptedMatcher:
    """Returns a fixed decision per question."""

    def __init__(self, script: dict[str, tuple[DecisionKind, list[str]]]) -> None:
        self.script = script

    def decide(self, text: str) -> Decision:
        kind, ids = self.script[text]
        return Decision(kind, text, tuple(Candidate(i, 1.0 - n / 10) for n, i in enumerate(ids)))


ITEMS = [
    LabelledQuestion("q1", "a", "plain"),  # answered right, rank 1
    LabelledQuestion("q2", "b", "plain"),  # answered wrong, b at rank 2
    LabelledQuestion("q3", "c", "typo"),  # suggested, c at rank 3
    LabelledQuestion("q4", "d", "typo"),  # none, d nowhere
    LabelledQuestion("o1", None, "oos"),  # rejected
    LabelledQuestion("o2", None, "oos"),  # answered: a false answer
]
SCRIPT = {
    "q1": (A, ["a", "b"]),
    "q2": (A, ["a", "b"]),
    "q3": (S, ["a", "b", "c"]),
    "q4": (N, ["a"]),
    "o1": (N, ["a"]),
    "o2": (A, ["b"]),
}


def test_figures_follow_the_definitions():
    report = evaluate(ScriptedMatcher(SCRIPT), ITEMS)
    f = report.overall
    assert (f.n, f.n_in_scope, f.n_oos, f.n_answers) == (6, 4, 2, 3)
    assert f.top1 == pytest.approx(1 / 4)
    assert f.top3 == pytest.approx(3 / 4)
    assert f.mrr == pytest.approx((1 + 1 / 2 + 1 / 3 + 0) / 4)
    assert f.oos_reject == pytest.approx(1 / 2)
    assert f.false_answer_rate == pytest.approx(2 / 3)
    assert f.suggest_rate == pytest.approx(1 / 6)
    typo = report.by_style["typo"]
    assert (typo.top1, typo.top3, typo.oos_reject, typo.false_answer_rate) == (0.0, 0.5, None, None)


def test_json_report_has_the_documented_keys():
    data = report_json(evaluate(ScriptedMatcher(SCRIPT), ITEMS))
    keys = {"n_in_scope", "top1", "top3", "mrr", "n_oos", "oos_reject"}
    keys |= {"false_answer_rate", "suggest_rate", "p50_ms", "p99_ms"}
    assert keys <= set(data)
    json.dumps(data)  # serialisable as it is


def test_text_report_and_details():
    report = evaluate(ScriptedMatcher(SCRIPT), ITEMS)
    text = format_report(report)
    assert text.splitlines()[1].split()[:4] == ["all", "4", "25.0%", "75.0%"]
    details = list(outcome_details(report))
    assert [d["ok"] for d in details] == [True, False, False, False, True, False]
    assert details[2]["rank"] == 3


def test_percentile_is_nearest_rank():
    assert percentile([1.0, 2.0, 3.0, 4.0], 50) == 2.0
    assert percentile([float(i) for i in range(1, 101)], 99) == 99.0
    assert percentile([], 99) == 0.0


def test_reader_takes_q_expect_and_style_and_ignores_other_keys(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    lines = [
        {"q": "低保", "expect": "subsistence-allowance", "style": "keyword", "note": "x"},
        {"q": "天气", "expect": None},
    ]
    path.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n\n")
    assert read_labelled(path) == [
        LabelledQuestion("低保", "subsistence-allowance", "keyword"),
        LabelledQuestion("天气", None, None),
    ]


def test_reader_reports_the_bad_line(tmp_path: Path):
    path = tmp_path / "set.jsonl"
    path.write_text('{"q": "a", "expect": null}\n{"expect": "x"}\n')
    with pytest.raises(ValueError, match=r"set.jsonl:2"):
        read_labelled(path)
