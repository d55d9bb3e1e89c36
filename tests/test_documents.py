from qa.documents import clean_text, parse_document

import pytest

from qa.errors import QAError

COLUMN_BROKEN = """ 党建红引领生态绿 联盟齐绘“同心圆”
融媒记者 吕鹏

“我志愿加入中国共产党，拥护党

的纲领，遵守党的章程⋯⋯”当晚，在

道明光学股份有限公司活动大厅举行。

随后，签约仪式正式开

始。
"""


def test_column_broken_lines_rejoin_without_spaces():
    text, blocks, title = clean_text(COLUMN_BROKEN)
    assert "“我志愿加入中国共产党，拥护党的纲领，遵守党的章程⋯⋯”当晚，在道明光学股份有限公司活动大厅举行。" in text
    assert "随后，签约仪式正式开始。" in text
    assert title == "党建红引领生态绿 联盟齐绘“同心圆”"
    kinds = [b.kind for b in blocks]
    assert kinds[:2] == ["heading", "byline"]


def test_blocks_cover_the_text_and_nothing_is_lost():
    text, blocks, _ = clean_text(COLUMN_BROKEN)
    assert "\n".join(text[b.start:b.end] for b in blocks) == text
    squeezed = "".join(COLUMN_BROKEN.split())
    assert "".join(text.split()) == squeezed


def test_word_broken_across_a_heading_like_line_is_rejoined():
    raw = "第一句话结束了。\n道明光学股份有限公司党支部书\n记吴康英：今年是公司成立20周年。\n"
    text, _, _ = clean_text(raw)
    assert "党支部书记吴康英：" in text


def test_ads_are_marked_not_dropped_and_markdown_titles_win():
    raw = "# 花街镇 打造特色党建\n□记者 邱灵娟 文/摄\n正文第一句。\nYONGKANG SUB-BRANCH\n..........农行视角\n"
    text, blocks, title = clean_text(raw)
    assert title == "花街镇 打造特色党建"
    assert "YONGKANG SUB-BRANCH" in text
    assert [b.kind for b in blocks] == ["heading", "byline", "body", "noise", "noise"]


def test_headline_above_byline_with_subtitle():
    raw = ("正文一句话。\n图片说明文字在这里\n党旗在基层一线高高飘扬\n——我市推动基层党建工作高质量发展综述\n"
           "□融媒首席记者 张赤奎\n党的力量来自组织。\n")
    assert clean_text(raw)[2] == "党旗在基层一线高高飘扬"


def test_latin_words_keep_their_space_when_rejoined():
    text, _, _ = clean_text("Intro.\nThe party branch held a\nmeeting in the hall.\n")
    assert "held a meeting" in text


def test_a_number_broken_by_the_column_is_one_number_again():
    text, _, _ = clean_text("第一句。\n他以4分21秒的成绩打破了201\n2年创下的校纪录，奖金1\n\n000元。\n")
    assert "打破了2012年创下的校纪录，奖金1000元。" in text


def test_a_paragraph_line_as_long_as_the_column_is_no_heading():
    raw = ("河畔小学新建图书馆启用\n记者 林晓\n\n5月8日上午，河畔小学新建的\n\n图书馆正式启用。\n\n"
           "这是全镇首个面向小学生的综合\n\n阅览中心，由三家单位联合组建，\n\n藏书共计一万两千册。\n\n"
           "书香校园\n\n学校每周开放图书馆五天，\n\n方便学生借阅。\n")
    text, blocks, title = clean_text(raw)
    assert "这是全镇首个面向小学生的综合阅览中心，由三家单位联合组建，藏书共计一万两千册。" in text
    headings = [text[b.start:b.end] for b in blocks if b.kind == "heading"]
    assert headings == ["河畔小学新建图书馆启用", "书香校园"]  # a short section heading stays one


def test_non_utf8_document_is_a_clear_error():
    with pytest.raises(QAError, match="bad.txt is not UTF-8"):
        parse_document("bad.txt", "中文".encode("gb18030"))


def test_a_line_opening_with_a_closing_quote_ends_the_last_lines_quote():
    raw = "标题在这里\n记者 林晓\n“家人们看，这就是我们的杨梅，今天早上刚摘\n\n下来的。\n\n”直播从上午9点持续到12点。\n"
    text, _, _ = clean_text(raw)
    assert "今天早上刚摘下来的。”直播从上午9点持续到12点。" in text


def test_paragraph_openings_that_look_like_headings_join_their_sentence():
    """Column lines a few characters short of the column, lines ending on a word no sentence
    stops on (由, 和), lines whose next line opens with the
    punctuation ending their clause, with 的 or with the rest of a number, and lines opening a
    bracket they never close are no headings."""
    raw = ("湖畔村修起新码头\n记者 林晓\n\n今年3月，湖畔村在东岸新建了一座码头，\n全村渔船从此有了固定的停靠点。\n\n"
           "码头的石料全部来自湖畔\n县采石场，运输用了两个月。\n\n"
           "这条航线的开通并不顺利\n，前后试航了三次。\n\n为防止大风天气\n的浪涌冲击船只，\n码头加装了防浪堤。\n\n"
           "本报讯（记者 林晓 通讯员\n王芳）新码头预计明年6\n月3 0日全面启用。\n\n"
           "新码头由\n湖畔渔业发展有限公司\n和村集体共同运营。\n\n航线全长46.\n5公里，沿途设站点8个。\n")
    text, blocks, _ = clean_text(raw)
    assert "码头的石料全部来自湖畔县采石场，运输用了两个月。" in text
    assert "这条航线的开通并不顺利，前后试航了三次。" in text
    assert "为防止大风天气的浪涌冲击船只，码头加装了防浪堤。" in text
    assert "本报讯（记者 林晓 通讯员王芳）新码头预计明年6月30日全面启用。" in text
    assert "新码头由湖畔渔业发展有限公司和村集体共同运营。" in text  # a line ending on 由 runs on
    assert "航线全长46.5公里，沿途设站点8个。" in text  # a decimal point the column broke after
    assert [text[b.start:b.end] for b in blocks if b.kind == "heading"] == ["湖畔村修起新码头"]


def test_an_ocr_space_inside_a_word_goes_and_one_between_words_stays():
    text, _, _ = clean_text("标题\n\n全县累 计配送图书21.5万册，共培 训管理员260人次。 记者 温晓岚 摄\n")
    assert "全县累计配送图书21.5万册，共培训管理员260人次。 记者 温晓岚 摄" in text
