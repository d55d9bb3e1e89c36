"""Extractive answers: pick the sentence that answers, then the shortest span in it.

Sentences of the retrieved passages are scored by how much of the question they contain
(idf-weighted, so a missing rare word counts heavily), by the words around them in their
passage, and by embedding similarity (the only signal for English questions). In the best
sentences, candidate spans of the asked type (numbers with units, dates, people, places,
organisations, quoted names, lists, clauses) compete; the winner's features give a
confidence in [0, 1], and below the configured threshold the core abstains.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, replace
from difflib import SequenceMatcher
from functools import lru_cache

import numpy as np

from embeddings.store import Corpus
from qa.glossary import lemma
from qa.reader import WINDOW_CHARS, Reader, window_around
from qa.question import (ATTRIBUTES, CN_DIGITS, ENGLISH_TITLES, FUNCTION_CHARS, MONEY_UNIT, UNITS, WHICH_MEASURES,
                         Question, english_posts, gap_contexts, name_stem)
from qa.retrieval import Passage
from qa.text import CJK, char_bigrams, pinyin_bigrams, plain_words, pos_tag, to_simplified

SENTENCES_READ = 8  # best sentences whose spans compete
# Windows around the best sentences that the trained reader reads: the first alone, the others
# (in one batch) only while its span beats "no answer" by no more than SURE_MARGIN; the span
# chosen is the one with the highest margin + WINDOW_PRIOR × its window's sentence score
# (retrieval as a prior). CMRC open F1, reader alone: 51.9 reading on only while "no answer"
# won (margin 0, likeliest margin kept), 52.7 so, 53.3 always reading three at twice the cost,
# while a sure first window, the common case, still costs one pass (docs/evaluation.md).
WINDOWS_READ = 3
SURE_MARGIN = 4.0
WINDOW_PRIOR = 20.0
# Where the rules find a span of the asked type, they answer: on the seed dev set they beat
# the reader on dates (90 vs 40 EM), places (55 vs 36) and lists, and tie on numbers and
# people; the reader wins on organisations and open what/how questions (docs/evaluation.md).
# A yes/no question is answered by the clause that says whether, which the reader never learnt.
# People are the reader's: it ties with the rules on the seed articles, beats them by 20 F1 on
# CMRC's and declines more questions about people the articles do not name; but for English
# questions (it learnt from Chinese ones) its spans run long, and the rules keep those.
# A frequency the rules find (每周, 每个月一次) is whole; the reader drags words in (多亏了每周).
RULE_TYPES = ("date", "number", "place", "yesno", "frequency")
ENGLISH_RULE_TYPES = RULE_TYPES + ("person", "organisation")
TYPED_FIT = 0.8
# A person the rules know only by jieba's name tag (fit 0.8) may be no person at all (康复, 楼三楼
# are tagged so): in the reader's place it must be named by a title or the question's wording.
NAMED_FIT = 1.0
# A doubtful rules answer (confidence below this) is read by the reader too: where, reading on
# its own, it picks the same span, the answer is as sure as the surer of the two
# (docs/evaluation.md, session 20).
DOUBTFUL = 0.5
PLAIN_FIT = 0.9  # a candidate this typed is plainly of the asked type (a duration for 多久, a number…)
# confidence = sigmoid(bias + w·(span margin over "no answer", evidence)); fitted by
# benchmarks/calibrate.py over the dev, held-out and fresh … fresh6 sets and foreign questions
# (docs/evaluation.md, session 26)
READER_WEIGHTS = (0.270, 2.101)
READER_BIAS = -2.114
# An answer from an article that never mentions the place or company the question names
# (花街镇党委书记 answered from 象珠镇's story) keeps this share of its confidence: such answers
# were confident and wrong on the dev set, while on DRCD and CMRC a named place is missing from
# the gold paragraph and its title for 1 question in 3,500, a named company for none of 65
# (docs/evaluation.md). So does a person named as the deputy of the title asked about (党支部
# 书记是谁 → 党支部副书记许海滨): no gold answer of CMRC's or DRCD's 796 person questions is.
OFF_TOPIC_FACTOR = 0.2
# The sentences of such an article rank lower than those of articles that mention the name
# (顺虎公司党支部书记: 程红雪 in the story about 顺虎公司, not 吴康英 of 道明光学's story, whose
# sentence matches the question's words as well).
OFF_TOPIC_PENALTY = 0.2
MAX_GAP_CHARS = 40
HOLDER_BONUS = 0.15
NAME_PREFIX_CHARS = 6  # a place before a company's name: 沂川, 宁波市
NEAR_CHARS = 12  # question terms this close to a candidate support it
NEIGHBOUR_PENALTY = 0.15  # an answer from the sentence next to the matching one
# ("13日上午，广场上热闹非凡。…义卖活动正在这里举行。"): the question's words are in the matching
# sentence, none in the answer's own clause, so for its confidence the matching sentence's
# coverage counts as the support its clause would give (same weight as that support).
NEIGHBOUR_SUPPORT = 0.6

_NUM = r"(?:\d+(?:[.,]\d+)*|(?:[上近数](?=[十百千万]))?[零〇一二两三四五六七八九十百千]+)"  # 上百: about a hundred
_LATIN_UNITS = "km²|m²|GHz|MHz|km|kg|cm|mm"  # also after a space: 4.7 GHz
_MAGNITUDE = r"(?:余|多)?(?:万|亿)?(?:余|多)?"  # 3万余, 60余万, 10多亿
_NUMBER = re.compile(rf"{_NUM}{_MAGNITUDE}(?:{UNITS}| (?:{_LATIN_UNITS}))?")
_TIME_TAKEN = re.compile(r"\d+(?:小时|分钟?|秒)(?:\d+(?:\.\d+)?(?:分钟?|秒))+")  # 4分21秒, one duration
_DURATION = re.compile(rf"{_NUM}{_MAGNITUDE}(?:个月|个?小时|分钟|秒钟?|天|周|个?星期|年|个?世纪)(?:左右|以内|之内)?")  # 24小时以内: within
_YEAR_NUMBER = re.compile(r"\d{4}年")  # 2023年 is a year, not twenty centuries
_ENDS_IN_UNIT = re.compile(rf"(?:{UNITS})$")
# Years, months and days in digits or in Chinese numerals (一九六一年九月十日)
_YEAR = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
# a month or day number is whole (not the 88 of 188号) and in range (not 32日)
_MONTH = r"(?:(?<!\d)(?:1[0-2]|0?[1-9])(?!\d)|十[一二]?|[一二三四五六七八九])"
_DAY_NUMBER = r"(?<!\d)(?:3[01]|[12]\d|0?[1-9])(?!\d)"
_DAY = rf"(?:{_DAY_NUMBER}|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])"
_LUNAR_DAY = r"初[一二三四五六七八九十]"  # 七月初四
# what may follow a month: its day, or the part of it (5月底, 5月下旬)
_IN_MONTH = rf"(?:{_DAY}[日号]|{_LUNAR_DAY}|初|底|末|[上中下]旬)"
_WEEKDAY = r"(?<![一二两三四五六七八九十\d])每?(?:周|星期|礼拜)[一二三四五六日天](?:至(?:周|星期)?[一二三四五六日天])?"  # 每周三, 周一至周五
_FESTIVAL = r"(?:春节|除夕|元旦|元宵节?|清明节?|端午节?|中秋节?|国庆节?|重阳节?|劳动节|儿童节|七夕)"  # 今年春节前
_DATE = re.compile(
    rf"(?:公元前?\d{{1,4}}年|{_YEAR}年(?:代|初|底|末|{_MONTH}月{_IN_MONTH}?)?"
    rf"|{_MONTH}月{_IN_MONTH}|{_MONTH}月份?"
    rf"|{_DAY_NUMBER}[日号]"
    rf"|(?:今年|去年|前年|明年|上年)?{_FESTIVAL}(?:前夕|前|后|期间|当天)?|{_WEEKDAY}"
    rf"|(?:今年|去年|前年|明年|上年)(?:\d{{1,2}}月{_IN_MONTH}?)?|近日|日前|当天|当日|当晚|近年来)"
    r"(?:上午|下午|晚上|晚|早上|中午|凌晨)?(?:\d{1,2}[点时](?:\d{1,2}分)?)?")
_TITLES = ("副书记|党委书记|党组书记|支部书记|书记|副局长|局长|副部长|部长|副主任|主任医师|主任|镇长|市长|"
           "县长|区长|乡长|村长|副主席|主席|董事长|总经理|经理|秘书长|会长|社长|校长|院长|站长|所长|馆长|"
           "科长|处长|庭长|首席记者|记者|员工|代表|队长|组长|厂长|委员|劳动模范|指导员|负责人|专家|教授|"
           "总工程师|工程师|医师|教练|老师")
_TITLE_NAME = re.compile(rf"(?:{_TITLES})(?!期)\s?([\u4e00-\u9fff]{{2,3}}?)"  # 所长期: no 所长
                         r"(?=[，,。、：:；;\s（(]|说|表示|告诉|介绍|等|主讲|一行|$)")
_TITLE_WORD = re.compile(rf"(?:[\u4e00-\u9fff]*?)(?:{_TITLES})")
# The most common Chinese surnames (about 90 % of people): general knowledge, not data.
SURNAMES = frozenset(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔"
    "向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝包宁尚符舒阮柯纪梅童凌"
    "毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾尤阳时穆农司卓古吉缪简车项连芦"
    "麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩"
    "明佘池查麻苑迟邝")
_QUOTED = re.compile(r"《([^《》]{1,40})》|[“「『\"]([^“”「」『』\"]{1,30})[”」』\"]")
_PEOPLE_UNITS = ("名", "人", "位")  # 多少名党员 is answered by 党员245人 as well
_JOINERS = "和及与或"  # the words that join a list's last item: 甲、乙和丙
# a name (after its modifiers' 的) and the bracketed explanation right after it
_GLOSSED_NAME = re.compile(r"(?:^|(?<=[的，,、：:；;。\s]))([\u4e00-\u9fff]{2,8})[（(][^（）()]{2,150}[）)]")
_QUOTED_RUN = re.compile(rf"(?:“[^“”]{{1,20}}”[、{_JOINERS}]?){{2,}}(?<!、)")
_LIST = re.compile(r"[^，,。；;：:、“”（）()]{1,20}(?:、[^，,。；;：:、“”（）()]{1,20})+")
_AT_PLACE = re.compile(r"在([^，,。；;、“”]{2,24}?)(?:举行|召开|揭幕|开幕|举办|开展|成立|进行|签约|签署|"
                       r"内|上|里|旁|边上|门口|一带|附近)")
# 每周 is a frequency; 一年 alone is a duration (有效期一年), 一年一次 a frequency again.
_PERIOD = r"(?:个)?(?:天|日|周|星期|月|季度|年|学期|小时)"
_TIMES = r"(?:一次|一轮|\d+次|[一两二三四五六七八九十]+次)"
_FREQUENCY = re.compile(rf"每(?:[两二三四五六七八九十半]|\d+)?{_PERIOD}{_TIMES}?|一{_PERIOD}{_TIMES}"
                        r"|(?:两|二|三|四|五|六|七|八|九|十)(?:天|周|个月|年)一次")
# 一 with a measure word is mostly the indefinite article (一种新方法, 走出了一条路).
_ARTICLE = re.compile(r"一(?:个|种|类|位|名|家|座|所|条|项|次|批|处|支|套|本|篇|间|场|份|张|件|台|辆|层|尾|株|棵|头|只|盏|颗|枚|架|艘|箱|栋|幢)")
_RANGE = re.compile(r"\s*(?:-|－|—|–|~|～|至|到)\s*")
_TIME_RANGE = re.compile(_RANGE.pattern + r"(?:次日|翌日|第二天)?")  # 17:30至次日1:00
# 晚上7点, 21:30; not the 8时 of UTC+8时 (a time zone)
_CLOCK = re.compile(r"(?<![+\-A-Za-z0-9])(?:上午|下午|晚上|晚|早上|中午|正午|凌晨|傍晚)?\d{1,2}(?:[点时](?:\d{1,2}分|半)?|[:：]\d{2})")
_VAGUE_DATE = re.compile(r"近日|日前|当天|当日|当晚|近年来")
_LIST_TAIL = re.compile(rf"[{_JOINERS}]")
_CLAUSE_BREAKS = "，,；;：:。！？!?"
_CLAUSE = re.compile(f"[^{_CLAUSE_BREAKS}]+")
_CLAUSE_END = re.compile(f"[{_CLAUSE_BREAKS}]")
# What a text puts after its own list: 等, a count, and the noun again (甲和乙两大重点工作,
# 甲、乙等5个村, 甲、乙5家企业). A question asking 哪两项重点工作 has its wh-word there.
_COUNT_AFTER_LIST = re.compile(rf"(?:等|等?[\d{CN_DIGITS}]+[大{WHICH_MEASURES}])\w{{0,3}}$")
_PLACE_SUFFIX = re.compile(
    r"(?:省|市|县|区|镇|乡|村|街道|社区|国道|广场|大厅|会议室|礼堂|博物馆|纪念馆|中心|景区|公园|车间|"
    r"讲堂|园区|大楼|楼|室|厅|馆|站|路|街|门口)$")
_ADDRESS = re.compile(r"[\u4e00-\u9fff]{1,6}?(?:路|街|大道|大街|巷)\d+号")
# a street address on its own (搬到了镇上的|竹乡路18号): a name of up to four characters, no function word
_STREET_ADDRESS = re.compile(r"(?:(?![的在从到于和与及把被是了为])[\u4e00-\u9fff]){2,4}(?:路|街|大道|大街|巷)\d+号")
_MOVED_FROM = re.compile(r"(?:从|由)((?:原来的|原先的|以前的|原)?([^，,。；;从由]{2,20}?))(?:整体)?(?:搬迁|搬|迁)(?:到|至|往|入)")
_LOCATED = re.compile(r"(?:位于|坐落于|坐落在|地处|设在|设于|(?:起点|终点)站?(?:为|是|设在|在)|地址(?:在|为|是|[:：]))"
                      r"([^，,。；;、：:]{2,30})")
_ASKS_ADDRESS = re.compile(r"地址|门牌|\baddress\b", re.IGNORECASE)
_STREET_NUMBER = re.compile(r"(?:路|街|大道|巷|弄|村|号楼?|栋|室)\d*|\d+号")
_NAME_DOTS = "·•・‧"
_QUOTES = " “”「」『』\"'"  # around a span that fills its clause
# A what-question that asks for a name: 红色休息区|叫|什么
_NAME_WORDS = ("名字", "名称", "名")
_NAMING = re.compile(r"(?:叫做|叫|称为|名为|的名字是|的名称是|名字是|名称是|是)$")
_ASKS_YEAR = re.compile(r"哪一?年|何年|什么年份|哪个年份|which year|what year", re.IGNORECASE)
_ASKS_HOUR = re.compile(r"几点|几时|什么时刻|\bwhat time\b", re.IGNORECASE)
_ASKS_RANGE = re.compile(r"(?:哪|几|什么)[^，,到至]{0,5}(?:到|至)(?:哪|几|什么)|\bfrom (?:what|which|when)\b.*\b(?:to|until|till)\b",
                         re.IGNORECASE)  # 几点到几点, 从哪天到哪天: both ends
# 11月20日，记者从…获悉: the day the paper learnt it, not the day of what it reports
_DATELINE = re.compile(r"(?:上午|下午|晚)?[，,]?\s*(?:本报)?记者(?:从|在|近日|日前)?[^，,。]{0,24}?(?:获悉|得知|了解到)")
_ASKS_ORDINAL = re.compile(r"第(?:几|多少)|\bwhich (?:number|place)\b|\bwhat (?:number|place|rank)\b", re.IGNORECASE)
_ASKS_DATE = re.compile(r"几月几[日号]|\b(?:what|which) date\b", re.IGNORECASE)  # a day of a month
_ASKS_DAY = re.compile(r"哪一?天|哪一?日|几号|几日|星期几|礼拜几|周几|what day|which day", re.IGNORECASE)
# When something began (opened, was founded) is not the date it lasts until, and the reverse.
_ASKS_START = re.compile(r"开幕|开始|开业|开馆|开园|开工|开通|开放|启动|启用|投用|揭幕|揭牌|成立|"
                         r"\b(?:open|opened|start|started|begin|began|launch|launched|found|founded)\b",
                         re.IGNORECASE)
_ASKS_END = re.compile(r"到|至|截至|截止|结束|闭幕|持续|为止|\b(?:until|till|end|ended|close|closed|last)\b",
                       re.IGNORECASE)
_UNTIL = re.compile(r"(?:至|到|截至|截止|直到)$")
# A number that changed (由最初的3名党员发展到现在的20名): the first is what it was, not what it is.
_CHANGE = re.compile(rf"(?:由|从)[^，,。；;]{{0,12}}?({_NUMBER.pattern})[^，,。；;]{{0,12}}?"
                     r"(?:发展|增加|增长|提高|提升|上升|扩大|减少|下降|降低|延长|缩短|调整|增|升|降|变|改)(?:到|至|为|成)")
_ASKS_BEFORE = re.compile(r"最初|原来|原先|起初|当初|开始|成立时|刚|以前|过去|\b(?:first|initially|originally|at first)\b",
                          re.IGNORECASE)
_ASKS_TOTAL = re.compile(r"总共|一共|总计|总数|共有|现有|总(?:收入|产值|投资|金额|额|量|人数|面积|长度|里程|销售额)"
                         r"|\bin total\b", re.IGNORECASE)
# A number its clause gives as a plan or target is not what is: it answers only a question
# about the plan (not 将: 将全村党员分为…)
# (争取 plans where a time or an aim follows: 争取年底建成; 争取中央专项资金2100万元 secured them)
_PLAN = re.compile(r"目标|计划|预计|力争|规划|打算|拟|争取(?=[^，,。；;]{0,4}?(?:在|于|实现|完成|达到|建成|\d{4}年|年底|年内|明年))")
_ASKS_PLAN = re.compile(r"目标|计划|预计|力争|规划|打算|争取|将|要|会|\b(?:plan\w*|target\w*|aim\w*|expect\w*|will|goal)\b",
                        re.IGNORECASE)
_DISCOUNTED = re.compile(r"优惠|折后|打折|折扣|[\d一二三四五六七八九]折|特价|特惠|早鸟|团购价|会员价|立减|只需|仅需|只要|减半|半价|让利")
_ASKS_DISCOUNT = re.compile(r"优惠|打折|折后|折扣|减半|半价|特价|便宜|早鸟|提前(?:报名|预订|预约|购买|购票|订购?)|\b(?:discount\w*|reduced|half|cheaper|offer)\b",
                            re.IGNORECASE)
_INCREMENT = re.compile(r"(?:新增|增加|增设|新建|新添|新上|净增|再建)[^，,。；;\d]{0,4}$")
_LOCATING_VERB = r"在|位于|坐落在|坐落于|地处"
_WHERE_VERB = re.compile(rf"(?:{_LOCATING_VERB})$")
_THEME = re.compile(r"的?(?:主题口号|主题|口号|标语)$")  # what a quote before an event may name
THEME_OWNER_CHARS = 3  # words the quote must stand before: 党建联盟 (not just 党建)
_POSTS = ("职务", "职位", "官职", "头衔")  # what-questions that ask for a title
_POST_TITLE = re.compile(f"(?:{_TITLES})")
# Posts that name no office of their own: the 负责人 asked about may be named as its 董事长
_GENERIC_POSTS = re.compile(r"负责人|代表|员工|委员|专家|劳动模范")
# A post written after the name: 李钧不仅是…书记, 王平现任…局长
_HOLDS = re.compile(r"[^，,。；;]{0,3}?(?:是|任|担任|兼任|出任)")
# What an organisation does to an event it is asked about as the doer (哪个单位主办的)
_AGENT_VERB = re.compile(r"主办|承办|举办|组织|发起|主持|承建|策划|赞助|资助|颁发|出资")
_LED_BY = re.compile(r"的?[^，,。；;]{0,4}?(?:组织|领导|指导|带领|牵头|主持|支持|推动|帮助|倡导)下")
# Kinds of committee a post belongs to (党委书记, 纪工委书记, 党支部副书记)
_COMMITTEE = re.compile(r"(?:党?工委|纪委|党委|党组|党?总?支部|团委|管委会|委员会)")
_ENDS_IN_TITLE = re.compile(f"(?:{_TITLES})$")
_QUOTE_PAIRS = (("“", "”"), ("《", "》"), ("「", "」"), ("『", "』"))
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_DEICTIC = re.compile(r"(?:这|那|此|该|其|本)(?:里|儿|处|地|边|块)?|当地|现场|其中|原地|身边")
_LOCATIVE = re.compile(r"内|里|上|中|旁|外|前|后|门口|附近|一带|周边|之间")
_COMPANY = re.compile("公司|集团")
_ORG_SUFFIX = re.compile(
    r"(?:公司|集团|党委|党组|支部|委员会|工委|局|分局|协会|学校|银行|支行|研究院|医院|大学|学院|"
    r"组织部|宣传部|部|办|中心|商会|合作社|基金会|联合会|报社|"
    # 站, 所, 院, 馆 end other words too (市民中心站, 场所, 来院, 宾馆): only these kinds of station…
    r"(?:服务|工作|管理|推广|监测|水利|农技|卫生|救助)站|(?:研究|事务|派出|管理|供电|卫生|司法|财政)所|"
    r"(?:法|检察|研究|设计|科学|疗养|敬老|福利)院|(?:博物|图书|文化|纪念|美术|档案|科技)馆)$")
_ENDS_IN_NAME = re.compile(_ORG_SUFFIX.pattern + "|[镇乡村县市区省]$")  # an organisation or a place
# A company suffix standing alone, its name cut off (出租|有限公司)
_BARE_COMPANY = re.compile(r"(?:股份)?有限(?:责任)?公司|公司|集团")
# Parts of speech that end a noun phrase (verbs, prepositions, particles, punctuation…).
_NP_BREAK = re.compile(r"^(?:v|vd|vi|vg|p|c|d|r|x|u|ul|uj|uz|ud|ug|uv|y|e|o|ad|f|zg|w)$")


@dataclass(frozen=True)
class Extraction:
    sentence_id: int
    chunk_id: int
    start: int  # answer offsets inside the sentence text
    end: int
    confidence: float
    features: tuple[float, ...] = ()  # what the reader's confidence was computed from (calibration)
    type_fit: float = 0.0  # rules: how well the span is an answer of the asked type
    # A reader answer that runs on past its sentence's end (within the paragraph) ends in this
    # sentence; the evidence is then both, and start/end index their joined text.
    last_sentence_id: int | None = None


def _same_span(one: Extraction, other: Extraction) -> bool:
    """The same answer: the same sentence (or sentences) and offsets."""
    return (one.sentence_id, one.start, one.end, one.last_sentence_id) == (
        other.sentence_id, other.start, other.end, other.last_sentence_id)


@dataclass(frozen=True)
class _Scored:
    sentence_id: int
    chunk_id: int
    score: float
    lexical: float
    context: float
    dense: float


@lru_cache(maxsize=8192)
def _simplified_lower(text: str) -> str:
    converted = to_simplified(text)
    # Offsets must stay valid: fall back to the original when conversion changes length.
    converted = converted if len(converted) == len(text) else text
    lowered = converted.lower()
    if len(lowered) == len(text):
        return lowered
    # Some capitals lower to two characters (İ → i̇): keep those as they are.
    return "".join(low if len(low := ch.lower()) == 1 else ch for ch in converted)


@lru_cache(maxsize=4096)
def _tagged(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, flag) of each jieba word; cached because the same sentences recur."""
    spans, pos = [], 0
    for word, flag in pos_tag(text):
        spans.append((pos, pos + len(word), flag))
        pos += len(word)
    return tuple(spans)


def _runs(tags, keep) -> list[tuple[int, int]]:
    """(first, last) word index of each run of consecutive words whose flag `keep` accepts."""
    runs, start = [], None
    for k, (_, _, flag) in enumerate(tags):
        if keep(flag):
            start = k if start is None else start
        elif start is not None:
            runs.append((start, k - 1))
            start = None
    return runs + ([(start, len(tags) - 1)] if start is not None else [])


def _noun_phrases(text: str) -> list[tuple[int, int]]:
    tagged = _tagged(text)

    def joins(k: int) -> bool:  # a plus between two nouns joins them: 党建+经济合作社
        a, b, _ = tagged[k]
        return (text[a:b] == "+" and 0 < k < len(tagged) - 1
                and not (_NP_BREAK.match(tagged[k - 1][2]) or _NP_BREAK.match(tagged[k + 1][2])))

    tags = [(a, b, "n" if joins(k) else flag) for k, (a, b, flag) in enumerate(tagged)]
    return [(tags[_named_from(text, tags, i)][0], tags[j][1])
            for i, j in _runs(tags, lambda flag: not _NP_BREAK.match(flag))]


def _named_from(text: str, tags, first: int) -> int:
    """A phrase that opens with a bare company suffix (出租|有限公司党支部) lost its name at a
    verb the name holds (康迪客运出租有限公司): the name's words before it, verbs too, join it."""
    a, b, _ = tags[first]
    if not _BARE_COMPANY.fullmatch(text[a:b]):
        return first
    start = first
    while start > 0 and re.match(r"[vnjl]", tags[start - 1][2]):  # verbs, nouns, abbreviations, idioms
        start -= 1
    while start < first and tags[start][2].startswith("v"):  # 成立|公司: a verb opens no name
        start += 1
    return start


Span = tuple[int, int]


def _names_after_titles(text: str, tags) -> list[Span]:
    """A title followed by a common surname: the name is the next jieba words up to three
    characters (书记|许|海滨|身穿 → 许海滨), since jieba rarely tags rare names as people."""
    spans = []
    for i, (a, b, _) in enumerate(tags):
        if not _TITLE_WORD.fullmatch(text[a:b]) or i + 1 >= len(tags):
            continue
        start = tags[i + 1][0]
        if text[start] not in SURNAMES:
            continue
        end = start
        for _, word_end, flag in tags[i + 1:]:
            if word_end - start > 3 or flag == "x":
                break
            end = word_end
        if 2 <= end - start <= 3:
            spans.append((start, end))
    return spans


# A floor or room that jieba tags as a name (门诊|楼三楼|正式开诊)
_FLOOR = re.compile(r"[一二三四五六七八九十\d]+(?:楼|层|号|室|栋|幢)$")
# nor is a doubled character a name by jieba's tag alone: 画卷…徐徐铺展 is "slowly"
_DOUBLED = re.compile(r"(.)\1")


def _people(text: str) -> list[tuple[Span, float]]:
    tags = _tagged(text)
    found = [(m.span(1), 1.0) for m in _TITLE_NAME.finditer(text)]
    found += [(span, 1.0) for span in _names_after_titles(text, tags)]
    tagged = [((a, b), 0.8) for a, b, flag in tags
              if flag.startswith("nr") and 2 <= b - a <= 4 and not _FLOOR.search(text, a, b)
              and not _DOUBLED.fullmatch(text, a, b)]
    for i, (a, b, flag) in enumerate(tags[:-1]):
        # jieba often tags only the surname: 施/nr + 海鸥/n → 施海鸥
        if flag == "nr" and b - a == 1 and tags[i + 1][1] - a <= 3:
            tagged.append(((a, tags[i + 1][1]), 0.8))
    # name words in a row are one name: 耶律|金山
    tagged += [((tags[i][0], tags[j][1]), 0.9) for i, j in _runs(tags, lambda flag: flag.startswith("nr"))
               if j > i and tags[j][1] - tags[i][0] <= 6]
    # jieba's guess followed by 公司 in its noun phrase (浙江哈尔斯|真空器皿股份有限公司) names a company
    phrases = _noun_phrases(text)
    tagged = [(span, fit) for span, fit in tagged
              if not any(a <= span[0] and _COMPANY.search(text, span[1], b) for a, b in phrases)]
    # jieba's guess inside quotes is a title or slogan (“绿水青山——…摄影展”), hardly a person
    found += [(span, fit / 2 if _in_quotes(text, span[0]) else fit) for span, fit in tagged]
    return found + [(span, 1.1) for span in _dotted_names(text, tags)]


def _in_quotes(text: str, at: int) -> bool:
    before = text[:at]
    return any(before.count(opening) > before.count(closing) for opening, closing in _QUOTE_PAIRS)


def _dotted_names(text: str, tags) -> list[Span]:
    """Transliterated names written with middle dots (保罗·皮尔斯, 马克·拉瓦卢马纳纳): the
    name-tagged words around the dots, whole, where jieba tags only the parts."""
    def is_name(k: int) -> bool:
        return 0 <= k < len(tags) and tags[k][2].startswith("nr")

    def is_dot(k: int) -> bool:
        return 0 <= k < len(tags) and tags[k][1] - tags[k][0] == 1 and text[tags[k][0]] in _NAME_DOTS

    def is_part(k: int) -> bool:  # jieba tags later parts of a foreign name anyhow (法兰/ns 明/a)
        return (0 <= k < len(tags) and not _NP_BREAK.match(tags[k][2])
                and bool(_CJK_RUN.fullmatch(text[tags[k][0]:tags[k][1]])))

    spans = []
    for i in range(len(tags)):
        if not (is_dot(i) and is_name(i - 1) and is_part(i + 1)) or is_dot(i - 2):
            continue  # a dot after a name, the first of its name
        first, last = i - 1, i + 1
        while is_name(first - 1) and tags[i][0] - tags[first - 1][0] <= 8:
            first -= 1
        while ((is_part(last + 1) and tags[last + 1][1] - tags[last][1] <= 4)
               or (is_dot(last + 1) and is_part(last + 2))):
            if tags[last + 1][1] - tags[i][1] > 16:
                break
            last += 1
        spans.append((tags[first][0], tags[last][1]))
    return spans


_COUNT_OF_PLACES = re.compile(rf"{_NUM}(?:个|座|处|所|家|条)[\u4e00-\u9fff]{{1,2}}$")


def _places(text: str) -> list[tuple[Span, float]]:
    # 在这里举行: a word that points at a place names none
    found = [(m.span(1), 1.1) for m in _AT_PLACE.finditer(text) if not _DEICTIC.fullmatch(m.group(1))]
    # 从县城东关街的临时仓库搬到了…: where it moved from is a place
    found += [((m.end(1) - len(m.group(2)), m.end(1)), 1.05) for m in _MOVED_FROM.finditer(text)]
    for m in _LOCATED.finditer(text):  # 位于X (to the clause end), 位于X的Y (X)
        found.append((m.span(1), 1.05))
        # Opening its clause, 位于X的Y describes Y (位于先行集团的|党群服务中心): X is the place.
        # After a subject (公园位于泰国的首都曼谷的乍都节县) the whole clause is.
        describes = m.start() == 0 or text[m.start() - 1] in _CLAUSE_BREAKS
        if "的" in m.group(1)[2:] and describes:
            found.append(((m.start(1), m.start(1) + m.group(1).index("的", 2)), 1.1))
    # A noun phrase that ends in a place word, or runs on past one with a locative
    # (五楼会议室 of 五楼会议室内人头攒动: jieba tags 内 a noun). A one-character suffix needs a
    # name before it: 山门头村, not 乡村.
    tags = _tagged(text)
    word_ends = {b for _, b, _ in tags}
    for a, b in _noun_phrases(text):
        ends = [b] + [e for e in range(a + 3, b) if e in word_ends and _LOCATIVE.match(text, e)]
        found += [((a, end), 1.0) for end in ends
                  if (m := _PLACE_SUFFIX.search(text[a:end])) and end - a - len(m.group()) >= 2
                  and not _COUNT_OF_PLACES.search(text, a, end)]  # 周边5个村: how many, not where
    found += [((a, b), 0.6) for a, b, flag in tags if flag == "ns"]
    # place names in a row name one place: 乌拉圭|蒙得维的亚
    found += [((tags[i][0], tags[j][1]), 0.9) for i, j in _runs(tags, lambda flag: flag == "ns") if j > i]
    found += [(m.span(), 0.9) for m in _STREET_ADDRESS.finditer(text)]
    # a district or town and the street address after it are one place, more exact (东新区|振兴路99号)
    return found + [((a, m.end()), fit + 0.05) for (a, b), fit in found if (m := _ADDRESS.match(text, b))]


def _organisations(text: str) -> list[tuple[Span, float]]:
    """Noun phrases that end in an organisation's suffix, or, where jieba runs the phrase on past
    a company's (清溪市公共交通集团有限公司|新开通/nz|公交), the phrase up to it."""
    tags, phrases = _tagged(text), _noun_phrases(text)
    word_ends = {b for _, b, _ in tags}
    found = [((a, b), 1.0) for a, b in phrases if _ORG_SUFFIX.search(text, a, b)]
    found += [((a, end), 1.0) for a, b in phrases for end in range(a + 4, b)
              if end in word_ends and _COMPANY.match(text, end - 2, end)]  # not 一支部|一品牌
    return found + [((a, b), 0.7) for a, b, flag in tags if flag == "nt"]


# What may stand between the question's left context and the name it asks for (办公室，将|…委员会|纳入)
_GAP_OPENERS = re.compile(r"[\s，,：:]*(?:将|把|由|被|对|向|与|和|给|让|为)?")
_NOT_IN_NAMES = "与和及将把对被向给让是了"


def _gap_name(text: str, gap: Span) -> dict[Span, float]:
    """The whole gap the question's wording leaves on both sides, where it ends in an
    organisation's suffix: that is the name, verbs it holds too (把|哪个支部|纳入 finds
    将|中共某县某镇外出务工集中地某支部委员会|纳入, whose noun phrase breaks at 务工). It outranks
    the shorter organisations inside it. A gap that holds a preposition or a conjunction is
    more than a name (与|哪个公司|达成协议: 宣布与暴雪娱乐公司)."""
    simplified = _simplified_lower(text)
    a = _GAP_OPENERS.match(simplified, gap[0]).end()
    name = simplified[a:gap[1]]
    if (len(name) < 4 or not _ORG_SUFFIX.search(name)
            or re.search(f"[{_CLAUSE_BREAKS}、“”{_NOT_IN_NAMES}]", name)):
        return {}
    return {(a, gap[1]): 1.1}


def _phrase_at(phrases: list[Span], pos: int) -> Span | None:
    return next(((a, b) for a, b in phrases if a <= pos < b), None)


def _lists(text: str) -> list[Span]:
    """Enumerations 甲、乙、丙和丁 cut to noun phrases at both ends."""
    phrases = _noun_phrases(text)
    spans = []
    for m in _LIST.finditer(text):
        first = _phrase_at(phrases, text.index("、", m.start()) - 1)
        last_item = text.rindex("、", m.start(), m.end()) + 1
        last = _phrase_at(phrases, last_item)
        # items that are not noun phrases, or a last one cut to a lone character inside a
        # name (陈|弄坑村, which jieba splits): try their lengths
        size = _item_size(text, m.start(), m.end())
        if not first or not last or _cut_short(text, (last_item, last[1]), size):
            spans += _parallel_list(text, m.start(), m.end(), size)
            continue
        end = last[1]
        # "…、五金铸造和休闲用品为主": the list runs to the noun phrase after 和, even
        # when the item before it holds a verb-tagged word.
        joined = _LIST_TAIL.search(text, last_item, m.end() + 2)
        if joined and not _CLAUSE_END.search(text, last_item, joined.start()):  # not past a comma
            after = [b for a, b in phrases if joined.end() <= a <= joined.end() + 3]
            end = after[0] if after else end
        spans.append(_without_count(text, (_verb_opening(text, first[0]), end)))
    return spans


def _verb_opening(text: str, start: int) -> int:
    """Where a list's first item starts: a verb between 了 and it is the item's own (增设了|跳|大绳、
    趣味障碍跑: the predicate ended at 了), not a second predicate."""
    tags = _tagged(text)
    k = next((i for i, (_, b, _) in enumerate(tags) if b == start), None)
    if k and tags[k][2].startswith("v") and text[tags[k - 1][0]:tags[k - 1][1]] == "了":
        return tags[k][0]
    return start


def _without_count(text: str, span: Span) -> Span:
    """A list without what closes it: 甲、乙等 → 甲、乙; 甲、乙5家企业 → 甲、乙."""
    count = _COUNT_AFTER_LIST.search(text, *span)
    return (span[0], count.start()) if count and count.start() > span[0] else span


def _cut_short(text: str, item: Span, size: int | None) -> bool:
    """An item of one character, or shorter than the list's other items where they all have one
    length, size (红色领航、…、红色|示范, where jieba tags 示范 a verb), that more Chinese text runs
    on from (not 和/及/等…)."""
    a, b = item
    return b - a < (2 if size is None else size) and bool(_CJK_RUN.match(text, b)) and text[b] not in _JOINERS + "等"


def _item_size(text: str, start: int, end: int) -> int | None:
    """The length of a list's inner items where there are two or more and they all have one
    (None otherwise: one inner item, 量血压 of 理发、量血压、手机使用教学, sets no length)."""
    cuts = [i for i in range(start, end) if text[i] == "、"]
    lengths = [b - a - 1 for a, b in zip(cuts, cuts[1:])]
    return lengths[0] if len(lengths) >= 2 and len(set(lengths)) == 1 else None


def _parallel_list(text: str, start: int, end: int, size: int | None) -> list[Span]:
    """甲、乙、丙 whose inner items all have one length, size (组织共建、资源共享、…、文化共创):
    the first and last items have that length too. Catches lists of verb phrases, whose ends
    the noun-phrase cut cannot find."""
    if size is None:
        return []
    a, b = text.index("、", start) - size, text.rindex("、", start, end) + 1 + size
    return [(a, b)] if a >= start and b <= end else []


def _posts(text: str, question: str) -> list[tuple[Span, float]]:
    """Titles with what qualifies them, from the start of their noun phrase: 永康分局副局长 of
    永康分局副局长胡海珍, but 党委副书记 of 先行集团党委副书记李钧 where the question names 先行集团.
    The posts one person holds, listed (永康分局党组书记、局长施海鸥), answer better together."""
    titles = []
    for a, b in _noun_phrases(text):
        start = a  # after the longest start of the phrase the question says
        while start < b and text[a:start + 1] in question:
            start += 1
        titles += [(start, m.end()) for m in _POST_TITLE.finditer(text, start, b)]
    found = [(span, 1.1) for span in titles]
    starts = {b: a for a, b in reversed(titles)}  # where the title ending at b starts
    for a, b in titles:
        while text[a - 1:a] == "、" and a - 1 in starts:
            a = starts[a - 1]
            found.append(((a, b), 1.15))
    return found


def _asks_post(q: Question) -> bool:
    """The question asks what post someone holds: 胡海珍是什么职务, or who a person it names is
    (李钧是谁, 谁是许海滨)."""
    if q.head in _POSTS:
        return True
    if q.qtype != "person" or q.lang != "zh" or (q.gap_left and q.gap_right):
        return False
    subject = q.gap_left.removesuffix("是") if q.gap_left else q.gap_right.removeprefix("是")
    return _is_name(subject)


def _located_name(q: Question) -> str | None:
    """The place or company whose whereabouts the question asks (哈尔斯公司在哪里, 花街镇位于哪儿)."""
    subject = _WHERE_VERB.sub("", q.gap_left)
    return subject if q.qtype == "place" and subject in q.names and q.gap_right in ("", "里", "儿") else None


def _not_where(q: Question, simplified: str, span: Span) -> bool:
    """The question asks where a named place or company is (花街镇在哪里) and the span does not
    say: it is neither written right before the name (永康市花街镇, 城西的花街镇) nor right after
    the name and a verb that locates it (花街镇位于永康市东部). A room inside a company
    (顺虎公司二楼会议室) or one of a town's villages (花街镇…以倪宅村、潘宅村为主) is no answer."""
    located = _located_name(q)
    if not located:
        return False
    stem, (a, b) = re.escape(name_stem(located)), span
    before_name = re.match(rf"的?{stem}", simplified[b:])
    after_verb = re.search(rf"{stem}.{{0,4}}?(?:{_LOCATING_VERB})$", simplified[max(a - 20, 0):a])
    return not (before_name or after_verb)


def _named_candidates(q: Question, text: str, simplified: str, typed: dict[Span, float]) -> dict[Span, float]:
    """typed, with the spans the question's wording asks for by name: a noun phrase ending in the
    noun it asks about, the owner of a brand it quotes, the name the text gives what it names,
    the posts of a person."""
    typed = dict(typed)
    if q.head and q.qtype != "person":  # 哪个党委 → a noun phrase ending in 党委 (哪位记者 → a name)
        for a, b in _noun_phrases(text):
            at = text.find(q.head, a, b)
            span = (a, at + len(q.head))
            if at > a and not text[a].isdigit():
                typed[span] = max(typed.get(span, 0.0), 1.1)
    for span, fit in _given_names(q, text, simplified):
        typed[span] = max(typed.get(span, 0.0), fit)
    if _asks_post(q):  # 胡海珍是什么职务, 胡海珍是谁 → 永康分局副局长 (胡海珍)
        if q.qtype == "person":  # who 许海滨 is: not another name (身穿|红马甲, which jieba tags one)
            typed = {}
        for span, fit in _posts(simplified, q.text):
            if not (q.plural and fit > 1.1):  # 哪些职务: the list of them all, below
                typed[span] = max(typed.get(span, 0.0), fit)
    return typed


def _given_names(q: Question, text: str, simplified: str) -> list[tuple[Span, float]]:
    """The names the text gives what the question names (“温馨港湾”的|红色休息区|叫什么), and for an
    organisation question the owner of a brand it quotes (哪家企业走“党建+人才”路子 → 三环化工)."""
    found = [(span, 1.3) for span in _quoted_names(text, _named_subject(q))]
    if q.qtype == "organisation":
        found += [(span, 1.0) for span in _brand_owners(text, simplified, q.original)]
    return found


def _asked_title(q: Question) -> str | None:
    """The post a Chinese question names (校长, 党支部书记: the longest), with its 副 (副馆长)."""
    title = max((t for t in _TITLES.split("|") if t in q.text), key=len, default=None)
    return "副" + title if title and "副" + title in q.text and not title.startswith("副") else title


def _post_itself(post: str) -> str:
    """A pattern for the post and not its deputy (馆长, not 副馆长); a deputy post as written."""
    return post if post.startswith("副") else f"(?<!副){post}"


def _names_holder(text: str, title: str) -> bool:
    """The sentence names someone as holder of this post (校长冯志远说), not its deputy."""
    return bool(re.search(rf"{_post_itself(title)}(?!期)\s?[\u4e00-\u9fff]{{2}}", text))


def _misreading(q: Question, text: str, simplified: str, span: Span) -> float:
    """How much of its fit a span loses for answering what the question's wording rules out."""
    a, b = span
    if q.qtype == "date":
        # 哪一年, 哪一天: 七月 alone is no answer
        needs = ("年" if _ASKS_YEAR.search(q.text) else "日号" if _ASKS_DATE.search(q.text)
                 else "日号天初" if _ASKS_DAY.search(q.text) else "点时:：" if _ASKS_HOUR.search(q.text) else "")
        piece = re.sub(r"次日|翌日", "", text[a:b])  # 18:00至次日0:30 names no day
        missing = bool(needs) and not any(c in piece for c in needs) and not (
            needs not in ("年", "日号") and re.search(_WEEKDAY, piece))  # 每周哪天: 每周三; a date is no weekday
        one_end = bool(_ASKS_RANGE.search(q.text)) and not _TIME_RANGE.search(text, a, b)
        was = not _ASKS_BEFORE.search(q.text) and a in _changed_from(text)  # 由往年的(4月1日至…)延长到
        return (1.0 * missing + 0.5 * _lasts_until(q, simplified, span)  # 什么时候开幕: not 持续至5月22日
                + 0.5 * _begins_for_until(q, simplified, span)  # 开到哪天结束: not 从4月18日开始
                + 0.5 * one_end + 0.6 * was + 0.5 * _first_for_last(q, _clause_before(simplified, a))
                + 0.5 * _start_for_finish(q, simplified, span)
                + 0.5 * _reported_on(q, simplified, b))
    if _not_where(q, simplified, span) or _old_for_new_place(q, simplified, span):
        return 0.5  # 哈尔斯公司在哪里: not 哈尔斯公司五楼会议室, a room inside it; 新地址: not 以前的
    if q.qtype == "place" and _ASKS_ADDRESS.search(q.text) and not _STREET_NUMBER.search(text, a, b):
        return 0.3  # 地址在哪里: 学府路9号, not 学校新校区
    if _kind_of_organisation(q, text[a:b]):
        return 0.5
    if q.qtype == "frequency":  # 由原来的3至5天缩短到24小时以内: the new time, unless the old is asked
        return 0.6 if a in _changed_from(text) and not _ASKS_BEFORE.search(q.text) else 0.0
    if q.qtype != "number":
        return 0.0
    clause = _clause_before(simplified, a)
    if (_other_measure(q, text[a:b])  # 大桥有多长: 1.2公里, not 14处
            or (_PLAN.search(clause) and not _ASKS_PLAN.search(q.text))  # 目标是到2025年底建成150个
            # 刚开始打算供应多少份: 计划日供餐200份, not what it has reached (日均供餐已达260余份)
            or (_PLAN.search(q.text) and not _PLAN.search(simplified, 0, a) and "将" not in simplified[:a])
            or _discount_mismatch(q, simplified, clause) or _first_for_last(q, clause)
            or (text.startswith("第", a) and not _ASKS_ORDINAL.search(q.text))  # 第136个 counts nothing
            or _earlier_for_later(q, simplified, span)
            or _part_for_total(q, clause)
            or _honoured_for_total(q, simplified, span)):  # 一共有多少家: not 4家…被评为星级民宿
        return 0.5
    if not _ASKS_BEFORE.search(q.text):  # 由最初的3名发展到现在的20名: 20名
        return 0.6 if _added_for_total(q, simplified, span) or a in _changed_from(text) else 0.0
    return 0.0


_ASKS_UNTIL = re.compile(r"结束|闭幕|截止|为止|(?:开|办|展|持续|延续)到(?:哪|几|什么)|\b(?:until|till|end|ends|ended|close|closes)\b",
                         re.IGNORECASE)


def _reported_on(q: Question, simplified: str, end: int) -> bool:
    """The date ending at end is the day the paper learnt the news (11月20日，记者从…获悉), not the
    day it happened, unless the question asks when it was learnt."""
    return bool(_DATELINE.match(simplified, end)) and not re.search(r"获悉|得知|了解到|采访", q.text)


def _begins_for_until(q: Question, simplified: str, span: Span) -> bool:
    """The question asks when something ends (夜市季开到哪天结束) and the span is the date it
    runs from (从4月18日开始，持续到10月31日): the converse of _lasts_until."""
    a, b = span
    if q.qtype != "date" or not _ASKS_UNTIL.search(q.text) or _ASKS_START.search(q.text):
        return False
    runs_from = re.search(r"(?:从|自)$", simplified[max(a - 2, 0):a]) or re.match(r"开始|起", simplified[b:])
    return bool(runs_from) and bool(re.search(r"至|到", simplified[b:]))


# Where something was and where it is: 以前设在…地址为解放路112号 vs 新址位于滨河路9号
_WAS = re.compile(r"以前|原来|原先|原本|过去|此前|之前|最初|起初|当初|原址|旧址|老址"
                  r"|\bbefore (?:it|they) (?:moved|relocated)\b|\bformer(?:ly)?\b|\bprevious(?:ly)?\b",
                  re.IGNORECASE)
_NOW = re.compile(r"新址|新地址|新的地址|新家|搬迁[至到后]|迁[至到往入]|搬[至到往进入]|搬家以?后|现址|如今|现在|目前"
                  r"|\bnew (?:address|site|location|premises)\b|\b(?:moved|relocated) to\b|\bafter (?:it|they) moved\b",
                  re.IGNORECASE)


def _old_for_new_place(q: Question, simplified: str, span: Span) -> bool:
    """A where-question about the new place (搬家以后，新地址在哪儿) answered where the sentence
    says where it was (以前设在…，地址为解放路112号), or the other way round. The nearest such word
    before the place tells (由原来的解放路88号搬迁至迎宾大道166号: the second is where it is now)."""
    before = simplified[:span[0]]
    starts = [m.start() for pattern in (_WAS, _NOW) for m in pattern.finditer(before)]
    return q.qtype == "place" and bool(starts) and _says_the_other(q.text, before[max(starts):], _WAS, _NOW)


def _part_for_total(q: Question, clause_before: str) -> bool:
    """The asked clause wants the whole (建这个中心一共投了多少钱) and the number is a part of it
    (总投资2680万元，其中省级专项补助资金1500万元); not where a total only sets the scene (新夜市一共
    218个摊位，|卖小吃的占几个)."""
    asked = re.split(r"[，,；;]", q.gap_left)[-1]
    return bool(_ASKS_TOTAL.search(asked)) and clause_before.startswith("其中") and "其中" not in q.text


_LATER = re.compile(r"最后|最终|现在|目前|如今|现有|\b(?:now|currently|finally|in the end)\b", re.IGNORECASE)


def _earlier_for_later(q: Question, simplified: str, span: Span) -> bool:
    """The question asks how much in the end or now (最后总装机容量做到了多少) and the sentence
    gives the number as it was before (去年以前…装机容量仅0.8兆瓦)."""
    return q.qtype == "number" and _says_the_other(q.text, simplified[:span[0]], _WAS, _LATER)


def _says_the_other(question: str, said: str, one: re.Pattern, other: re.Pattern) -> bool:
    """The question asks one of a pair (the first or the last, where it was or where it is) and
    what is said of the answer speaks of the other only."""
    asks_one, asks_other = bool(one.search(question)), bool(other.search(question))
    if asks_one == asks_other:
        return False
    says_one, says_other = bool(one.search(said)), bool(other.search(said))
    return says_other and not says_one if asks_one else says_one and not says_other


_FIRST = re.compile(r"首班|首趟|首场|首次|首批|第一[班趟场次批]|最早")
_LAST = re.compile(r"末班|末趟|末场|最后一[班趟场次批]|最晚")


_BEGUN = re.compile(r"开工|动工|开建|开始|启动|奠基|\b(?:start|started|begin|began|begun)\b", re.IGNORECASE)
_DONE = re.compile(r"完工|竣工|建成|干完|做完|修完|建完|完成|落成|\b(?:complete|completed|finish|finished)\b",
                   re.IGNORECASE)


def _start_for_finish(q: Question, simplified: str, span: Span) -> bool:
    """The question asks when work is finished (什么时候全部干完) and the date's clause says when
    it began (项目于4月10日开工，计划10月31日前全部完工), or the other way round."""
    return _says_the_other(q.text, _clause_around(simplified, span), _BEGUN, _DONE)


def _first_for_last(q: Question, clause_before: str) -> bool:
    """The question asks the last (最晚一班车几点发车) and the span's clause says the first (首班车
    6:30发车, where 末班车18:00发车 follows), or the other way round."""
    return _says_the_other(q.text, clause_before, _FIRST, _LAST)


@lru_cache(maxsize=1024)  # asked for every candidate of the sentence
def _changed_from(text: str) -> frozenset[int]:
    """Where the numbers a sentence says changed into others start (由最初的|3名|党员发展到…;
    由|2020年|的|12万元|增加到: the year is no value, both are before the change)."""
    return frozenset(n.start() for m in _CHANGE.finditer(text) for n in _NUMBER.finditer(text, m.start(), m.end()))


def _lasts_until(q: Question, simplified: str, span: Span) -> bool:
    """The question asks when something began and the span is a date it lasts until (持续至5月22日),
    not the date of the beginning it asks about (至2010年9月25日正式对外开放)."""
    a, b = span
    began = _ASKS_START.search(q.text)
    if q.qtype != "date" or not began or _ASKS_END.search(q.text):
        return False
    return bool(_UNTIL.search(simplified, max(a - 2, 0), a)) and began.group().lower() not in simplified[b:b + 8]


def _same_post(question: str, asked: str, held: str) -> bool:
    """The post held (the title before a name, or the words after 是/任) is the asked one: not its
    deputy or chief, not a sibling (党支部书记 for 党委书记), not the same in another committee."""
    title = _ENDS_IN_TITLE.search(held)
    if not title or asked not in held:
        return bool(title) and title.group() in asked and ("副" in title.group()) == ("副" in asked)
    return ("副" in title.group()) == ("副" in asked) and not _another_committee(question, asked, held)


def _another_committee(question: str, asked: str, held: str) -> bool:
    """The post held (两新党委书记, 纪工委书记) is the asked one's (象珠镇党委书记, 开发区党工委书记)
    in another committee: the two share the committee's kind and the title, and the held post's
    word before them is not in the question. Where that word ends a place or an organisation
    (道明光学股份有限公司党支部书记 for 道明光学党支部的书记), the question may have shortened the name."""
    asking = question[:question.find(asked) + len(asked)].replace("的", "")
    n = next((k for k in range(min(len(asking), len(held))) if asking[-1 - k] != held[-1 - k]),
             min(len(asking), len(held)))  # the characters both end with
    return (len(asking) > n and len(held) > n and bool(_COMMITTEE.match(held[-n:]))
            and held[-n - 1] not in question and not _ENDS_IN_NAME.search(held[:-n]))


def _venue_for_agent(q: Question, simplified: str, span: Span) -> bool:
    """Who held or organised something is not where it happened (在市博物馆揭幕 for 哪个单位主办),
    unless 在 opens who led it (在开发区党委的牵头下)."""
    return (q.qtype == "organisation" and bool(_AGENT_VERB.search(q.text))
            and simplified[max(span[0] - 1, 0):span[0]] in ("在", "于")
            and not _LED_BY.match(simplified, span[1]))


# The year a question or sentence speaks of, relative to the story: last, this or next
_YEARS = {"last": re.compile(r"去年|上年|\blast year\b", re.IGNORECASE),
          "this": re.compile(r"今年|本年|本次|这次|\bthis year\b", re.IGNORECASE),
          "next": re.compile(r"明年|下年|\bnext year\b", re.IGNORECASE)}


def _named(kinds: dict[str, re.Pattern], text: str) -> set[str]:
    """Which of the kinds (years, tiers) the text names."""
    return {kind for kind, pattern in kinds.items() if pattern.search(text)}


def _said_year(q: Question, evidence: str, span: Span) -> bool | None:
    """Whether the span's own clause speaks of the one year the question asks about (去年, 今年,
    明年): True, False where it names only others, None where it names none or none is asked."""
    asked = _named(_YEARS, q.text)
    if len(asked) != 1:  # most questions: asked for every candidate, so before the clause is split
        return None
    clause = _clause_around(evidence, span)
    said = _named(_YEARS, clause)
    if not said or _YEAR_NUMBER.search(clause):
        return None
    return bool(asked & said)


def _another_year(q: Question, evidence: str, span: Span) -> bool:
    """The question asks about last year (or this, or next) and the answer's clause, or where it
    names none its sentence, speaks of another year only (本次放流资金共86万元 for last year's
    release; 去年村集体经营性收入为38万元，今年的目标是… for this year's)."""
    asked = _named(_YEARS, q.text)
    if len(asked) != 1:
        return False
    clause = _clause_before(evidence, span[0]) + _CLAUSE_END.split(evidence[span[0]:])[0]
    for where in (clause, evidence):
        if _YEAR_NUMBER.search(where):
            return False  # 2024年: a year this check cannot place
        said = _named(_YEARS, where)
        if said:
            return not asked & said
    return False


# Who pays or which tier a thing is of, as news writes it: a place's own name (鹿鸣镇) is none.
_LEVELS = {"中央": re.compile(r"中央|国家级"), "省": re.compile(r"省级|省里|省财政|省政府"),
           "市": re.compile(r"市级|市里|市财政|市政府"), "县": re.compile(r"县级|县里|县财政|县政府"),
           "乡镇": re.compile(r"乡镇|镇级|镇里|镇财政|乡级|乡里"), "村": re.compile(r"村级|村里|村集体")}


def _another_level(q: Question, evidence: str, span: Span) -> bool:
    """The question asks about one tier (县财政掏了多少, 乡镇服务站) and the answer's clause speaks
    of another (其中省级专项补助资金1500万元; 每个村级服务点补助5000元)."""
    asked = _named(_LEVELS, q.text)
    said = _named(_LEVELS, _clause_around(evidence, span))
    return bool(asked - said) and bool(said - asked)


def _day_for_how_long(q: Question, answer: str) -> bool:
    """A day does not say how long or how often (多久: not 持续至5月22日)."""
    return q.qtype == "frequency" and bool(_DATE.fullmatch(answer))


_COUNTED_NOUN = re.compile(r"(?:多少|几)[\u4e00-\u9fff]")  # 多少鱼苗: things are counted, not money
_SUM_OF_MONEY = re.compile(r"\d[\d.,]*[万亿]?元$")


def _counts_other_things(q: Question, answer: str) -> bool:
    """A count in another unit than the one asked (25个两新党组织 for 多少名党员, 12家 for 产值), or
    a sum of money where things are counted (86万元 for 放了多少鱼苗)."""
    if q.qtype == "number" and q.lang == "zh" and q.unit is None:
        return bool(_COUNTED_NOUN.search(q.text) and _SUM_OF_MONEY.search(answer))
    fits = typed_candidates(answer, "number", q.unit).values() if q.qtype == "number" and q.unit else ()
    return bool(fits) and max(fits) <= 0.7


def _repeats_the_question(q: Question, answer: str) -> bool:
    """An answer the question already says (哪个合作社 → 合作社; which company's Party branch →
    党支部, a translation of its words) names nothing."""
    bare = answer.strip(_QUOTES)
    if not bare or q.qtype == "yesno":
        return False
    return bare in q.text if q.lang == "zh" else _spelled_by(bare, {c for _, chinese in q.glosses for c in chinese})


_ASKED_NOUN = re.compile(r"\b(?:which|what)\s+([a-z]+)", re.IGNORECASE)


def _asked_noun_terms(q: Question, terms: set[str]) -> set[str]:
    """The question terms that are part of the noun a which-question asks about (党委 of 哪个党委,
    company of which company): found inside an answer, they name the answer's kind."""
    if q.lang == "zh":
        return {t for t in terms if q.head and t in q.head}
    asked = _ASKED_NOUN.search(q.text)
    return terms & {f"en:{lemma(asked.group(1))}"} if asked else set()


def _spelled_by(text: str, words: set[str]) -> bool:
    """text is the words run together (党支部 = 党 + 支部), with at most one single character:
    single ones translate too many English words to say more."""
    if len(text) > 6:
        return False
    ways = {0: 0}  # position reached → fewest single characters used to reach it
    for start in range(len(text)):
        if start not in ways:
            continue
        for end in range(start + 1, len(text) + 1):
            if text[start:end] in words:
                singles = ways[start] + (end - start == 1)
                ways[end] = min(ways.get(end, singles), singles)
    return ways.get(len(text), 2) <= 1


# The kinds of company a question may ask for (哪家公司): a town or a village is none of them.
_COMPANY_HEADS = ("公司", "企业", "集团", "厂", "工厂")
_PLACE_NAME = re.compile(r"(?:省|市|县|区|镇|乡|村|街道|社区)$")


# What public bodies' names end in: a library, a bureau, a school or a hospital is no company.
_PUBLIC_BODY = re.compile(r"(?:馆|局|学校|小学|中学|大学|学院|医院|卫生院|政府|委员会)$")
_ASKS_COMPANY = re.compile(r"\b(?:which|what) (?:company|firm|enterprise|business|factory|manufacturer)\b", re.IGNORECASE)


def _place_for_company(q: Question, answer: str) -> bool:
    """哪家公司监理 answered with 梅溪镇, the town that listed the project, or which company operates
    the route with 清溪图书馆, a library it stops at."""
    asks_company = q.head in _COMPANY_HEADS if q.lang == "zh" else bool(_ASKS_COMPANY.search(q.text))
    return asks_company and bool(_PLACE_NAME.search(answer) or _PUBLIC_BODY.search(answer))


# Names of organisations end in what they are (服务站, 研究所, 有限公司), never in these words for
# any organisation: 社工机构, 施工单位, 相关部门 describe a kind of one.
_ANY_ORGANISATION = re.compile(r"(?:机构|单位|部门)$")


def _kind_of_organisation(q: Question, answer: str) -> bool:
    """归哪个机构运营 answered with 社工机构, not with the name (和煦社会工作服务站)."""
    return q.qtype == "organisation" and bool(_ANY_ORGANISATION.search(answer))


# Village, town and street names carry their kind (青岗村, 柘塘镇): without it, an answer to
# 哪个村 names something else (桐岗县和煦社会工作服务站). Provinces and cities often go without.
_NAMED_WITH_KIND = ("村", "镇", "乡", "社区", "街道")


def _other_kind_of_place(q: Question, answer: str) -> bool:
    """住在哪个村 answered with a place that is no village."""
    return q.qtype == "place" and q.head in _NAMED_WITH_KIND and q.head not in answer


_WHY = re.compile(r"为什么|为何|为啥")
_BECAUSE = re.compile(r"由于|因为|因此|所以|之所以|为了|以便|导致|原因|得益于|多亏")


def _restates_what_is_explained(q: Question, answer: str) -> bool:
    """A why-question asks the reason for what follows 为什么; an answer that repeats four
    characters of it running (为什么选址在330国道边上 → …不远的330国道边上,装修风格独特…) and says
    no 因为, 由于, 所以… restates the fact instead of giving its reason. (With one, the fact
    may come along: 由于价格廉宜，所以在西班牙…都会烹煮挪威海螯虾.)"""
    why = _WHY.search(q.text)
    if not why or _BECAUSE.search(answer):
        return False
    explained = q.text[why.end():]
    match = SequenceMatcher(None, explained, answer, autojunk=False).find_longest_match(
        0, len(explained), 0, len(answer))
    return match.size >= 4


_VALUE_OF = re.compile(r"价值(?:约|近|超过?)?$")


def _value_of_another_thing(q: Question, simplified: str, span: Span) -> bool:
    """A sum written as a thing's worth (价值1万元的杯子) answers how much that thing is worth,
    not a sum the question names otherwise (筹到了多少善款)."""
    a, b = span
    thing = re.match(r"的([^，,。；;、]{2})", simplified[b:])
    return bool(_VALUE_OF.search(simplified[max(a - 4, 0):a]) and thing and thing.group(1) not in q.text)


_DANGLING = ("uj", "p", "c")  # 的, a preposition, a conjunction
_NAMED_TYPES = ("person", "organisation", "place", "number", "date")


def _stops_mid_phrase(q: Question, answer: str) -> bool:
    """A name, number, date or place never stops on a word that leads on to another
    (农业农村局、县水利局、龙潭镇政府的 for who heads the bureau): the reader cut it short. (After a
    number such a word is a measure: 6所, 一把.)"""
    tags = _tagged(answer) if q.qtype in _NAMED_TYPES else ()
    return bool(tags) and tags[-1][2] in _DANGLING and not (len(tags) > 1 and tags[-2][2] == "m")


def _asked_clause_terms(q: Question) -> frozenset[str]:
    """The bigrams of the clause holding a Chinese question's wh-word, where it has others."""
    before, after = re.split(r"[，,；;]", q.gap_left), re.split(r"[，,；;]", q.gap_right)
    if q.lang != "zh" or len(before) + len(after) == 2:
        return frozenset()
    return frozenset(char_bigrams(before[-1] + after[0]))


def _place_for_post_holder(q: Question, answer: str) -> bool:
    """Who was the project manager, answered with 梅溪镇: a post is held by a person, not a place."""
    names_post = english_posts(q.text) if q.lang == "en" else _POST_TITLE.search(q.text)
    return q.qtype == "person" and bool(names_post) and bool(_PLACE_NAME.search(answer))


# Questions for a length or an area, and the units that answer them
_MEASURES = ((re.compile(r"多长(?!时间)|多宽|多高|多深|多远|多厚|\bhow (?:long|wide|high|tall|deep|far)\b", re.IGNORECASE),
              re.compile(r"(?:米|公里|里|km|m|cm|mm)$")),
             (re.compile(r"多大(?!年纪|岁数|年龄|了)|面积|\bhow (?:big|large)\b|\bwhat(?:'s| is| was) the (?:\w+ )?area\b",
                         re.IGNORECASE),
              # 多大 also asks a volume (库容有多大) or an age (多大开始当学徒)
              re.compile(r"(?:平方米|平方公里|平方千米|亩|公顷|m²|km²|立方米|立方千米|岁)$")),
             # 多重 as a question, not as "manifold" (多重保障); 重量 asks a weight too
             (re.compile(r"多重(?![\u4e00-\u9fff])|有多重|重多少|重量(?!级)|\bhow heavy\b|\bweigh(?:s|ed|t)?\b", re.IGNORECASE),
              re.compile(r"(?:克|千克|公斤|斤|吨|kg|g|t)$")),
             # English asks how much of what is not counted (capacity, rent, tea): never in items
             (re.compile(r"\bhow much\b", re.IGNORECASE), re.compile(r"[^个名家户人位所座辆台张条件项次处株棵头只]$")))


def _other_measure(q: Question, answer: str) -> bool:
    """A length (多长), an area (多大), a weight (多重) or anything English asks how much of,
    answered in another unit (14处, 四层, 26.5厘米; 9个 for how much capacity)."""
    return q.qtype == "number" and any(asks.search(q.text) and not unit.search(answer) for asks, unit in _MEASURES)


def _clause_before(simplified: str, a: int) -> str:
    """The words of a's clause before it: what a plan, a discount or a year there says of it. A
    clause opening with 即 restates the one before (减半收取，即每月300元): both."""
    clauses = _CLAUSE_END.split(simplified[:a])
    return "，".join(clauses[-2:]) if clauses[-1].startswith(("即", "也就是")) else clauses[-1]


def _clause_around(simplified: str, span: Span) -> str:
    """The words of the span's clause on either side of it: what that clause says of it."""
    return _clause_before(simplified, span[0]) + _CLAUSE_END.split(simplified[span[1]:])[0]


def _discount_mismatch(q: Question, simplified: str, clause_before: str) -> bool:
    """A discounted price (优惠价458元, 前三个月只需交400元) answers a question about the discount
    only, and the full price only a question that asks no discount. A question asks the discount
    too where it names what the discount is for (在直播间下单多少钱: 标价280元，在直播间下单可享受
    优惠价198元): two of its words that only the discount's clause says."""
    discounted = bool(_DISCOUNTED.search(clause_before))
    if not _DISCOUNTED.search(simplified):
        return False
    return discounted != bool(_ASKS_DISCOUNT.search(q.text) or _names_discount_condition(q, simplified))


def _names_discount_condition(q: Question, simplified: str) -> bool:
    clauses = _CLAUSE_END.split(simplified)
    offer = "|".join(c for c in clauses if _DISCOUNTED.search(c))
    rest = "|".join(c for c in clauses if not _DISCOUNTED.search(c))
    return sum(t in offer and t not in rest for t in q.terms) >= 2


_HONOURED = re.compile(r"[^，,。；;]{0,8}?(?:被评为|被评定为|获评|荣获|入选|被列入|被命名为|被授予)")


def _honoured_for_total(q: Question, simplified: str, span: Span) -> bool:
    """How many in all (一共有多少家民宿) is not answered by how many won a title (已有4家民宿被评为
    市级星级民宿), unless the question asks about the title."""
    return (q.qtype == "number" and bool(_ASKS_TOTAL.search(q.text)) and not re.search(r"评|获|入选|称号|命名|授予", q.text)
            and bool(_HONOURED.match(simplified, span[1])))


def _added_for_total(q: Question, simplified: str, span: Span) -> bool:
    """How many in total (总共有多少张床位, 总收入) is not answered by what is added (新增床位40张)."""
    a = span[0]
    return (q.qtype == "number" and bool(_ASKS_TOTAL.search(q.text))
            and bool(_INCREMENT.search(simplified, max(a - 6, 0), a)))


_BRAND_AFTER = re.compile(r"[”」』\"]?(?:商标|品牌|牌子|牌)")


def _brand_for_organisation(q: Question, simplified: str, span: Span) -> bool:
    """A brand (注册了“梅岭红”商标) is not the organisation that owns it (什么组织)."""
    return q.qtype == "organisation" and bool(_BRAND_AFTER.match(simplified, span[1]))


def _is_name(text: str) -> bool:
    """A person's name alone: a word jieba tags as one, or a common surname and one or two
    characters that are no common noun (许|海滨, not 高管)."""
    tags = pos_tag(text)
    if len(tags) == 1 and tags[0][1] == "nr":
        return True
    return (2 <= len(text) <= 3 and text[0] in SURNAMES and _CJK_RUN.fullmatch(text) is not None
            and not (len(tags) == 1 and tags[0][1].startswith("n")))


def _named_subject(q: Question) -> str:
    """What a "what is it called" question names: 红色休息区 of 红色休息区叫什么."""
    asks_name = not q.gap_right or q.gap_right in _NAME_WORDS  # 叫什么, 叫什么名字
    naming = _NAMING.search(q.gap_left) if q.qtype == "what" and asks_name else None
    return q.gap_left[:naming.start()] if naming else ""


def _quoted_names(text: str, subject: str) -> list[Span]:
    """Quoted names the text gives the subject, right before (the end of) it: “温馨港湾、红色家园”
    的红色休息区, “扛旗强基、绿色共富”清风护航系列行动 for 党建联盟开展的清风护航系列行动. Where
    the subject is a theme or slogan (签约仪式打出的主题口号), the quote before what the theme
    belongs to: “党建共联、扬旗共振”党建联盟成立签约仪式."""
    if len(subject) < 2:
        return []
    owner = _THEME.sub("", subject)
    found = []
    for m in _QUOTED.finditer(text):
        rest = text[m.end():]
        rest = rest[1:] if rest.startswith("的") else rest
        owns = len(rest) >= THEME_OWNER_CHARS and rest[:THEME_OWNER_CHARS] in owner  # not a quote ending its sentence
        if _names_end(rest, subject) or (owner != subject and owns):
            found.append(m.span(1) if m.group(1) else m.span(2))
    return found + _glossed_names(text, subject)


def _glossed_names(text: str, subject: str) -> list[Span]:
    """A name explained in brackets before the subject it names, unquoted: 三立三合(即立足…)党建
    工作法 (not “…”, the bracket marks where the name ends)."""
    found = []
    for m in _GLOSSED_NAME.finditer(text):
        if _names_end(text[m.end():], subject):
            found.append(m.span(1))
    return found


def _brand_owners(text: str, simplified: str, question: str) -> list[Span]:
    """The name written right before a term the question quotes, which is its brand or way of
    working: 三环化工 of 三环化工党建+人才 (or 三环化工“党建+人才”)."""
    phrases = _noun_phrases(text)
    noun_ends = {b for _, b, flag in _tagged(text) if flag.startswith(("n", "j"))}
    found = []
    for m in _QUOTED.finditer(to_simplified(question)):
        term = m.group(1) or m.group(2)
        for at in (k.start() for k in re.finditer(re.escape(term.lower()), simplified)):
            at -= text[at - 1:at] in _QUOTES  # the text's own quote opens the term
            phrase = _phrase_at(phrases, at - 1) if at > 0 else None
            # a name ends in a noun (三环化工), not a count (发动第五次「围剿」)
            if phrase and phrase[0] < at and at in noun_ends:
                found.append((phrase[0], at))
    return found


def _names_end(rest: str, subject: str) -> bool:
    """The text after a name goes on with (the end of) the subject: 党建工作法 of 倪宅村…党建工作法."""
    return any(rest.startswith(subject[-n:]) for n in range(2, len(subject) + 1))


def _whats(text: str) -> list[tuple[Span, float]]:
    quoted = list(_QUOTED.finditer(text))
    found = [(m.span(1) if m.group(1) else m.span(2), 1.0) for m in quoted]
    found += [(m.span(), 0.9) for m in quoted]
    found += [(m.span(), 1.0) for m in _QUOTED_RUN.finditer(text)]  # “甲”“乙”“丙”
    found += [(span, 1.0) for span in _lists(text)]
    return found + [(span, 0.5) for span in _noun_phrases(text)]


def _frequencies(text: str) -> list[tuple[Span, float]]:
    """How often (每周, 一年一次), and, less surely, how long (有效期二十年, 4分21秒): 多久 asks either."""
    found = [(m.span(), 1.0) for m in _FREQUENCY.finditer(text)]
    found += [(m.span(), PLAIN_FIT) for m in _DURATION.finditer(text) if not _YEAR_NUMBER.fullmatch(m.group())]
    return found + [(m.span(), 0.95) for m in _TIME_TAKEN.finditer(text)]  # all of 4分21秒, not 21秒


def _numbers(text: str, unit: str | None) -> list[tuple[Span, float]]:
    found = []
    for m in _NUMBER.finditer(text):
        number = m.group()
        arabic = bool(re.match(r"\d", number))
        has_unit = bool(_ENDS_IN_UNIT.search(number))
        if not arabic and not has_unit:
            continue  # a bare 一 or 十 is almost always part of a word
        if _ARTICLE.fullmatch(number):
            found.append((m.span(), 0.3))  # 一种, 一个: "a", not a count
            continue
        if unit and not number.endswith(unit) and text.startswith(unit, m.end()):
            found.append(((m.start(), m.end() + len(unit)), 1.2))
        elif unit and number.endswith(_PEOPLE_UNITS if unit in _PEOPLE_UNITS else unit):
            found.append((m.span(), 1.2))
        elif re.search(r"[年月日]$", number) or text.startswith(("月", "日", "年"), m.end()):
            found.append((m.span(), 0.3))  # part of a date
        elif unit == MONEY_UNIT and has_unit and not number.endswith(("万", "亿")):
            found.append((m.span(), 0.4))  # a sum of money was asked: 12家 is not one
        elif unit and unit != "个" and has_unit and not re.search(r"[个万亿%％]$", number):
            found.append((m.span(), 0.7))  # counted in another unit: 60余名 for 多少人次
        elif unit in _PEOPLE_UNITS and number.endswith("个") and not text.startswith("人", m.end()):
            found.append((m.span(), 0.7))  # 25个两新党组织 for 多少名党员 (but 3个人)
        else:
            found.append((m.span(), 1.0 if has_unit else 0.6))
    # A range (海拔100米至2,800米, 15至20厘米) answers as a whole, as sure as its end
    found += [((first[0], last[1]), fit + 0.05) for (first, _), (last, fit) in zip(found, found[1:])
              if _RANGE.fullmatch(text, first[1], last[0])]
    # An ordinal keeps its 第: 第15张, not 15张
    return [((a - 1 if a and text[a - 1] == "第" else a, b), fit) for (a, b), fit in found]


def _dates(text: str) -> list[tuple[Span, float]]:
    dates = list(_DATE.finditer(text))
    found = [(m.span(), 0.5 if _VAGUE_DATE.fullmatch(m.group()) else 1.0) for m in dates]
    # a time of day with no date (每天晚上7点到11点), below a date for 什么时候
    clocks = [m for m in _CLOCK.finditer(text) if not any(d.start() <= m.start() < d.end() for d in dates)]
    found += [(m.span(), 0.9) for m in clocks]
    dates = sorted(dates + clocks, key=lambda m: m.start())
    # a range, 1984年10月7日至1985年9月29日, answers as a whole (over either end)
    return found + [((m.start(), n.end()), 1.05) for m, n in zip(dates, dates[1:])
                    if _TIME_RANGE.fullmatch(text, m.end(), n.start())]


def _is_list(piece: str) -> bool:
    return "、" in piece or piece.count("“") >= 2 or bool(re.search(rf".[{_JOINERS}].", piece))


def _list_fit(piece: str, count: int | None) -> float:
    """How a span fits a question asking for a list (of count items, for 哪五个)."""
    if not _is_list(piece):
        return -0.2
    if count is None:
        return 0.3
    items = max(piece.count("“"), len(re.split(rf"[、{_JOINERS}]", piece)))
    return 0.5 if items == count else 0.2


def _clauses(text: str) -> list[Span]:
    return [m.span() for m in _CLAUSE.finditer(text) if m.group().strip()]


def typed_candidates(text: str, qtype: str, unit: str | None = None) -> dict[Span, float]:
    """Candidate answer spans of a question type in one sentence, with how well each fits."""
    finders = {
        "number": lambda: _numbers(text, unit),
        "date": lambda: _dates(text),
        "frequency": lambda: _frequencies(text),
        "person": lambda: _people(text),
        "place": lambda: _places(text),
        "organisation": lambda: _organisations(text),
        "what": lambda: _whats(text),
    }
    best: dict[Span, float] = {}
    for span, fit in finders.get(qtype, lambda: [])():
        if span[1] > span[0]:
            best[span] = max(fit, best.get(span, 0.0))
    return best


def typed_spans(text: str, qtype: str, unit: str | None = None) -> list[Span]:
    return sorted(typed_candidates(text, qtype, unit))


def _gap_span(sentence: str, q: Question) -> tuple[Span, float] | None:
    """The text between the question's context words as they appear in the sentence, with
    how firmly it is anchored (1: words on both sides; 0.5: one side, or just the unit):
    for 象珠镇有|多少|家企业 and 象珠镇有1000余家企业 → 1000余(家). For a count whose left
    side anchors weakly or not at all, the counted noun stands in (_number_after_noun,
    _counted_noun_gap)."""
    found = None
    for left, right in gap_contexts(q):
        found = _gap_between(sentence, left, right[:8], q.unit, _without_names(left, q.names))
        if found:
            break
    if not q.unit:
        total = _TOTAL_OF.search(q.gap_left) if q.qtype == "number" else None
        if total and (found is None or found[1] < 1):
            # 两新党组织的党员|总数|是多少, where the text counts 党员245人: the noun, then its number
            noun = q.gap_left[:total.start()].split("的")[-1][-4:]
            found = _number_after_noun(sentence, noun) or found
        return found
    if found is None or found[1] < 1:
        # The question's own order first (多少家|企业: 共有128家|企业), else the noun, then its number
        # (象珠镇有|多少家|规上企业, where the text counts 其中规上企业有65家)
        # A partial noun only where the whole is not counted (4个实训|区 is no 实训工位612个)
        right = q.gap_right[:8]
        noun = right[len(q.unit):] if right.startswith(q.unit) else ""
        found = (_counted_noun_gap(sentence, right, q.unit, whole=True) or _number_after_noun(sentence, noun, whole=True)
                 or _counted_noun_gap(sentence, right, q.unit) or _number_after_noun(sentence, noun) or found)
    return found


# 党员总数是|多少, 员工人数为|多少: the noun before the word for "total" is what is counted
_TOTAL_OF = re.compile(r"(?:总数|总人数|人数|数量|总量|数目)(?:是|为|有|达到|一共|共)*$")


_BEFORE_COUNT = re.compile(rf"(?:共有|共计|有|为|达|共|约|计|近|超过)?{_NUMBER.pattern}")


@lru_cache(maxsize=1024)  # asked again for every sentence a question is matched against
def _without_names(left: str, names: tuple[str, ...]) -> str:
    """A place or company the question names is the topic, not what tells one 企业 from another."""
    return re.sub("|".join(map(re.escape, names)), "|", left) if names else left


def _number_after_noun(sentence: str, noun: str, whole: bool = False) -> tuple[Span, float] | None:
    """The number right after the noun the question counts (规上企业有65家 for 多少家规上企业)."""
    # the whole noun, its start, else its end (党员 of 新党员, for 发展党员29名)
    parts = [noun[:n] for n in range(len(noun), 1, -1)] + [noun[-n:] for n in range(len(noun) - 1, 1, -1)]
    parts = parts[:1] if whole else parts
    for part in parts:
        for m in re.finditer(re.escape(part), sentence):
            number = _BEFORE_COUNT.match(sentence, m.end())
            if number and _ENDS_IN_UNIT.search(number.group()):
                return (m.end(), number.end()), 1.0
    return None


def _counted_noun_gap(sentence: str, right: str, unit: str, whole: bool = False) -> tuple[Span, float] | None:
    """道明光学有|多少名|流动党员 where the sentence never says 道明光学有: the counted noun after the
    unit (26名|流动党员) anchors the clause up to it alone, at half strength."""
    if not right.startswith(unit):
        return None
    shortest = len(unit) + 2  # the unit and at least two more characters; whole: all of right
    shortest = max(len(right), shortest) if whole else shortest
    for n in range(len(right), shortest - 1, -1):
        pos = sentence.find(right[:n])
        if pos > 0:
            end = pos + len(unit)
            return (max(sentence.rfind(c, 0, end) for c in _CLAUSE_BREAKS) + 1, end), 0.5
    return None


def _gap_between(sentence: str, left: str, right: str, unit: str | None,
                 context: str) -> tuple[Span, float] | None:
    """context: left with the names of the question masked (same ending), to choose among the
    sentence's occurrences of left's end."""
    start = end = None
    anchors = 0
    starts = _word_starts(left)
    for n in range(min(len(left), 8), 1, -1):
        anchor = left[-n:]
        if n <= SHORT_ANCHOR and len(left) - n not in starts and len(anchor.rstrip(_FUNCTION_CHARS)) < 2:
            continue  # 董事|长是 would anchor on 增长是 (规上|企业 on 规模以上企业 still may)
        pos = _best_occurrence(sentence, anchor, context[:-n])
        if pos >= 0:
            start, anchors = pos + n, anchors + 1
            break
    if start is None and left:
        return None
    start = start or 0
    for n in range(len(right), 0, -1):
        pos = sentence.find(right[:n], start)
        if pos > start and (n >= 2 or unit):
            end = pos + (len(unit) if unit and right.startswith(unit) else 0)
            anchors += n > (len(unit) if unit else 1)
            break
    if end is None:
        if right:
            return None
        clause = _CLAUSE.match(sentence, start)
        end = clause.end() if clause else start
        anchors += 1  # the question ends at the wh-word: the clause end is the anchor
    return ((start, end), anchors / 2) if 0 < end - start <= MAX_GAP_CHARS else None


# A left context this short that starts inside a word of the question must hold two characters
# besides function words
SHORT_ANCHOR = 3
_FUNCTION_CHARS = "".join(FUNCTION_CHARS)  # for str.rstrip, once rather than per anchor tried


@lru_cache(maxsize=1024)
def _word_starts(text: str) -> frozenset[int]:
    """Where the question text's jieba words begin."""
    starts, pos = set(), 0
    for word in plain_words(text):
        starts.add(pos)
        pos += len(word)
    return frozenset(starts)


def _best_occurrence(sentence: str, anchor: str, context: str) -> int:
    """Where anchor occurs in sentence after the most of the question's words before it
    (超亿元产值企业 for 年产值过亿元的企业, not the first 企业); the first place on a tie; -1 if nowhere."""
    places = [m.start() for m in re.finditer(re.escape(anchor), sentence)]
    if len(places) < 2:
        return places[0] if places else -1
    wanted = set(char_bigrams(context))
    return max(places, key=lambda p: len(wanted.intersection(char_bigrams(sentence[max(0, p - 8):p]))))


class Answerer:
    # Typed spans the rules find answer before the reader; off only to measure the reader
    # alone (benchmarks/reader_alone.py).
    rules_first = True

    def __init__(self, corpus: Corpus, sentence_vectors: np.ndarray, reader: Reader | None = None):
        self.corpus = corpus
        self.reader = reader
        self._documents = {d.doc_id: d for d in corpus.documents}
        self.sentence_vectors = sentence_vectors
        chunk_texts = [_simplified_lower(c.text) for c in corpus.chunks]
        self.idf = _idf([set(char_bigrams(text)) for text in chunk_texts])
        self.char_idf = _idf([set(CJK.findall(text)) for text in chunk_texts])  # for English glosses
        self.max_idf = max(self.idf.values(), default=1.0)
        self._gloss_tables = lru_cache(maxsize=256)(self._gloss_table)
        self._bylines: dict[str, list[int]] = {}
        for i, sentence in enumerate(corpus.sentences):
            if sentence.kind == "byline":
                self._bylines.setdefault(sentence.doc_id, []).append(i)

    def _weights(self, q: Question) -> dict[str, float]:
        # A term the articles never use weighs most: missing it means "not in the articles".
        weights = {t: self.idf.get(t, self.max_idf) for t in q.terms}
        return weights | self._gloss_tables(q.glosses)[1] if q.glosses else weights

    def _idf_of(self, word: str) -> float | None:
        """The idf of a Chinese word in the articles (None: they never use it); a longer word's
        that of its rarest character pair, which it can only be rarer than."""
        if len(word) == 1:
            return self.char_idf.get(word)
        pairs = [self.idf.get(word[i:i + 2]) for i in range(len(word) - 1)]
        return None if None in pairs else max(pairs)

    def _gloss_table(self, glosses: tuple[tuple[str, frozenset[str]], ...]):
        """For an English question's words: each translation the articles use, by its first
        character, as (translation, term); and each word's weight, that of its commonest
        translation (a word is found wherever any of its translations is)."""
        by_first: dict[str, list[tuple[str, str]]] = {}
        weights = {}
        for word, chinese in glosses:
            used = {c: idf for c in chinese if (idf := self._idf_of(c)) is not None}
            term = f"en:{word}"
            if not used:
                # A post the articles never name (chairman: 董事长) says "not in the articles";
                # another word may be one the dictionary translates otherwise: no evidence.
                if word in ENGLISH_TITLES:
                    weights[term] = self.max_idf
                continue
            weights[term] = min(used.values())
            for c in used:
                by_first.setdefault(c[0], []).append((c, term))
        return by_first, weights

    def _hits(self, q: Question, text: str) -> list[tuple[int, int, str]]:
        """(start, end, term) of each question term found in text."""
        if q.lang == "en":
            terms = set(q.terms)
            found = [(i, i + 2, p) for i, p in pinyin_bigrams(text) if p in terms]
            if q.glosses:
                by_first = self._gloss_tables(q.glosses)[0]
                simplified = _simplified_lower(text)
                found += [(i, i + len(c), term) for i, ch in enumerate(simplified)
                          for c, term in by_first.get(ch, ()) if simplified.startswith(c, i)]
            return found
        simplified = _simplified_lower(text)
        return [(m.start(), m.start() + len(t), t) for t in q.terms
                for m in re.finditer(re.escape(t), simplified)]

    def _coverage(self, q: Question, weights: dict[str, float], text: str) -> float:
        """idf-weighted share of the question's terms found in text."""
        total = sum(weights.values())
        found = {t for _, _, t in self._hits(q, text)}
        return sum(weights[t] for t in found) / total if total else 0.0

    def _score_sentences(self, q: Question, q_vec: np.ndarray,
                         passages: list[Passage]) -> list[_Scored]:
        weights = self._weights(q)
        post = _asked_title(q) if q.qtype == "person" and q.lang == "zh" else None
        quoted = [p.lower() for m in _QUOTED.finditer(q.text) if (p := m.group(2)) and len(p) > 1 and CJK.search(p)]
        scored, seen = [], set()
        off_topic_docs = {doc_id for doc_id in {self.corpus.chunks[p.chunk_id].doc_id for p in passages}
                          if self._off_topic_doc(q, doc_id)}
        for passage in passages:
            chunk = self.corpus.chunks[passage.chunk_id]
            context = self._coverage(q, weights, chunk.text)
            for sid in self._readable_sentences(q, chunk):
                if sid in seen:
                    continue
                seen.add(sid)
                sentence = self.corpus.sentences[sid]
                dense = _scale_cosine(float(self.sentence_vectors[sid] @ q_vec), q.lang)
                lexical = self._coverage(q, weights, sentence.text)
                if quoted and all(phrase in _simplified_lower(sentence.text) for phrase in quoted):
                    lexical = max(lexical, 0.5 + 0.5 * lexical)  # the question's quoted words, verbatim
                if q.lang == "en":  # few shared words: embeddings carry the match
                    score = (0.5 * dense + 0.2 * _scale_cosine(passage.dense, q.lang)
                             + 0.3 * (0.7 * lexical + 0.3 * context))
                else:
                    score = 0.5 * lexical + 0.2 * context + 0.3 * dense
                if sentence.kind == "byline" and q.asks_author:
                    # A byline names no topic: the story it signs (its passage, its headline)
                    # is the evidence.
                    lexical = max(lexical, context, self._coverage(q, weights, chunk.title))
                    score = max(score, context) + (0.25 if _credit_fits(q, sentence.text) else 0.0)
                elif sentence.kind == "byline":
                    score -= 0.2
                elif sentence.kind == "heading":
                    score -= 0.1  # headlines and captions rarely hold the answer
                if sentence.doc_id in off_topic_docs:
                    score -= OFF_TOPIC_PENALTY
                if post and _names_holder(sentence.text, post):
                    score += HOLDER_BONUS  # 校长是谁: the sentence naming the 校长, in however few words
                scored.append(_Scored(sid, passage.chunk_id, score, lexical, context, dense))
        return sorted(scored, key=lambda s: -s.score)

    def _readable_sentences(self, q: Question, chunk) -> list[int]:
        """The chunk's sentences, never page noise (ads); for a question about who wrote or
        photographed a story, also its document's bylines wherever they stand, and for any
        other, no byline (记者 方晓 does not answer 门诊由谁负责)."""
        hidden = ("noise",) if q.asks_author else ("noise", "byline")
        ids = [i for i in chunk.sentence_ids if self.corpus.sentences[i].kind not in hidden]
        return ids + self._bylines.get(chunk.doc_id, []) if q.asks_author else ids

    def _candidates(self, q: Question, text: str, simplified: str) -> list[tuple[Span, float]]:
        """(span, fit) pairs: how well a span is an answer of the asked type. Where the
        question's own wording is found around a gap in the sentence, typed spans at that
        gap win; the gap itself competes only where no type delimits the answer."""
        if q.qtype == "yesno":  # the clause that says whether: 各参加单位保持原格局不变
            return [(span, 1.0) for span in _clauses(text)]
        typed = _named_candidates(q, text, simplified, typed_candidates(text, q.qtype, q.unit))
        if q.singular:  # 哪个党组织 wants one: an enumeration 甲、乙、丙 is not it
            typed = {span: fit - 0.2 if "、" in text[span[0]:span[1]] else fit for span, fit in typed.items()}
        if q.plural:
            typed.update({span: max(typed.get(span, 0.0), 1.0) for span in _lists(text)})
            typed = {span: fit + _list_fit(text[span[0]:span[1]], q.count) for span, fit in typed.items()}
        found_gap = _gap_span(simplified, q) if q.lang == "zh" else None
        gap = found_gap[0] if found_gap else None
        if found_gap:
            (ga, gb), strength = found_gap
            if q.qtype == "organisation" and strength == 1:
                typed.update(_gap_name(text, (ga, gb)))
            typed = {(a, b): fit + (0.5 * strength if abs(a - ga) <= 2 or abs(b - gb) <= 1 else 0.0)
                     for (a, b), fit in typed.items()}
            if q.qtype in ("what", "other"):  # no type to check the gap against otherwise
                fit = 1.2
                if q.plural:  # 围绕|甲和乙两大|重点工作: a list where the question asks for one
                    gap = _without_count(text, gap)
                    if not _CLAUSE_END.search(text, *gap):
                        fit += max(_list_fit(text[gap[0]:gap[1]], q.count), 0.0)
                typed[gap] = max(typed.get(gap, 0.0), fit)
        misread = {span: _misreading(q, text, simplified, span) for span in typed}
        # 去年…96分钟，今年以来已缩短至68分钟: where a clause gives the asked year's (not its plan),
        # another year's does not answer
        years = {span: _said_year(q, simplified, span) for span in typed}
        asked_year = any(said and not misread[span] for span, said in years.items())
        typed = {span: fit - misread[span] - (0.5 if asked_year and years[span] is False else 0.0)
                 for span, fit in typed.items()}
        if not typed:  # a clause answers what/why/how; for a typed question it is a poor guess
            return [(span, 0.3 if q.qtype in ("what", "other") else 0.0) for span in _clauses(text)]
        return list(typed.items())

    def _best_span(self, q: Question, text: str) -> tuple[Span, float, float]:
        """(span, span score, type fit) of the best answer in one sentence."""
        simplified = _simplified_lower(text)
        score = self._span_scorer(q, text, simplified)
        best, best_score, best_fit = (0, len(text)), -math.inf, 0.0
        for span, fit in self._candidates(q, text, simplified):
            span_score = score(span, fit)
            if span_score is not None and span_score > best_score:
                best, best_score, best_fit = span, span_score, fit
        return _trim(text, best), best_score, best_fit

    def _span_scorer(self, q: Question, text: str, simplified: str):
        """The score of a candidate (span, fit) in this sentence (None: not an answer), from
        where the question's words are found around it."""
        weights = self._weights(q)
        total = sum(weights.values()) or 1.0
        found = self._hits(q, text)
        question = q.text.lower()
        if q.qtype == "yesno":
            # What a yes/no question asks is its last clause (联盟成立以后，|格局会变吗); before it,
            # the setting. The clause that says whether holds the asked words.
            asked = set(char_bigrams(re.split(r"[，,；;]", question)[-1]))
            return lambda span, fit: fit + sum(weights[t] for s, e, t in found
                                               if s >= span[0] and e <= span[1] and t in asked) / total
        # The noun a 哪个党组织 asks about ends its answer (中共金华党组织): inside it, its words
        # are no repetition of the question but what names the answer.
        asked = _asked_noun_terms(q, {t for _, _, t in found})
        head_hits = [(a, b, weights[t]) for a, b, t in found if t in asked]
        repeating = [(a, b, weights[t]) for a, b, t in found if t not in asked]
        # The place or company a question names is the topic of the whole sentence (花街镇共有企业426家，
        # 其中…超亿元产值企业12家): its words support no one clause's candidate over another.
        found_about = [(a, b, t) for a, b, t in found if not any(t in name for name in q.names)]
        about = [(a, b, weights[t]) for a, b, t in found_about]
        # A question of several clauses asks in the one with its wh-word (汛前排查发现的隐患，|目前已经
        # 整改好了几处); the others set the scene. The asked clause's words support the answer's own
        # clause fully and name it from next to it (目前已整改完成11处, not 共发现各类隐患14处).
        wh_clause = _asked_clause_terms(q)
        asking = [hit for hit, (_, _, t) in zip(about, found_about) if not wh_clause or t in wh_clause]
        # the scene's words (or a condition's: 1984年6月至1985年1月，|担任什么职务) count as nearby ones
        scene = [hit for hit, (_, _, t) in zip(about, found_about) if wh_clause and t not in wh_clause]
        clauses = _clauses(text)

        def score(span: Span, fit: float) -> float | None:
            a, b = span
            piece = simplified[a:b]
            if not piece.strip() or piece in question or _repeats_the_question(q, piece):
                return None  # the answer never just repeats the question (党支部 for which company's Party branch)
            ca, cb = _support_clause(text, clauses, a, b)
            # a lone character (共 of 哪五个“共”) inside the answer does not repeat the question
            inside = sum(w for s, e, w in repeating if s >= a and e <= b and e - s > 1) / total
            # Question words in the answer's own clause support it most ("企业12家"
            # beats "集团公司4家" for 超亿元产值企业有几家), nearby words less.
            same_clause = sum(w for s, e, w in asking if ca <= s and e <= cb and not (s >= a and e <= b))
            # a part (其中…) is counted under its total's scene (今年前三季度销售额510万元，其中直播卖出约215万元)
            sa = _scope_start(text, clauses, ca)
            same_clause += 0.5 * sum(w for s, e, w in scene if sa <= s and e <= cb and not (s >= a and e <= b))
            if piece.endswith(q.head) if q.head else any(e == b for _, e, _ in head_hits):
                same_clause += sum(w for s, e, w in head_hits if s >= a and e <= b)
            nearby = sum(w for s, e, w in about if (s < ca or e > cb)
                         and min(abs(s - b), abs(a - e)) <= NEAR_CHARS)
            support = min((same_clause + 0.5 * nearby) / total, 1.0)
            # A question word right next to the span in its clause ("党员245人") names what it is.
            adjacent = any((0 <= a - e <= 1 or 0 <= s - b <= 1) and ca <= s and e <= cb for s, e, _ in asking)
            return fit + 0.6 * support + 0.15 * adjacent - 0.8 * inside - 0.003 * (b - a)

        return score

    def extract(self, q: Question, q_vec: np.ndarray, passages: list[Passage]) -> Extraction | None:
        found, by_rules = self._extract(q, q_vec, passages)
        if found is None or not self._answers_something_else(q, found):
            return found
        if (by_rules is not None and by_rules is not found and not self._answers_something_else(q, by_rules)
                and (self._holds_post(q, by_rules) or (q.qtype != "person" and by_rules.type_fit >= TYPED_FIT))):
            # the reader named another post's holder, or a kind of organisation (社工机构); the rules,
            # the asked post's holder, or a name plainly of the asked type (和煦社会工作服务站)
            return by_rules
        return replace(found, confidence=found.confidence * OFF_TOPIC_FACTOR)

    def _answers_something_else(self, q: Question, found: Extraction) -> bool:
        """Whoever read it (rules or reader), the answer is about something the question did not
        ask: another article's place or company, another post, a count of other things or another
        measure (26.5厘米 for 多重), a place of another kind (a service station for 哪个村), a kind of
        organisation for its name (社工机构), a day for
        how long or how often, the venue for who organised, the date an event lasts until for when
        it began (or the date it runs from for when it ends), a place that does not say where the
        asked one is (or where it was, for where it is now), a thing's worth for another sum
        (价值1万元的杯子 for 善款), how many won a title for how many in all, a why-answer that
        restates the fact to explain; or it is cut short (龙潭镇政府的 for a name)."""
        simplified = _simplified_lower(self.evidence(found)[1])
        span = (found.start, found.end)
        answer = simplified[found.start:found.end]
        return (self._off_topic(q, found) or self._other_post(q, found) or _repeats_the_question(q, answer)
                or _another_year(q, simplified, span) or _another_level(q, simplified, span)
                or _counts_other_things(q, answer) or _other_measure(q, answer) or _other_kind_of_place(q, answer)
                or _kind_of_organisation(q, answer) or _day_for_how_long(q, answer) or _place_for_company(q, answer)
                or _place_for_post_holder(q, answer)
                or _venue_for_agent(q, simplified, span) or _brand_for_organisation(q, simplified, span)
                or _added_for_total(q, simplified, span) or _honoured_for_total(q, simplified, span)
                or _stops_mid_phrase(q, answer)
                or _restates_what_is_explained(q, answer) or _value_of_another_thing(q, simplified, span)
                or _lasts_until(q, simplified, span) or _begins_for_until(q, simplified, span)
                or _start_for_finish(q, simplified, span)
                or _old_for_new_place(q, simplified, span) or _earlier_for_later(q, simplified, span)
                or _not_where(q, simplified, span))

    def _other_post(self, q: Question, found: Extraction) -> bool:
        """The question asks for the holder of a post (党委书记是谁) and the answer is named as
        the holder of another: its deputy (副书记许海滨 for 党支部书记), the chief where the deputy
        is asked, a sibling post (党支部书记应维湖 for 党委书记), or a post of another kind (车间主任
        杨春梅 for 外贸部经理), and holds the asked one neither before its name nor after it (李钧
        不仅是…书记)."""
        return self._holds_post(q, found) is False

    def _holds_post(self, q: Question, found: Extraction) -> bool | None:
        """Whether a person answer holds the post the question asks about: True, False where it
        is named as another post's holder, None where the text does not tell. An English
        question names posts in English: any post the answer does not hold is another."""
        if q.qtype != "person":
            return None
        evidence = self.evidence(found)[1]
        titles = re.split(r"[，,：:（(。；;]", evidence[:found.start])[-1]  # 董事长、党支部书记吴康英: all it holds
        held = re.split(r"[、\s]", titles)  # each post, the one right before the name last
        named = _ENDS_IN_TITLE.search(held[-1])
        # 副书记李钧不仅是金山区域两新党委书记: a post written after the name counts too
        held_after = re.split(r"[，,。；;]", evidence[found.end:])[0] if _HOLDS.match(evidence, found.end) else ""
        if q.lang == "en":  # chairman of Daoming Optics → 党支部书记吴康英: no post it holds
            posts = english_posts(q.text)
            if not posts:
                return None
            if not any(post in evidence for post in posts):
                return False  # no chairman (董事长, 主席) in the sentence: 荣获, tagged a name, is none
            # the chief asked, its deputy named (副馆长蒋一鸣 for the curator): another post
            held = any(re.search(_post_itself(post), f"{titles} {held_after}") for post in posts)
            return False if named and not held else None
        asked = _asked_title(q)
        if not asked:
            return None
        if any(_same_post(q.text, asked, post) for post in [*held, held_after]):
            return True
        if not named or (named.group()[-2:] != asked[-2:]
                         and any(_GENERIC_POSTS.search(post) for post in (asked, named.group()))):
            return None  # 负责人 may be the 董事长
        return False

    def _off_topic(self, q: Question, found: Extraction) -> bool:
        """The question names a place or company its answer's article never mentions."""
        return self._off_topic_doc(q, self.corpus.sentences[found.sentence_id].doc_id)

    def _off_topic_doc(self, q: Question, doc_id: str) -> bool:
        doc = self._documents[doc_id]
        return any(all(stem not in where for where in (doc.text, doc.title, doc.doc_id))
                   for stem in map(name_stem, q.names))

    def _extract(self, q: Question, q_vec: np.ndarray,
                 passages: list[Passage]) -> tuple[Extraction | None, Extraction | None]:
        """(the answer, the rules' answer)."""
        sentences = self._score_sentences(q, q_vec, passages)[:SENTENCES_READ]
        by_rules = self._extract_by_rules(q, sentences)
        return self._choose(q, sentences, by_rules), by_rules

    def _choose(self, q: Question, sentences: list[_Scored], by_rules: Extraction | None) -> Extraction | None:
        """The rules' answer or the reader's."""
        if self.reader is None or q.asks_author:  # bylines are the rules' job
            return by_rules
        rule_types = RULE_TYPES if q.lang == "zh" else ENGLISH_RULE_TYPES
        answer = self.answer_text(by_rules) if by_rules is not None else ""
        if self.rules_first and by_rules is not None and by_rules.type_fit >= TYPED_FIT and (
                q.qtype in rule_types or (q.plural and _is_list(answer)) or self._delimited(q, answer)
                or self._quoted_name(q, by_rules) or self._fills_gap(q, by_rules)):
            # a clear number, date, name, place or asked list: the rules delimit it best
            return self._confirmed(q, sentences, by_rules)
        read = self._read(q, sentences)
        if read is not None and q.qtype == "organisation":
            read = self._whole_name(read)
        if read is not None and q.qtype == "person":
            read = self._name_past_title(read)
        if read is not None and self._in_heading_or_byline(read):
            # trained on running text, the reader mistakes a section headline, or a byline's name
            # (记者 某某 通讯员 何文杰 for 门诊由谁负责), for an answer
            if by_rules is not None and by_rules.type_fit >= (NAMED_FIT if q.qtype == "person" else TYPED_FIT):
                return by_rules
            return replace(read, confidence=read.confidence * OFF_TOPIC_FACTOR)  # not 近日, fit 0
        if read is not None and by_rules is not None and _same_span(read, by_rules):
            # both found it on their own (校长邬敏): as sure as the surer of the two
            return replace(read, confidence=max(read.confidence, by_rules.confidence))
        return read or by_rules

    def _confirmed(self, q: Question, sentences: list[_Scored], by_rules: Extraction) -> Extraction:
        """The rules' answer, surer where the reader independently picks the same span or reads on
        from it (追回工资1600万元: the question's paraphrase shares few words with the sentence).
        Only for a span plainly of the asked type: both may fall for 企业12家 where 产值 is asked."""
        text = self.corpus.sentences[by_rules.sentence_id].text
        span = (by_rules.start, by_rules.end)
        rules_fit = typed_candidates(text, q.qtype, q.unit).get(span, 0.0)
        if by_rules.confidence >= DOUBTFUL or rules_fit < PLAIN_FIT:
            return by_rules
        read = self._read(q, sentences)
        # the same span, one that starts with it and reads on (2800元 | 2800元，合计年增收约336万元), or
        # one that leads up to it (销售额达|52.6万元, 临时绕行|解放路)
        if read is None:
            return by_rules
        if read.sentence_id != by_rules.sentence_id or not (
                (read.start == span[0] and read.end >= span[1]) or (read.end == span[1] and read.start < span[0])):
            own = self._plainly_typed_start(q, read, rules_fit)
            if own is not None and own.confidence > max(by_rules.confidence, DOUBTFUL):
                return own
            return by_rules
        return replace(by_rules, confidence=max(by_rules.confidence, read.confidence))

    def _plainly_typed_start(self, q: Question, read: Extraction, rules_fit: float) -> Extraction | None:
        """The reader's span cut to the plainly typed candidate it starts with (首周共接待游客|18.6万人次|
        ，商户营业额…), unless that answers something else: where the reader is surer than a
        doubtful rules answer (the year's target, 500万人次), its own number outweighs it. Not one
        typed less plainly than the rules' (餐位96个 against 200份 for 多少份饭: the asked unit)."""
        text = self.corpus.sentences[read.sentence_id].text
        limit = read.end if read.last_sentence_id is None else len(text)
        ends: dict[int, int] = {}
        for (a, b), fit in typed_candidates(text, q.qtype, q.unit).items():
            if read.start <= a and b <= limit and fit >= max(PLAIN_FIT, rules_fit):
                ends[a] = max(ends.get(a, 0), b)
        # where the one it starts with answers something else, the next one it holds may not
        # (4月10日开工，计划10月31日前 for when it is all finished)
        for a in sorted(ends):
            own = replace(read, start=a, end=ends[a], last_sentence_id=None)
            if not self._answers_something_else(q, own):
                return own
        return None

    def _whole_name(self, read: Extraction) -> Extraction:
        """A reader span that starts inside an organisation's name (沂川|华锐智能装备有限公司, the
        place its name opens with) reads the whole name; one that stops inside a word stops before it."""
        if read.last_sentence_id is not None:
            return read
        text = self.corpus.sentences[read.sentence_id].text
        starts = [a for (a, b), fit in typed_candidates(text, "organisation").items()
                  if b == read.end and read.start - NAME_PREFIX_CHARS <= a < read.start and fit >= NAMED_FIT]
        read = replace(read, start=min(starts)) if starts else read
        # and one that stops inside a word (星月集团机|加工车间) ends before that word
        inside = [a for a, b, _ in _tagged(text) if read.start < a < read.end < b]
        return replace(read, end=inside[0]) if inside else read

    def _name_past_title(self, read: Extraction) -> Extraction:
        """A reader span that starts inside a post (副镇|长鲁文静) is the name after it."""
        text = self.corpus.sentences[read.sentence_id].text
        for m in _TITLE_NAME.finditer(text):
            if m.start() < read.start < m.start(1) and m.end(1) <= read.end:
                return replace(read, start=m.start(1))
        return read

    def _in_heading_or_byline(self, found: Extraction) -> bool:
        return self.corpus.sentences[found.sentence_id].kind in ("heading", "byline")

    @staticmethod
    def _delimited(q: Question, answer: str) -> bool:
        """A name ending in the noun the question asks about (哪个党组织 → 中共金华党组织): a
        span whose ends the rules find. (A list answers a list question; for others, such as
        什么季节开花, a list in the sentence is no sign that it is the answer: CMRC.) For a
        question about a post, a title (市委组织部副部长)."""
        if _asks_post(q):
            return bool(_ENDS_IN_TITLE.search(answer))
        if q.gap_right in ATTRIBUTES and _QUOTED.fullmatch(answer):  # 是什么主题 → 《…》, quoted whole
            return True
        return bool(q.head) and answer.endswith(q.head) and len(answer) > len(q.head)

    def _quoted_name(self, q: Question, found: Extraction) -> bool:
        """The name the text gives, in quotes, to what the question asks the name of; or the
        organisation whose brand the question quotes."""
        text = self.evidence(found)[1]
        return any(span == (found.start, found.end) for span, _ in _given_names(q, text, _simplified_lower(text)))

    def _fills_gap(self, q: Question, found: Extraction) -> bool:
        """An organisation's name that fills the gap the question's wording leaves on both sides
        (_gap_name): its ends are the question's own, where the reader may cut a long name short."""
        if q.qtype != "organisation" or q.lang != "zh":
            return False
        text = self.evidence(found)[1]
        gap = _gap_span(_simplified_lower(text), q)
        return bool(gap) and gap[1] == 1 and (found.start, found.end) in _gap_name(text, gap[0])

    def _extract_by_rules(self, q: Question, sentences: list[_Scored]) -> Extraction | None:
        best, confidence = None, {}
        for rank, s in enumerate(sentences):
            for sid, penalty in self._with_neighbours(q, s):
                span, span_score, fit = self._best_span(q, self.corpus.sentences[sid].text)
                if sid != s.sentence_id and (fit < 0.8 or not self._sets_the_scene(q, sid, span)):
                    continue  # a neighbour only counts for a clear answer of the asked type
                total = s.score - penalty + 0.5 * span_score - 0.02 * rank
                if best is None or total > best[0]:
                    best = (total, s, sid, span, fit)
                if sid != s.sentence_id:  # its support is the matching sentence next to it
                    span_score += NEIGHBOUR_SUPPORT * s.lexical
                # The same answer reached from several sentences (its own, and as the neighbour
                # of one that matches better) is as sure as the best of them makes it.
                confidence[sid, span] = max(confidence.get((sid, span), 0.0),
                                            self._confidence(q, s, span_score))
        if best is None:
            return None
        _, s, sid, (a, b), fit = best
        return Extraction(sid, s.chunk_id, a, b, confidence[sid, (a, b)], type_fit=fit)

    def _sets_the_scene(self, q: Question, sid: int, span: Span) -> bool:
        """A place in the sentence next to the matching one answers where only if it says where
        things happen there: opening the sentence, after 在/于/到, or before a locative (天空下着雨，
        城区五金城广场上却热闹非凡; not the subject of a later clause: …，基层应急服务中心率先实现实体化)."""
        text = self.corpus.sentences[sid].text
        return (q.qtype != "place" or not _CLAUSE_END.search(text, 0, span[0])
                or text[max(span[0] - 1, 0):span[0]] in ("在", "于", "到") or bool(_LOCATIVE.match(text, span[1])))

    def answer_text(self, found: Extraction) -> str:
        return self.evidence(found)[1][found.start:found.end]

    def _windows(self, sentences: list[_Scored]) -> list[tuple[_Scored, list[int]]]:
        """(anchor, sentence ids) of up to WINDOWS_READ reading windows: each best sentence
        (the anchor) with its neighbours in its chunk, skipping sentences already covered."""
        windows, covered = [], set()
        for s in sentences:
            if s.sentence_id in covered:
                continue
            ids = [i for i in self.corpus.chunks[s.chunk_id].sentence_ids
                   if self.corpus.sentences[i].kind != "noise"]
            if s.sentence_id not in ids:
                continue  # a byline brought in from elsewhere in its story: no window here
            spans = [(self.corpus.sentences[i].start, self.corpus.sentences[i].end) for i in ids]
            a, b = window_around(spans, ids.index(s.sentence_id), WINDOW_CHARS)
            ids = [i for i in ids if a <= self.corpus.sentences[i].start < b]
            windows.append((s, ids))
            covered.update(ids)
            if len(windows) == WINDOWS_READ:
                break
        return windows

    def _read(self, q: Question, sentences: list[_Scored]) -> Extraction | None:
        """The reader's best span over the windows around the best sentences."""
        windows = self._windows(sentences)
        if not windows:
            return None
        texts = []
        for _, ids in windows:
            first, last = self.corpus.sentences[ids[0]], self.corpus.sentences[ids[-1]]
            texts.append(self._documents[first.doc_id].text[first.start:last.end])
        question = q.original if q.lang == "en" else to_simplified(q.original)
        spans = self.reader.read(question, texts[:1])
        if not spans or spans[0].margin <= SURE_MARGIN:  # doubtful: the other windows, in one batch
            spans += [replace(s, window=s.window + 1) for s in self.reader.read(question, texts[1:])]
        if not spans:
            return None
        best = max(spans, key=lambda s: s.margin + WINDOW_PRIOR * windows[s.window][0].score)
        anchor, ids = windows[best.window]
        window_start = self.corpus.sentences[ids[0]].start
        answer_start, answer_end = window_start + best.start, window_start + best.end
        sid = next(i for i in reversed(ids) if self.corpus.sentences[i].start <= answer_start)
        last = next(i for i in reversed(ids) if self.corpus.sentences[i].start < answer_end)
        first = self.corpus.sentences[sid]
        doc = self._documents[first.doc_id].text
        if last == sid or "\n" in doc[first.start:answer_end]:  # one sentence, or cut at the paragraph
            last, answer_end = None, min(answer_end, first.end)
        a, b = _trim(doc, (answer_start, answer_end))
        if a >= b:
            return None  # only punctuation: no answer read
        # The evidence of the sentence the window was read around: the one retrieval chose.
        features = (best.margin, _evidence(q, anchor))
        z = READER_BIAS + sum(w * f for w, f in zip(READER_WEIGHTS, features))
        confidence = 1 / (1 + math.exp(-z))
        if sid != anchor.sentence_id and not self._sets_the_scene(q, sid, (a - first.start, b - first.start)):
            confidence *= OFF_TOPIC_FACTOR  # a place next door that is not where things happen there
        return Extraction(sid, anchor.chunk_id, a - first.start, b - first.start,
                          confidence, features, last_sentence_id=last)

    def evidence(self, found: Extraction) -> tuple[int, str]:
        """(offset in the document, text) of the answer's evidence: its sentence, or the
        sentences a reader answer runs across. found.start/end index this text."""
        first = self.corpus.sentences[found.sentence_id]
        if found.last_sentence_id is None:
            return first.start, first.text
        last = self.corpus.sentences[found.last_sentence_id]
        return first.start, self._documents[first.doc_id].text[first.start:last.end]

    def _with_neighbours(self, q: Question, s: _Scored) -> list[tuple[int, float]]:
        """The sentence, and for typed questions its neighbours in the same chunk: a date or
        a place often opens the sentence before the one that matches the question."""
        found = [(s.sentence_id, 0.0)]
        if q.qtype not in ("what", "other", "yesno"):
            chunk_ids = self.corpus.chunks[s.chunk_id].sentence_ids
            found += [(sid, NEIGHBOUR_PENALTY) for sid in (s.sentence_id - 1, s.sentence_id + 1)
                      if sid in chunk_ids and (q.asks_author or self.corpus.sentences[sid].kind != "byline")]
        return found

    def _confidence(self, q: Question, s: _Scored, span_score: float) -> float:
        """Logistic in how well the evidence sentence covers the question and how well the
        span is supported there (type fit, question words in its clause, the question's
        wording around it). Weights chosen on the seed dev set: docs/evaluation.md."""
        z = 10.0 * (_evidence(q, s) - 0.55) + 4.0 * (span_score - 1.2)
        return 1 / (1 + math.exp(-z))


def _evidence(q: Question, s: _Scored) -> float:
    """How well the evidence sentence and its passage cover the question, in [0, 1]."""
    if q.lang == "en":
        return 0.6 * s.dense + 0.4 * s.lexical if q.terms or q.glosses else s.dense
    return 0.55 * s.lexical + 0.15 * s.context + 0.3 * s.dense


_ASKS_PHOTO = re.compile(r"拍|摄|照片|图片|photo", re.IGNORECASE)
_ASKS_TEXT = re.compile(r"写|作者|撰|执笔|报道|文章|综述|稿|wrote|written|author", re.IGNORECASE)


def _credit_fits(q: Question, byline: str) -> bool:
    """A byline credits what the question asks about: a photo credit (记者 杨成栋 摄) does not
    answer who wrote a story, nor a writer's byline who took its photos; a 文/摄 both."""
    credit = byline.rstrip()
    photo, writing = credit.endswith("摄"), not re.search(r"(?<!文/)摄$", credit)
    wants_photo, wants_text = bool(_ASKS_PHOTO.search(q.text)), bool(_ASKS_TEXT.search(q.text))
    if wants_photo == wants_text:  # 记者是谁: either
        return True
    return photo if wants_photo else writing


def _idf(term_sets: list[set[str]]) -> dict[str, float]:
    df = Counter(t for terms in term_sets for t in terms)
    n = max(len(term_sets), 1)
    return {t: math.log(1 + (n - f + 0.5) / (f + 0.5)) for t, f in df.items()}


def _scale_cosine(cosine: float, lang: str) -> float:
    """Spread e5 cosines over [0, 1]: unrelated Chinese pairs score about 0.80, matching ones
    0.90–0.95; English questions against Chinese text sit about 0.06 lower."""
    low, high = (0.74, 0.86) if lang == "en" else (0.80, 0.94)
    return min(max((cosine - low) / (high - low), 0.0), 1.0)


def _support_clause(text: str, clauses: list[Span], a: int, b: int) -> Span:
    """The clause whose question words support the span a..b: its own, or, where the span
    fills its clause (a quoted slogan standing alone: “部门协同、完善制度”，在“123”工作法的推动下),
    that clause and its neighbours, which say what it is."""
    i = next((k for k, (x, y) in enumerate(clauses) if x <= a < y), None)
    if i is None:
        return a, b
    ca, cb = min(clauses[i][0], a), max(clauses[i][1], b)
    if text[ca:cb].strip(_QUOTES) == text[a:b].strip(_QUOTES):
        ca = clauses[i - 1][0] if i > 0 else ca
        cb = clauses[i + 1][1] if i + 1 < len(clauses) else cb
    return ca, cb


def _scope_start(text: str, clauses: list[Span], ca: int) -> int:
    """Where the scene of the clause starting at ca starts: the clause before, for a part of it (其中…)."""
    if not text.startswith("其中", ca):
        return ca
    return next((x for x, y in reversed(clauses) if y <= ca), ca)


_PAIRED = dict(_QUOTE_PAIRS) | {"（": "）", "(": ")", "【": "】"}  # quotes, then brackets


def _trim(text: str, span: tuple[int, int]) -> tuple[int, int]:
    """Drop surrounding spaces and punctuation from a span, and close its quotes and brackets."""
    a, b = span
    strip = " \t\n，,。；;：:、！？!?"
    while a < b and text[a] in strip:
        a += 1
    while b > a and text[b - 1] in strip:
        b -= 1
    return _balanced(text, a, b) if a < b else (a, b)


def _balanced(text: str, a: int, b: int) -> tuple[int, int]:
    """A quote or bracket left open (or closed) by the span: its partner just outside is taken
    in (《“四史”教育之改革开放史》, not “四史”教育之改革开放史》); failing that, a lone one at
    the span's edge is dropped."""
    for opening, closing in _PAIRED.items():
        piece = text[a:b]
        if piece.count(opening) > piece.count(closing):
            if text[b:b + 1] == closing:
                b += 1
            elif piece.startswith(opening):
                a += 1
        elif piece.count(closing) > piece.count(opening):
            if a > 0 and text[a - 1] == opening:
                a -= 1
            elif piece.endswith(closing):
                b -= 1
    return a, b
