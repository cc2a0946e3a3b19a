from knowledge import DecisionKind, Matcher, MatcherConfig
from knowledge.matcher import KeptDecisions, Ranking, decide_kind
from knowledge.model import Decision


def test_plain_question_is_answered(tiny_matcher: Matcher):
    decision = tiny_matcher.decide("低保怎么申请？")
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry_id == "subsistence-allowance"


def test_typo_and_traditional_are_answered(tiny_matcher: Matcher):
    assert tiny_matcher.decide("底保 材料").entry_id == "subsistence-allowance"
    assert tiny_matcher.decide("連租房怎麼申請").entry_id == "low-rent-housing"


def test_homophone_typo_not_in_the_lexicon_still_ranks_first(tiny_matcher: Matcher):
    # 噪因 is not in the lexicon: only its pinyin (zao yin) links it to 噪音.
    decision = tiny_matcher.decide("楼上装修噪因太大了")
    assert decision.candidates[0].entry_id == "noise-nuisance"


def test_english_question_matches_english_alternates(tiny_matcher: Matcher):
    decision = tiny_matcher.decide("How can I apply for public rental housing")
    assert decision.candidates[0].entry_id == "low-rent-housing"


def test_out_of_scope_question_gets_none(tiny_matcher: Matcher):
    decision = tiny_matcher.decide("请问明天会下雨吗")
    assert decision.kind is DecisionKind.NONE
    assert decision.entry_id is None


def test_unrelated_question_gets_none(tiny_matcher: Matcher):
    assert tiny_matcher.decide("可乐鸡翅的做法").kind is DecisionKind.NONE


def test_one_or_two_characters_ask_for_more_but_keep_candidates(tiny_matcher: Matcher):
    decision = tiny_matcher.decide("低保？")
    assert decision.kind is DecisionKind.TOO_SHORT
    assert decision.candidates[0].entry_id == "subsistence-allowance"
    assert tiny_matcher.decide("啊").kind is DecisionKind.TOO_SHORT


def test_candidates_are_ranked_and_at_most_five(tiny_matcher: Matcher):
    candidates = tiny_matcher.decide("低保和廉租房能一起申请吗").candidates
    assert 1 <= len(candidates) <= 5
    scores = [c.score for c in candidates]
    assert scores == sorted(scores, reverse=True)
    assert {c.entry_id for c in candidates[:2]} == {"subsistence-allowance", "low-rent-housing"}


def test_two_close_entries_give_suggestions(tiny_matcher: Matcher):
    decision = tiny_matcher.decide("申请低保还是廉租房")
    assert decision.kind is DecisionKind.SUGGEST
    assert len(decision.suggestions()) >= 2


CFG = MatcherConfig(answer_threshold=0.6, suggest_threshold=0.3, margin=0.1, oos_margin=0.0)


def _ranking(*scores: float, oos: float = 0.0, length: int = 10) -> Ranking:
    return Ranking("x" * length, length, tuple(enumerate(scores)), oos)


def test_decision_rule():
    assert decide_kind(CFG, _ranking(0.9, 0.5)) is DecisionKind.ANSWER
    assert decide_kind(CFG, _ranking(0.9, 0.85)) is DecisionKind.SUGGEST  # too close
    assert decide_kind(CFG, _ranking(0.5, 0.2)) is DecisionKind.SUGGEST  # not confident
    assert decide_kind(CFG, _ranking(0.2, 0.1)) is DecisionKind.NONE
    assert decide_kind(CFG, _ranking(0.9, 0.1, oos=0.95)) is DecisionKind.NONE  # negatives win
    assert decide_kind(CFG, _ranking(0.9, 0.1, oos=0.85)) is DecisionKind.SUGGEST
    assert decide_kind(CFG, _ranking(0.9, length=2)) is DecisionKind.TOO_SHORT
    assert decide_kind(CFG, _ranking()) is DecisionKind.NONE


def test_a_decision_is_kept_for_the_same_words_and_the_oldest_is_forgotten() -> None:
    kept = KeptDecisions(2)
    first, second, third = (
        Decision(DecisionKind.NONE, text, ()) for text in ("低保", "廉租房", "居住证")
    )
    kept.keep("低保", first)
    kept.keep("廉租房", second)
    assert kept.get("低保") is first  # now the most recently used
    kept.keep("居住证", third)
    assert kept.get("廉租房") is None and kept.get("低保") is first
    assert kept.get("居住证") is third


def test_kept_answers_without_matching_only_what_was_decided(tiny_matcher: Matcher) -> None:
    question = "申请低保要带哪些材料去"  # asked in no other test
    assert tiny_matcher.kept(question) is None
    decision = tiny_matcher.decide(question)
    assert tiny_matcher.kept(question) is decision
    assert tiny_matcher.kept(question + "？") is None  # other words: matched afresh
