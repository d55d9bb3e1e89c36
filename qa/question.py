"""What a question asks for: its answer type, its content words and the gap it leaves.

Chinese factoid questions are usually a statement with the answer replaced by a wh-word
("象珠镇有多少家企业" ← "象珠镇有1000余家企业"), so besides the type we keep the text on
either side of the wh-word: finding that context in a sentence delimits the answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from qa.glossary import english_words, search_words, translations
from qa.text import (CJK, STOPWORDS, char_bigrams, content_words, cut, plain_words, pos_tag,
                     romanised_names, to_simplified)

UNITS = ("美元|日元|日圆|欧元|英镑|港元|港币|美金|韩元|卢布|越南盾|新台币|人民币|法郎|km²|m²|GHz|MHz|℃|"
         "万元|亿元|万人|人次|平方米|平方公里|平方千米|立方米|立方千米|公里|千米|公顷|周年|余人|个月|分钟|小时|"
         "公分|厘米|毫米|毫升|毫克|公斤|千克|千瓦时|千瓦|兆瓦|英里|英尺|km|kg|cm|mm|"
         "个|家|位|名|人|次|元|件|项|条|支|所|座|年|天|届|倍|米|吨|份|张|场|批|户|村|台|辆|"
         "套|本|册|篇|部|岁|层|楼|间|处|种|类|期|轮|组|队|秒|克|升|尾|株|棵|头|只|亩|斤|盏|颗|枚|架|艘|箱|栋|幢|"
         "万|亿|%|％")

CN_DIGITS = "两二三四五六七八九十"  # as list questions count items: 哪两项, 哪五个
# The measure words of 哪个/哪家/哪部…: one thing of a kind is asked for, not where (在哪部电影).
WHICH_MEASURES = "个家位座所项种类支条部张本首篇场届次款名"
# The unit of sums of money, asked without a measure word (多少钱, 总产值有多少).
MONEY_UNIT = "元"

# 几 asks how many, but not in 这几个 (these), 前几年 (the last few), 好几个 (several) or 几乎 (almost)
_HOW_MANY = r"(?<![哪这那前后好])几(?!乎)"

# (type, pattern) in priority order: the first match decides.
_ZH_TYPES = [
    ("frequency", r"多久一次|多长时间一次|多久|多长时间|多少时间|多频繁|间隔多长"),
    ("date", r"什么时候|何时|哪段时间|哪一?个?时间段|哪一?年|哪一?天|哪一?日|几月|几号|几日|几点|星期几|礼拜几|周几|什么时间|哪个月|多久以前|日期"),
    ("number", rf"多少|{_HOW_MANY}|百分之几|多大|多高|多长|多宽|多深|多远|多厚|多重|比例|占比"),
    ("person", r"谁|哪位|哪一位|什么人|哪个人|(?<=长|记|任|员|人|理|席|者|师)叫什么(?:名字)?|(?<=长|记|任|员|人|理|席|者|师)是什么人"),
    ("place", rf"哪里|哪儿|在哪(?![{WHICH_MEASURES}一些])|什么地方|什么位置|何地|何处|哪一?个地方|地点|哪一?个(?:村|镇|市|区|县|省|街道|国家|城市)"),
    ("organisation", r"哪一?家|哪一?所|哪个(?:单位|公司|企业|部门|组织|机构|集团|党委|支部|学校|银行|合作社|协会|医院)|"
                     r"哪些(?:单位|公司|企业|部门|组织|机构)|什么(?:单位|公司|企业|机构|部门|组织)"),
    ("other", r"为什么|为何|怎么样|怎么|怎样|如何|什么作用|什么意义|什么目的"),
    # the measure word is part of the wh-word: 围绕|哪两项|重点工作 matches 围绕|甲和乙两大|重点工作
    ("what", rf"什么|哪些|何种|哪几[{WHICH_MEASURES}]?|哪[{CN_DIGITS}]+[{WHICH_MEASURES}大]?|哪一?[{WHICH_MEASURES}]"),
]
_EN_TYPES = [
    # how long it can run, has been open: a duration, as 多久 asks (how long is the road: a number)
    ("frequency", r"\bhow often\b|\bhow long (?:can|could|will|would|does|did|do|has|have|had|should|must)\b"),
    ("number", r"\bhow (?:many|much|long|big|old|large|wide|high|tall|deep|far|heavy)\b|\bwhat (?:number|percentage|share)\b"),
    ("date", r"\bwhen\b|\bwhat (?:year|date|day|month|time)\b|\bwhich (?:year|date|day|month)\b"),
    ("person", r"\bwho(?:m|se)?\b|\bwhich person\b|\bwhat is the name of the (?:person|man|woman)\b"),
    ("place", r"\bwhere\b|\bwhich (?:place|village|town|city|county|district|province|street|hall|room)\b"
              r"|\bwhat (?:place|village|town|city)\b|\bwhat(?:'s| is| was) the (?:[a-z]+ )?address\b"),
    ("organisation", r"\bwhich (?:company|companies|organi[sz]ations?|units?|departments?|firm|enterprise"
                     r"|group|party committee|branch|bank|school|institutions?|institutes?|agency|agencies"
                     r"|associations?|cooperatives?|universit(?:y|ies)|college|hospital)\b"
                     r"|\bwhat (?:company|organi[sz]ation|institution|agency)\b"),
    ("other", r"\bwhy\b|\bhow\b"),
    ("what", r"\bwhat\b|\bwhich\b"),
]
# Asked without a wh-word: whether something is so (格局会变吗, 是否参加, Is it open?).
_YES_NO = re.compile(r"是否|是不是|有没有|会不会|能不能|可不可以|对不对|[吗么][\s？?！!。]*$"
                     r"|^(?:is|are|was|were|do|does|did|can|could|will|would|has|have|had)\b", re.IGNORECASE)
_ZH_COMPILED = [(t, re.compile(p)) for t, p in _ZH_TYPES]
_EN_COMPILED = [(t, re.compile(p, re.IGNORECASE)) for t, p in _EN_TYPES]
_ANY_WH = re.compile("|".join(p for _, p in _ZH_TYPES) + r"|请问|叫什么|是不是|有没有|吗|呢")
_PLURAL = re.compile(rf"哪些|哪几|哪[{CN_DIGITS}]+[个项种家类大]|有什么|都有|包括"
                     r"|\bwhat are\b|\bwhich (?:\w+ )?(?:are|were)\b", re.IGNORECASE)
# What a thing is called or says, asked as 是什么主题 as well as 主题是什么
ATTRIBUTES = ("主题", "口号", "标语", "名字", "名称", "称号", "宗旨", "理念")
# Nouns that only say "what" (哪些内容, 哪些方面): the text names the things, not the noun
_CONTENT_NOUNS = ("内容", "方面", "东西", "事情")
# A quoted term that counts its parts, asked what it means (“双强”指的是什么): a list of as many
# (not 「五大書記」指的是甲、乙，還有誰: one more)
_COUNTED_TERM = re.compile(rf"[“「\"]([双{CN_DIGITS}])(?![一{CN_DIGITS}])[^”」\"]{{1,6}}[”」\"]"
                           r"[^，,？?“「]{0,4}?(?:指|包括|分别)\w{0,3}(?:什么|哪些)$")
_SINGULAR = re.compile(rf"哪一?[{WHICH_MEASURES}]|\bwhich (?:one|person|company)\b", re.IGNORECASE)
_AUTHOR = re.compile(r"记者|作者|撰写|写的|采写|执笔|拍|摄|reporter|author|wrote|written|photograph", re.IGNORECASE)
_STORY = re.compile(r"[这那此该]篇|报道|文章|稿件|稿子|综述|通讯|消息|照片|图片|新闻")
# Question context next to the wh-word is matched in the sentence without its function
# words: 副局长|是|谁 must find 副局长胡乾喜.
FUNCTION_CHARS = set("是了的在有为于被把将对和与及都又还就")  # one-character words
_FUNCTION_HEAD = re.compile(r"^[的了是在有为]+")
_WHICH = re.compile(rf"哪一?(?:[{WHICH_MEASURES}]|些|几个|几)?|什么")
_VAGUE_HEADS = {"时候", "时间", "地方", "人", "样", "么", "里", "儿", "些", "年", "天", "月", "日"}
_UNIT_AFTER_WH = re.compile(rf"(?:多少|{_HOW_MANY})({UNITS})")
# A place, company or institution the question names: a jieba word ending in an administrative,
# company, school or hospital suffix (花街镇, 顺虎公司, 城南中学), or a name followed by the suffix as
# its own word (花街|镇). The stem may not hold wh-words, numerals or function words (哪个村, 一个县,
# 全市, 该公司).
_NAME_SUFFIX = r"(?:镇|乡|村|县|市|街道|公司|集团|中学|小学|大学|学院|医院)"
_NAME_TAGS = re.compile(r"n|j|a|b")  # parts of speech a character of a name may get
_NOT_NAME_TAGS = re.compile(r"v|p|d|c|u|r")  # nor may a name's stem be a verb, preposition…
_NAME_STEM = r"[^\W\d_哪几多少什么那这该本全各每某一二两三四五六七八九十个及和与或的]{2,}"
# Words that ask for a sum of money: the answer is in MONEY_UNIT.
_MONEY = re.compile(r"钱|工资|薪酬|资金|金额|善款|捐款|收入|经费|投资|产值|营收|销售额|费用|税收|利润|奖金|补贴|"
                    r"周转金|价值|价格|出口额|进口额|营业额|成交额|交易额|贸易额|总额|奖励|补助|资助|贷款|"
                    r"租金|成本|预算|罚款|赔偿|补偿|报酬|造价|票价|售价|单价|拨款|开支|支出|花费|"
                    r"收益|效益|损失|分红|增收|薪|租|(?<![免浪])费(?![时力劲心者券])")  # 保教费, 伙食费: any fee
_EN_MONEY = re.compile(r"\bhow much (?:[a-z-]+ )?(?:money|cash|funding)\b|\b(?:wages?|salar(?:y|ies)|funds?|yuan|rmb|cost|price|"
                       r"fees?|rent|subsid(?:y|ies)|grants?|loans?|bonus(?:es)?|"
                       r"worth|donations?|income|investment|revenue|profits?|budget|fine[sd]?|penalt(?:y|ies))\b", re.IGNORECASE)
_COUNT = re.compile(rf"哪([{CN_DIGITS}])(?![{CN_DIGITS}])")  # 哪五个, not 哪十二个
_NUMERALS = {c: i for i, c in enumerate("一二三四五六七八九十", 1)} | {"两": 2, "双": 2}
# What are the five major actions: an English question counts the items it asks for in words
_EN_NUMERALS = {w: i for i, w in enumerate("two three four five six seven eight nine ten".split(), 2)}
_EN_COUNT = re.compile(rf"\b({'|'.join(_EN_NUMERALS)})\b", re.IGNORECASE)
# How many people / companies / visits…, in English: the measure word Chinese counts them with.
# Only for nouns with one usual measure word: workshops are 8家 or 8个, and a generic 个 (teams)
# would let 5个村 answer for 7个服务队.
_EN_UNITS = {**dict.fromkeys("people persons members workers employees staff residents villagers volunteers "
                             "students teachers children participants cadres officials patients athletes "
                             "suspects farmers doctors nurses".split(), "人"),
             **dict.fromkeys("companies enterprises firms businesses factories shops stores restaurants "
                             "banks".split(), "家"),
             **dict.fromkeys("visits trips".split(), "人次"),  # 接诊1260人次, 客流3.7万人次
             **dict.fromkeys("households families".split(), "户"),
             **dict.fromkeys("vehicles cars buses trucks bicycles bikes".split(), "辆"),
             "orders": "单", "times": "次", "beds": "张", "tickets": "张", "schools": "所",
             "tons": "吨", "tonnes": "吨", "mu": "亩", "kilometres": "公里", "kilometers": "公里",
             "metres": "米", "meters": "米", "matches": "场", "games": "场", "articles": "篇"}
_EN_COUNTED = re.compile(rf"\bhow many (?:[\w-]+ ){{0,3}}?({'|'.join(_EN_UNITS)})\b", re.IGNORECASE)
# The posts an English question names, as Chinese articles write them
ENGLISH_TITLES = {"chairman": ("董事长", "主席", "理事长"), "chairwoman": ("董事长", "主席", "理事长"),
                  "chair": ("董事长", "主席", "理事长"), "secretary": ("书记",),
                  "mayor": ("市长", "镇长", "县长", "区长"), "director": ("主任", "局长", "院长", "厂长"),
                  "manager": ("经理",), "reporter": ("记者",), "principal": ("校长",), "captain": ("队长",),
                  "curator": ("馆长",), "dean": ("院长",), "engineer": ("工程师",), "coach": ("教练",),
                  # who heads, the head of: whoever leads it, by the post its kind of body has
                  "head": ("局长", "主任", "站长", "馆长", "院长", "校长", "所长", "负责人", "董事长", "理事长",
                           "会长", "社长", "队长", "组长", "厂长", "行长", "部长", "处长", "科长", "村长", "镇长",
                           "县长", "市长", "区长")}
_DEPUTY = re.compile(r"\b(?:deputy|vice|assistant)[- ]?$", re.IGNORECASE)
_TRAILING = re.compile(r"[\s？?！!。.，,；;：:呢吗啊呀]+$")
# Words that only phrase the question and should not be looked for in the articles.
_QUESTION_ONLY = {"多少", "几", "什么", "哪些", "哪个", "哪家", "哪位", "哪里", "谁", "何时",
                  "什么时候", "为什么", "如何", "怎么", "怎样", "请问", "是", "有", "了", "呢", "吗",
                  "文章", "报道", "文中", "提到", "提及", "根据", "介绍", "一共", "总共", "共", "共有"}


@dataclass(frozen=True)
class Question:
    original: str
    text: str  # simplified Chinese, trailing punctuation removed
    lang: str  # "zh" or "en"
    qtype: str
    words: tuple[str, ...]  # content words (jieba) for keyword search
    terms: tuple[str, ...]  # character bigrams (English: pinyin syllable pairs) to look for
    unit: str | None  # the measure word of 多少家/几个, if any
    plural: bool  # 哪些/哪几: a list is wanted
    asks_author: bool  # who wrote or photographed the story: the byline answers
    gap_left: str  # question text before the wh-word
    gap_right: str  # question text after the wh-word
    head: str | None  # the noun a 哪个/哪家/什么 asks about (党委 in 哪个党委): the answer ends with it
    names: tuple[str, ...] = ()  # the towns, villages, counties, cities and companies it names
    count: int | None = None  # how many items a list question asks for (哪五个 → 5)
    singular: bool = False  # 哪个/哪家/哪位: one thing is wanted, not a list
    # English: each content word with the Chinese words it may stand for (hospital → 医院)
    glosses: tuple[tuple[str, frozenset[str]], ...] = ()


def _language(text: str) -> str:
    return "zh" if len(CJK.findall(text)) >= max(1, len(re.findall(r"[A-Za-z]", text)) // 4) else "en"


def _head_noun(text: str) -> str | None:
    """The noun right after 哪个/哪家/什么 (哪个假期 → 假期), when it is a real noun."""
    m = _WHICH.search(text)
    if not m:
        return None
    tagged = pos_tag(text[m.end():])
    if not (tagged and tagged[0][1].startswith(("n", "j", "t", "s", "zg")) and tagged[0][0] not in _VAGUE_HEADS):
        return None
    # A compound's last noun is its head: 哪家电器公司 asks for a 公司.
    head = tagged[0][0]
    for word, flag in tagged[1:]:
        if not flag.startswith(("n", "j")) or flag == "nr" or len(word) < 2 or word in _VAGUE_HEADS:
            break
        head = word
    return head


def proper_names(text: str, words: list[str]) -> tuple[str, ...]:
    """The towns, villages, counties, cities and companies a question names (花街镇, 顺虎公司),
    from its jieba words."""
    names = []
    for i, word in enumerate(words):
        if re.fullmatch(rf"{_NAME_STEM}{_NAME_SUFFIX}", word):
            names.append(word)
        # search-mode words overlap (韩国|国公|公司): the pair must be written in the question
        # the suffix its own word (花街|镇), or cut together with a function word (花街|镇有)
        elif (i and (suffix := re.match(rf"{_NAME_SUFFIX}(?=[有是在的和与里内为将]?$)", word))
              and re.fullmatch(_NAME_STEM, words[i - 1]) and words[i - 1] + suffix.group() in text
              and not _NOT_NAME_TAGS.match(_tag_of(text, words[i - 1]))):  # 设在|医院 names none
            names.append(words[i - 1] + suffix.group())
        # a one-character stem is no name: the name-like character before it is part of it
        # (青/ns|山镇, not 去/v|山镇)
        elif (i and len(words[i - 1]) == 1 and words[i - 1] + word in text
              and re.fullmatch(rf"{_NAME_STEM}{_NAME_SUFFIX}", words[i - 1] + word)
              and _NAME_TAGS.match(_tag_of(text, words[i - 1]))):
            names.append(words[i - 1] + word)
    return tuple(dict.fromkeys(name for name in names if not _category(text, name)))


def _english_glosses(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """Each English content word with the Chinese it may stand for; a post with the posts
    articles write for it (director → 主任, 局长, 院长, 厂长), found where any one of them is."""
    known = dict(translations(text))
    return tuple((word, frozenset(ENGLISH_TITLES[word]) if word in ENGLISH_TITLES else known[word])
                 for word in english_words(text) if word in ENGLISH_TITLES or word in known)


def english_posts(text: str) -> list[str]:
    """The Chinese posts an English question names (secretary → 书记, deputy curator → 副馆长)."""
    found = []
    for word, posts in ENGLISH_TITLES.items():
        for m in re.finditer(rf"\b{word}s?\b", text, re.IGNORECASE):  # who chairs
            deputy = "副" if _DEPUTY.search(text, 0, m.start()) else ""
            found += [deputy + post for post in posts]
    return list(dict.fromkeys(found))


def _tag_of(text: str, word: str) -> str:
    """The part of speech jieba gives a word of the text ("" if it cuts the text otherwise)."""
    return dict(pos_tag(text)).get(word, "")


def _category(text: str, name: str) -> bool:
    """A kind, not a name: 集团公司 (its stem a suffix itself), 哪家建筑公司 (asked about)."""
    stem = name_stem(name)
    return bool(re.search(rf"{_NAME_SUFFIX}$", stem)) or bool(re.search(r"(?:哪|什么|何)\w?$", text[:text.find(name)]))


def name_stem(name: str) -> str:
    """花街镇 → 花街, 顺虎公司 → 顺虎: articles also write a name without its suffix."""
    return re.sub(rf"{_NAME_SUFFIX}$", "", name)


def analyse(question: str) -> Question:
    simplified = to_simplified(question.strip())
    text = _TRAILING.sub("", simplified)
    lang = _language(text)
    qtype, left, right = "other", text, ""
    for name, pattern in (_ZH_COMPILED if lang == "zh" else _EN_COMPILED):
        m = pattern.search(text)
        if m:
            qtype, left, right = name, text[:m.start()], text[m.end():]
            break
    else:
        if _YES_NO.search(simplified):  # before _TRAILING took its 吗
            qtype = "yesno"
    unit_match = _UNIT_AFTER_WH.search(text) if lang == "zh" else _EN_COUNTED.search(text)
    unit = None
    if unit_match and qtype == "number":
        unit = unit_match.group(1) if lang == "zh" else _EN_UNITS[unit_match.group(1).lower()]
    if qtype == "number" and unit is None and (_MONEY if lang == "zh" else _EN_MONEY).search(text):
        unit = MONEY_UNIT
    tokens = cut(text)  # one jieba pass serves the keywords and the names
    words = tuple(dict.fromkeys(w for w in content_words(text, tokens) if w not in _QUESTION_ONLY))
    asks_author = qtype == "person" and bool(_AUTHOR.search(text))
    if lang == "zh":
        masked = _ANY_WH.sub("|", text)  # wh-words are never in the answer sentence
        if asks_author:  # a story never says "this report was written by": look for its topic
            masked = _STORY.sub("|", _AUTHOR.sub("|", masked))
        terms = tuple(dict.fromkeys(t for t in char_bigrams(masked) if t not in STOPWORDS))
    else:  # romanised Chinese names are looked for as pinyin (its other words: glosses)
        terms = tuple(dict.fromkeys(romanised_names(text)))
    counted_term = _COUNTED_TERM.search(text) if lang == "zh" else None
    plural = bool(_PLURAL.search(text) or counted_term)
    head = _head_noun(text) if lang == "zh" else None
    names = proper_names(text, tokens) if lang == "zh" else ()
    asked_count = (counted_term or _COUNT.search(text)) if lang == "zh" else _EN_COUNT.search(text) if plural else None
    count = (_NUMERALS if lang == "zh" else _EN_NUMERALS)[asked_count.group(1).lower()] if asked_count else None
    singular = not plural and bool(_SINGULAR.search(text))
    glosses = _english_glosses(text) if lang == "en" else ()
    return Question(question, text, lang, qtype, words, terms, unit, plural, asks_author,
                    left, right, head, names, count, singular, glosses)


@lru_cache(maxsize=1024)  # asked again for every sentence a question is matched against
def _without_function_tail(text: str) -> str:
    """text without the function words it ends with, as jieba reads it (现在有 → 现在: the
    在 of 现在 is no function word)."""
    words = plain_words(text)
    while words and words[-1] in FUNCTION_CHARS:
        words.pop()
    return "".join(words)


def gap_contexts(q: Question) -> list[tuple[str, str]]:
    """The question text around the wh-word, as written and without function words; for
    是什么主题 also as 主题是什么, and for 哪些内容来讲 as 什么 (the text names the contents)."""
    bare = (_without_function_tail(q.gap_left), _FUNCTION_HEAD.sub("", q.gap_right))
    contexts = [(q.gap_left, q.gap_right)] + ([bare] if bare != (q.gap_left, q.gap_right) else [])
    if q.gap_left.endswith("是") and q.gap_right in ATTRIBUTES:  # 党课是什么主题 = 党课主题是什么
        contexts += [(q.gap_left[:-1] + q.gap_right + "是", ""), (q.gap_left[:-1] + q.gap_right, "")]
    if q.gap_right.startswith(_CONTENT_NOUNS):  # 结合了哪些内容来讲 = 结合了什么: the text names them
        contexts += [(left, "") for left in dict.fromkeys((q.gap_left, bare[0]))]
    return contexts


def search_tokens(q: Question) -> list[str]:
    """BM25 query tokens, in the vocabulary of qa.text.keyword_tokens."""
    if q.lang == "zh":
        return [*q.words, *q.terms]
    # English: the romanised names as pinyin, and the Chinese words that translate its words
    return [*q.words, *(f"py:{t}" for t in q.terms), *search_words(q.text), *english_posts(q.text)]
