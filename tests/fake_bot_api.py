"""A small Telegram Bot API server for tests, served on a loopback port.

Enough of the public Bot API for python-telegram-bot to run against it unchanged (through
`base_url`): getMe, getUpdates (long polling with offset, limit and timeout), sendMessage,
sendChatAction, answerCallbackQuery, editMessageText, setMyCommands, setWebhook,
deleteWebhook, getWebhookInfo. It answers with the Bot API's JSON shapes (`{"ok": true,
"result": ...}`, full Message objects with entities) and rejects what Telegram rejects:
a wrong token, an unknown chat, HTML that Telegram cannot parse, a text over 4,096
characters, callback data over 64 bytes. Every call is recorded with its decoded parameters.

A test can make the next calls misbehave (`fail`, `stall`, `drop`): an HTTP error with
Telegram's JSON body (a 429 with its retry_after), an answer slower than the client waits,
or a connection closed with no answer at all.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from http import HTTPStatus
from urllib.parse import parse_qs

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

BOT_USER = {"id": 7000001, "is_bot": True, "first_name": "新闻问答", "username": "qa_news_bot",
            "can_join_groups": True, "can_read_all_group_messages": False, "supports_inline_queries": False}
MAX_TEXT = 4096
MAX_CALLBACK_DATA = 64  # bytes

# Telegram's HTML parse mode: these tags only (https://core.telegram.org/bots/api#html-style).
TAG_ENTITIES = {"b": "bold", "strong": "bold", "i": "italic", "em": "italic", "u": "underline",
                "s": "strikethrough", "code": "code", "pre": "pre", "a": "text_link",
                "blockquote": "blockquote", "tg-spoiler": "spoiler"}
NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}  # the only named ones allowed
CHAT_ACTIONS = {"typing", "upload_photo", "record_video", "upload_video", "record_voice", "upload_voice",
                "upload_document", "choose_sticker", "find_location", "record_video_note",
                "upload_video_note"}
# Parameters that are strings as sent; the library JSON-encodes all others in form bodies.
STRING_PARAMS = {"text", "parse_mode", "callback_query_id", "url", "secret_token", "action",
                 "language_code", "inline_message_id"}


def utf16_len(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


# ─────────────────────────── HTML parse mode ───────────────────────────

class HTMLError(ValueError):
    pass


class _EntityParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=False)  # see every entity, to allow only Telegram's
        self.text, self.entities, self.open = "", [], []

    def handle_starttag(self, tag, attrs):
        if tag not in TAG_ENTITIES:
            raise HTMLError(f'Unsupported start tag "{tag}"')
        if tag == "a" and not dict(attrs).get("href"):
            raise HTMLError("Can't find href in a tag")
        self.open.append((tag, utf16_len(self.text), dict(attrs)))

    def handle_startendtag(self, tag, attrs):
        raise HTMLError(f'Unsupported start tag "{tag}/"')

    def handle_endtag(self, tag):
        if not self.open or self.open[-1][0] != tag:
            raise HTMLError(f'Unmatched end tag "{tag}"')
        name, offset, attrs = self.open.pop()
        length = utf16_len(self.text) - offset
        if length:
            entity = {"type": TAG_ENTITIES[name], "offset": offset, "length": length}
            if name == "a":
                entity["url"] = attrs["href"]
            self.entities.append(entity)

    def handle_data(self, data):
        if any(ch in data for ch in "<>&"):
            raise HTMLError(f"Unescaped < > or & in {data[:20]!r}")
        self.text += data

    def handle_entityref(self, name):
        if name not in NAMED_ENTITIES:
            raise HTMLError(f'Unsupported HTML entity "&{name};"')
        self.text += NAMED_ENTITIES[name]

    def handle_charref(self, name):
        self.text += chr(int(name[1:], 16) if name[:1] in "xX" else int(name))

    def handle_comment(self, data):
        raise HTMLError("Comments are not supported")

    def handle_decl(self, decl):
        raise HTMLError("Declarations are not supported")

    def handle_pi(self, data):
        raise HTMLError("Processing instructions are not supported")


def parse_html(text: str) -> tuple[str, list[dict]]:
    """Text and entities as Telegram makes them from an HTML message: supported tags only,
    balanced, text fully escaped; surrounding whitespace trimmed. Raises HTMLError."""
    parser = _EntityParser()
    parser.feed(text)
    parser.close()
    if parser.rawdata:  # html.parser keeps what it could not read (a lone "<b")
        raise HTMLError(f"Can't parse {parser.rawdata[:20]!r}")
    if parser.open:
        raise HTMLError(f'Can\'t find end tag corresponding to start tag "{parser.open[-1][0]}"')
    return _trim(parser.text, parser.entities)


def _trim(text: str, entities: list[dict]) -> tuple[str, list[dict]]:
    lead = utf16_len(text) - utf16_len(text.lstrip())
    text = text.strip()
    size, trimmed = utf16_len(text), []
    for e in sorted(entities, key=lambda e: (e["offset"], -e["length"])):
        start, end = max(0, e["offset"] - lead), min(size, e["offset"] + e["length"] - lead)
        if end > start:
            trimmed.append({**e, "offset": start, "length": end - start})
    return text, trimmed


def _entities_of(text: str) -> list[dict]:
    """What Telegram marks in a user's message: a leading /command, @mentions."""
    entities = []
    command = re.match(r"/\w+(?:@\w+)?", text)
    if command:
        entities.append({"type": "bot_command", "offset": 0, "length": utf16_len(command.group())})
    for m in re.finditer(r"@\w{5,32}", text):
        entities.append({"type": "mention", "offset": utf16_len(text[:m.start()]),
                         "length": utf16_len(m.group())})
    return entities


# ─────────────────────────── users and chats ───────────────────────────

def user(user_id: int, first_name: str = "测试用户") -> dict:
    return {"id": user_id, "is_bot": False, "first_name": first_name, "username": f"user{user_id}",
            "language_code": "zh-hans"}


def private_chat(of: dict) -> dict:
    return {"id": of["id"], "type": "private", "first_name": of["first_name"], "username": of["username"]}


def group_chat(chat_id: int, title: str = "测试群") -> dict:
    return {"id": chat_id, "type": "supergroup", "title": title}


# ─────────────────────────── the server ───────────────────────────

@dataclass
class Call:
    method: str
    params: dict
    ok: bool
    result: object  # the result, or the error description when not ok
    at: float = field(default_factory=time.monotonic)


@dataclass
class Fault:
    """How the server misbehaves on one call."""
    status: int = 0  # answer with this HTTP error, and Telegram's JSON error body
    retry_after: int = 0  # with 429: how long flood control asks to wait
    delay: float = 0.0  # sleep this long first, then carry the call out as usual
    drop: bool = False  # close the connection without any answer


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int = 0):
        super().__init__(description)
        self.code, self.description, self.retry_after = code, description, retry_after


def _bad_request(description: str) -> ApiError:
    return ApiError(400, f"Bad Request: {description}")


class FakeBotAPI:
    def __init__(self, token: str):
        self.token = token
        self.calls: list[Call] = []
        self.webhook: dict | None = None
        self.closed = False  # set before shutdown: pending long polls return at once
        self._lock = threading.Lock()
        self._updates: list[dict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._messages: dict[tuple[int, int], dict] = {}
        self._chats: dict[int, dict] = {}
        self._faults: dict[str, list[Fault]] = {}  # by method, lower case; "*": any method
        self._methods = {name.lower(): getattr(self, f"_{name}") for name in (
            "getMe", "getUpdates", "sendMessage", "sendChatAction", "answerCallbackQuery", "editMessageText",
            "setMyCommands", "setWebhook", "deleteWebhook", "getWebhookInfo")}
        self._routes = Starlette(routes=[Route("/bot{token}/{method}", self._endpoint, methods=["GET", "POST"])])
        self.app = self  # the ASGI app to serve

    async def __call__(self, scope, receive, send):
        """uvicorn's `send` is a method of an object that holds the connection: put in the
        scope, for `drop`, as ASGI has no way to close a connection unanswered."""
        scope["fake.transport"] = getattr(getattr(send, "__self__", None), "transport", None)
        await self._routes(scope, receive, send)

    # ── what tests do ──
    def message(self, chat: dict, sender: dict, text: str, reply_to: dict | None = None) -> dict:
        """A user's message as Telegram would deliver it (not queued yet)."""
        with self._lock:
            self._chats[chat["id"]] = chat  # Telegram knows a chat once someone wrote in it
            message = {"message_id": next(self._message_ids), "date": int(time.time()), "chat": chat,
                       "from": sender, "text": text}
            self._messages[(chat["id"], message["message_id"])] = message
        entities = _entities_of(text)
        if entities:
            message["entities"] = entities
        if reply_to:
            message["reply_to_message"] = reply_to
        return message

    def push(self, **update) -> int:
        """Queue an update (message=… or callback_query=…) for getUpdates; returns its id."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **update}
            self._updates.append(update)
            return update["update_id"]

    def tap(self, message: dict, sender: dict, data: str) -> dict:
        """A callback query: `sender` taps the button with `data` under the bot's `message`."""
        return {"id": f"cb{next(self._message_ids)}", "from": sender, "chat_instance": "ci-1",
                "message": message, "data": data}

    def fail(self, method: str = "*", status: int = 502, times: int = 1, retry_after: int = 0) -> None:
        """The next `times` calls of `method` ("*": of any) fail with HTTP `status`; a 429
        carries `retry_after`, as Telegram's flood control does."""
        self._inject(method, Fault(status=status, retry_after=retry_after), times)

    def stall(self, method: str = "*", seconds: float = 2.0, times: int = 1) -> None:
        """The next `times` calls of `method` are carried out only after `seconds`: longer than
        the client waits, it has given up by then (the call still takes effect)."""
        self._inject(method, Fault(delay=seconds), times)

    def drop(self, method: str = "*", times: int = 1) -> None:
        """The next `times` calls of `method` get their connection closed, and no answer."""
        self._inject(method, Fault(drop=True), times)

    def faults_left(self) -> int:
        """How many of the injected faults no call has met yet."""
        with self._lock:
            return sum(map(len, self._faults.values()))

    def _inject(self, method: str, fault: Fault, times: int) -> None:
        with self._lock:
            self._faults.setdefault(method.lower(), []).extend([fault] * times)

    def _next_fault(self, method: str) -> Fault | None:
        with self._lock:
            for key in (method.lower(), "*"):
                if self._faults.get(key):
                    return self._faults[key].pop(0)
        return None

    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method]

    def wait_for(self, condition, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while not (found := condition()):
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting; calls: {[c.method for c in self.calls]}")
            time.sleep(0.02)
        return found

    # ── HTTP ──
    async def _endpoint(self, request: Request) -> JSONResponse:
        method = request.path_params["method"]
        if request.path_params["token"] != self.token:
            return _error(401, "Unauthorized")
        handler = self._methods.get(method.lower())  # Telegram's method names ignore case
        if handler is None:
            return _error(404, "Not Found")
        params = await _params(request)
        fault = self._next_fault(method) or Fault()
        await asyncio.sleep(fault.delay)
        if fault.drop:
            self._record(Call(method, params, False, "connection dropped"))
            request.scope["fake.transport"].close()
            return Response()  # written to a closed connection: goes nowhere
        try:
            if fault.status == 429:
                raise ApiError(429, f"Too Many Requests: retry after {fault.retry_after}", fault.retry_after)
            if fault.status:
                raise ApiError(fault.status, HTTPStatus(fault.status).phrase)
            result = await handler(params)
        except ApiError as exc:
            self._record(Call(method, params, False, exc.description))
            return _error(exc.code, exc.description, exc.retry_after)
        if method != "getUpdates" or result:
            self._record(Call(method, params, True, result))
        return JSONResponse({"ok": True, "result": result})

    def _record(self, call: Call) -> None:
        with self._lock:
            self.calls.append(call)

    # ── methods ──
    async def _getMe(self, params):
        return BOT_USER

    async def _getUpdates(self, params):
        if self.webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        offset, limit = int(params.get("offset", 0)), int(params.get("limit", 100))
        deadline = time.monotonic() + float(params.get("timeout", 0))
        while True:
            with self._lock:
                if offset:  # getUpdates with an offset confirms every update before it
                    self._updates = [u for u in self._updates if u["update_id"] >= offset]
                ready = self._updates[:limit]
            if ready or self.closed or time.monotonic() >= deadline:
                return ready
            await asyncio.sleep(0.02)

    async def _sendMessage(self, params):
        chat = self._chat(params.get("chat_id"))
        text, entities = _text(params)
        markup = _markup(params.get("reply_markup"))
        with self._lock:
            message = {"message_id": next(self._message_ids), "from": BOT_USER, "chat": chat,
                       "date": int(time.time()), "text": text}
            if entities:
                message["entities"] = entities
            if markup:
                message["reply_markup"] = markup
            reply = (params.get("reply_parameters") or {}).get("message_id")
            if reply and (chat["id"], reply) in self._messages:
                message["reply_to_message"] = self._messages[(chat["id"], reply)]
            self._messages[(chat["id"], message["message_id"])] = message
        return message

    async def _sendChatAction(self, params):
        self._chat(params.get("chat_id"))
        if params.get("action") not in CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    async def _answerCallbackQuery(self, params):
        if not params.get("callback_query_id"):
            raise _bad_request("query is too old and response timeout expired or query ID is invalid")
        if len(params.get("text", "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        return True

    async def _editMessageText(self, params):
        chat = self._chat(params.get("chat_id"))
        text, entities = _text(params)
        markup = _markup(params.get("reply_markup"))
        with self._lock:
            old = self._messages.get((chat["id"], params.get("message_id")))
            if old is None or old["from"]["id"] != BOT_USER["id"]:
                raise _bad_request("message to edit not found")
            if old["text"] == text and old.get("entities", []) == entities and old.get("reply_markup") == markup:
                raise _bad_request("message is not modified: specified new message content and reply markup "
                                   "are exactly the same as a current content and reply markup of the message")
            message = {key: value for key, value in old.items() if key not in ("entities", "reply_markup")}
            message.update(text=text, edit_date=int(time.time()))
            if entities:
                message["entities"] = entities
            if markup:
                message["reply_markup"] = markup
            self._messages[(chat["id"], message["message_id"])] = message
        return message

    async def _setMyCommands(self, params):
        commands = params.get("commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad_request("parameter commands is invalid")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")) or \
                    not 1 <= len(command.get("description", "")) <= 256:
                raise _bad_request("BOT_COMMAND_INVALID")
        return True

    async def _setWebhook(self, params):
        if not params.get("url", "").startswith(("http://", "https://")):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", secret):
            raise _bad_request("bad webhook: secret token contains unallowed characters")
        self.webhook = {"url": params["url"], "secret_token": secret}
        return True

    async def _deleteWebhook(self, params):
        self.webhook = None
        if params.get("drop_pending_updates"):
            with self._lock:
                self._updates.clear()
        return True

    async def _getWebhookInfo(self, params):
        with self._lock:
            pending = len(self._updates)
        return {"url": (self.webhook or {}).get("url", ""), "has_custom_certificate": False,
                "pending_update_count": pending}

    def _chat(self, chat_id) -> dict:
        with self._lock:
            chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise _bad_request("chat not found")
        return chat


def _text(params: dict) -> tuple[str, list[dict]]:
    text = params.get("text")
    if not isinstance(text, str):
        raise _bad_request("message text is empty")
    if params.get("parse_mode") is None:
        plain, entities = text.strip(), []
    elif params["parse_mode"].upper() == "HTML":
        try:
            plain, entities = parse_html(text)
        except HTMLError as exc:
            raise _bad_request(f"can't parse entities: {exc}") from None
    else:
        raise _bad_request(f"unsupported parse_mode {params['parse_mode']!r} in this fake")
    if not plain:
        raise _bad_request("message text is empty")
    if utf16_len(plain) > MAX_TEXT:
        raise _bad_request("message is too long")
    return plain, entities


def _markup(markup) -> dict | None:
    """Inline keyboards only (all this bot sends): checked as Telegram checks them."""
    if markup is None:
        return None
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    if not isinstance(rows, list):
        raise _bad_request("can't parse reply keyboard markup JSON object")
    for row in rows:
        for button in row:
            if not button.get("text"):
                raise _bad_request("BUTTON_TEXT_INVALID")
            data = button.get("callback_data")
            if data is not None and not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA:
                raise _bad_request("BUTTON_DATA_INVALID")
    return markup


async def _params(request: Request) -> dict:
    """The call's parameters: query string, then a form or JSON body, as Telegram reads them."""
    params = dict(request.query_params)
    body = await request.body()
    content_type = request.headers.get("content-type", "").split(";")[0].strip()
    if body and content_type == "application/json":
        return {**params, **json.loads(body)}
    if body:
        params.update({k: v[-1] for k, v in parse_qs(body.decode(), keep_blank_values=True).items()})
    return {name: value if name in STRING_PARAMS else _json_or_text(value) for name, value in params.items()}


def _json_or_text(value: str):
    try:
        return json.loads(value)
    except ValueError:
        return value


def _error(code: int, description: str, retry_after: int = 0) -> JSONResponse:
    body = {"ok": False, "error_code": code, "description": description}
    if retry_after:
        body["parameters"] = {"retry_after": retry_after}
    return JSONResponse(body, status_code=code)
