"""Conversation memory: follow-up questions made self-contained, and recent turns per session.

A follow-up ("党员呢？", "那花街镇呢？", "And Huajie town?") only means something next to the
question before it. The answering core is stateless, so `resolve_followup` rewrites it into a
full question by swapping one phrase of the previous *resolved* question (which is itself
self-contained, so chains of follow-ups keep working), and `SessionStore` keeps that previous
question per session (HTTP `session_id`, Telegram chat id) with bounded memory.
"""

from __future__ import annotations

import re
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from qa.question import UNITS
from qa.text import CJK, pinyin_syllables, pos_tag, to_simplified

# ─────────────────────────────── shared ───────────────────────────────

_END_PUNCT = re.compile(r"[\s？?！!。.，,；;：:…~～]+$")
_MAX_FRAGMENT_CJK = 12  # longer than this, a question is a new one, not an elliptical follow-up
# Chat that is no question at all (jieba even tags 谢谢 as a name): never rewritten.
_SMALL_TALK = re.compile(r"(?:谢谢|多谢|感谢|好的?|好吧|行|明白了?|知道了|收到|嗯+|哦+|你好|再见|"
                         r"ok(?:ay)?|thanks?(?: you)?|thx|great|cool|nice|got it|yes|no|hi|hello|bye)"
                         r"[啊呀了啦哈!！~～\s]*", re.I)


def _split_end(text: str) -> tuple[str, str]:
    """("象珠镇有多少家企业", "？"): the question and its closing punctuation, kept for the output."""
    text = text.strip()
    m = _END_PUNCT.search(text)
    return (text[:m.start()], text[m.start():].strip()) if m else (text, "")


def _is_chinese(text: str) -> bool:
    return bool(CJK.search(text))


# ─────────────────────────────── Chinese ───────────────────────────────

# "还有呢", "然后呢", "还有别的吗": asks to go on with the same question.
_ZH_FILLER = re.compile(r"(?:那么?)?(?:还有|然后|接着|之后|后来|另外|此外|继续|再|还)?(?:什么)?"
                        r"(?:其他|其它|别的|更多)?的?(?:信息|内容|情况)?(?:吗|呢|么|啊|呀)?")
# What only frames a fragment: 那…呢, 那么…的情况呢, 还有…呢. 那 is kept in 那里/那个/那些.
_ZH_LEAD = re.compile(r"^(?:那么|那(?![里儿个些家位时样])|还有|另外|此外|然后|而|再问一下|请问)+")
_ZH_TRAIL = re.compile(r"(?:的情况|情况|的)?(?:呢|怎么样|怎样|如何|又如何|又怎样|又怎么样)?$")
# A real question word: a fragment that has one is a question of its own.
_ZH_WH = re.compile(r"多少|(?<!哪)几|什么|啥|哪|谁|何|怎|如何|是否|是不是|有没有|吗")
# Place and organisation names end in one of these (花街镇, 象珠镇党委, 某某集团).
_ADMIN = ("街道", "社区", "省", "市", "区", "县", "镇", "乡", "村", "州")
_ORG = ("公司", "集团", "党委", "党总支", "总支", "支部", "党组织", "委员会", "协会", "商会", "联盟",
        "局", "厅", "办", "中心", "学校", "小学", "中学", "大学", "学院", "医院", "银行", "合作社",
        "工厂", "厂", "报社", "电视台", "研究院", "研究所", "基地", "园区")
_SUFFIXES = sorted(_ADMIN + _ORG, key=len, reverse=True)
_SUFFIX = re.compile("|".join(_SUFFIXES))
# Characters that may follow a name inside one jieba word ("镇有" in 花街|镇有|几家): anything
# else means the suffix is the start of another word (市场, 部分, 区别).
_AFTER_NAME = set("有是的在和与及共为里内都也还")
_MAX_NAME_CHARS = 16  # 道明光学股份有限公司; bounds the work on long questions
_NOT_A_NAME = re.compile(r"^[该这那此本其各每哪某全整]")
_TITLE = re.compile(r"(?:书记|长|主任|委员|经理|主席|董事|总监|记者|秘书|干部)$")
_PRONOUN_PERSON = re.compile(r"(?<![其吉])(?:他们|她们|他|她)")
_PRONOUN_PLACE = re.compile(r"那里|这里|那儿|这儿|当地|该地|此地")
# …纳入管理的那个支部: a clause before 的 says which one, it does not point back
_PRONOUN_NAMED = re.compile(rf"(?<!的)(?:该|这个|那个|这家|那家)({_SUFFIX.pattern})")
_TIME = re.compile(r"(?:\d{2,4}|[一二三四五六七八九〇零]{2,4})年(?:\d{1,2}月)?(?:份|度)?|"
                   r"[去今明前]年(?:同期)?|上半年|下半年|年初|年底|年末|本月|上个?月|\d{1,2}月份?")
_ZH_ASKS_PLACE = re.compile(r"哪里|哪儿|在哪|哪个(?:村|镇|市|区|县|省|乡|街道)")
_COUNT = re.compile(rf"(?<!哪)(多少|几)({UNITS})?")
_LEAD_NOISE = re.compile(r"^(?:请问|那么|那(?![里儿个些家位时样]))")
# Which counted nouns a measure word can go with; a measure that does not fit is dropped
# (多少家企业 → 多少党员), since a wrong one misleads the answer's unit matching.
_PERSON_NOUN = r"(?:人|员|者|师|生|士|工|长|家|干部|代表|专家|群众|村民|居民|书记|主任|老人|儿童)$"
_MEASURE_FITS = {
    "家": r"(?:企业|公司|厂|店|银行|医院|单位|机构|集团|酒店|饭店|餐厅|超市|商场|民宿|农家乐|合作社|平台|户)$",
    "所": r"(?:学校|小学|中学|大学|学院|幼儿园|医院)$",
    "名": _PERSON_NOUN, "位": _PERSON_NOUN, "人": _PERSON_NOUN, "余人": _PERSON_NOUN,
    "户": r"(?:户|家庭|人家)$",
    "项": r"(?:项目|工程|活动|措施|政策|任务|成果|荣誉|奖|指标|技术|专利|服务|工作|举措|制度)$",
    "条": r"(?:路|河|线|街|建议|措施|规定|意见|消息|信息|渠道)$",
    "座": r"(?:桥|山|楼|塔|建筑|水库|寺|庙|公园|大楼)$",
    "支": r"(?:队|队伍|团队)$",
    "个": r".",  # the general measure word fits any noun
}
_MONEY_NOUN = r"(?:资金|投资|投资额|收入|产值|金额|经费|利润|税收|总额|营收|销售额|营业额|补贴|奖金|费用|钱)$"
_MEASURE_FITS.update({unit: _MONEY_NOUN for unit in ("元", "万元", "亿元", "万", "亿")})


@dataclass(frozen=True)
class _Tok:
    word: str
    flag: str
    start: int

    @property
    def end(self) -> int:
        return self.start + len(self.word)


@lru_cache(maxsize=1024)  # the previous question is tagged again at every follow-up
def _tokens(text: str) -> tuple[_Tok, ...]:
    toks, pos = [], 0
    for word, flag in pos_tag(text):
        toks.append(_Tok(word, flag, pos))
        pos += len(word)
    return tuple(toks)


def _nounish(tok: _Tok) -> bool:
    return tok.flag.startswith(("n", "j")) or tok.flag in ("vn", "eng")


_CJK_NUMERALS = set("一二两三四五六七八九十百千")
_MEASURES = set(UNITS.split("|"))


def _modifier(tok: _Tok) -> bool:
    """两/新/大型 before a noun: part of a name (两新党委) or of what is counted."""
    return tok.flag in ("a", "b") or (tok.flag == "m" and set(tok.word) <= _CJK_NUMERALS)


def _in_name(tok: _Tok, org: bool) -> bool:
    """Whether a word can be part of a place/organisation name: nouns; single characters,
    which is how jieba splits names it does not know (道|明|光学股份有限公司); modifiers of
    organisations (两新党委)."""
    if _nounish(tok):
        return True
    if tok.word in _MEASURES or tok.flag.startswith(("u", "p", "c", "r", "v", "d", "x", "y")):
        return False
    return len(tok.word) == 1 or (org and _modifier(tok))


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    suffix: str = ""


def _suffix_of(phrase: str) -> str:
    """The name suffix a phrase ends with, longest first (象珠镇党委 → 党委), or ""."""
    return next((sfx for sfx in _SUFFIXES if phrase.endswith(sfx)), "")


@dataclass(frozen=True)
class _Count:
    """多少家企业: `wh` 多少 at [start, start+len(wh)), `unit` 家, `noun` the counted 企业."""
    start: int
    wh: str
    unit: str
    noun: _Span  # equals the unit's own span in 有多少人, where the unit is what is counted


def _counted(text: str, toks: tuple[_Tok, ...]) -> _Count | None:
    """What 多少/几 counts: 企业 in 有多少家企业 or in 企业有多少家; the unit itself in 有多少人."""
    m = _COUNT.search(text)
    if not m:
        return None
    unit = m.group(2) or ""
    rest = text[m.end():]
    if unit and rest:  # 多少人口: 人 starts a word here, it is not a measure word
        if len(pos_tag(rest)[0][0]) == 1 and len(pos_tag(unit + rest)[0][0]) > len(unit):
            unit, rest = "", text[m.end(1):]
    after = m.end(1) + len(unit)
    end = after
    for tok in _tokens(rest):  # 两新党组织书记, 规上企业: modifiers, then nouns
        if _nounish(tok) or tok.flag == "f":
            end = after + tok.end
        elif not _modifier(tok):
            break
    if end > after:
        return _Count(m.start(), m.group(1), unit, _Span(after, end))
    # Nothing after: the counted noun comes before (象珠镇的企业有多少家).
    head = re.sub(r"(?:一共|总共|共|大约|约)?(?:有|是|为)?$", "", text[:m.start()])
    start = len(head)
    for tok in reversed([t for t in toks if t.end <= len(head)]):
        if tok.word.endswith(_ADMIN) or not (_nounish(tok) or (_modifier(tok) and start < len(head))):
            break
        start = tok.start
    if start < len(head):
        return _Count(m.start(), m.group(1), unit, _Span(start, len(head)))
    if unit:  # 有多少人: the unit is what is counted
        return _Count(m.start(), m.group(1), unit, _Span(m.end(1), after))
    return None


def _places(text: str, toks: tuple[_Tok, ...], skip: _Span | None) -> list[_Span]:
    """Place/organisation phrases: a run of nouns ending in a name suffix (永康市 | 象珠镇党委)."""
    owner = [i for i, tok in enumerate(toks) for _ in tok.word]  # character → its token
    spans = []
    for pos in range(len(text)):  # every position: suffixes overlap (镇 and 镇党委's 党委)
        m = _SUFFIX.match(text, pos)
        if not m:
            continue
        end = m.end()
        if end < len(text) and owner[end] == owner[end - 1] and text[end] not in _AFTER_NAME:
            continue  # 市场, 党委书记: the suffix begins another word
        admin = m.group() in _ADMIN
        i = owner[m.start()]
        start = toks[i].start  # 象|珠镇: the name may start inside the suffix's word
        while i > 0 and m.start() - toks[i - 1].start <= _MAX_NAME_CHARS:
            tok = toks[i - 1]
            if not _in_name(tok, not admin) or (admin and tok.word.endswith(_ADMIN)):
                break  # 永康市|象珠镇: one admin name per phrase; organisations keep their place
            start, i = tok.start, i - 1
        name = text[start:m.start()]
        if len(name) < 2 or _NOT_A_NAME.match(name):
            continue
        if skip and start < skip.end and end > skip.start:
            continue  # the counted thing (多少家集团公司) is not a place
        spans.append(_Span(start, end, m.group()))
    return spans


def _pick_place(spans: list[_Span], suffix: str, tag: str) -> _Span | None:
    """The phrase a new place replaces: same suffix, else same kind (admin/organisation);
    a town does not replace a company (道明光学股份有限公司在哪个镇 + 花街镇呢)."""
    kind = (suffix in _ADMIN) if suffix else (tag == "ns")
    for test in (lambda s: s.suffix == suffix, lambda s: (s.suffix in _ADMIN) == kind):
        found = [s for s in spans if test(s)]
        if found:  # the fullest phrase (象珠镇党委 over a bare 党委), then the first
            return max(found, key=lambda s: (s.end - s.start, -s.start))
    return None


def _subject(text: str, toks: tuple[_Tok, ...], person: bool) -> _Span | None:
    """The leading noun phrase (施海鸥 in 施海鸥是哪个单位的); for a name, the person in it."""
    if person:
        first = next((i for i, t in enumerate(toks) if t.flag.startswith("nr")), None)
        if first is not None:
            end = toks[first].end
            for tok in toks[first + 1:]:
                if not _nounish(tok) or _TITLE.search(tok.word):
                    break
                end = tok.end
            return _Span(toks[first].start, end)
    lead = _LEAD_NOISE.match(text)
    start = end = lead.end() if lead else 0
    rest = [t for t in toks if t.start >= start]
    for i, tok in enumerate(rest):  # nouns (or a name jieba split up), joined by 的: 象珠镇的党员
        if _in_name(tok, org=True):
            end = tok.end
        elif not (tok.word == "的" and i + 1 < len(rest) and _nounish(rest[i + 1])):
            break
    return _Span(start, end) if end > start else None


def _replace(text: str, span: _Span, new: str) -> str:
    return text[:span.start] + new + text[span.end:]


def _replace_counted(text: str, count: _Count, new: str) -> str:
    """Put `new` where the counted noun was, keeping the measure word only if it fits it."""
    wh_end, unit_end = count.start + len(count.wh), count.start + len(count.wh) + len(count.unit)
    unit_is_noun = count.noun.start == wh_end
    kept = count.unit if count.unit and not unit_is_noun and re.search(
        _MEASURE_FITS.get(count.unit, r"$^"), new) else ""
    wh = "多少" if count.wh == "几" and not kept else count.wh  # 几 needs a measure word
    if count.noun.end <= count.start:  # 企业有多少家 → 党员有多少
        return (text[:count.noun.start] + new + text[count.noun.end:count.start]
                + wh + kept + text[unit_end:])
    return text[:count.start] + wh + kept + new + text[count.noun.end:]


def _resolve_pronouns(previous: str, text: str) -> str | None:
    """他/那里/该镇 in a question of its own: put back what the previous question named."""
    ptoks = _tokens(previous)
    count = _counted(previous, ptoks)
    places = _places(previous, ptoks, count.noun if count else None)
    out, changed = text, False
    m = _PRONOUN_NAMED.search(out)
    if m:
        span = _pick_place(places, m.group(1), "")
        # 这家公司 may be the 集团 just named; 该镇 is no other kind of place than a 镇
        if span and (span.suffix == m.group(1) or m.group(1) not in _ADMIN):
            out, changed = out[:m.start()] + previous[span.start:span.end] + out[m.end():], True
    m = _PRONOUN_PLACE.search(out)
    if m and places:
        span = _pick_place(places, "", "ns")  # an administrative place
        out, changed = out[:m.start()] + previous[span.start:span.end] + out[m.end():], True
    m = _PRONOUN_PERSON.search(out)
    if m:
        span = _subject(previous, ptoks, person=True)
        if span:
            out, changed = out[:m.start()] + previous[span.start:span.end] + out[m.end():], True
    return out if changed else None


def _resolve_zh(previous: str, question: str) -> str:
    prev, end = _split_end(to_simplified(previous))
    text, text_end = _split_end(to_simplified(question))
    if _PRONOUN_PERSON.search(text) or _PRONOUN_PLACE.search(text) or _PRONOUN_NAMED.search(text):
        resolved = _resolve_pronouns(prev, text)
        return resolved + text_end if resolved else question
    frag = _ZH_TRAIL.sub("", _ZH_LEAD.sub("", text)).strip()
    if not frag or _ZH_WH.search(frag) or len(CJK.findall(frag)) > _MAX_FRAGMENT_CJK:
        return question  # nothing left, a question word of its own, or too long for a fragment
    ftoks = _tokens(frag)
    allowed = ("n", "j", "m", "q", "a", "b", "f", "t", "eng", "x", "uj", "vn")
    if any(not (t.flag.startswith(allowed) or t.word in ("和", "与", "及")) for t in ftoks) or not any(
            t.flag.startswith(("n", "j", "t", "m", "eng", "vn")) for t in ftoks):
        return question  # a verb, adverb, preposition… or no noun: not a noun phrase

    ptoks = _tokens(prev)
    if _TIME.fullmatch(frag) or all(t.flag == "t" for t in ftoks):
        m = _TIME.search(prev)
        return (_replace(prev, _Span(m.start(), m.end()), frag) if m else frag + prev) + end

    count = _counted(prev, ptoks)
    suffix = _suffix_of(frag) if len(frag) > len(_suffix_of(frag)) else ""  # 银行 alone: a noun
    tag = ftoks[-1].flag if len(ftoks) == 1 else ""
    if suffix or tag in ("ns", "nt"):
        span = _pick_place(_places(prev, ptoks, count.noun if count else None), suffix, tag)
        if span:
            return _replace(prev, span, frag) + end
        if suffix in _ADMIN or tag == "ns":  # 两新党组织有多少个 + 花街镇呢: the same, in 花街镇,
            # unless the previous question asks for the place itself (…在哪个镇)
            return question if _ZH_ASKS_PLACE.search(prev) else frag + prev + end
    person = any(t.flag.startswith("nr") for t in ftoks) and len(frag) <= 4 and not suffix
    if count and not person:
        return _replace_counted(prev, count, frag) + end
    span = _subject(prev, ptoks, person)
    return _replace(prev, span, frag) + end if span else question  # nothing it could replace


# ─────────────────────────────── English ───────────────────────────────

_EN_FILLER = re.compile(r"(?:and|so|then|and then|what else|anything else|tell me more|more|"
                        r"go on|continue|what next|and next|next|others?|the others?)", re.I)
_EN_LEAD = re.compile(r"^(?:(?:and|but|so|ok(?:ay)?|well|then|also)\b[,\s]*)*"
                      r"(?:(?:what|how)\s+about|what\s+of|same\s+(?:question\s+)?for|and\s+for)?\s*",
                      re.I)
_EN_PREP = re.compile(r"^(?:in|at|for|of|from|on)\s+", re.I)
_EN_WH = re.compile(r"\b(?:what|which|who|whom|whose|when|where|why|how|is|are|was|were|do|does|"
                    r"did|has|have|had|can|could|will|would|should)\b", re.I)
_EN_KIND = (r"town|township|village|city|county|district|province|street|subdistrict|community|"
            r"company|group|corporation|committee|bureau|branch|department|office|university|"
            r"school|hospital|bank|association|council|government|cooperative")
_EN_NAME = re.compile(rf"(?<!^)(?<![.?!]\s)\b((?:[A-Z][\w'-]*\s+)*[A-Z][\w'-]*)(?:\s+({_EN_KIND})s?\b)?")
_EN_HOW_MANY = re.compile(r"\bhow\s+(?:many|much)\s+(.+?)(?=\s+(?:are|is|was|were|do|does|did|have|has|"
                          r"had|will|can|could|would|there|in|at|on|of|for|from|to)\b|$)", re.I)
_EN_WHO_IS = re.compile(r"^(?:who|what|which|where|when)\s+(?:is|are|was|were)\s+(.+?)"
                        r"(?=\s+(?:of|in|at|for|from)\b|$)", re.I)
_EN_PREP_BEFORE = re.compile(r"\b(?:in|at|of|from)\s+$", re.I)
_EN_YEAR = re.compile(r"\b(?:19|20)\d\d\b|\b(?:last|this|next)\s+year\b", re.I)


def _resolve_en(previous: str, question: str) -> str:
    prev, end = _split_end(previous)
    text, _ = _split_end(question)
    lead = _EN_LEAD.match(text)
    frag = _EN_PREP.sub("", text[lead.end():]).strip()
    if not frag or _EN_WH.search(frag) or len(frag.split()) > 6:
        return question
    if _EN_YEAR.fullmatch(frag):
        m = _EN_YEAR.search(prev)
        return (prev[:m.start()] + frag + prev[m.end():] + end) if m else question
    words = frag.split()
    pinyin = pinyin_syllables(words[0])
    if lead.end() == 0 and not (pinyin and len(pinyin) > 1) and not frag.isupper() and not (
            len(words) > 1 and words[1][0].isupper()):
        # With nothing before it, a capital may just start the sentence ("Thanks", "Banks?");
        # a word that reads as pinyin (Huajie) is taken for a Chinese name all the same.
        frag = frag[0].lower() + frag[1:]
        words = frag.split()
    kind = re.fullmatch(_EN_KIND + "s?", words[-1], re.I)
    capital = words[-1][0].isupper()
    if kind or capital:  # a name: replaces the previous question's name
        names = list(_EN_NAME.finditer(prev))
        if names:
            # The name of a place (…town) or after a preposition is what a new place replaces.
            def score(m: re.Match) -> tuple[bool, bool, int]:
                after_prep = bool(_EN_PREP_BEFORE.search(prev, 0, m.start()))
                return bool(m.group(2)), after_prep, -m.start()
            m = max(names, key=score)
            if m.group(2) and not kind:  # "Huajie" for "Xiangzhu town": keep "town"
                return prev[:m.start(1)] + frag + prev[m.end(1):] + end
            return prev[:m.start()] + frag + prev[m.end():] + end
    for pattern in (_EN_HOW_MANY, _EN_WHO_IS):  # the thing asked about: how many X, who is X
        m = pattern.search(prev)
        if m:
            return prev[:m.start(1)] + frag + prev[m.end(1):] + end
    return question


# ─────────────────────────────── public ───────────────────────────────

def resolve_followup(previous: str | None, question: str) -> str:
    """A self-contained version of `question` given the previous resolved question, or
    `question` unchanged when it is not a follow-up (or cannot be resolved).

    Chinese results are in simplified characters (the answering core converts anyway).
    """
    if not previous or not previous.strip() or not question.strip():
        return question
    core, _ = _split_end(to_simplified(question))
    if _SMALL_TALK.fullmatch(core):
        return question
    if core and (_ZH_FILLER.fullmatch(core) or _EN_FILLER.fullmatch(" ".join(core.split()))):
        return previous  # "还有呢", "然后呢", "what else?": the same question again
    if _is_chinese(question) != _is_chinese(previous):
        return question  # a fragment in one language cannot edit a question in the other
    return _resolve_zh(previous, question) if _is_chinese(question) else _resolve_en(previous, question)


# ─────────────────────────────── sessions ───────────────────────────────

_SESSION_ID = re.compile(r"[A-Za-z0-9_.:-]{1,128}")
MAX_STORED_CHARS = 2000  # per stored text, so that memory is bounded whatever callers pass


def validate_session_id(session_id: object) -> str:
    if not isinstance(session_id, str) or not _SESSION_ID.fullmatch(session_id):
        raise ValueError("session_id must be 1-128 characters of letters, digits and _ . : -")
    return session_id


@dataclass(frozen=True)
class Turn:
    question: str  # as asked
    resolved: str  # self-contained, what was answered
    answer: str | None  # None when the service abstained
    at: float  # clock time


@dataclass
class _Session:
    turns: deque[Turn]
    last_seen: float


class SessionStore:
    """Recent turns per session: at most `max_sessions` (least recently used evicted first),
    `max_turns` each, forgotten `ttl_seconds` after their last turn. Safe to share between
    threads (the HTTP server and the bot answer concurrently)."""

    def __init__(self, max_sessions: int = 10_000, max_turns: int = 5, ttl_seconds: float = 1800,
                 clock: Callable[[], float] = time.monotonic):
        if max_sessions < 1 or max_turns < 1 or not ttl_seconds > 0:
            raise ValueError("max_sessions and max_turns must be at least 1, ttl_seconds positive")
        self.max_sessions, self.max_turns, self.ttl = max_sessions, max_turns, float(ttl_seconds)
        self._clock = clock
        self._sessions: OrderedDict[str, _Session] = OrderedDict()  # least recently used first
        self._lock = threading.Lock()

    def _live(self, session_id: str, now: float) -> _Session | None:
        """The session if not expired (dropping it if it is), marked most recently used."""
        session = self._sessions.get(session_id)
        if session is None:
            return None
        if now - session.last_seen >= self.ttl:
            del self._sessions[session_id]
            return None
        self._sessions.move_to_end(session_id)
        return session

    def previous(self, session_id: str) -> str | None:
        """The last resolved question of the session, or None if unknown or expired."""
        validate_session_id(session_id)
        with self._lock:
            session = self._live(session_id, self._clock())
            return session.turns[-1].resolved if session and session.turns else None

    def history(self, session_id: str) -> list[Turn]:
        """The session's remembered turns, oldest first (at most max_turns)."""
        validate_session_id(session_id)
        with self._lock:
            session = self._live(session_id, self._clock())
            return list(session.turns) if session else []

    def remember(self, session_id: str, question: str, resolved: str, answer: str | None) -> None:
        validate_session_id(session_id)
        with self._lock:
            now = self._clock()
            session = self._live(session_id, now)
            if session is None:
                session = self._sessions[session_id] = _Session(deque(maxlen=self.max_turns), now)
            session.turns.append(Turn(question[:MAX_STORED_CHARS], resolved[:MAX_STORED_CHARS],
                                      None if answer is None else answer[:MAX_STORED_CHARS], now))
            session.last_seen = now
            while len(self._sessions) > self.max_sessions:
                self._sessions.popitem(last=False)

    def purge_expired(self) -> int:
        """Drop every expired session now; returns how many were dropped."""
        with self._lock:
            now = self._clock()
            stale = [sid for sid, s in self._sessions.items() if now - s.last_seen >= self.ttl]
            for sid in stale:
                del self._sessions[sid]
            return len(stale)

    def __len__(self) -> int:
        """Live sessions (expired ones are purged first)."""
        self.purge_expired()
        with self._lock:
            return len(self._sessions)
