"""`linli kb …` commands as registered by bot.kb_cli."""

import argparse
import json
from pathlib import Path

import yaml

from bot.cli.kb import add_kb_commands


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="linli")
    add_kb_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    result: int = args.func(args)
    return result


def test_check_bundled_is_ok(capsys):
    assert _run("kb", "check") == 0
    assert capsys.readouterr().out.startswith("ok: ")


def test_check_reports_problems_with_file_and_line(tmp_path: Path, capsys):
    (tmp_path / "bad.yaml").write_text("category:\n  id: Bad Id\n  title: x\nentries: []\n")
    assert _run("kb", "check", str(tmp_path)) == 1
    assert (
        f"{tmp_path / 'bad.yaml'}:2: category id must be kebab-case ascii"
        in capsys.readouterr().out
    )


def test_ask_json(capsys):
    assert _run("kb", "ask", "低保怎么申请", "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decision"] == "answer"
    assert data["entry"] == "subsistence-allowance"
    assert data["candidates"][0]["id"] == "subsistence-allowance"
    assert data["before_matching"] is None


def test_ask_shows_what_is_answered_before_matching(capsys):
    assert _run("kb", "ask", "着火了") == 0
    assert capsys.readouterr().out.startswith("answered before matching: emergency: fire ")
    assert _run("kb", "ask", "转人工", "--json") == 0
    assert json.loads(capsys.readouterr().out)["before_matching"] == "person"


def test_eval_json_and_details(tmp_path: Path, capsys):
    labelled = tmp_path / "set.jsonl"
    labelled.write_text(
        '{"q": "低保怎么申请", "expect": "subsistence-allowance", "style": "plain"}\n'
        '{"q": "今天天气怎么样", "expect": null}\n',
        encoding="utf-8",
    )
    details = tmp_path / "details.jsonl"
    assert _run("kb", "eval", str(labelled), "--json", "--details", str(details)) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["n_in_scope"], data["top1"], data["n_oos"], data["oos_reject"]) == (1, 1.0, 1, 1.0)
    records = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    assert [r["decision"] for r in records] == ["answer", "none"]


def test_eval_json_has_the_residents_figures_and_details_the_suggestions(tmp_path: Path, capsys):
    labelled = tmp_path / "set.jsonl"
    lines = [
        {"q": "低保怎么申请", "expect": "subsistence-allowance", "style": "plain"},
        {"q": "今天天气怎么样", "expect": None, "style": "oos"},
    ]
    labelled.write_text("\n".join(json.dumps(x, ensure_ascii=False) for x in lines) + "\n")
    details = tmp_path / "details.jsonl"
    assert _run("kb", "eval", str(labelled), "--json", "--details", str(details)) == 0
    data = json.loads(capsys.readouterr().out)
    assert (data["helped"], data["none_in_scope"], data["direct_answer_rate"]) == (1.0, 0.0, 0.5)
    assert data["by_style"]["plain"]["helped"] == 1.0
    assert data["semantic_layer"] and data["learned_layer"] == "on"
    records = [json.loads(line) for line in details.read_text(encoding="utf-8").splitlines()]
    assert [r["suggestions"] for r in records] == [[], []]


def test_calibrate_writes_a_fusion_without_the_semantic_layer(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.setenv("LINLI_EMBEDDER", "none")
    source = Path(__file__).resolve().parents[2] / "data" / "kb-labelled.jsonl"
    config = tmp_path / "matcher.yaml"
    config.write_text("answer_threshold: 0.5\n", encoding="utf-8")
    assert _run("kb", "calibrate", str(source), "--write", "--config", str(config)) == 0
    out = capsys.readouterr().out
    assert "semantic layer: off (embedder: none)" in out
    written = yaml.safe_load(config.read_text(encoding="utf-8"))
    assert written["answer_threshold"] == 0.5
    fusion = written["fusion"]["no_semantic"]
    assert {"bias", "learn", "lex", "answer_threshold", "suggest_threshold"} <= set(fusion)
