"""`linli kb …`: check the knowledge base, evaluate the matcher, ask it one question."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import knowledge
from knowledge.evaluate import evaluate, format_report, outcome_details, read_labelled, report_json


def add_kb_commands(subparsers: Any) -> Any:
    """Register `kb check`, `kb eval` and `kb ask` on an argparse subparsers object.

    Returns the `kb` subcommands, so commands that need the database can join them.
    """
    kb = subparsers.add_parser("kb", help="knowledge base: check, evaluate, ask")
    commands = kb.add_subparsers(dest="kb_command", required=True)

    check = commands.add_parser("check", help="report every problem with file:line")
    check.add_argument("dir", nargs="?", type=Path, default=None, help="default: bundled")
    check.set_defaults(func=run_check)

    ev = commands.add_parser("eval", help="figures on labelled questions (JSONL)")
    ev.add_argument("file", type=Path)
    ev.add_argument("--json", action="store_true", help="print one JSON object")
    ev.add_argument("--details", type=Path, help="write one JSON line per question here")
    ev.add_argument("--kb", type=Path, default=None, help="knowledge-base dir (default: bundled)")
    ev.set_defaults(func=run_eval)

    ask = commands.add_parser("ask", help="the decision for one question")
    ask.add_argument("question")
    ask.add_argument("--json", action="store_true")
    ask.add_argument("--kb", type=Path, default=None, help="knowledge-base dir (default: bundled)")
    ask.set_defaults(func=run_ask)
    return commands


def run_check(args: argparse.Namespace) -> int:
    """Print each problem as file:line: message; exit 1 when there are any."""
    problems = knowledge.check_knowledge_base(args.dir)
    for problem in problems:
        print(problem)
    where = args.dir or knowledge.default_data_dir()
    if problems:
        print(f"{len(problems)} problem(s) in {where}", file=sys.stderr)
        return 1
    kb = knowledge.load_knowledge_base(args.dir)
    print(f"ok: {len(kb.entries)} entries in {len(kb.categories)} categories ({where})")
    return 0


def _matcher(kb_dir: Path | None) -> knowledge.Matcher | None:
    try:
        return knowledge.Matcher(knowledge.load_knowledge_base(kb_dir))
    except knowledge.KnowledgeBaseError as exc:
        print(exc, file=sys.stderr)
        return None


def run_eval(args: argparse.Namespace) -> int:
    """Evaluate the matcher on a JSONL file of labelled questions."""
    try:
        items = read_labelled(args.file)
    except (OSError, ValueError) as exc:
        print(f"cannot read {args.file}: {exc}", file=sys.stderr)
        return 2
    matcher = _matcher(args.kb)
    if matcher is None:
        return 1
    report = evaluate(matcher, items)
    if args.details:
        with args.details.open("w", encoding="utf-8") as out:
            for record in outcome_details(report):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if args.json:
        print(json.dumps(report_json(report), ensure_ascii=False))
    else:
        print(format_report(report))
    return 0


def run_ask(args: argparse.Namespace) -> int:
    """Show the decision, entry, score and top candidates for one question."""
    matcher = _matcher(args.kb)
    if matcher is None:
        return 1
    decision = matcher.decide(args.question)
    titles = {e.id: e.title for e in matcher.kb.entries}
    if args.json:
        print(
            json.dumps(
                {
                    "decision": decision.kind.value,
                    "entry": decision.entry_id,
                    "score": decision.score,
                    "normalized": decision.normalized,
                    "candidates": [
                        {"id": c.entry_id, "title": titles.get(c.entry_id), "score": c.score}
                        for c in decision.candidates
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    print(f"decision:   {decision.kind.value}")
    print(f"entry:      {decision.entry_id or '-'}")
    print(f"score:      {decision.score:.3f}")
    print(f"normalized: {decision.normalized}")
    for rank, c in enumerate(decision.candidates, start=1):
        print(f"  {rank}. {c.score:.3f}  {c.entry_id}  {titles.get(c.entry_id, '')}")
    return 0
