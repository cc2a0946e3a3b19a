"""The knowledge base linli ships: valid, and good enough on the labelled questions."""

from pathlib import Path

import pytest

from knowledge import DecisionKind, Matcher, check_knowledge_base, load_knowledge_base
from knowledge.evaluate import evaluate, read_labelled

LABELLED = Path(__file__).resolve().parent.parent / "data" / "kb-labelled.jsonl"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_knowledge_base())


def test_bundled_knowledge_base_passes_check():
    assert [str(p) for p in check_knowledge_base()] == []


def test_labelled_questions_meet_the_targets(matcher: Matcher):
    figures = evaluate(matcher, read_labelled(LABELLED)).overall
    assert figures.n_in_scope >= 400 and figures.n_oos >= 100
    assert figures.top1 is not None and figures.top1 >= 0.85
    assert figures.top3 is not None and figures.top3 >= 0.95
    # Issue 11: what counts is residents helped, few wrong direct answers and out-of-scope
    # questions kept from a direct answer; a "did you mean" list (with "none of these → ask
    # a staff member") for a near-miss is acceptable, so rejection outright may be lower.
    assert figures.helped is not None and figures.helped >= 0.95
    assert figures.false_answer_rate is not None and figures.false_answer_rate <= 0.02
    assert figures.oos_kept_from_answer is not None and figures.oos_kept_from_answer >= 0.95
    assert figures.oos_reject is not None and figures.oos_reject >= 0.60
    assert figures.suggest_rate is not None and figures.suggest_rate <= 0.20


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("我一个人没收入，社区能给点补助不", "subsistence-allowance"),
        ("底保怎么申请", "subsistence-allowance"),
        ("连租房 条件", "low-rent-housing"),
        ("社宝断缴了怎么补", "social-insurance"),
        ("申請低保要帶什麼證件？", "subsistence-allowance"),
        ("How do I apply for dibao?", "subsistence-allowance"),
        ("连租房", "low-rent-housing"),
        ("社宝断了怎么办", "social-insurance"),
        ("下刚了能领啥", "reemployment"),
        ("低保 材料", "subsistence-allowance"),
        ("老人补贴", "elderly-care"),
        ("社区活动", "culture-sports"),
        (
            "我今年五十多了，厂子倒闭以后一直没找到活，老伴身体也不好常年吃药，孩子还在上学，"
            "家里实在困难，听说可以申请低保，想知道要准备什么材料，去哪里办，谢谢",
            "subsistence-allowance",
        ),
    ],
)
def test_questions_from_the_issue_get_the_right_answer(matcher: Matcher, question, entry):
    decision = matcher.decide(question)
    assert decision.kind is DecisionKind.ANSWER
    assert decision.entry_id == entry


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        # Pinyin typed for a word, and the issue's 我想申请公租房 (answered at 0.68 "none"
        # before): at worst a "did you mean" list with the right entry first.
        ("juweihui在哪", "residents-committee"),
        ("我想申请公租房，要什么条件", "low-rent-housing"),
        ("家里房子漏雨物业不管怎么办", "property-management"),
        # A son back from the army was offered 刑满释放 first (its alternates say a relative
        # "comes back"): the service words 退伍 and 当兵 now point at veterans' care.
        ("我儿子退伍回来了", "special-care"),
        ("我儿子刚退伍回来，有什么政策", "special-care"),
        ("儿子当兵回来了", "special-care"),
        ("我儿子从监狱回来了", "ex-offender-support"),
    ],
)
def test_harder_questions_help_the_resident(matcher: Matcher, question, entry):
    decision = matcher.decide(question)
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.SUGGEST)
    assert decision.candidates[0].entry_id == entry
    assert entry == decision.entry_id or entry in [c.entry_id for c in decision.suggestions()]


@pytest.mark.parametrize(
    ("question", "entry"),
    [
        ("低保", "subsistence-allowance"),
        ("失业", "reemployment"),
        ("装修噪音找谁", "noise-nuisance"),
        # A foreigner's accommodation registration has its own entry, and a citizen's
        # residence permit or hukou registration is not taken for it.
        ("老外租我房子要登记吗", "foreigner-registration"),
        ("外国朋友来家里住要报备吗", "foreigner-registration"),
        ("外國朋友來家裡住要報備嗎", "foreigner-registration"),
        ("I'm a foreigner, where do I register my address?", "foreigner-registration"),
        ("外国人住宿登记要带什么", "foreigner-registration"),  # not one of the entry's own
        ("居住证怎么办", "floating-population"),
        ("外地人在这租房要办居住证吗", "floating-population"),
        ("房子租给外地人了，房东要去登记吗", "floating-population"),
        ("出租房 登记", "floating-population"),
        ("刚搬到这个小区，要去社区登记吗", "new-resident"),
        ("户口迁入 材料", "new-resident"),
    ],
)
def test_clear_questions_and_the_start_example_are_answered(matcher: Matcher, question, entry):
    decision = matcher.decide(question)
    assert (decision.kind, decision.entry_id) == (DecisionKind.ANSWER, entry)


def test_english_question_is_marked_english(matcher: Matcher):
    decision = matcher.decide("How do I apply for dibao?")
    assert decision.language == "en"
    assert matcher.decide("低保怎么申请").language == "zh"


@pytest.mark.parametrize(
    "question",
    [
        "今天天气怎么样",
        "明天天气怎么样",
        "股票怎么买",
        "帮我写作业",
        "商业保险怎么买",
        "广场舞音乐下载",
        "可乐鸡翅怎么做",
        "垃圾分类用英语怎么说",
    ],
)
def test_questions_not_for_linli_get_none(matcher: Matcher, question):
    assert matcher.decide(question).kind is DecisionKind.NONE


def test_a_visiting_foreign_relative_is_at_least_offered_the_registration(matcher: Matcher):
    decision = matcher.decide("我家来了个外国亲戚住几天，要不要去派出所说一声")
    assert decision.kind in (DecisionKind.ANSWER, DecisionKind.SUGGEST)
    assert decision.candidates[0].entry_id == "foreigner-registration"
