from knowledge import Normalizer, load_knowledge_base
from knowledge.normalize import meaningful_length

from .conftest import TINY_FILLERS, TINY_LEXICON


def _tiny() -> Normalizer:
    return Normalizer(TINY_LEXICON, TINY_FILLERS)


def test_traditional_becomes_simplified_and_punctuation_goes():
    assert _tiny().normalize("申請低保要帶什麼證件？") == "申请低保要带什么证件"


def test_width_and_case_are_folded():
    assert _tiny().normalize("ＨＯＷ  Do I apply？") == "how do i apply"


def test_fillers_are_removed():
    assert _tiny().normalize("请问，低保怎么申请呢？") == "低保怎么申请"
    assert _tiny().normalize("我想问一下廉租房啊") == "廉租房"


def test_typos_map_to_the_canonical_word():
    assert _tiny().normalize("底保 材料") == "低保 材料"
    assert _tiny().normalize("连租房怎么排队") == "廉租房怎么排队"


def test_a_canonical_word_is_not_expanded_by_its_own_prefix():
    normalizer = Normalizer({"居委": "居委会"}, ())
    assert normalizer.normalize("居委会在哪") == "居委会在哪"
    assert normalizer.normalize("居委在哪") == "居委会在哪"


def test_pinyin_loanword_matches_only_as_a_whole_word():
    normalizer = Normalizer({"juweihui": "居委会"}, ())
    assert normalizer.normalize("Where is the juweihui?") == "where is the 居委会"
    assert normalizer.normalize("juweihuis") == "juweihuis"


def test_bundled_lexicon_folds_typical_resident_spellings():
    kb = load_knowledge_base()
    normalizer = Normalizer(kb.synonyms, kb.stopwords)
    assert normalizer.normalize("社宝断缴了") == "社保断缴了"
    assert normalizer.normalize("下刚职工") == "下岗职工"
    assert normalizer.normalize("看病报销那个卡丢了") == "医保丢了"
    assert normalizer.normalize("只生一个有奖励吗") == "独生子女有奖励"


def test_meaningful_length_counts_characters_letters_and_digits():
    assert meaningful_length("低保") == 2
    assert meaningful_length("hi 1") == 3


def test_english_is_told_from_pinyin_typed_without_tones():
    from knowledge.normalize import language_of

    assert language_of("How do I apply for dibao?") == "en"
    assert language_of("Dibao application documents list") == "en"
    for text in ("dibao", "juweihui zai na", "低保 how", "wifi", "😀", ""):
        assert language_of(text) == "zh", text
