"""Span extraction per answer type, on sentences that are not from the seed articles."""

import pytest

from qa.answering import (_another_level, _another_year, _asks_post, _kind_of_organisation, _restates_what_is_explained,
                          _stops_mid_phrase, _value_of_another_thing, _other_kind_of_place, _brand_owners, _clauses, _counts_other_things, _gap_span, _lasts_until,
                          _lists, _misreading,
                          _named_subject, _place_for_company, _place_for_post_holder, _posts, _noun_phrases, _quoted_names,
                          _repeats_the_question, _support_clause, _trim, typed_candidates, typed_spans)
from qa.question import analyse, english_posts, gap_contexts


def misread(question: str, text: str, answer: str) -> float:
    """The fit the first occurrence of answer in text loses as an answer to question."""
    at = text.index(answer)
    return _misreading(analyse(question), text, text, (at, at + len(answer)))


def spans(text, qtype, unit=None):
    return [text[a:b] for a, b in typed_spans(text, qtype, unit)]


@pytest.mark.parametrize("question, qtype, unit", [
    ("城关镇有多少家企业？", "number", "家"),
    ("去年招了几名新员工", "number", "名"),
    ("展览什么时候开幕？", "date", None),
    ("大会是哪一年召开的", "date", None),
    ("谁主持了会议？", "person", None),
    ("仪式在哪里举行？", "place", None),
    ("哪家公司赞助了活动？", "organisation", None),
    ("活动包括哪些项目？", "what", None),
    ("为什么要成立联盟？", "other", None),
    ("How many companies are in the town?", "number", "家"),
    ("Who chaired the meeting?", "person", None),
    ("When did the exhibition open?", "date", None),
    ("Where was the ceremony held?", "place", None),
    ("Which company sponsored the event?", "organisation", None),
    ("Which institution signed the agreement?", "organisation", None),
    ("How long can the sensor run on one battery?", "frequency", None),  # a duration, as 多久
    ("How long is the new road?", "number", None),
    ("工作站礼拜几有律师坐班？", "date", None),  # which weekday: not a count (几)
    ("改造完以后是哪家物业公司来管这几个小区？", "organisation", None),  # 这几个: these, not how many
    ("好几个村一共修了多少座桥？", "number", "座"),
    ("镇里今年打算给老楼装几部电梯？", "number", "部"),
])
def test_question_types(question, qtype, unit):
    q = analyse(question)
    assert (q.qtype, q.unit) == (qtype, unit)


def test_traditional_question_is_simplified():
    q = analyse("象珠鎮哪家電器公司成功創建了「紅色車間」？")
    assert q.text.startswith("象珠镇哪家电器公司")
    assert q.lang == "zh"


def test_numbers_keep_their_units():
    text = "全县共有工业企业812家，其中规模以上企业37家，从业人员3.7万余人，增长12.5%。"
    found = spans(text, "number", "家")
    assert "812家" in found and "37家" in found and "3.7万余人" in found and "12.5%" in found


def test_dates():
    text = "2022年5月18日上午，博览会在会展中心开幕，将持续至6月3日。"
    found = spans(text, "date")
    assert "2022年5月18日上午" in found and "6月3日" in found


def test_people_after_titles_and_tagged_names():
    text = "县委副书记王建国，村党支部书记李红梅和教授张伟出席了仪式。"
    found = spans(text, "person")
    assert {"王建国", "李红梅", "张伟"} <= set(found)
    # posts beyond party and government ones; 长期 is no post
    assert "魏国华" in spans("市中心血站站长魏国华告诉记者，库存仅能满足5天。", "person")
    assert "期坚持" not in spans("派出所长期坚持，成效明显。", "person")


def test_organisations_and_places():
    text = "浙江飞龙机械有限公司在县体育中心广场举办了招聘会。"
    assert "浙江飞龙机械有限公司" in spans(text, "organisation")
    assert any(s.endswith("广场") for s in spans(text, "place"))


def test_a_period_alone_is_a_duration_not_a_frequency():
    """多久 asks how often or how long: a frequency fits better than a duration."""
    text = "合同有效期一年，双方每季度对账一次，一年一次评估。"
    fits = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "frequency").items()}
    assert fits["每季度"] == fits["一年一次"] > fits["一年"]


def test_lists_and_quoted_names():
    text = "合作社推出了“稻香人家”品牌，主要种植水稻、茶叶、油菜和蓝莓。"
    found = spans(text, "what")
    assert "稻香人家" in found
    assert any(s.startswith("水稻、茶叶") for s in found)


def test_an_unquoted_name_explained_in_brackets_is_the_name_of_what_follows():
    text = ("石桥村探索出一套务实管用的四联四帮(即联系农户，帮助增收；联系企业，帮助用工)治理工作法，"
            "使矛盾纠纷明显减少。")
    subject = _named_subject(analyse("石桥村探索出的治理工作法叫什么名字？"))
    assert subject == "石桥村探索出的治理工作法"
    assert [text[a:b] for a, b in _quoted_names(text, subject)] == ["四联四帮"]
    assert _quoted_names(text, "服务队") == []  # the bracket stands before another noun


def test_the_owner_of_a_quoted_brand_is_a_name_not_a_count():
    brands = "打造出红日电器党建+质量、东方纺织党建+培训等特色品牌"
    assert [brands[a:b] for a, b in _brand_owners(brands, brands, "哪家企业走“党建+培训”的路子？")] == ["东方纺织"]
    war = "这时，正值敌军发动第三次“扫荡”，县委依靠群众坚持斗争"
    assert _brand_owners(war, war, "第三次反“扫荡”斗争后成立了什么组织？") == []


def test_who_a_named_person_is_asks_for_their_posts():
    assert all(_asks_post(analyse(q)) for q in ("王立新是谁？", "谁是许海滨？", "王立新担任什么职务？"))
    assert not any(_asks_post(analyse(q)) for q in ("高管是谁？", "书记是谁？", "谁是作者？", "王立新是哪家企业的董事长？"))


def test_the_posts_one_person_holds_listed_answer_together():
    text = "青山区委副书记、区长王立新，副区长李梅出席。"
    posts = dict(_posts(text, "王立新是谁？"))
    assert text[0:10] == "青山区委副书记、区长"
    assert posts[(0, 10)] > posts[(0, 7)] and posts[(0, 10)] > posts[(8, 10)]


def test_gap_between_question_context_words():
    sentence = "据统计，城关镇有812家企业，其中规上企业37家。"
    q = analyse("城关镇有多少家企业？")
    (a, b), _ = _gap_span(sentence, q)
    assert sentence[a:b] == "812家"


def test_the_gap_follows_the_occurrence_the_question_describes():
    # 企业 occurs three times; the question's words before it (销售额, 千万元) pick the third,
    # the town it names does not (it is the whole sentence's topic).
    sentence = "城关镇现有企业812家，其中规上企业37家，年销售额超千万元企业9家。"
    q = analyse("城关镇年销售额过千万元的企业有几家？")
    (a, b), _ = _gap_span(sentence, q)
    assert sentence[a:b] == "9家"


def test_english_names_are_read_as_pinyin():
    from qa.text import pinyin_bigrams, romanised_names

    assert romanised_names("How many firms does Xiangzhu town have in Yongkang?") == ["xiangzhu", "yongkang"]
    assert romanised_names("Who chaired the Party meeting?") == []
    assert (3, "yongkang") in pinyin_bigrams("今年在永康举行")
    # the post an English question names is looked for as articles write it (secretary: 书记)
    assert dict(analyse("Who is the party secretary of Meiling village?").glosses)["secretary"] == {"书记"}


def test_frequency_questions_and_head_nouns():
    q = analyse("例会多长时间开一次？")
    assert q.qtype == "frequency"
    assert spans("公司每周召开例会，每个月开展一次活动。", "frequency") == ["每周", "每个月开展一次"] or \
        {"每周", "每个月"} <= set(spans("公司每周召开例会，每个月开展一次活动。", "frequency"))
    assert analyse("是哪个党委成立的？").head == "党委"
    assert analyse("景区在哪个村？").qtype == "place"


def test_question_context_drops_function_words_to_find_the_gap():
    sentence = "局长王强在副局长李明等陪同下走访企业。"
    q = analyse("陪同走访的副局长是谁？")
    (a, b), _ = _gap_span(sentence, q)
    assert sentence[a:b].startswith("李明")


def test_rare_names_after_titles_are_found():
    text = "该公司党支部副书记许海滨身穿红马甲开展劝导活动，车间主任牟加义结合自身经历讲课。"
    assert {"许海滨", "牟加义"} <= set(spans(text, "person"))


def test_list_runs_through_a_verb_tagged_item():
    found = spans("产品主要以防盗门、农机、化工、五金铸造和休闲用品为主。", "what")
    assert "防盗门、农机、化工、五金铸造和休闲用品" in found


def test_lists_of_equal_verb_phrases_are_cut_to_their_items():
    found = spans("村里制定了产业共兴、环境共治、服务共享、文化共育的工作法。", "what")
    assert "产业共兴、环境共治、服务共享、文化共育" in found


def test_list_questions_ask_for_a_count_of_items():
    assert (analyse("展厅分为哪几个区？").qtype, analyse("展厅分为哪几个区？").plural) == ("what", True)
    assert analyse("工作法包括哪四个方面？").count == 4
    assert analyse("活动包括哪些项目？").count is None


def test_sums_of_money_are_asked_in_yuan():
    assert analyse("村里一共筹到多少善款？").unit == "元"
    assert analyse("这个杯子值多少钱？").unit == "元"
    assert analyse("村里有多少家企业？").unit == "家"
    found = typed_candidates("全镇有规上企业12家，年产值达35亿元。", "number", "元")
    by_text = {"全镇有规上企业12家，年产值达35亿元。"[a:b]: fit for (a, b), fit in found.items()}
    assert by_text["35亿元"] > by_text["12家"]


def test_english_questions_counting_people_or_companies_ask_in_their_measure_words():
    assert analyse("How many Party members does the branch have?").unit == "人"
    assert analyse("How many industrial companies are there in Huajie town?").unit == "家"
    assert analyse("How many workshops were set up?").unit is None
    assert analyse("How much money did the zone recover for workers?").unit == "元"
    assert analyse("How much is the cup worth?").unit == "元"
    assert analyse("How many patient visits has the clinic handled?").unit == "人次"
    assert analyse("How many orders did the livestream take?").unit == "单"
    text = "开发区共完成哈尔斯公司等6家企业的创建，党支部有党员20名。"
    fits = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "number", "人").items()}
    assert fits["20名"] > fits["6家"]


def test_a_date_an_event_lasts_until_is_not_when_it_began_unless_it_began_then():
    lasts = "画展将持续至6月30日。"
    assert _lasts_until(analyse("画展什么时候开幕？"), lasts, (6, 11))
    assert not _lasts_until(analyse("画展展到哪天？"), lasts, (6, 11))
    opened = "纪念馆先行开馆，至2010年9月25日正式对外开放。"  # 至 here: then, on that day, it opened
    assert not _lasts_until(analyse("纪念馆哪一年正式对外开放？"), opened, (9, 19))


def test_places_and_companies_a_question_names():
    assert analyse("白云镇党委书记是谁？").names == ("白云镇",)
    assert analyse("景区在哪个村？").names == ()
    assert analyse("活动覆盖全市多少个村社？").names == ()
    assert analyse("白鹭公司党支部书记是谁？").names == ("白鹭公司",)
    assert analyse("该公司有多少名党员？").names == ()
    assert analyse("哪家建筑公司承建的？").names == () and analyse("镇里有几家集团公司？").names == ()
    # jieba cuts 青|山镇 and 去|山镇: a one-character stem takes a name-like character before it
    assert analyse("青山镇在哪里？").names == ("青山镇",) and analyse("他去山镇了吗？").names == ()
    assert analyse("东湖镇有多少家企业？").names == ("东湖镇",)  # 东湖|镇有
    assert analyse("农贸市场在哪里？").names == ()  # 农贸|市场 is no 农贸市


def test_author_questions_look_for_the_story_not_for_authorship_words():
    q = analyse("采写白云镇党建报道的记者是谁？")
    assert q.asks_author and {"白云", "党建"} <= set(q.terms)
    assert not {"采写", "报道", "记者"} & set(q.terms)


def test_a_place_word_before_a_locative_ends_a_place():
    # jieba tags 内 a noun, so the noun phrase runs on past the room
    assert any(s.endswith("三楼报告厅") for s in spans("当天，白云公司三楼报告厅内座无虚席。", "place"))


def test_the_asked_noun_is_the_last_of_a_compound():
    assert analyse("哪家电器公司获评红旗支部？").head == "公司"
    assert analyse("是哪个党委成立的？").head == "党委"
    assert analyse("哪个假期人最多？").head == "假期"


def test_which_one_questions_are_singular():
    assert analyse("是哪个党组织的历程？").singular
    assert not analyse("有哪些党组织？").singular and not analyse("主要生产什么？").singular


def test_questions_without_a_wh_word_ask_yes_or_no():
    assert analyse("是否参加了活动？").qtype == "yesno"
    assert analyse("Is the exhibition still open?").qtype == "yesno"
    assert analyse("你知道谁是书记吗？").qtype == "person"


def test_a_slogan_standing_as_its_own_clause_is_supported_by_its_neighbours():
    # “甲、乙、丙”，在“三步”工作法的推动下…: the next clause says what the quoted list is
    text = "“摸底排查、分类施策、跟踪问效”，在“三步”工作法的推动下，全镇推进清廉建设。"
    a = text.index("摸底")
    b = text.index("问效") + 2
    ca, cb = _support_clause(text, _clauses(text), a, b)
    assert "三步" in text[ca:cb] and "清廉" not in text[ca:cb]
    # a span inside a longer clause is supported by that clause alone
    a = text.index("清廉")
    assert _support_clause(text, _clauses(text), a, a + 4) == (text.index("全镇"), len(text) - 1)


def test_a_word_pointing_at_a_place_is_not_a_place():
    found = spans("13日上午，城区人民广场上热闹非凡，义卖活动正在这里举行。", "place")
    assert "这里" not in found and "城区人民广场" in found


def test_transliterated_names_are_whole_across_their_dots():
    found = spans("最有价值球员奖由保罗·皮尔斯获得，约翰·菲茨杰拉德·肯尼迪到场祝贺。", "person")
    assert {"保罗·皮尔斯", "约翰·菲茨杰拉德·肯尼迪"} <= set(found)


def test_numbers_keep_their_units_and_ordinals_and_dates_their_part_of_the_year():
    assert spans("馆藏图书81.6万册，离场4分钟内不得再配对，有效距离30km。", "number") == ["81.6万册", "4分钟", "30km"]
    assert spans("这是乐队的第15张单曲。", "number") == ["第15张"]
    assert analyse("要等多少分钟？").unit == "分钟"
    assert {"2003年初", "1990年代"} <= set(spans("景区于2003年初开始规划，1990年代建成。", "date"))


def test_what_follows_located_at_is_a_place():
    assert "白云公司" in spans("位于白云公司的党群服务中心已建成。", "place")
    assert "青山县大桥镇的溪边" in spans("古洞位于青山县大桥镇的溪边，长约两公里。", "place")


def test_a_with_a_measure_word_is_no_count_and_ranges_and_place_runs_are_whole():
    found = typed_candidates("这是一种鱼，体长可达80公分。", "number")
    by_text = {"这是一种鱼，体长可达80公分。"[a:b]: fit for (a, b), fit in found.items()}
    assert by_text["80公分"] > by_text["一种"]
    assert "1984年10月7日至1985年9月29日" in spans("于1984年10月7日至1985年9月29日播出。", "date")
    assert "公元前25年" in spans("该城由罗马人在公元前25年建立。", "date")
    assert "乌拉圭蒙得维的亚" in spans("他生于乌拉圭蒙得维的亚。", "place")


def test_which_work_questions_ask_what_not_where():
    q = analyse("她在哪部电影中首度担任女主角？")
    assert (q.qtype, q.head) == ("what", "电影")
    assert analyse("会议在哪举行？").qtype == "place"


def test_which_one_with_yi_asks_the_same_as_without():
    assert analyse("赛里木是哪一种语言的音译？").qtype == "what"
    assert analyse("他初中就读于哪所学校？").qtype == "organisation"
    assert analyse("景区在哪一个村？").qtype == "place"


def test_which_and_a_measure_word_read_alike_in_every_pattern():
    # one list of measure words: 所 also stops 在哪 from asking where, 部 also makes one wanted
    assert analyse("他在哪所大学取得博士学位？").qtype == "organisation"
    assert analyse("占士·邦是哪部小说的主角？").singular
    assert analyse("申请需要什么条件？").head == "条件"  # 条 after 什么 is no measure word


def test_a_list_is_not_cut_inside_a_name():
    # jieba splits 陈|弄|坑村: a list ending at the lone 陈 is no answer
    found = spans("县里将打造李家、王庄生态+旅游和柳树湾村、陈弄坑村文化+产业两条示范线。", "what")
    assert not any(item.endswith("、陈") for item in found)
    assert "1、2、3、4、5、6、10、12、15、20、30和60" in spans("60的因数有1、2、3、4、5、6、10、12、15、20、30和60。", "what")


def test_the_question_words_before_the_gap_keep_a_word_ending_in_a_function_character():
    # 现在有: 有 is a function word, the 在 of 现在 is not; the gap follows 现在
    assert gap_contexts(analyse("合作社现在有多少名社员？"))[-1][0] == "合作社现在"
    (a, b), _ = _gap_span("合作社由最初的5名社员发展到现在的120名社员。", analyse("合作社现在有多少名社员？"))
    assert "120" in "合作社由最初的5名社员发展到现在的120名社员。"[a:b]


def test_a_list_ends_before_a_comma_and_people_are_counted_in_any_of_their_units():
    text = "1937年，国立中央大学、金陵大学、齐鲁大学内迁成都，与华西协合大学联合办学。"
    assert "国立中央大学、金陵大学、齐鲁大学" in spans(text, "what")
    assert not any("华西" in item for item in spans(text, "what") if "、" in item)
    by_text = {"有两新党组织30家、党员245人。"[a:b]: fit for (a, b), fit in
               typed_candidates("有两新党组织30家、党员245人。", "number", "名").items()}
    assert by_text["245人"] > by_text["30家"]  # 多少名党员: 245人 is in the asked unit


def test_names_in_several_words_are_whole():
    assert "耶律金山" in spans("耶律乞奴被耶律金山所杀。", "person")
    assert "伊恩·法兰明" in spans("这个角色的创造者是伊恩·法兰明。", "person")


@pytest.mark.parametrize("text, read, answer", [
    ("讲座题为《“一带一路”十年回顾》。", "“一带一路”十年回顾》", "《“一带一路”十年回顾》"),  # opener outside: taken in
    ("品牌叫“青年之家”，很受欢迎。", "“青年之家", "“青年之家”"),  # closer just outside: taken in
    ("他说：“好好干吧，", "“好好干吧，", "好好干吧"),  # no partner at all: the lone quote goes
    ("（记者 王小明）", "王小明）", "王小明"),
    ("会址在“城东”", "“城东”", "“城东”"),  # balanced already: as is
])
def test_an_answer_closes_its_quotes_and_brackets(text, read, answer):
    start = text.index(read)
    a, b = _trim(text, (start, start + len(read)))
    assert text[a:b] == answer


def test_a_list_ends_before_what_closes_it():
    def lists(text):
        return [text[a:b] for a, b in _lists(text)]

    assert lists("甲公司、乙公司、丙工贸5家企业获评示范单位。") == ["甲公司、乙公司、丙工贸"]
    assert lists("依托城东书院、青年夜校等平台开展培训。") == ["城东书院、青年夜校"]
    assert lists("有西湖、灵隐寺、清河坊一条街等景点。") == ["西湖、灵隐寺、清河坊一条街"]  # 一条街 is a name
    assert lists("社区开展党建+教育、党建+养老、党建+文化等活动。") == ["党建+教育、党建+养老、党建+文化"]


def test_numbers_about_a_count_and_in_the_unit_asked():
    fits = {"上百张": 1.2, "600余人次": 0.7, "60余名": 0.7}
    text = "墙上贴了上百张照片；培训600余人次，其中积极分子60余名。"
    found = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "number", "张").items()}
    assert {k: found.get(k) for k in fits} == fits
    found = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "number", "人次").items()}
    assert found["600余人次"] > found["60余名"] == found["上百张"]


def test_a_name_jieba_guesses_inside_quotes_is_hardly_a_person():
    text = "近日，“绿水青山——青山区生态摄影展”在区文化馆开幕，摄影师李文涛到场。"
    found = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "person").items()}
    assert found["绿水青山"] < found["李文涛"]


def test_a_name_jieba_guesses_at_the_head_of_a_company_is_no_person():
    company = "永康市张小泉五金有限公司的车间里一片忙碌。"
    assert "张小泉" not in spans(company, "person")
    assert "王力" in spans("公司董事长王力说，公司今年产值翻番。", "person")


def test_a_range_of_numbers_is_one_answer():
    assert "100米至2,800米" in spans("生长于海拔100米至2,800米的地区。", "number", "米")
    assert "15至20厘米" in spans("果实长约15至20厘米。", "number", "厘米")
    assert "70-80公里" in spans("最高时速可达70-80公里。", "number", "公里")
    # two numbers a story links by other words are two answers
    assert spans("由最初的3名党员发展到现在的20名党员。", "number", "名") == ["3名", "20名"]


def test_currencies_and_latin_units_belong_to_their_number():
    assert "30亿越南盾" in spans("成立时的注册资本为30亿越南盾。", "number")
    assert "5亿日圆" in spans("这场婚礼耗资5亿日圆。", "number", "日圆")
    assert "1.601 km²" in spans("土地面积为1.601 km²。", "number")
    assert "4.7 GHz" in spans("处理器的速度为4.7 GHz。", "number")


def test_a_range_of_dates_is_surer_than_either_end():
    text = "第二届比赛于2009年9月27日-10月9日举行。"
    found = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "date").items()}
    assert found["2009年9月27日-10月9日"] > found["10月9日"]


def test_dates_in_chinese_numerals_are_whole():
    assert "一九六一年九月十日" in spans("一九六一年九月十日，双方代表互换批准书。", "date")
    assert "十二月二十五日" in spans("他于十二月二十五日抵达。", "date")
    assert spans("一个月后，他回到家乡。", "date") == []


def test_located_at_x_of_y_is_x_only_where_it_describes_y():
    def best(text):
        found = typed_candidates(text, "place")
        a, b = max(found, key=found.get)
        return text[a:b]
    assert best("据悉，位于青禾集团的城北党群服务中心已完工。") == "青禾集团"
    assert best("该公园位于泰国的首都曼谷的乍都节县，是一处游园地。") == "泰国的首都曼谷的乍都节县"


def test_a_last_list_item_shorter_than_the_others_is_whole():
    text = "大力实施绿色领航、绿色覆盖、绿色先锋、绿色示范“四大行动”，推动高质量发展。"
    assert "绿色领航、绿色覆盖、绿色先锋、绿色示范" in spans(text, "what")


def test_an_english_question_counts_the_items_it_asks_for():
    assert analyse('What are the "four major actions" of the project?').count == 4
    assert analyse("What did the two companies sign?").count is None  # no list asked


def test_a_company_name_holding_a_verb_is_one_phrase():
    def phrases(text):
        return [text[a:b] for a, b in _noun_phrases(text)]
    # jieba tags 出租 a verb; the name runs on to the suffix (was 有限公司党支部)
    assert "白鹭客运出租有限公司党支部" in phrases("展厅里展示了我市白鹭客运出租有限公司党支部的党建工作")
    assert "成立公司" not in phrases("他们去年成立公司以后发展很快")  # a verb opens no name


def test_a_quoted_term_that_counts_its_parts_asks_for_a_list():
    q = analyse("“双强”指的是什么？")
    assert q.plural and q.count == 2
    assert analyse("“五大行动”具体包括什么？").count == 5
    assert not analyse("「五大書記」指的是毛澤東、朱德、任弼時、周恩來，還有誰？").plural  # one more of them
    assert not analyse("「五六式衝鋒鎗」指的是什麼？").plural  # a model number, not a count


def test_a_quote_that_ends_its_sentence_is_no_theme():
    subject = _named_subject(analyse("这次党建联盟签约仪式用的主题口号是什么？"))
    slogan = "举行“同心共建、携手共进”党建联盟成立签约仪式。"
    assert [slogan[a:b] for a, b in _quoted_names(slogan, subject)] == ["同心共建、携手共进"]
    speech = "“此次成立的党建联盟，是迈出党建合作新模式的关键一步。”"  # a quote is not the slogan
    assert _quoted_names(speech, subject) == []


def test_a_verb_right_after_le_opens_the_first_list_item():
    """增设了|跳|大绳: the predicate ended at 了, so 跳 is the item's (but 推动|党建 stays out)."""
    text = "运动会增设了跳大绳、趣味障碍跑和拔河等集体项目。"
    assert any(s.startswith("跳大绳、趣味障碍跑和拔河") for s in spans(text, "what"))
    assert not any(s.startswith("推动") for s in spans("积极推动党建、经济和文化融合发展。", "what"))


def test_a_festival_is_a_date():
    assert "今年春节前" in spans("今年春节前，志愿者们包了600多个饺子。", "date")
    assert "中秋节当天" in spans("中秋节当天，社区举办了晚会。", "date")


def test_one_inner_item_sets_no_length_for_the_others():
    """理发、量血压、手机使用教学: 量血压 alone does not make the first item 设理发 nor the last 手机使."""
    found = spans("服务队在食堂开设理发、量血压、手机使用教学等便民服务。", "what")
    assert not any(s.endswith("手机使") or s.startswith("设理发") for s in found)


def test_an_organisation_jieba_runs_on_from_is_cut_at_its_suffix():
    text = "同时，青山市公共交通集团有限公司新开通公交K9路，方便沿线居民出行。"
    assert "青山市公共交通集团有限公司" in spans(text, "organisation")


def test_only_a_company_suffix_cuts_a_noun_phrase_short():
    text = "花街镇走出了一条一支部一品牌、一支部一特色的特色化党建之路。"
    assert "一支部" not in spans(text, "organisation")


def test_a_weekday_is_a_date_but_one_week_is_not():
    assert "每周三下午" in spans("反诈宣传队每周三下午到社区宣讲。", "date")
    assert spans("例会一周一次。", "date") == []


def test_a_weekday_answers_which_day_of_the_week():
    q = analyse("宣传队固定在每周哪天去社区宣讲？")
    text = "城南派出所组建了反诈宣传队，每周三走进社区开展宣传。"
    a = text.index("每周三")
    assert _misreading(q, text, text, (a, a + 3)) == 0.0


def test_a_weekday_does_not_answer_what_date():
    q = analyse("From what date does the library stay open later on Fridays?")
    text = "自5月1日起，图书馆每周五开放时间延长至晚上9点。"
    a = text.index("每周五")
    assert _misreading(q, text, text, (a, a + 3)) >= 1.0
    assert _misreading(q, text, text, (2, 6)) == 0.0  # 5月1日
    assert _misreading(analyse("大集是几月几号开的？"), "大集定在每周三。", "大集定在每周三。", (4, 7)) >= 1.0


def test_where_something_moved_from_is_a_place():
    text = "今年3月，共配中心从县城东关街的临时仓库搬到了工业园区纬二路8号。"
    assert "县城东关街的临时仓库" in spans(text, "place")
    assert "城北解放路88号" in spans("客运中心由原来的城北解放路88号整体搬迁至城东新区。", "place")


def test_a_house_number_is_no_day():
    """溪畔路188号: no 88号 cut from the number, and no 32nd of a month."""
    assert not any("88号" in s for s in spans("阅览室位于溪畔路188号，当天正式启用。", "date"))
    assert spans("新馆设在幸福路32号。", "date") == []
    assert "10月24日" in spans("10月24日，新馆开放。", "date")


def test_a_doubled_character_is_no_name_by_jiebas_tag_alone():
    assert "徐徐" not in spans("一幅“活动党员干 群众竞相仿”的画卷在哈尔斯公司徐徐铺展。", "person")


def test_an_answer_in_the_questions_own_words_or_a_place_for_a_post_says_something_else():
    branch = analyse("The photo wall shows which company's Party branch?")
    assert _repeats_the_question(branch, "党支部")  # 党 (party) + 支部 (branch): the question's words
    assert not _repeats_the_question(branch, "白云公交公司党支部")
    manager = analyse("Who was the project manager for the contractor?")
    assert _place_for_post_holder(manager, "梅溪镇") and not _place_for_post_holder(manager, "陈立群")
    assert _place_for_post_holder(analyse("工程的项目经理是谁？"), "梅溪镇")
    assert not _place_for_post_holder(analyse("谁主办了这次活动？"), "梅溪镇")  # a town may organise


def test_every_number_before_a_change_is_what_it_was():
    """由2020年的12万元增加到去年的68万元: the year does not hide 12万元 from the change."""
    q = analyse("村集体经营性收入涨到了多少？")
    text = "村集体经营性收入由2020年的12万元增加到去年的68万元。"
    old, new = text.index("12万元"), text.index("68万元")
    assert _misreading(q, text, text, (old, old + 4)) > 0 and _misreading(q, text, text, (new, new + 4)) == 0


def test_a_street_address_after_a_district_is_part_of_the_place():
    assert "东新区振兴路99号" in spans("调解中心设在县城东新区振兴路99号的诉讼服务中心内。", "place")


def test_times_of_day_are_dates_and_answer_what_time():
    text = "每年3月至5月茶季期间，直播间每天晚上7点到11点连续开播。"
    assert {"晚上7点到11点", "3月至5月"} <= set(spans(text, "date"))
    q = analyse("直播间每天几点开播？")
    months, hours = text.index("3月至5月"), text.index("晚上7点到11点")
    assert _misreading(q, text, text, (months, months + 5)) > 0
    assert _misreading(q, text, text, (hours, hours + 8)) == 0
    assert spans("末班车21:30从东站发出。", "date") == ["21:30"]
    assert "8时" not in spans("夏至当日正午12时26分（UTC+8时）无影。", "date")  # a time zone


def test_a_range_question_wants_both_ends():
    text = "夜市每天营业时间为17:30至次日1:00，周末延长到2:00。"
    assert "17:30至次日1:00" in spans(text, "date")
    q = analyse("夜市每天几点到几点营业？")
    both, start = text.index("17:30至次日1:00"), text.index("17:30")
    assert _misreading(q, text, text, (both, both + 12)) == 0
    assert _misreading(q, text, text, (start, start + 5)) > 0
    assert _misreading(analyse("夜市每天几点开门？"), text, text, (start, start + 5)) == 0


def test_a_date_range_before_a_change_is_what_it_was():
    q = analyse("今年的禁渔期从哪天到哪天？")
    text = "今年禁渔期由往年的3个月(4月1日至6月30日)延长到5个月，即3月1日至7月31日。"
    old, new = text.index("4月1日至6月30日"), text.index("3月1日至7月31日")
    assert _misreading(q, text, text, (old, old + 10)) > 0 and _misreading(q, text, text, (new, new + 10)) == 0


def test_a_sum_of_money_does_not_count_things():
    assert _counts_other_things(analyse("这次一共放了多少鱼苗？"), "86万元")
    assert not _counts_other_things(analyse("这次一共放了多少鱼苗？"), "120万尾")
    assert not _counts_other_things(analyse("这次放流花了多少？"), "86万元")  # nothing counted
    assert analyse("学院奖励了他们多少？").unit == "元" and analyse("带来了多少消费？").unit == "元"
    assert analyse("来了多少消费者？").unit is None
    assert spans("共投放鱼苗120万尾，其中鲢鱼80万尾。", "number") == ["120万尾", "80万尾"]


def test_every_few_periods_is_a_frequency():
    assert "每两周" in spans("镇卫生院每两周派1名医生到校巡诊。", "frequency")
    assert "每3天" in spans("水质每3天检测一次。", "frequency")


def test_an_address_question_wants_the_street_and_number():
    text = "智能制造学院位于学校新校区，地址在石桥市经济开发区学府路9号。"
    assert "石桥市经济开发区学府路9号" in spans(text, "place")
    q = analyse("智能制造学院的具体地址在哪里？")
    campus, street = text.index("学校新校区"), text.index("石桥市经济开发区学府路9号")
    assert _misreading(q, text, text, (campus, campus + 5)) > 0
    assert _misreading(q, text, text, (street, street + 13)) == 0
    assert _misreading(analyse("智能制造学院在哪里？"), text, text, (campus, campus + 5)) == 0


def test_english_money_words():
    assert analyse("How much prize money did the team win?").unit == "元"
    assert analyse("How much is the monthly management fee?").unit == "元"


def test_a_sentence_about_another_year_only_does_not_answer():
    def another_year(question, text, answer):
        at = text.index(answer)
        return _another_year(analyse(question), text, (at, at + len(answer)))

    last = "How much money was spent on last year's fish release?"
    assert another_year(last, "本次放流资金共86万元，全部来自省级专项资金。", "86万元")
    assert not another_year(last, "本次投放鱼苗120万尾，比去年的80万尾增加了一半。", "80万尾")
    assert not another_year(last, "放流资金共86万元。", "86万元")  # the sentence names no year
    assert another_year("今年计划投放多少鱼苗？", "去年投放鱼苗80万尾。", "80万尾")
    assert not another_year("今年计划投放多少鱼苗？", "2024年投放鱼苗80万尾，去年是70万尾。", "80万尾")
    this = "茶岭村今年村集体经营性收入达到了多少？"
    text = "钟立新说，去年村集体经营性收入为38万元，今年的目标是突破60万元。"
    assert another_year(this, text, "38万元") and not another_year(this, text, "60万元")


def test_a_planned_number_answers_only_a_question_about_the_plan():
    text = "至此，全县乡村阅览室总数达到128个，我们的目标是到2025年底建成150个乡村阅览室。"
    built, target = text.index("128个"), text.index("150个")
    now = analyse("全县现在一共建成了多少个乡村阅览室？")
    assert _misreading(now, text, text, (target, target + 4)) > 0 and _misreading(now, text, text, (built, built + 4)) == 0
    planned = analyse("全县计划建成多少个乡村阅览室？")
    assert _misreading(planned, text, text, (target, target + 4)) == 0
    assert _misreading(planned, text, text, (built, built + 4)) > 0  # what is built is no plan
    teams = "花街村将全村党员分为市场管理服务队等7个服务队。"  # 将 here is 把, no plan
    assert _misreading(analyse("党员被分成几支服务队？"), teams, teams, (teams.index("7个"), teams.index("7个") + 2)) == 0


def test_a_discounted_price_answers_only_a_question_about_the_discount():
    text = "明前茶的标价是每斤598元，直播间优惠价458元。"
    full, cut = text.index("598元"), text.index("458元")
    discounted = analyse("直播间里明前茶优惠后一斤多少钱？")
    assert _misreading(discounted, text, text, (full, full + 4)) > 0
    assert _misreading(discounted, text, text, (cut, cut + 4)) == 0
    listed = analyse("明前茶一斤标价多少钱？")
    assert _misreading(listed, text, text, (cut, cut + 4)) > 0 and _misreading(listed, text, text, (full, full + 4)) == 0


def test_a_town_or_a_public_body_is_no_company():
    english = analyse("Which company operates the new bus route?")
    assert _place_for_company(english, "清溪图书馆") and _place_for_company(english, "梅溪镇")
    assert not _place_for_company(english, "清溪市公共交通集团有限公司")
    assert _place_for_company(analyse("哪家公司负责运营这条线路？"), "县人民医院")
    assert not _place_for_company(analyse("哪个单位负责运营这条线路？"), "县人民医院")  # any body may


def test_an_english_deputy_post():
    assert english_posts("Who is the deputy curator of the library?") == ["副馆长"]
    assert english_posts("Who is the curator of the library?") == ["馆长"]
    assert "理事长" in english_posts("Who chairs the tea cooperative?")
    # whoever heads a body holds its chief post, whichever its kind of body has
    assert {"站长", "局长"} <= set(english_posts("Who heads the city's central blood station?"))
    assert "校长" in english_posts("Who is the head of the school?")


def test_a_length_or_an_area_is_answered_in_its_units():
    text = "新桥全长286米，沿线共改造急弯14处，门诊楼建筑面积4200平方米，共四层。他18岁当学徒。"
    assert misread("新桥有多长？", text, "14处") > 0 and misread("新桥有多长？", text, "286米") == 0
    assert misread("How long is the new bridge?", text, "14处") > 0
    assert (misread("门诊楼有多大？", text, "四层") > 0 and misread("他多大开始当学徒的？", text, "18岁") == 0
            and misread("How big is the outpatient building?", text, "4200平方米") == 0)
    assert misread("How many tourist visits did the scenic area receive?", text, "14处") == 0  # "area" asks no area
    assert analyse("大桥多宽？").qtype == "number"
    reservoir = "水库总库容1260万立方米，坝高32米。"
    assert misread("水库的总库容有多大？", reservoir, "1260万立方米") == 0
    at = reservoir.index("1260")
    assert typed_spans(reservoir, "number")[0] == (at, at + len("1260万立方米"))
    assert analyse("排查是在哪段时间？").qtype == "date" and analyse("水库在哪里？").qtype == "place"
    relic = "那件铜炉高26.5厘米，重3.2公斤，是“多重保障”的展品。"
    assert misread("铜炉有多重？", relic, "26.5厘米") > 0 and misread("铜炉有多重？", relic, "3.2公斤") == 0
    solar = "全乡只有9个屋顶安装了光伏板，装机容量仅0.8兆瓦，每户每年可得租金720元。"
    capacity = "How much solar capacity did the township have installed?"
    assert misread(capacity, solar, "9个") > 0 and misread(capacity, solar, "0.8兆瓦") == 0
    assert misread("How much rent does a household get each year?", solar, "720元") == 0
    assert misread("How many rooftops had solar panels?", solar, "9个") == 0
    assert misread("How heavy is the bronze burner?", relic, "26.5厘米") > 0
    assert misread("铜炉有多高？", relic, "26.5厘米") == 0 and misread("展品有几项多重保障？", relic, "26.5厘米") == 0
    assert analyse("What is the street address of the county library?").qtype == "place"


def test_a_count_of_places_is_no_place():
    assert "5个村" not in spans("乡里将推动周边5个村的茶园统一品种。", "place")
    assert "全镇12个村" not in spans("全镇12个村参加了评比。", "place")
    assert "三楼会议室" in spans("会议在三楼会议室举行。", "place")


def test_a_village_asked_is_answered_by_a_village():
    village = analyse("退休教师韦德顺住在哪个村？")
    assert _other_kind_of_place(village, "桐岗县和煦社会工作服务站") and not _other_kind_of_place(village, "青岗村")
    assert not _other_kind_of_place(analyse("他来自哪个省？"), "浙江")  # provinces go without their kind
    assert not _other_kind_of_place(analyse("Which village does he live in?"), "青岗村")


def test_a_kind_of_organisation_is_no_organisation_name():
    asked = analyse("长者食堂归哪个机构来运营？")
    assert _kind_of_organisation(asked, "社工机构") and not _kind_of_organisation(asked, "桐岗县和煦社会工作服务站")
    text = "食堂由桐岗县和煦社会工作服务站负责运营，专家每月两次来院坐诊。"
    names = [text[a:b] for a, b in typed_spans(text, "organisation")]
    assert "桐岗县和煦社会工作服务站" in names and not any(n.endswith("来院") for n in names)


def test_a_name_or_number_does_not_stop_on_a_word_leading_on():
    who = analyse("参加放流活动的县水利局，局长叫什么？")
    assert _stops_mid_phrase(who, "农业农村局、县水利局、龙潭镇政府的") and not _stops_mid_phrase(who, "方德胜")
    assert not _stops_mid_phrase(analyse("县里计划改造几所学校？"), "6所")  # after a number: a measure
    assert not _stops_mid_phrase(analyse("这辆车是拿来干什么的？"), "供学生参观学习的")  # a clause may


def test_a_why_answer_gives_a_reason_not_the_fact_again():
    why = analyse("服务中心为什么选址在330国道边上？")
    assert _restates_what_is_explained(why, "镇政府不远的330国道边上，装修风格独特的服务中心格外显眼")
    assert not _restates_what_is_explained(why, "交通便利，方便周边企业的党员就近参加活动")
    assert not _restates_what_is_explained(why, "由于交通便利，所以选址在330国道边上")
    assert not _restates_what_is_explained(analyse("服务中心在哪里？"), "330国道边上")


def test_a_sum_written_as_a_things_worth_answers_only_for_that_thing():
    text = "两家企业分别赞助了价值1万元的杯子，用于义卖。"
    at = (text.index("1万元"), text.index("1万元") + 3)
    assert _value_of_another_thing(analyse("义卖一共筹到了多少善款？"), text, at)
    assert not _value_of_another_thing(analyse("企业赞助的杯子值多少钱？"), text, at)


def test_a_count_of_the_whole_noun_comes_before_one_of_part_of_it():
    text = "中心设有数控加工、新能源汽车维修4个实训区，建成实训工位612个，配备设备1100余台。"
    (a, b), _ = _gap_span(text, analyse("新实训中心一共能提供多少个实训工位？"))
    assert text[a:b].strip("，") == "612个"  # not 4个|实训区


def test_a_question_naming_what_a_discount_is_for_asks_the_discounted_price():
    text = "最受欢迎的是一款竹编茶盘，标价280元，在直播间下单可享受优惠价198元。"
    live = "那款竹编茶盘在直播间下单多少钱？"
    assert misread(live, text, "198元") == 0 and misread(live, text, "280元") > 0
    assert misread("那款竹编茶盘多少钱？", text, "280元") == 0 and misread("那款竹编茶盘多少钱？", text, "198元") > 0


def test_the_first_does_not_answer_for_the_last():
    text = "首班车6:30从县城客运中心发车，末班车18:00发车，平均每40分钟一班。"
    last, first = "K8路最晚一班车几点从县城发车？", "K8路首班车几点发车？"
    assert misread(last, text, "6:30") > 0 and misread(last, text, "18:00") == 0
    assert misread(first, text, "18:00") > 0 and misread(first, text, "6:30") == 0
    assert misread("K8路几点发车？", text, "6:30") == 0  # neither asked


def test_funds_secured_are_no_plan():
    text = "总投资4680万元，其中争取中央和省级专项资金2100万元，其余由县财政解决。"
    assert misread("中央和省里拨了多少钱？", text, "2100万元") == 0  # 争取…资金: secured
    assert misread("村里建成了多少个大棚？", "村里争取年底建成150个大棚。", "150个") > 0  # 争取年底: a plan


def test_a_street_address_alone_is_a_place():
    places = typed_candidates("展厅从村委会旁的旧仓库搬到了镇上的竹乡路18号。", "place")
    assert {"竹乡路18号"} <= {"展厅从村委会旁的旧仓库搬到了镇上的竹乡路18号。"[a:b] for a, b in places}
    text = "新站搬迁至城东新区迎宾大道166号。"
    fits = {text[a:b]: fit for (a, b), fit in typed_candidates(text, "place").items()}
    assert fits["城东新区迎宾大道166号"] > fits["新区迎宾大道166号"]  # the district with it is more exact


def test_the_day_something_runs_from_does_not_say_when_it_ends():
    text = "夜市营业时间为每天18:00至次日0:30，今年的“夜市季”从4月18日开始，持续到10月31日。"
    ends = "今年的夜市季开到哪天结束？"
    assert misread(ends, text, "4月18日") > 0 and misread(ends, text, "10月31日") == 0
    assert misread(ends, text, "18:00至次日0:30") > 0  # 次日 names no day
    assert misread("今年的夜市季从哪天开始？", text, "4月18日") == 0


def test_what_one_tier_pays_does_not_say_what_another_pays():
    text = "中心总投资2680万元，其中省级专项补助资金1500万元，其余由县财政和医院自筹解决。"
    a = text.index("1500万元")
    assert _another_level(analyse("建中心的钱里，县财政掏了多少？"), text, (a, a + 6))
    assert not _another_level(analyse("建中心，省里补助了多少钱？"), text, (a, a + 6))
    assert not _another_level(analyse("鹿鸣镇建中心花了多少钱？"), text, (a, a + 6))  # a town's name is no tier
    points = "县财政按每个村级服务点一次性补助5000元。"
    b = points.index("5000元")
    assert _another_level(analyse("县财政给每个乡镇服务站补助多少？"), points, (b, b + 5))
    assert not _another_level(analyse("县财政给每个村级服务点补助多少？"), points, (b, b + 5))


def test_an_ordinal_or_what_was_before_does_not_count_what_is_asked():
    text = "松林村服务点是全县第136个村级服务点，每月平均派件2400件。"
    assert misread("服务点每个月平均派多少件快递？", text, "第136个") > 0
    assert misread("松林村服务点是全县第几个服务点？", text, "第136个") == 0
    before = "去年以前，全乡只有两所学校屋顶安装了光伏板，装机容量仅0.8兆瓦。"
    assert misread("光伏项目最后总装机容量做到了多少？", before, "0.8兆瓦") > 0
    assert misread("光伏项目以前的装机容量有多少？", before, "0.8兆瓦") == 0
    assert "5600毫升" in spans("累计献血量达到5600毫升。", "number")


def test_a_time_that_was_shortened_is_not_how_long_it_takes_now():
    text = "包裹从县城到村里的时间由原来的3至5天缩短到24小时以内。"
    assert "24小时以内" in spans(text, "frequency")
    now = "现在一个包裹从县城送到村里要多长时间？"
    assert misread(now, text, "5天") > 0 and misread(now, text, "24小时以内") == 0
    assert misread("包裹原来从县城送到村里要多长时间？", text, "5天") == 0


def test_the_day_the_paper_learnt_it_is_not_the_day_it_happened():
    text = "11月20日，记者从县第一中学获悉，在刚刚结束的全省科技创新大赛中，该校作品获得一等奖。"
    assert misread("全省科技创新大赛是哪天开始比的？", text, "11月20日") > 0
    assert misread("记者是哪天从学校获悉获奖消息的？", text, "11月20日") == 0
    assert misread("大赛是哪天开始比的？", "11月16日，大赛在省城开幕。", "11月16日") == 0


def test_when_work_began_does_not_say_when_it_is_finished():
    text = "项目于4月10日开工，计划10月31日前全部完工。"
    done = "老小区改造原本打算什么时候全部干完？"
    assert misread(done, text, "4月10日") > 0 and misread(done, text, "10月31日前") == 0
    assert misread("项目是哪天开工的？", text, "10月31日前") > 0 and misread("项目是哪天开工的？", text, "4月10日") == 0
    assert misread("When will the work be completed?", text, "4月10日") > 0


def test_where_it_was_does_not_say_where_it_is_now():
    was = "鹤鸣夜市以前设在老体育场南侧的停车场内，地址为解放路112号。"
    now = "今年初，县里决定将夜市整体搬迁至滨河公园东侧，新址位于滨河路9号。"
    asks_now, asks_was = "鹤鸣夜市搬家以后，新地址在哪儿？", "鹤鸣夜市以前在哪儿？"
    assert misread(asks_now, was, "解放路112号") > 0 and misread(asks_now, now, "滨河路9号") == 0
    assert misread(asks_was, now, "滨河路9号") > 0 and misread(asks_was, was, "解放路112号") == 0
    # one sentence, both places: the nearest word before each tells which it is; in English too
    moved = "县城客运中心已于今年7月由原来的城北解放路88号整体搬迁至城东新区迎宾大道166号。"
    asks_before = "Where was the county passenger transport centre before it moved?"
    assert misread(asks_before, moved, "城东新区迎宾大道166号") > 0 and misread(asks_before, moved, "城北解放路88号") == 0
    assert misread("客运中心现在搬到哪里了？", moved, "城北解放路88号") > 0
    club = "社团最初的活动场地是旧实验楼三楼的一间杂物间，今年春季学期搬进了科技楼二楼。"
    assert misread("科技社现在在哪个地方活动？", club, "旧实验楼三楼") > 0  # 最初 … 现在
    assert misread("科技社最初在哪里活动？", club, "旧实验楼三楼") == 0


def test_any_fee_is_money_and_a_restated_discount_is_the_discount():
    assert analyse("每个月保教费交多少？").unit == "元" and analyse("一个月伙食费多少？").unit == "元"
    assert analyse("停车楼能免费停多少个车位？").unit != "元"  # 免费 is no fee
    text = "保教费为每生每月600元，对搬迁安置户子女减半收取，即每月300元。"
    asked = "搬迁安置户家的孩子每个月保教费交多少？"  # names what the discount is for
    assert misread(asked, text, "300元") == 0 and misread(asked, text, "600元") > 0
    # an early-bird price is a discount, and booking early asks it
    text = "编程班开始报名，每人学费680元，12月31日前报名享早鸟价580元。"
    early = "编程班提前报名要多少钱？"
    assert misread(early, text, "580元") == 0 and misread(early, text, "680元") > 0
    assert misread("编程班学费每人多少钱？", text, "580元") > 0


def test_a_part_does_not_answer_how_much_in_all():
    text = "中心总投资2680万元，其中省级专项补助资金1500万元，其余由县财政自筹解决。"
    assert misread("建这个中心一共投了多少钱？", text, "1500万元") > 0
    assert misread("建这个中心一共投了多少钱？", text, "2680万元") == 0
    assert misread("中心总投资2680万元，省里补了多少？", text, "1500万元") == 0  # the total sets the scene


def test_how_many_won_a_title_is_not_how_many_in_all():
    text = "目前，杏花坞村已有4家民宿被评为市级星级民宿。"
    assert misread("杏花坞村现在一共有多少家民宿？", text, "4家") > 0
    assert misread("杏花坞村有几家民宿被评为星级民宿？", text, "4家") == 0
