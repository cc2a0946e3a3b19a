"""`linli kb …`: check the knowledge base, evaluate and calibrate the matcher, ask it one
question."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import knowledge
from knowledge.calibrate import calibrate, write_fusion
from knowledge.emergency import emergency
from knowledge.evaluate import evaluate, format_report, outcome_details, read_labelled, report_json
from knowledge.person_request import asks_for_person


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

    cal = commands.add_parser("calibrate", help="fit the fused decision on labelled questions")
    cal.add_argument("files", nargs="+", type=Path, help="labelled JSONL (never a held-out set)")
    cal.add_argument("--kb", type=Path, default=None, help="knowledge-base dir (default: bundled)")
    cal.add_argument("--write", action="store_true", help="store it in knowledge/matcher.yaml")
    cal.add_argument("--config", type=Path, default=None, help="write this matcher.yaml instead")
    cal.set_defaults(func=run_calibrate)

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
    layers = _layers_line(matcher)
    if args.details:
        with args.details.open("w", encoding="utf-8") as out:
            for record in outcome_details(report):
                out.write(json.dumps(record, ensure_ascii=False) + "\n")
    if args.json:
        data = report_json(report, matcher.layers.semantic_status)
        data["learned_layer"] = matcher.layers.learned_status
        data["decision_rule"] = "fused" if matcher.fused else "lexical"
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(format_report(report))
        print(layers)
    return 0


def _layers_line(matcher: knowledge.Matcher) -> str:
    rule = f"fused ({matcher.layers.mode})" if matcher.fused else "lexical only"
    return (
        f"decision: {rule}; learned layer: {matcher.layers.learned_status}; "
        f"semantic layer: {matcher.layers.semantic_status}"
    )


def run_calibrate(args: argparse.Namespace) -> int:
    """Fit the fusion and thresholds (with and without the semantic layer) and print them."""
    try:
        items = [item for f in args.files for item in read_labelled(f)]
    except (OSError, ValueError) as exc:
        print(f"cannot read labelled questions: {exc}", file=sys.stderr)
        return 2
    matcher = _matcher(args.kb)
    if matcher is None:
        return 1
    print(_layers_line(matcher))
    modes = [True, False] if matcher.layers.semantic is not None else [False]
    found: dict[str, dict[str, float]] = {}
    for semantic in modes:
        mode = "all" if semantic else "no_semantic"
        result = calibrate(matcher, items, semantic=semantic)
        if result is None:
            print(f"{mode}: no thresholds meet the constraints on these questions")
            continue
        found[mode], figures = result
        rounded = {k: round(v, 4) for k, v in figures.items()}
        print(json.dumps({"mode": mode, **found[mode], "out_of_fold": rounded}))
    if not found:
        return 1
    if args.write:
        current = dict(matcher.config.fusion)
        current.update(found)
        print(f"written to {write_fusion(current, args.config)}")
    return 0


def run_ask(args: argparse.Namespace) -> int:
    """Show the decision, entry, score and top candidates for one question."""
    matcher = _matcher(args.kb)
    if matcher is None:
        return 1
    decision = matcher.decide(args.question)
    titles = {e.id: e.title for e in matcher.kb.entries}
    first = _before_matching(args.question)
    if args.json:
        print(
            json.dumps(
                {
                    "before_matching": first,
                    "decision": decision.kind.value,
                    "entry": decision.entry_id,
                    "score": decision.score,
                    "normalized": decision.normalized,
                    "language": decision.language,
                    "suggestions": [c.entry_id for c in decision.suggestions()],
                    "candidates": [
                        {"id": c.entry_id, "title": titles.get(c.entry_id), "score": c.score}
                        for c in decision.candidates
                    ],
                },
                ensure_ascii=False,
            )
        )
        return 0
    if first is not None:
        print(f"answered before matching: {first} (the decision below is not used)")
    print(f"decision:   {decision.kind.value}")
    print(f"entry:      {decision.entry_id or '-'}")
    print(f"score:      {decision.score:.3f}")
    print(f"normalized: {decision.normalized}")
    for rank, c in enumerate(decision.candidates, start=1):
        print(f"  {rank}. {c.score:.3f}  {c.entry_id}  {titles.get(c.entry_id, '')}")
    return 0


def _before_matching(question: str) -> str | None:
    """What the bot answers ``question`` with before the matcher has a say: emergency advice
    ("emergency: fire, medical") or the way to a person ("person"); None for neither."""
    alarm = emergency(question)
    if alarm is not None:
        return "emergency: " + ", ".join(alarm.emergencies)
    return "person" if asks_for_person(question) is not None else None
