"""Shared text utilities: script conversion, jieba word segmentation, character classes."""

from __future__ import annotations

import logging
import re
from functools import lru_cache

import jieba
from pypinyin import lazy_pinyin
from pypinyin.constants import PINYIN_DICT

jieba.setLogLevel(logging.WARNING)

CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# Words that carry no content when matching a question against a sentence.
STOPWORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 就 而 被 把 对 为 以 于 从 向 将 有 个 这 那 其 之 "
    "吗 呢 吧 啊 呀 么 请问 一下 什么 哪些 哪个 哪家 哪位 哪里 哪儿 哪 谁 几 多少 怎么 怎样 "
    "如何 为什么 何时 什么时候 是否 多 少 还 又 该 此 该 所 等 上 中 下 里 "
    "the a an of in on at to for is are was were be by with and or what which who whom "
    "when where why how many much does do did has have had it its this that from as".split()
)


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


_SURROGATE = re.compile("([\ud800-\udfff])")


def to_simplified(text: str) -> str:
    """Traditional → simplified, character for character (lengths stay equal for CJK)."""
    # OpenCC encodes to UTF-8, which a lone surrogate cannot be: convert around them.
    parts = _SURROGATE.split(text)
    return "".join(part if i % 2 else _converter().convert(part) for i, part in enumerate(parts))


def cut(text: str) -> list[str]:
    """jieba words (search-engine mode keeps long names and their parts)."""
    return [w for w in jieba.lcut_for_search(text) if w.strip()]


def plain_words(text: str) -> list[str]:
    """jieba words in precise mode: they join back into the text."""
    return jieba.lcut(text)


def content_words(text: str, words: list[str] | None = None) -> list[str]:
    """Lower-cased words that can match between a question and a passage (of `words`, the
    text's jieba words, when the caller has cut it already)."""
    return [w.lower() for w in (cut(text) if words is None else words)
            if w.lower() not in STOPWORDS and (CJK.search(w) or w.isalnum())]


def pos_tag(text: str) -> list[tuple[str, str]]:
    import jieba.posseg  # here, not at the top: its tables take 0.3 s, loaded by the start-up warm-up thread

    return [(p.word, p.flag) for p in jieba.posseg.lcut(text)]


def word_spans_boundary(left: str, right: str) -> bool:
    """Whether jieba reads a word across the join of two strings (a word broken by a line end)."""
    tail, head = left[-4:], right[:4]
    pos = 0
    for word in jieba.lcut(tail + head, HMM=False):
        if pos < len(tail) < pos + len(word) and len(word) > 1:
            return True
        pos += len(word)
    return False


_TERM_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[A-Za-z0-9]+(?:\.[0-9]+)?")


def char_bigrams(text: str) -> list[str]:
    """Overlapping CJK character pairs plus whole Latin/number tokens, lower-cased.

    Bigrams match Chinese text whatever the word segmentation (jieba splits questions
    and articles differently, e.g. 镇有|多少|家规 vs 镇|共有|企业), the standard remedy.
    """
    terms = []
    for run in _TERM_RUN.findall(text.lower()):
        if CJK.match(run):
            terms.extend(run[i:i + 2] for i in range(len(run) - 1)) if len(run) > 1 else terms.append(run)
        else:
            terms.append(run)
    return terms


def keyword_tokens(text: str) -> list[str]:
    """BM25 tokens: jieba words and character bigrams of the simplified text, so questions
    in either script and with a different segmentation still match, and the pinyin of each
    bigram (prefixed py:) for the romanised names in English questions."""
    simplified = to_simplified(text)
    return (content_words(simplified) + char_bigrams(simplified)
            + [f"py:{p}" for _, p in pinyin_bigrams(simplified)])


@lru_cache(maxsize=1)
def _syllables() -> frozenset[str]:
    from pypinyin import Style, pinyin

    return frozenset(p[0] for code in PINYIN_DICT for p in pinyin(chr(code), style=Style.NORMAL)
                     if p[0].isalpha() and p[0].isascii())


def pinyin_syllables(word: str) -> list[str] | None:
    """Split a Latin word into toneless pinyin syllables ("Yongkang" → yong, kang), or None."""
    word, syllables = word.lower(), _syllables()
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - 6), end):
            if best[start] is not None and word[start:end] in syllables:
                candidate = best[start] + [word[start:end]]
                if best[end] is None or len(candidate) < len(best[end]):
                    best[end] = candidate
    return best[-1]


@lru_cache(maxsize=8192)
def pinyin_bigrams(text: str) -> tuple[tuple[int, str], ...]:
    """(position, pinyin of the two characters) for each CJK character pair: how an English
    question's romanised names (Yongkang, Xiangzhu) are found in Chinese text."""
    syllables = [lazy_pinyin(ch)[0].lower() if CJK.match(ch) else None for ch in text]
    return tuple((i, syllables[i] + syllables[i + 1]) for i in range(len(text) - 1)
                 if syllables[i] and syllables[i + 1])


def romanised_names(question: str) -> list[str]:
    """Capitalised words of an English question that read as pinyin, as syllable pairs."""
    terms = []
    for i, word in enumerate(re.findall(r"[A-Za-z]+", question)):
        if i == 0 or not word[0].isupper():  # a first word is capitalised anyway
            continue
        syllables = pinyin_syllables(word)
        if syllables and len(syllables) >= 2:
            terms.extend(a + b for a, b in zip(syllables, syllables[1:]))
    return terms
