"""The Telegram bot, end to end and offline: the real python-telegram-bot Application polls
a local Bot API server (tests/fake_bot_api.py) on a loopback port, on the real answering
core; the tests assert on exactly what the bot sent there."""

from __future__ import annotations

import asyncio
import html
import itertools
import logging
import os
import re
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import SimpleNamespace

import httpx
import pytest
from telegram import Update
from telegram.ext import TypeHandler

from bot.telegram import (APOLOGY, ASK_USAGE, EXPIRED, NOT_FOUND, _Views, build_application,
                          format_answer, format_passages, split_message, token_from_env)
from qa.config import DEFAULT_EXAMPLES as EXAMPLES
from qa.errors import QAError
from qa.service import Answer, Source
from tests.fake_bot_api import FakeBotAPI, group_chat, parse_html, private_chat, user, utf16_len
from tests.test_api import free_port, running

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAH-test_token-0123456789abcdefghijkl"


class RunningBot:
    """An Application built by build_application, run with run_polling in a thread against
    its own fake Bot API server, and fed one update at a time."""

    def __init__(self, fake: FakeBotAPI, application, poll_timeout: int = 10):
        self.fake, self.app, self.poll_timeout = fake, application, poll_timeout
        self._handled: set[int] = set()
        self._cond = threading.Condition()
        # Group 99 runs after the bot's own handlers (and its error handler): "done" marker.
        application.add_handler(TypeHandler(Update, self._done), group=99)
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True)

    async def _done(self, update, context):
        with self._cond:
            self._handled.add(update.update_id)
            self._cond.notify_all()

    def _run(self):
        asyncio.set_event_loop(self._loop)
        self.app.run_polling(timeout=self.poll_timeout, stop_signals=None)  # signals: the main thread's

    def start(self):
        self._thread.start()
        self.fake.wait_for(lambda: self.fake.calls_to("deleteWebhook"))  # polling set up
        return self

    def stop(self):
        self._loop.call_soon_threadsafe(self.app.stop_running)
        self._thread.join(timeout=30)
        assert not self._thread.is_alive(), "the application did not stop"

    def feed(self, timeout: float = 60, **update) -> list:
        """Deliver one update; return the calls the bot made while handling it."""
        before = len(self.fake.calls)
        update_id = self.fake.push(**update)
        with self._cond:
            assert self._cond.wait_for(lambda: update_id in self._handled, timeout), "update not handled"
        return [c for c in self.fake.calls[before:] if c.method != "getUpdates"]

    def say(self, chat: dict, sender: dict, text: str, reply_to: dict | None = None) -> list:
        return self.feed(message=self.fake.message(chat, sender, text, reply_to))


@contextmanager
def bot_on(service, poll_timeout: int = 10, **options):
    fake = FakeBotAPI(TOKEN)
    with running(fake.app) as url:
        fake.url = url
        bot = RunningBot(fake, build_application(service, TOKEN, base_url=f"{url}/bot", **options),
                         poll_timeout).start()
        try:
            yield bot
        finally:
            fake.closed = True
            bot.stop()


@pytest.fixture(scope="module")
def bot(service):
    with bot_on(service, rate_limit=None) as running_bot:
        yield running_bot


def assert_valid_html(text: str) -> str:
    """Telegram's supported tags only, balanced, everything else escaped; the plain text."""
    plain, _ = parse_html(text)
    return plain


def sent(calls, method: str = "sendMessage") -> list[dict]:
    """The parameters of the calls to `method`, all of which Telegram must have accepted."""
    assert all(c.ok for c in calls), [(c.method, c.result) for c in calls if not c.ok]
    found = [c.params for c in calls if c.method == method]
    for params in found:
        if method in ("sendMessage", "editMessageText"):  # (a callback answer's text is plain)
            assert params["parse_mode"] == "HTML"
            assert_valid_html(params["text"])
    return found


def only_reply(calls) -> dict:
    messages = sent(calls)
    assert len(messages) == 1, messages
    return messages[0]


def expected_answer_html(service, question: str) -> str:
    """The reply to `question`, built here from the core's own answer (not by the bot's code)."""
    a = service.ask(question)
    at = a.evidence.index(a.answer)
    quote = (html.escape(a.evidence[:at], quote=False) + f"<b>{html.escape(a.answer, quote=False)}</b>"
             + html.escape(a.evidence[at + len(a.answer):], quote=False))
    return (f"<b>{html.escape(a.answer, quote=False)}</b>\n<blockquote>{quote}</blockquote>\n"
            f"—— 《{html.escape(a.sources[0].title, quote=False)}》")


def button(params: dict) -> dict:
    [[only]] = params["reply_markup"]["inline_keyboard"]
    return only


# ─────────────────────────── private chats ───────────────────────────

def test_start_sets_the_command_menu(bot):
    [commands] = sent(bot.fake.calls_to("setMyCommands"), "setMyCommands")
    assert [c["command"] for c in commands["commands"]] == ["ask", "sources", "help"]


def test_start_and_help_greet_with_the_articles_and_example_questions(bot, service):
    me = user(101)
    for command in ("/start", "/help"):
        reply = only_reply(bot.say(private_chat(me), me, command))
        text = reply["text"]
        assert text.startswith("你好！") and "Hi! Ask me about these Chinese news articles" in text
        for doc in service.corpus.documents:
            assert f"《{html.escape(doc.title, quote=False)}》" in text
        assert reply["reply_markup"] == {"inline_keyboard": [
            [{"text": q, "callback_data": f"ex:{i}"}] for i, q in enumerate(EXAMPLES)]}


def test_examples_are_answered_by_the_articles(service):
    for question in EXAMPLES:
        assert not service.ask(question).abstained, question


def test_a_private_message_is_a_question(bot, service):
    me = user(102)
    calls = bot.say(private_chat(me), me, "象珠镇有多少家企业？")
    assert [c.method for c in calls] == ["sendChatAction", "sendMessage"]
    assert sent(calls, "sendChatAction") == [{"chat_id": me["id"], "action": "typing"}]
    reply = only_reply(calls)
    assert reply["text"] == expected_answer_html(service, "象珠镇有多少家企业？")
    assert "1000余家" in reply["text"] and "党建红引领生态绿" in reply["text"]
    assert "reply_parameters" not in reply  # no need to quote in a private chat
    assert button(reply)["text"] == "查看原文"
    assert re.fullmatch(r"src:[\w-]+", button(reply)["callback_data"])
    # What Telegram shows: the answer in bold, the evidence as a quote.
    message = calls[-1].result
    assert message["text"].startswith("1000余家\n目前，象珠镇有1000余家企业")
    assert {"type": "bold", "offset": 0, "length": 6} in message["entities"]
    assert any(e["type"] == "blockquote" for e in message["entities"])


def test_the_source_button_shows_the_full_passages(bot, service):
    me = user(103)
    ask_calls = bot.say(private_chat(me), me, "花街镇有几家集团公司？")
    answer_message = ask_calls[-1].result
    data = button(only_reply(ask_calls))["callback_data"]
    query = bot.fake.tap(answer_message, me, data)

    calls = bot.feed(callback_query=query)
    assert [c.method for c in calls] == ["answerCallbackQuery", "editMessageText"]
    assert sent(calls, "answerCallbackQuery") == [{"callback_query_id": query["id"]}]
    [edit] = sent(calls, "editMessageText")
    assert edit["chat_id"] == me["id"] and edit["message_id"] == answer_message["message_id"]
    assert "reply_markup" not in edit  # shown once: the button goes
    assert edit["text"].startswith(only_reply(ask_calls)["text"])
    answer = service.ask("花街镇有几家集团公司？")
    assert edit["text"].endswith(format_passages(answer.sources))
    shown = calls[-1].result["text"]
    for source in answer.sources:
        assert source.text.strip() in shown
    first = answer.sources[0]
    marked = first.text[first.answer_start:first.answer_end]
    assert f"<b>{html.escape(marked, quote=False)}</b>" in edit["text"] and "4家" in marked


def test_an_unknown_or_expired_source_button_says_so(bot):
    me = user(104)
    start = bot.say(private_chat(me), me, "/start")[-1].result
    calls = bot.feed(callback_query=bot.fake.tap(start, me, "src:gone"))
    assert [c.method for c in calls] == ["answerCallbackQuery"]
    [answer] = sent(calls, "answerCallbackQuery")
    assert answer["text"] == EXPIRED and answer["show_alert"] is True


def test_an_example_button_asks_its_question(bot):
    me = user(105)
    greeting = bot.say(private_chat(me), me, "/start")[-1].result
    calls = bot.feed(callback_query=bot.fake.tap(greeting, me, "ex:1"))
    assert [c.method for c in calls] == ["answerCallbackQuery", "sendChatAction", "sendMessage"]
    reply = only_reply(calls)
    assert reply["text"].startswith(f"<i>问：{EXAMPLES[1]}</i>\n\n<b>4家</b>")
    assert button(reply)["text"] == "查看原文"


def test_ask_command_and_its_usage(bot):
    me = user(106)
    assert "<b>4家</b>" in only_reply(bot.say(private_chat(me), me, "/ask 花街镇有几家集团公司？"))["text"]
    assert only_reply(bot.say(private_chat(me), me, "/ask"))["text"] == ASK_USAGE


def test_not_found_is_a_polite_reply_never_a_guess(bot):
    me = user(107)
    reply = only_reply(bot.say(private_chat(me), me, "火星上有多少座火山？"))
    assert reply["text"] == NOT_FOUND and "reply_markup" not in reply
    assert "换个说法" in reply["text"] and "not" in reply["text"]


def test_follow_up_questions_use_the_chat_context(bot):
    me, other = user(108), user(109)
    assert "1000余家" in only_reply(bot.say(private_chat(me), me, "象珠镇有多少家企业？"))["text"]
    follow = only_reply(bot.say(private_chat(me), me, "那花街镇呢？"))["text"]
    assert "426" in follow and "<i>（理解为：" in follow and "花街镇" in follow
    # Another chat has no such context.
    alone = only_reply(bot.say(private_chat(other), other, "那花街镇呢？"))["text"]
    assert "理解为" not in alone


def test_html_in_questions_and_articles_is_escaped(bot):
    me = user(110)
    question = "<b>谁</b> & co"
    reply = only_reply(bot.say(private_chat(me), me, question))  # accepted by the fake: valid HTML
    assert "<b>谁</b>" not in reply["text"]
    dangerous = Answer(question=question, answer="<b>谁</b> & co", abstained=False, confidence=0.9,
                       evidence="他说：<b>谁</b> & co 都来了。", took_ms=1.0, resolved_question="<i>x</i> & y",
                       sources=[Source("d.txt", "<script>《标题》&amp;", "段落 <b>谁</b> & co 都来了。", 1.0,
                                       0, 10, 3, 15)])
    for text in (format_answer(dangerous), format_passages(dangerous.sources)):
        plain = assert_valid_html(text)
        assert "<b>谁</b> & co" in plain
    assert "<script>《标题》&amp;" in assert_valid_html(format_answer(dangerous))
    assert "<i>x</i> & y" in assert_valid_html(format_answer(dangerous))


def test_too_long_question_gets_a_clear_reply(bot, service):
    me = user(111)
    limit = service.settings.max_question_chars
    reply = only_reply(bot.say(private_chat(me), me, "问" * (limit + 1)))["text"]
    assert f"（{limit + 1} 个字）" in reply and f"{limit} 个字以内" in reply and "too long" in reply


def test_sources_lists_the_articles(bot, service):
    me = user(112)
    text = only_reply(bot.say(private_chat(me), me, "/sources"))["text"]
    titles = [doc.title for doc in service.corpus.documents]
    assert text.startswith(f"<b>已收录 {len(titles)} 篇文章</b>")
    for i, title in enumerate(titles, 1):
        assert f"\n{i}. 《{html.escape(title, quote=False)}》" in text


# ─────────────────────────── groups ───────────────────────────

def test_in_groups_the_bot_answers_only_when_addressed(bot, service):
    group, alice = group_chat(-1001000000001), user(201, "Alice")
    assert bot.say(group, alice, "象珠镇有多少家企业？") == []
    assert bot.say(group, alice, "@someone_else 象珠镇有多少家企业？") == []
    assert bot.say(group, alice, "/ask@other_bot 象珠镇有多少家企业？") == []

    question = bot.fake.message(group, alice, "@qa_news_bot 象珠镇有多少家企业？")
    calls = bot.feed(message=question)
    reply = only_reply(calls)
    assert reply["text"] == expected_answer_html(service, "象珠镇有多少家企业？")
    assert reply["reply_parameters"]["message_id"] == question["message_id"]  # quoted in groups
    bots_answer = calls[-1].result

    # A reply to the bot is addressed to it, and a follow-up in the group's context.
    follow = only_reply(bot.say(group, alice, "那花街镇呢？", reply_to=bots_answer))["text"]
    assert "426" in follow
    assert "<b>4家</b>" in only_reply(bot.say(group, alice, "/ask@qa_news_bot 花街镇有几家集团公司？"))["text"]
    assert "<b>4家</b>" in only_reply(bot.say(group, alice, "/ask 花街镇有几家集团公司？"))["text"]
    # Replying to someone else's message is not addressing the bot.
    someone = bot.fake.message(group, user(202), "大家好")
    assert bot.say(group, alice, "象珠镇有多少家企业？", reply_to=someone) == []


def test_a_dangerous_question_in_a_group(bot):
    group, bob = group_chat(-1001000000002), user(203, "<b>Bob</b>")
    reply = only_reply(bot.say(group, bob, "@QA_News_Bot <b>谁</b> & co"))
    assert reply["text"] == NOT_FOUND


# ─────────────────────────── long messages ───────────────────────────

def long_answer(sentences: int = 200) -> Answer:
    evidence = "".join(f"第{i}句话讲了象珠镇的企业和党建工作的一些情况，共计二十多个字。" for i in range(sentences))
    return Answer(question="q", answer="象珠镇的企业", abstained=False, confidence=0.9, evidence=evidence,
                  took_ms=1.0, sources=[Source("d.txt", "很长的文章", evidence, 1.0, 0, len(evidence), 4, 10)])


def plain_of(parts: list[str]) -> str:
    return re.sub(r"\s", "", "".join(assert_valid_html(p) for p in parts))


def test_long_replies_are_split_at_sentence_ends():
    text = format_answer(long_answer())
    assert utf16_len(assert_valid_html(text)) > 5000
    parts = split_message(text)
    assert len(parts) >= 2
    for part in parts:
        assert utf16_len(part) <= 4096
        assert part.count("<blockquote>") == part.count("</blockquote>")
    for part in parts[:-1]:
        assert assert_valid_html(part).endswith("。")
    assert plain_of(parts) == re.sub(r"\s", "", assert_valid_html(text))


def test_splitting_counts_utf16_and_never_cuts_inside_a_tag_or_entity():
    emoji = "😀" * 3000 + "。"  # one sentence, 6,001 UTF-16 units: cut inside, as a last resort
    parts = split_message(f"<b>{emoji}</b>")
    assert len(parts) == 2 and all(utf16_len(assert_valid_html(p)) <= 4096 for p in parts)
    entities = "&amp;&lt;" * 1000
    parts = split_message(f"<i>{entities}</i>", limit=100)
    assert all(len(p) <= 100 for p in parts)
    assert "".join(assert_valid_html(p) for p in parts) == "&<" * 1000
    assert split_message("短句。" * 3) == ["短句。短句。短句。"]


def test_a_5000_character_answer_arrives_in_messages_telegram_accepts(service):
    answer = long_answer()
    fake_core = SimpleNamespace(corpus=service.corpus, settings=service.settings,
                                ask=lambda question, top_k=None, session_id=None: answer)
    with bot_on(fake_core) as long_bot:
        me = user(301)
        calls = long_bot.say(private_chat(me), me, "长问题")
        messages = sent(calls)
        assert len(messages) >= 2
        assert all("reply_markup" not in m for m in messages[:-1])  # the button on the last one
        assert button(messages[-1])["text"] == "查看原文"
        assert plain_of([m["text"] for m in messages]) == re.sub(r"\s", "", assert_valid_html(format_answer(answer)))
        # The passages (another 5,000 characters): an edit, then messages for the rest.
        query = long_bot.fake.tap(calls[-1].result, me, button(messages[-1])["callback_data"])
        view = long_bot.feed(callback_query=query)
        assert [c.method for c in view][:2] == ["answerCallbackQuery", "editMessageText"]
        texts = [p["text"] for p in sent(view, "editMessageText") + sent(view)]
        assert len(texts) >= 3 and all(utf16_len(assert_valid_html(t)) <= 4096 for t in texts)


# ─────────────────────────── limits and failures ───────────────────────────

def test_per_user_rate_limit_is_a_friendly_message(service):
    with bot_on(service, rate_limit=(2, 60.0)) as limited:
        me, other = user(401), user(402)
        for _ in range(2):
            assert "1000余家" in only_reply(limited.say(private_chat(me), me, "象珠镇有多少家企业？"))["text"]
        calls = limited.say(private_chat(me), me, "象珠镇有多少家企业？")
        assert [c.method for c in calls] == ["sendMessage"]  # no typing, no answer
        assert re.fullmatch(r"提问太频繁了，请 \d+ 秒后再试。\nToo many questions; please wait \d+ s\.",
                            only_reply(calls)["text"])
        assert "1000余家" in only_reply(limited.say(private_chat(other), other, "象珠镇有多少家企业？"))["text"]


def test_an_error_in_a_handler_is_logged_and_apologised_for(service, caplog):
    def broken(question, top_k=None, session_id=None):
        raise RuntimeError("the core broke")

    fake_core = SimpleNamespace(corpus=service.corpus, settings=service.settings, ask=broken)
    with bot_on(fake_core) as broken_bot:
        me = user(501)
        reply = only_reply(broken_bot.say(private_chat(me), me, "象珠镇有多少家企业？"))
        assert reply["text"] == APOLOGY
        assert any(r.name == "bot.telegram" and r.exc_info and "the core broke" in str(r.exc_info[1])
                   for r in caplog.records)
        assert "已收录" in only_reply(broken_bot.say(private_chat(me), me, "/sources"))["text"]  # still running


def test_the_passage_store_is_bounded():
    views = _Views(size=2)
    keys = [views.put(f"v{i}") for i in range(3)]
    assert views.get(keys[0]) is None and views.get(keys[2]) == "v2"
    assert all(len(f"src:{k}".encode()) <= 64 for k in keys)


def test_the_token_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    with pytest.raises(QAError) as missing:
        token_from_env()
    assert missing.value.code == "no_token"
    assert str(missing.value) == "TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and export it"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "  ")
    with pytest.raises(QAError):
        token_from_env()
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
    assert token_from_env() == TOKEN


# ─────────────────────────── a flaky Telegram ───────────────────────────

QUESTION, ANSWER = "象珠镇有多少家企业？", "<b>1000余家</b>"
users = itertools.count(800)  # a chat of its own for each test: no follow-up context between them


@pytest.fixture(scope="module")
def flaky(service):
    """A bot that waits 1 s for Telegram's answers (a long poll of 1 s: 2 s), so faults are quick."""
    with bot_on(service, rate_limit=None, timeout=1.0, poll_timeout=1) as running_bot:
        yield running_bot


@pytest.fixture
def logs(caplog):
    """Everything logged, DEBUG up; after the test, checked never to show the token."""
    caplog.set_level(logging.DEBUG)
    yield caplog
    text = "\n".join(logging.Formatter().format(r) for r in caplog.get_records("call"))
    assert "HTTP Request: POST" in text  # the request URLs were logged...
    assert TOKEN not in text and TOKEN.split(":")[1] not in text  # ...without the token


def sends(calls) -> list:
    return [c for c in calls if c.method == "sendMessage"]


SEND_FAULTS = {  # fault, then the waits expected between the tries
    "500 twice": (lambda fake: fake.fail("sendMessage", 500, times=2), [0.5, 1.0]),
    "429 retry after 1 s": (lambda fake: fake.fail("sendMessage", 429, retry_after=1), [1.0]),
    "dropped twice": (lambda fake: fake.drop("sendMessage", times=2), [0.5, 1.0]),
}


@pytest.mark.parametrize("fault, waits", SEND_FAULTS.values(), ids=SEND_FAULTS)
def test_a_failed_reply_is_retried_and_arrives_once(flaky, logs, fault, waits):
    me = user(next(users))
    fault(flaky.fake)
    tries = sends(flaky.say(private_chat(me), me, QUESTION))
    assert [c.ok for c in tries] == [False] * len(waits) + [True]
    assert ANSWER in tries[-1].params["text"]  # the answer, not an apology
    for (before, after), wait in zip(itertools.pairwise(tries), waits):
        assert after.at - before.at >= wait


POLL_FAULTS = {
    "500": lambda fake: fake.fail("getUpdates", 500),
    "429 retry after 1 s": lambda fake: fake.fail("getUpdates", 429, retry_after=1),
    "dropped": lambda fake: fake.drop("getUpdates"),
    "slower than the client waits": lambda fake: fake.stall("getUpdates", seconds=2.5),
}


@pytest.mark.parametrize("fault", POLL_FAULTS.values(), ids=POLL_FAULTS)
def test_polling_goes_on_after_a_failed_poll(flaky, logs, fault):
    me = user(next(users))
    fault(flaky.fake)
    flaky.fake.wait_for(lambda: not flaky.fake.faults_left())  # a poll is failing now
    [reply] = sent(flaky.say(private_chat(me), me, QUESTION))  # delivered by a later poll
    assert ANSWER in reply["text"]


def test_a_reply_that_timed_out_is_not_sent_again(flaky, logs):
    """Telegram got it and may carry it out (here it does, late): a retry could send it twice."""
    me = user(next(users))
    flaky.fake.stall("sendMessage", seconds=1.5)
    before = len(flaky.fake.calls)
    assert sends(flaky.say(private_chat(me), me, QUESTION)) == []  # the bot gave up waiting...
    [reply] = sends(flaky.fake.wait_for(lambda: sends(flaky.fake.calls[before:])))  # ...it arrives
    assert reply.ok and ANSWER in reply.params["text"]
    assert sends(flaky.fake.calls[before:]) == [reply]  # once: not retried, and no apology
    assert any("could not reply" in r.getMessage() for r in logs.records)


GIVE_UP = {  # fault, then how many tries
    "429 asking for 60 s": (lambda fake: fake.fail("sendMessage", 429, retry_after=60), 1),
    "500 three times": (lambda fake: fake.fail("sendMessage", 500, times=3), 3),
}


@pytest.mark.parametrize("fault, tries", GIVE_UP.values(), ids=GIVE_UP)
def test_a_reply_that_keeps_failing_is_given_up_and_the_bot_goes_on(flaky, logs, fault, tries):
    me = user(next(users))
    fault(flaky.fake)
    calls = flaky.say(private_chat(me), me, QUESTION)
    assert [c.ok for c in sends(calls)] == [False] * tries  # no apology either: it would fail too
    assert any(r.levelname == "WARNING" and "could not reply" in r.getMessage() for r in logs.records)
    assert ANSWER in only_reply(flaky.say(private_chat(me), me, QUESTION))["text"]


def test_a_server_down_for_a_few_calls_of_any_kind(flaky, logs):
    me = user(next(users))
    flaky.fake.fail("*", 500)  # whichever calls come next: a poll, "typing" or the reply
    flaky.fake.drop("*")
    calls = flaky.say(private_chat(me), me, QUESTION)
    flaky.fake.wait_for(lambda: not flaky.fake.faults_left())
    replies = [c for c in sends(calls) if c.ok]
    assert len(replies) == 1 and ANSWER in replies[0].params["text"]


# ─────────────────────────── webhook mode, as `qa bot` runs it ───────────────────────────

RUN_BOT = """
import logging, sys
from pathlib import Path
from qa.config import Settings
from qa.service import QAService
from bot.telegram import run_bot, token_from_env

logging.basicConfig(level=logging.DEBUG)  # everything, to show that the token is never in it
service = QAService.open(Settings(docs_dir=Path(sys.argv[1]), index_dir=Path(sys.argv[2]), model=sys.argv[3]))
run_bot(service, token_from_env(), base_url=sys.argv[4], webhook_url=sys.argv[5], listen="127.0.0.1",
        port=int(sys.argv[6]), secret_token=sys.argv[7])
"""


def test_webhook_mode_checks_the_secret_token_and_answers(settings, service, tmp_path):
    pytest.importorskip("tornado", reason='webhook mode needs python-telegram-bot[webhooks] (tornado)')
    fake, port, secret = FakeBotAPI(TOKEN), free_port(), "s3cret_Token-1"
    log = tmp_path / "bot.log"  # a file, not a pipe: nobody reads a pipe while the bot runs
    me = user(701)
    with running(fake.app) as url:
        hook = f"http://127.0.0.1:{port}/telegram-hook"
        process = subprocess.Popen(
            [sys.executable, "-c", RUN_BOT, str(settings.docs_dir), str(settings.index_dir), settings.model,
             f"{url}/bot", hook, str(port), secret],
            cwd=ROOT, env={**os.environ, "TELEGRAM_BOT_TOKEN": TOKEN}, stderr=log.open("w"))
        try:
            fake.wait_for(lambda: fake.calls_to("setWebhook") or process.poll() is not None, timeout=120)
            assert process.poll() is None, log.read_text()[-3000:]
            [webhook] = sent(fake.calls_to("setWebhook"), "setWebhook")
            assert webhook["url"] == hook and webhook["secret_token"] == secret
            assert webhook["allowed_updates"] == ["message", "callback_query"]

            update = {"update_id": 1, "message": fake.message(private_chat(me), me, "象珠镇有多少家企业？")}
            with httpx.Client(timeout=10) as client:
                def post(headers):
                    deadline = time.monotonic() + 30
                    while True:
                        try:
                            return client.post(hook, json=update, headers=headers)
                        except httpx.ConnectError:
                            assert time.monotonic() < deadline, "webhook server did not start"
                            time.sleep(0.1)

                assert post({}).status_code == 403
                assert post({"X-Telegram-Bot-Api-Secret-Token": "wrong"}).status_code == 403
                assert post({"X-Telegram-Bot-Api-Secret-Token": secret}).status_code == 200
            [reply] = sent(fake.wait_for(lambda: fake.calls_to("sendMessage")))
            assert reply["chat_id"] == me["id"] and "<b>1000余家</b>" in reply["text"]
            assert len(fake.calls_to("sendMessage")) == 1  # the refused posts were not handled
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=30)
            finally:
                process.kill()
            fake.closed = True
    stderr = log.read_text()
    assert process.returncode == 0, stderr[-3000:]
    assert "Set Bot API URL" in stderr  # DEBUG logs were written...
    assert TOKEN not in stderr and TOKEN.split(":")[1] not in stderr  # ...without the token
