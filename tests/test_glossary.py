"""The English-Chinese dictionary that lets English questions match Chinese sentences."""

from qa import glossary
from qa.glossary import english_words, lemma, search_words, translations
from qa.question import analyse, search_tokens


def test_english_content_words_are_matched_as_lemmas():
    assert english_words("How many hospitals were opened in the new towns?") == ["hospital", "open", "new", "town"]
    assert [lemma(w) for w in ("companies", "exports", "exporting", "boxes", "news", "bus")] == [
        "company", "export", "export", "box", "news", "bus"]


def test_english_words_are_translated_into_the_chinese_they_may_stand_for():
    found = dict(translations("Which hospital exports textiles to Vietnam?"))
    assert "医院" in found["hospital"] and "出口" in found["export"] and "越南" in found["vietnam"]
    assert {"which", "to"}.isdisjoint(found)  # question words are no content


def test_a_word_the_dictionary_does_not_know_has_no_translation():
    assert dict(translations("Where is Xiangzhu?")) == {}


def test_each_part_of_a_sense_translates():
    # "branch, esp. grass root branches of a political party": the part before the comma counts
    assert "支部" in dict(translations("the party branch"))["branch"]
    assert "杨梅" in dict(translations("bayberry"))["bayberry"]  # "red bayberry (Myrica rubra), aka …"


def test_keyword_search_gets_the_words_that_translate_a_word_alone():
    words = search_words("Which hospital has the most doctors?")
    assert {"医院", "医生"} <= set(words)
    assert "出院" not in words  # "to leave hospital" translates more than hospital
    assert {"医院", "医生"} <= set(search_tokens(analyse("Which hospital has the most doctors?")))


def test_a_dictionary_that_cannot_be_read_leaves_english_questions_their_names(monkeypatch, caplog):
    def unreadable():
        raise OSError("cedict_1_0_ts_utf-8_mdbg.txt.gz: not a gzipped file")

    monkeypatch.setattr(glossary, "_dictionary", None)
    monkeypatch.setattr(glossary, "_read_dictionary", unreadable)
    q = analyse("Which hospital in Xiangzhu has the most doctors?")
    assert q.glosses == () and "xiangzhu" in q.terms and search_words(q.text) == []
    assert "dictionary unavailable" in caplog.text


def test_british_spellings_are_looked_up_as_the_dictionary_spells_them():
    assert [lemma(w) for w in ("centre", "labour", "organisation", "metres", "hour", "flour")] == [
        "center", "labor", "organization", "meter", "hour", "flour"]


def test_a_post_is_one_gloss_of_the_posts_articles_write_for_it():
    q = analyse("Who is the director of the county legal aid centre?")
    assert dict(q.glosses)["director"] == frozenset({"主任", "局长", "院长", "厂长"})
    assert q.terms == ()  # no romanised name; the posts are no separate pinyin terms
    assert "主任" in search_tokens(q)
