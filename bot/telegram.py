"""Telegram bot on the answering core, with python-telegram-bot's asyncio `Application`.

Handlers are short: parse the update, call `QAService.ask` off the event loop, format, reply.
Formatting is plain functions (HTML out), separate from the handlers, so it can be tested
without Telegram. Messages use Telegram's HTML parse mode, and every piece of user or article
text goes through `esc` before it is put between tags.

Calls to Telegram that fail are retried a few times, unless Telegram may have carried them
out already (`_retry_delay`); long polling retries by itself (PTB's Updater: with backoff, forever).
"""

from __future__ import annotations

import asyncio
import html
import logging
import math
import os
import re
import secrets
from collections import OrderedDict
from urllib.parse import urlsplit

import httpx
from telegram import BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, NetworkError, RetryAfter, TelegramError, TimedOut
from telegram.ext import (Application, BaseRateLimiter, CallbackQueryHandler, CommandHandler, ContextTypes,
                          MessageHandler, filters)

from qa.api import RateLimiter
from qa.errors import QAError

log = logging.getLogger("bot.telegram")

MAX_MESSAGE_CHARS = 4096  # Telegram's limit on the text of one message
MAX_TITLES_IN_GREETING = 10  # more are listed by /sources
MAX_STORED_VIEWS = 1000  # "查看原文" texts kept; older buttons say they have expired
COMMANDS = [BotCommand("ask", "提问，例如 /ask 象珠镇有多少家企业？"),
            BotCommand("sources", "已收录的文章"),
            BotCommand("help", "使用说明 / help")]

NOT_FOUND = ("抱歉，已收录的文章里没有找到这个问题的答案。\n"
             "可以换个说法、说得更具体些再问，或发送 /sources 看看收录了哪些文章。\n"
             "Sorry, the articles do not answer that; try rephrasing.")
ASK_USAGE = "请在 /ask 后面写上问题，例如：/ask 象珠镇有多少家企业？"
APOLOGY = "抱歉，出了点问题，请稍后再试。\nSorry, something went wrong; please try again."
EXPIRED = "这条回答已过期，请重新提问。"

# Retrying a call to Telegram that failed (all but getUpdates, which PTB's Updater retries).
ATTEMPTS = 3  # tries of one call, at most
BACKOFF = 0.5  # seconds before the 2nd try after a network error or a 5xx; doubled for the 3rd
MAX_RETRY_AFTER = 10.0  # a 429 asking to wait longer is not waited out: updates are handled one by one


# ─────────────────────────── formatting (HTML out) ───────────────────────────

def esc(text: str) -> str:
    return html.escape(text, quote=False)


def highlight(text: str, start: int | None, end: int | None) -> str:
    """`text` escaped, with text[start:end] in bold (unchanged when the span is not in it)."""
    if start is None or end is None or not 0 <= start < end <= len(text):
        return esc(text)
    return f"{esc(text[:start])}<b>{esc(text[start:end])}</b>{esc(text[end:])}"


def format_answer(answer) -> str:
    """The answer in bold, its sentence quoted with the answer marked, and the source title;
    or, when the core abstained, a polite "not found" (never a guess)."""
    if answer.abstained:
        return NOT_FOUND
    at = answer.evidence.find(answer.answer)
    lines = [f"<b>{esc(answer.answer)}</b>"]
    if answer.resolved_question:  # a follow-up: say how it was understood
        lines.append(f"<i>（理解为：{esc(answer.resolved_question)}）</i>")
    lines.append(f"<blockquote>{highlight(answer.evidence, at, at + len(answer.answer))}</blockquote>")
    source = answer.sources[0]
    lines.append(f"—— 《{esc(source.title)}》{' ' + esc(source.date) if source.date else ''}")
    return "\n".join(lines)


def format_passages(sources) -> str:
    """The retrieved passages in full, the answer marked in the one it came from."""
    return "\n\n".join(f"<b>原文 {i}</b> 《{esc(s.title)}》\n"
                       f"<blockquote>{highlight(s.text, s.answer_start, s.answer_end)}</blockquote>"
                       for i, s in enumerate(sources, 1))


def format_welcome(titles: list[str]) -> str:
    shown = "\n".join(f"• 《{esc(t)}》" for t in titles[:MAX_TITLES_IN_GREETING])
    if len(titles) > MAX_TITLES_IN_GREETING:
        shown += f"\n…共 {len(titles)} 篇，发送 /sources 查看全部"
    return ("你好！我是新闻问答机器人：回答关于下面这些文章的问题，答案摘自原文并注明出处，可以接着追问。\n"
            "Hi! Ask me about these Chinese news articles, in Chinese or English.\n\n"
            f"<b>已收录的文章</b>\n{shown}\n\n"
            "直接发送问题即可（在群里请 @我、回复我，或用 /ask 问题）。点下面的例子试试：")


def format_sources(titles: list[str]) -> str:
    lines = "\n".join(f"{i}. 《{esc(t)}》" for i, t in enumerate(titles, 1))
    return f"<b>已收录 {len(titles)} 篇文章</b>\n{lines}"


def format_question_error(exc: QAError, question: str, limit: int) -> str:
    if exc.code == "question_too_long":
        return (f"问题太长了（{len(question)} 个字），请控制在 {limit} 个字以内。\n"
                f"The question is too long: {limit} characters at most, please.")
    if exc.code == "question_empty":
        return ASK_USAGE
    return esc(str(exc))


def format_rate_limited(wait_seconds: float) -> str:
    seconds = max(1, math.ceil(wait_seconds))
    return (f"提问太频繁了，请 {seconds} 秒后再试。\n"
            f"Too many questions; please wait {seconds} s.")


# ─────────────────────────── splitting long messages ───────────────────────────

_TAG = re.compile(r"(<[^>]*>)")
_TAG_NAME = re.compile(r"</?([\w-]+)")
# A sentence of escaped text: up to its end mark and closing quotes, or up to a line break.
# (ASCII ; is no end mark: it ends the entities &amp; &lt; &gt;.)
_SENTENCE = re.compile(r".*?(?:[。！？!?…；]+[”’」』）)]*|\n|$)", re.S)
_SENTENCE_END = re.compile(r"(?:[。！？!?…；]+[”’」』）)]*|\n)$")
_EMPTY_ELEMENT = re.compile(r"<([\w-]+)[^>]*>\s*</\1>")


def _utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # how Telegram counts characters


def _has_text(fragment: str) -> bool:
    return bool(_TAG.sub("", fragment).strip())


def _after(open_tags: list[str], fragment: str) -> list[str]:
    """The tags still open after `fragment`, given those open before it."""
    open_tags = list(open_tags)
    for tag in _TAG.findall(fragment):
        if tag.startswith("</"):
            open_tags.pop()
        else:
            open_tags.append(tag)
    return open_tags


def _closing(open_tags: list[str]) -> str:
    return "".join(f"</{_TAG_NAME.match(tag).group(1)}>" for tag in reversed(open_tags))


def _sentences(text: str):
    """The message in sentences, with the tags around and inside them: where it may be cut."""
    unit = ""
    for token in _TAG.split(text):
        if token.startswith("<"):
            unit += token
            continue
        for sentence in _SENTENCE.findall(token):
            unit += sentence
            if _SENTENCE_END.search(sentence):
                yield unit
                unit = ""
    if unit:
        yield unit


def _chop(sentence: str, open_tags: list[str], limit: int):
    """A sentence too long for one message: its tags and pieces of its text that fit,
    cut anywhere but inside an entity (&amp;)."""
    for token in _TAG.split(sentence):
        if token.startswith("<"):
            open_tags = _after(open_tags, token)
            yield token
            continue
        room = max(1, limit - _utf16_len("".join(open_tags) + _closing(open_tags)))
        while _utf16_len(token) > room:
            cut = room
            while _utf16_len(token[:cut]) > room:
                cut -= 1
            amp = token.rfind("&", max(0, cut - 8), cut)
            if amp > 0 and ";" not in token[amp:cut]:
                cut = amp
            yield token[:cut]
            token = token[cut:]
        if token:
            yield token


def split_message(text: str, limit: int = MAX_MESSAGE_CHARS) -> list[str]:
    """Cut formatted HTML into messages of at most `limit` characters, between sentences
    (inside one only when it alone is too long). Tags open at a cut are closed there and
    opened again in the next message, so every message is valid HTML on its own."""
    messages, current, open_tags = [], "", []
    for sentence in _sentences(text):
        fits = _utf16_len("".join(open_tags) + sentence + _closing(_after(open_tags, sentence))) <= limit
        for piece in [sentence] if fits else _chop(sentence, open_tags, limit):
            after = _after(open_tags, piece)
            if _utf16_len(current + piece + _closing(after)) > limit and _has_text(current):
                messages.append(current + _closing(open_tags))
                current = "".join(open_tags)
            current += piece
            open_tags = after
    messages.append(current)
    for i, message in enumerate(messages):  # a tag opened just before a cut is left empty
        while _EMPTY_ELEMENT.search(message):
            message = _EMPTY_ELEMENT.sub("", message)
        messages[i] = message.strip()
    return [m for m in messages if _has_text(m)]


# ─────────────────────────── retrying calls to Telegram ───────────────────────────

def _retry_delay(exc: TelegramError, attempt: int) -> float | None:
    """Seconds to wait before trying a failed call again; None when it must not be retried."""
    if isinstance(exc, RetryAfter):  # flood control: wait as long as Telegram says, within reason
        wait = exc._retry_after.total_seconds()  # as AIORateLimiter reads it (.retry_after warns)
        return wait if wait <= MAX_RETRY_AFTER else None
    if isinstance(exc, TimedOut):
        # A connection never made can be retried. Any other timeout came after the request
        # was sent: Telegram may well have carried it out (and often does), so a retry could
        # send a reply twice. The price: a reply lost when Telegram really did drop it.
        return BACKOFF if isinstance(exc.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout)) else None
    if isinstance(exc, NetworkError) and not isinstance(exc, BadRequest):
        # A 5xx, or the connection refused or closed with no answer: taken as nothing done.
        return BACKOFF * 2 ** (attempt - 1)
    return None  # Telegram refused the call (400, 403, ...): it would again


class _Retrying(BaseRateLimiter):
    """Retries failed calls to Telegram, a few times, as `_retry_delay` allows. PTB's hook
    around every Bot API request except getUpdates; its own AIORateLimiter retries after a
    429 only (and needs the aiolimiter package)."""

    async def initialize(self) -> None:
        pass

    async def shutdown(self) -> None:
        pass

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return await callback(*args, **kwargs)
            except TelegramError as exc:
                wait = _retry_delay(exc, attempt)
                if wait is None or attempt == ATTEMPTS:
                    raise  # to the handler, then to on_error, which logs it
                log.warning("%s failed (%s); trying again in %.1f s", endpoint, exc, wait)
                await asyncio.sleep(wait)


# ─────────────────────────── handlers ───────────────────────────

class _Views:
    """The "查看原文" texts by a short key: callback data holds at most 64 bytes. Only the
    most recent `size` are kept, so memory stays bounded however long the bot runs."""

    def __init__(self, size: int = MAX_STORED_VIEWS):
        self.size, self._items = size, OrderedDict()

    def put(self, text: str) -> str:
        key = secrets.token_urlsafe(6)
        self._items[key] = text
        while len(self._items) > self.size:
            self._items.popitem(last=False)
        return key

    def get(self, key: str) -> str | None:
        return self._items.get(key)


def _titles(context: ContextTypes.DEFAULT_TYPE) -> list[str]:
    return [doc.title for doc in context.bot_data["service"].corpus.documents]


def _mention(username: str) -> re.Pattern:
    return re.compile(rf"@{re.escape(username)}\b", re.I)


def _addressed_to_bot(message: Message, bot) -> bool:
    """In groups the bot answers only a message that mentions it or replies to it."""
    replied = message.reply_to_message
    if replied and replied.from_user and replied.from_user.id == bot.id:
        return True
    return bool(_mention(bot.username).search(message.text))


async def _send(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Send `text` in as many messages as it needs; a button goes on the last one. A message
    is answered as a reply (quoted in groups); a button tap gets a new message."""
    parts = split_message(text)
    for i, part in enumerate(parts):
        button = markup if i == len(parts) - 1 else None
        if update.callback_query:
            await update.effective_chat.send_message(part, parse_mode=ParseMode.HTML, reply_markup=button)
        else:
            await update.effective_message.reply_html(part, reply_markup=button)


async def _answer(update: Update, context: ContextTypes.DEFAULT_TYPE, question: str,
                  echo: bool = False) -> None:
    """Ask the core and reply; `echo` repeats the question (when a button asked it)."""
    service, limiter = context.bot_data["service"], context.bot_data["limiter"]
    wait = limiter.retry_after(str(update.effective_user.id)) if limiter else 0.0
    if wait > 0:
        await _send(update, format_rate_limited(wait))
        return
    chat = update.effective_chat
    try:
        await chat.send_action(ChatAction.TYPING)
    except TelegramError as exc:  # only a courtesy: answer anyway
        log.warning("could not show 'typing': %s", exc)
    try:
        # Encoding is CPU work: in a thread, so the bot keeps talking to Telegram meanwhile.
        answer = await asyncio.to_thread(service.ask, question, session_id=f"telegram:{chat.id}")
    except QAError as exc:
        await _send(update, format_question_error(exc, question, service.settings.max_question_chars))
        return
    text = format_answer(answer)
    if echo:
        text = f"<i>问：{esc(question)}</i>\n\n{text}"
    markup = None
    if not answer.abstained:
        key = context.bot_data["views"].put(f"{text}\n\n{format_passages(answer.sources)}")
        markup = InlineKeyboardMarkup.from_button(InlineKeyboardButton("查看原文", callback_data=f"src:{key}"))
    await _send(update, text, markup)


async def start(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/start and /help: what the bot knows, and example questions to tap."""
    examples = context.bot_data["service"].settings.examples
    buttons = [[InlineKeyboardButton(q, callback_data=f"ex:{i}")] for i, q in enumerate(examples)]
    await _send(update, format_welcome(_titles(context)), InlineKeyboardMarkup(buttons))


async def sources(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    await _send(update, format_sources(_titles(context)))


async def ask(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """/ask <question>, in any chat."""
    question = " ".join(context.args or [])
    if not question:
        await _send(update, ASK_USAGE)
        return
    await _answer(update, context, question)


async def text_message(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A question in a private chat; in a group only when it mentions or replies to the bot."""
    message = update.effective_message
    if message.chat.type != ChatType.PRIVATE and not _addressed_to_bot(message, context.bot):
        return
    await _answer(update, context, _mention(context.bot.username).sub(" ", message.text).strip())


async def example(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """A tap on one of the greeting's example questions."""
    query = update.callback_query
    await query.answer()
    await _answer(update, context, context.bot_data["service"].settings.examples[int(query.data.removeprefix("ex:"))],
                  echo=True)


async def show_passages(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """"查看原文": the answer message grows the full passages (and loses its button)."""
    query = update.callback_query
    view = context.bot_data["views"].get(query.data.removeprefix("src:"))
    if view is None:
        await query.answer(EXPIRED, show_alert=True)
        return
    await query.answer()
    first, *rest = split_message(view)
    await query.edit_message_text(first, parse_mode=ParseMode.HTML)
    for part in rest:
        await update.effective_chat.send_message(part, parse_mode=ParseMode.HTML)


async def on_error(update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Log the error and apologise; the application goes on with the next update. When it
    was Telegram that failed, even after the retries, an apology would fail the same way
    (or, after a timeout, follow a reply that did arrive): a warning only. (Failed polls
    come here too, with no update; the Updater polls again by itself.)"""
    if isinstance(context.error, (NetworkError, RetryAfter)) and not isinstance(context.error, BadRequest):
        doing = "reply" if isinstance(update, Update) else "poll for updates"
        log.warning("could not %s: Telegram failed: %s", doing, context.error)
        return
    log.error("error while handling an update", exc_info=context.error)
    if isinstance(update, Update) and update.effective_chat:
        try:
            await update.effective_chat.send_message(APOLOGY, parse_mode=ParseMode.HTML)
        except TelegramError as exc:
            log.warning("could not send the apology: %s", exc)


async def _set_commands(application: Application) -> None:
    """The command menu in Telegram's clients; not worth failing the start for."""
    try:
        await application.bot.set_my_commands(COMMANDS)
    except TelegramError as exc:
        log.warning("could not set the command menu: %s", exc)


# ─────────────────────────── application ───────────────────────────

def build_application(service, token: str, *, base_url: str | None = None,
                      rate_limit: tuple[int, float] | None = (10, 60.0),
                      timeout: float | None = None) -> Application:
    """The bot on `service`. `base_url` points it at a self-hosted Bot API server (the token
    is appended: http://127.0.0.1:8081/bot); `rate_limit` is (questions, per seconds) per user,
    None for no limit; `timeout`, seconds to wait for Telegram's answer (PTB's default: 5; a
    long poll gets its own length on top)."""
    for name in ("httpx", "telegram.ext.ExtBot"):  # they log the request URLs, token included
        logger = logging.getLogger(name)
        if not any(getattr(f, "token", None) == token for f in logger.filters):
            logger.addFilter(_RedactToken(token))
    builder = Application.builder().token(token).post_init(_set_commands).rate_limiter(_Retrying())
    if base_url:
        builder = builder.base_url(base_url)
    if timeout:
        builder = builder.read_timeout(timeout).get_updates_read_timeout(timeout)
    application = builder.build()
    application.bot_data.update(service=service, views=_Views(),
                                limiter=RateLimiter(*rate_limit) if rate_limit else None)
    application.add_handler(CommandHandler(["start", "help"], start))
    application.add_handler(CommandHandler("sources", sources))
    application.add_handler(CommandHandler("ask", ask))
    application.add_handler(MessageHandler(filters.UpdateType.MESSAGE & filters.TEXT & ~filters.COMMAND,
                                           text_message))
    application.add_handler(CallbackQueryHandler(example, pattern=r"^ex:\d+$"))
    application.add_handler(CallbackQueryHandler(show_passages, pattern=r"^src:"))
    application.add_error_handler(on_error)
    return application


class _RedactToken(logging.Filter):
    """Replaces the token in every record, traceback included: it is part of each request
    URL, which the HTTP client and the library log."""

    def __init__(self, token: str):
        super().__init__()
        self.token = token

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if self.token in message:
            record.msg, record.args = message.replace(self.token, "<token>"), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = record.exc_text.replace(self.token, "<token>")
        return True


def hide_token_in_logs(token: str) -> None:
    """Log to stderr (unless logging is set up already) with the token never shown."""
    logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # a line per request, every poll
    for handler in logging.getLogger().handlers:
        handler.addFilter(_RedactToken(token))


def run_bot(service, token: str, *, base_url: str | None = None, webhook_url: str | None = None,
            listen: str = "127.0.0.1", port: int = 8443, secret_token: str | None = None) -> None:
    """Run until SIGINT/SIGTERM: long polling, or a webhook server when `webhook_url` is given
    (Telegram posts to webhook_url; a reverse proxy forwards it to http://listen:port/<its path>)."""
    hide_token_in_logs(token)  # before the Bot exists: it logs its URL, token included
    application = build_application(service, token, base_url=base_url)
    # bootstrap_retries=-1: keep retrying network errors while starting (a rejected token
    # still stops it); once running, the library retries failed polls by itself.
    updates = [Update.MESSAGE, Update.CALLBACK_QUERY]
    if webhook_url is None:
        log.info("starting: long polling")
        application.run_polling(allowed_updates=updates, bootstrap_retries=-1)
    else:
        log.info("starting: webhook on %s:%s for %s", listen, port, webhook_url)
        application.run_webhook(listen=listen, port=port, url_path=urlsplit(webhook_url).path.lstrip("/"),
                                webhook_url=webhook_url, secret_token=secret_token,
                                allowed_updates=updates, bootstrap_retries=-1)


def token_from_env() -> str:
    token = os.environ.get("TELEGRAM_BOT_TOKEN", "").strip()
    if not token:
        raise QAError("TELEGRAM_BOT_TOKEN is not set; get a token from @BotFather and export it", "no_token")
    return token
