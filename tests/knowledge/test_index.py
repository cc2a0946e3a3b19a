"""The compact index and the pinyin table behind it."""

from knowledge import MatcherConfig
from knowledge.index import Featurizer, InvertedIndex
from knowledge.keywords import KeywordTable
from knowledge.pinyin import spell, syllable
from knowledge.segment import tokenizer


def test_pinyin_table_reads_characters_like_pypinyin():
    from pypinyin import lazy_pinyin

    for char in "低底保宝廉连租社区居委会绿长乐":
        assert syllable(char) == lazy_pinyin(char)[0]
    assert spell("底保 ok") == "di bao ok"


def test_homophones_share_features_and_documents_are_found():
    featurizer = Featurizer(tokenizer())
    docs = ["低保怎么申请", "廉租房排队要多久", "今天天气怎么样"]

    def documents():
        return ((i, featurizer.features(text)) for i, text in enumerate(docs))

    index = InvertedIndex(documents, len(docs), MatcherConfig())
    assert list(index.doc_entry) == [0, 1, 2]
    assert list(index.entry_start) == [0, 1, 2, 3]
    scores = index.score(featurizer.features("底保怎么申请"))
    assert max(scores, key=lambda d: scores[d]) == 0
    assert index.score(featurizer.features("完全无关的句子")).get(1, 0.0) == 0.0


def test_keywords_are_found_by_spelling_and_by_sound():
    table = KeywordTable([["低保"], ["廉租房", "公租房"]])
    chars = "连租房怎么申请"
    by_sound = table.match(chars, [syllable(c) for c in chars], chars)
    assert set(by_sound) == {1}
    chars = "廉租房材料"
    spelled = table.match(chars, [syllable(c) for c in chars], chars)
    assert set(spelled) == {1} and spelled[1] > by_sound[1]
