"""Matcher speed and memory: prints one JSON object.

    python benchmarks/bench_match.py [--entries N] [--questions Q] [--lexical-only]

Builds the bundled knowledge base plus N synthetic entries (10 alternates each), asks a fixed
set of questions and reports entries, alternates, build_s, p50_ms, p99_ms (whole decisions),
per-stage p50/p99 (normalise, lexical, learned, semantic, fuse), the layers that were on,
rss_mb (peak resident memory of this process) and cold_start_s (a fresh interpreter: start →
first answer on the bundled knowledge base, with every layer, embedding cache warm).
``--lexical-only`` turns the learned and semantic layers off (the lexical path alone).

Synthetic entries are realistic Chinese built from the real entries' vocabulary: each gets
its own invented topic words (two- and three-character words made of characters the real
knowledge base uses), set into real alternates in place of their topic words, so the index
sees the same sentence shapes and common words as the real knowledge base, at scale.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from knowledge import (
    Entry,
    KnowledgeBase,
    Matcher,
    MatcherConfig,
    load_knowledge_base,
    load_matcher_config,
)
from knowledge.evaluate import percentile
from knowledge.fusion import decide_fused, fuse
from knowledge.normalize import cjk_runs, is_cjk
from knowledge.segment import tokenizer

COLD_START = (
    "from knowledge import Matcher, load_knowledge_base\n"
    "Matcher(load_knowledge_base()).decide('低保怎么申请')\n"
)


def _topic_word(rng: random.Random, chars: list[str], taken: set[str]) -> str:
    while True:
        word = "".join(rng.choice(chars) for _ in range(rng.choice((2, 2, 3))))
        if word not in taken:
            taken.add(word)
            return word


def synthetic_entries(kb: KnowledgeBase, n: int, seed: int = 7) -> list[Entry]:
    """N entries of 10 alternates each, in the shape and vocabulary of the real ones."""
    rng = random.Random(seed)
    jieba = tokenizer()  # the matcher's own (reduced) dictionary: no second copy in memory
    chars = sorted({c for e in kb.entries for q in e.questions for c in q if is_cjk(c)})
    taken = {k for e in kb.entries for k in e.keywords}
    templates = [
        (q, [k for k in e.keywords if k in q])
        for e in kb.entries
        for q in e.questions
        if is_cjk(q[0])
    ]
    templates = [(q, ks) for q, ks in templates if ks]
    vocabulary = sorted(
        {w for e in kb.entries for q in e.questions for r in cjk_runs(q) for w in jieba.lcut(r)}
    )
    vocabulary = [w for w in vocabulary if len(w) >= 2]
    entries = []
    for i in range(n):
        topics = [_topic_word(rng, chars, taken) for _ in range(2)]
        questions = []
        for template, keywords in rng.sample(templates, 10):
            question = template
            for k in keywords:
                question = question.replace(k, rng.choice(topics))
            words = jieba.lcut(question)
            spot = rng.randrange(len(words))
            words[spot] = rng.choice(vocabulary) if len(words[spot]) >= 2 else words[spot]
            questions.append("".join(words))
        entries.append(
            Entry(
                id=f"synthetic-{i}",
                category="synthetic",
                title=f"{topics[0]}{rng.choice(vocabulary)}",
                title_en="",
                answer="（合成条目）",
                answer_en="",
                questions=tuple(dict.fromkeys(questions)),
                keywords=tuple(topics),
            )
        )
    return entries


def fixed_questions(kb: KnowledgeBase, synthetic: list[Entry], count: int) -> list[str]:
    """Real alternates with one character dropped, synthetic alternates, and negatives."""
    rng = random.Random(11)
    real = [q for e in kb.entries for q in e.questions]
    questions = [q[:k] + q[k + 1 :] for q in real for k in [rng.randrange(len(q))]]
    questions += [rng.choice(e.questions) for e in rng.sample(synthetic, min(200, len(synthetic)))]
    questions += list(kb.out_of_scope)
    rng.shuffle(questions)
    return questions[:count]


def cold_start_s() -> float:
    """Wall time of a fresh interpreter from start to its first answer."""
    root = Path(__file__).resolve().parent.parent
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", COLD_START], check=True, cwd=root)
    return time.perf_counter() - started


STAGES = ("normalise", "lexical", "learned", "semantic", "fuse")


def stage_times(matcher: Matcher, question: str) -> dict[str, float]:
    """Milliseconds spent in each stage of one decision (the same steps ``decide`` takes)."""
    times: dict[str, float] = {}
    t = time.perf_counter()
    normalized = matcher.normalizer.normalize(question)
    times["normalise"] = time.perf_counter() - t
    t = time.perf_counter()
    signals = matcher.signals(question)  # normalises again: subtracted below
    times["signals"] = time.perf_counter() - t
    layers = matcher.layers
    length = signals.length
    t = time.perf_counter()
    matcher.lexical(normalized, length)
    times["lexical"] = time.perf_counter() - t
    if layers.learned is not None and length:
        t = time.perf_counter()
        layers.learned.scores(normalized)
        times["learned"] = time.perf_counter() - t
    if layers.semantic is not None and length:
        t = time.perf_counter()
        layers.semantic.scores(question)
        times["semantic"] = time.perf_counter() - t
    if matcher.fused:
        weights = matcher.config.fusion[layers.mode]
        t = time.perf_counter()
        decide_fused(weights, fuse(weights, signals), length, matcher.config.too_short)
        times["fuse"] = time.perf_counter() - t
    del times["signals"]
    return {k: v * 1000.0 for k, v in times.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--entries", type=int, default=0, help="synthetic entries to add")
    parser.add_argument("--questions", type=int, default=1000)
    parser.add_argument("--lexical-only", action="store_true", help="no learned/semantic layer")
    parser.add_argument("--startup", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.startup:
        return startup(args)
    cold = cold_start_s()
    real = load_knowledge_base()
    synthetic = synthetic_entries(real, args.entries)
    kb = replace(real, entries=real.entries + tuple(synthetic))
    config = _config(args.lexical_only)
    started = time.perf_counter()
    matcher = Matcher(kb, config)
    build_s = time.perf_counter() - started
    warm = warm_start_s(args) if len(kb.entries) >= config.index_cache_min_entries else None
    questions = fixed_questions(real, synthetic, args.questions)
    for q in questions[:50]:  # warm caches the way a running bot has them warm
        matcher.decide(q)
    latencies = []
    # Timed on questions not seen yet: a repeated question is a kept decision, not matching.
    for q in questions[50:]:
        t = time.perf_counter()
        matcher.decide(q)
        latencies.append((time.perf_counter() - t) * 1000.0)
    latencies.sort()
    stages: dict[str, list[float]] = {s: [] for s in STAGES}
    for q in questions[: min(len(questions), 300)]:
        for stage, ms in stage_times(matcher, q).items():
            stages[stage].append(ms)
    figures = {
        "entries": len(kb.entries),
        "alternates": sum(len(e.questions) for e in kb.entries),
        "questions": len(questions),
        "decision": f"fused ({matcher.layers.mode})" if matcher.fused else "lexical",
        "learned_layer": matcher.layers.learned_status,
        "semantic_layer": matcher.layers.semantic_status,
        "build_s": round(build_s, 2),
        "p50_ms": round(percentile(latencies, 50), 3),
        "p99_ms": round(percentile(latencies, 99), 3),
        "stages_ms": {
            stage: {
                "p50": round(percentile(sorted(v), 50), 3),
                "p99": round(percentile(sorted(v), 99), 3),
            }
            for stage, v in stages.items()
            if v
        },
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "cold_start_s": round(cold, 2),
    }
    if warm is not None:
        figures["start_from_index_cache_s"] = warm
    print(json.dumps(figures))


def _config(lexical_only: bool) -> MatcherConfig:
    config = load_matcher_config()
    if lexical_only:
        config = replace(config, learned=False, embedder="none", fusion={})
    return config


def startup(args: argparse.Namespace) -> None:
    """In a fresh process: start → first answer, leaving out making the synthetic entries
    (a real deployment reads them from its files instead)."""
    made = time.perf_counter()
    real = load_knowledge_base()
    kb = replace(real, entries=real.entries + tuple(synthetic_entries(real, args.entries)))
    making = time.perf_counter() - made
    Matcher(kb, _config(args.lexical_only)).decide("低保怎么申请")
    print(json.dumps({"making_s": making}))


def warm_start_s(args: argparse.Namespace) -> float:
    """Start → first answer of a fresh process, with the index cache written by this one."""
    command = [sys.executable, __file__, "--startup", "--entries", str(args.entries)]
    if args.lexical_only:
        command.append("--lexical-only")
    started = time.perf_counter()
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - started
    return round(wall - float(json.loads(out.strip().splitlines()[-1])["making_s"]), 2)


if __name__ == "__main__":
    main()
