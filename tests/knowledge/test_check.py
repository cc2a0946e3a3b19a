"""`kb check`: every kind of problem is reported with the file and line it comes from."""

from pathlib import Path

import pytest

from knowledge import KnowledgeBaseError, check_knowledge_base, load_knowledge_base
from knowledge.validate import required_topics

ENTRY = """\
  - id: {id}
    title: 标题{id}
    title_en: Title
    reviewed: 2026-11-20
    keywords: [词{id}]
    questions:
      - 问题一{id}
      - 问题二{id}
    answer: |
      {answer}
    answer_en: The answer.
    contact:
      office: 社区居委会
      phone: 0000-0000000（示例，请运营方替换）
      sample: true
    related: [{related}]
"""


def _series(*entries: str, cat: str = "demo") -> str:
    head = f"category:\n  id: {cat}\n  title: 示例\n  title_en: Demo\n  order: 1\nentries:\n"
    return head + "".join(entries)


def _entry(entry_id: str, answer: str = "回答。", related: str = "") -> str:
    return ENTRY.format(id=entry_id, answer=answer, related=related)


def _problems(tmp_path: Path) -> list[str]:
    return [str(p) for p in check_knowledge_base(tmp_path) if "required topic" not in p.message]


def test_valid_files_have_no_problems_but_the_missing_required_topics(tmp_path: Path):
    (tmp_path / "demo.yaml").write_text(_series(_entry("a", related="b"), _entry("b")), "utf-8")
    problems = check_knowledge_base(tmp_path)
    missing = {p.message for p in problems}
    assert missing == {f"required topic {t!r} is missing" for t in required_topics()}
    assert all(str(p).startswith(f"{tmp_path / 'demo.yaml'}:1: ") for p in problems)


def test_a_contact_may_give_its_words_in_english_and_nothing_else_unknown(tmp_path: Path):
    english = (
        "      office_en: Residents' committee\n      hours_en: Working days\n"
        "      phone_en: 0000-0000000 (sample)\n"
    )
    text = _series(_entry("a", related="b"), _entry("b")).replace(
        "      phone: 0000", english + "      phone: 0000", 1
    )
    (tmp_path / "demo.yaml").write_text(text, "utf-8")
    assert _problems(tmp_path) == []  # shown to English speakers: tests/e2e/test_resident_path
    (tmp_path / "demo.yaml").write_text(text.replace("hours_en", "hours_fr"), "utf-8")
    assert _problems(tmp_path) == [
        f"{tmp_path / 'demo.yaml'}:19: unknown contact field(s) ['hours_fr']"
    ]


def test_schema_error_points_at_the_entry(tmp_path: Path):
    text = _series(_entry("a")).replace("    answer: |\n      回答。\n", "")
    (tmp_path / "demo.yaml").write_text(text, "utf-8")
    assert _problems(tmp_path) == [f"{tmp_path / 'demo.yaml'}:7: missing required field 'answer'"]


def test_wrong_type_and_unknown_field_point_at_their_lines(tmp_path: Path):
    text = _series(_entry("a")).replace("    keywords: [词a]", "    keywords: 词a\n    colour: red")
    (tmp_path / "demo.yaml").write_text(text, "utf-8")
    file = tmp_path / "demo.yaml"
    assert _problems(tmp_path) == [
        f"{file}:12: unknown field 'colour'",
        f"{file}:11: 'keywords' must be a list",
    ]


def test_invalid_yaml_is_reported_with_its_line(tmp_path: Path):
    (tmp_path / "demo.yaml").write_text("category:\n  id: [unclosed\n", "utf-8")
    (problem,) = _problems(tmp_path)
    assert problem.startswith(f"{tmp_path / 'demo.yaml'}:3: not valid YAML")


def test_duplicate_id_across_files(tmp_path: Path):
    (tmp_path / "one.yaml").write_text(_series(_entry("a")), "utf-8")
    (tmp_path / "two.yaml").write_text(_series(_entry("a"), cat="other"), "utf-8")
    assert _problems(tmp_path) == [
        f"{tmp_path / 'two.yaml'}:7: duplicate id 'a' ({tmp_path / 'one.yaml'}:7)"
    ]


def test_same_alternate_under_two_entries_even_in_another_script(tmp_path: Path):
    second = _entry("b").replace("问题一b", "問題一a？")
    (tmp_path / "demo.yaml").write_text(_series(_entry("a"), second), "utf-8")
    file = tmp_path / "demo.yaml"
    assert _problems(tmp_path) == [
        f"{file}:29: question '問題一a？' also belongs to 'a' ({file}:13)"
    ]


def test_dangling_related_id(tmp_path: Path):
    (tmp_path / "demo.yaml").write_text(_series(_entry("a", related="nowhere")), "utf-8")
    assert _problems(tmp_path) == [
        f"{tmp_path / 'demo.yaml'}:22: related id 'nowhere' does not exist"
    ]


def test_answer_over_telegram_limit(tmp_path: Path):
    (tmp_path / "demo.yaml").write_text(_series(_entry("a", answer="长" * 4090)), "utf-8")
    (problem,) = _problems(tmp_path)
    assert problem.startswith(f"{tmp_path / 'demo.yaml'}:15: answer of 'a' renders to ")
    assert "(Telegram allows 4096)" in problem


def test_load_raises_with_every_problem(tmp_path: Path):
    (tmp_path / "demo.yaml").write_text(_series(_entry("a", related="nowhere")), "utf-8")
    with pytest.raises(KnowledgeBaseError) as caught:
        load_knowledge_base(tmp_path)
    messages = [p.message for p in caught.value.problems]
    assert "related id 'nowhere' does not exist" in messages
    assert len(messages) == 1 + len(required_topics())
