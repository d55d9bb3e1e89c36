"""HTTP API on the answering core: POST /ask, GET /health, GET /documents, GET / (chat page).

Only HTTP concerns live here (schemas, auth, limits, errors); answering is QAService's job.
Every error is JSON {"error": {"code", "message"}} with an English and a Chinese message.
"""

from __future__ import annotations

import hmac
import logging
import os
import threading
import time
from collections import OrderedDict
from contextlib import asynccontextmanager
from importlib import resources

import anyio
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import HTMLResponse, JSONResponse
from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr
from starlette.exceptions import HTTPException as StarletteHTTPException

from qa.config import Settings, env_number
from qa.errors import QAError

log = logging.getLogger("qa.api")

MAX_BODY_BYTES = 64 * 1024
MAX_DOCUMENT_BYTES = 2 * 1024 * 1024  # an uploaded article (POST /documents)
EXAMPLE_QUESTION = "象珠镇有多少家企业？"
LOAD_THREAD = "qa-load"  # the thread loading the model and index at start-up


# ---------------------------------------------------------------- schemas
class AskRequest(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [
        {"question": EXAMPLE_QUESTION, "top_k": 3, "session_id": None},
        {"question": "党员呢？", "top_k": 3, "session_id": "demo-1"},
    ]})
    question: StrictStr = Field(description="问题（中文简体/繁体或英文）", examples=[EXAMPLE_QUESTION])
    top_k: StrictInt = Field(3, ge=1, le=20, description="返回的段落数 (1–20)")
    session_id: StrictStr | None = Field(None, description="会话 ID：同一会话中可以追问，如“党员呢？”")


class SourceOut(BaseModel):
    doc_id: str
    title: str
    text: str = Field(description="段落原文（清洗后的文章中的一段）")
    score: float
    start: int = Field(description="段落在文章中的起始位置")
    end: int
    answer_start: int | None = Field(description="答案在段落 text 中的起始位置")
    answer_end: int | None
    date: str | None = Field(None, description="文章日期（来自文章的元数据）")
    url: str | None = Field(None, description="文章原文链接（来自文章的元数据）")


class AnswerOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [{
        "question": EXAMPLE_QUESTION, "resolved_question": None, "answer": "1000余家",
        "abstained": False, "confidence": 0.97,
        "evidence": "目前，象珠镇有1000余家企业，其中规上企业有65家，有两新党组织30家、党员245人。",
        "sources": [{"doc_id": "000_7ae75953e12f7a66.txt", "title": "党建红引领生态绿 联盟齐绘“同心圆”",
                     "text": "…目前，象珠镇有1000余家企业…", "score": 1.0, "start": 1502, "end": 1820,
                     "answer_start": 8, "answer_end": 14}],
        "took_ms": 24.5}]})
    question: str
    resolved_question: str | None = Field(None, description="追问被理解成的完整问题")
    answer: str | None = Field(description="答案（原文摘录）；找不到时为 null")
    abstained: bool
    confidence: float
    evidence: str | None = Field(description="答案所在的句子")
    sources: list[SourceOut]
    took_ms: float


class ErrorDetail(BaseModel):
    code: str
    message: str


class ErrorOut(BaseModel):
    error: ErrorDetail


class Health(BaseModel):
    status: str
    model: str | None = None
    documents: int | None = None
    chunks: int | None = None
    sessions: int | None = Field(None, description="live follow-up sessions (bounded by QA_MAX_SESSIONS)")


class DocumentOut(BaseModel):
    doc_id: str
    title: str
    characters: int
    chunks: int
    date: str | None = None
    url: str | None = None


def document_list(corpus) -> list[DocumentOut]:
    """The indexed articles of one corpus (read once: a reindex may replace it meanwhile)."""
    counts: dict[str, int] = {}
    for chunk in corpus.chunks:
        counts[chunk.doc_id] = counts.get(chunk.doc_id, 0) + 1
    return [DocumentOut(doc_id=d.doc_id, title=d.title, characters=len(d.text),
                        chunks=counts.get(d.doc_id, 0), date=d.date, url=d.url)
            for d in corpus.documents]


# ---------------------------------------------------------------- errors
class ApiError(Exception):
    def __init__(self, status: int, code: str, english: str, chinese: str, headers: dict | None = None):
        super().__init__(english)
        self.status, self.code, self.headers = status, code, headers or {}
        self.message = f"{english} / {chinese}"


def _error_response(status: int, code: str, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status, headers=headers)


_FIELD_HINTS = {
    "question": ("'question' must be a non-empty string", "“question” 必须是非空字符串"),
    "top_k": ("'top_k' must be a whole number from 1 to 20", "“top_k” 必须是 1 到 20 的整数"),
    "session_id": ("'session_id' must be a string or null", "“session_id” 必须是字符串或 null"),
}


def _validation_error(exc: RequestValidationError) -> ApiError:
    errors = exc.errors()
    first = errors[0] if errors else {}
    if first.get("type") == "json_invalid":
        return ApiError(400, "invalid_json", "The body is not valid JSON",
                        "请求体不是合法的 JSON")
    loc = [str(part) for part in first.get("loc", ()) if part != "body"]
    if not loc:
        return ApiError(422, "invalid_request",
                        'Send a JSON object such as {"question": "象珠镇有多少家企业？"}',
                        '请发送 JSON 对象，例如 {"question": "象珠镇有多少家企业？"}')
    english, chinese = _FIELD_HINTS.get(loc[0], (f"'{loc[0]}' is not valid", f"“{loc[0]}” 无效"))
    return ApiError(422, "invalid_request", english, chinese)


# ---------------------------------------------------------------- limits
class BodyLimitMiddleware:
    """Refuse bodies over MAX_BODY_BYTES (uploads: MAX_DOCUMENT_BYTES and the form around
    it) with a 413, by header or by counting a streamed body. The body (at most the limit)
    is read here and replayed to the app, because an error raised while the app reads it
    would surface as a generic 400."""

    def __init__(self, app, limit: int = MAX_BODY_BYTES, upload_limit: int = MAX_DOCUMENT_BYTES + 64 * 1024):
        self.app, self.limit, self.upload_limit = app, limit, upload_limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        limit = self.upload_limit if scope["path"] == "/documents" else self.limit
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            return await _send_too_large(send, limit)
        body, more = b"", True
        while more:
            message = await receive()
            if message["type"] != "http.request":
                return await self.app(scope, _replay([message]), send)
            body += message.get("body", b"")
            more = message.get("more_body", False)
            if len(body) > limit:
                return await _send_too_large(send, limit)
        await self.app(scope, _replay([{"type": "http.request", "body": body, "more_body": False}], receive),
                       send)


async def _send_too_large(send, limit: int) -> None:
    response = _error_response(413, "payload_too_large",
                               f"The request body is over {limit // 1024} KiB / 请求体超过 {limit // 1024} KiB")
    await response({"type": "http"}, None, send)


def _replay(messages: list[dict], then=None):
    async def receive():
        if messages:
            return messages.pop(0)
        return await then() if then else {"type": "http.disconnect"}
    return receive


class RateLimiter:
    """A token bucket per client: `rate` requests per `per` seconds, bounded memory."""

    def __init__(self, rate: int, per: float, max_clients: int = 100_000):
        self.rate, self.per, self.max_clients = rate, per, max_clients
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def retry_after(self, client: str) -> float:
        """0 when the request may go ahead, else seconds until it may."""
        now = time.monotonic()
        with self._lock:
            tokens, last = self._buckets.pop(client, (float(self.rate), now))
            tokens = min(self.rate, tokens + (now - last) * self.rate / self.per)
            wait = 0.0 if tokens >= 1 else (1 - tokens) * self.per / self.rate
            self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self.max_clients:
                self._buckets.popitem(last=False)
        return wait


def parse_rate(text: str | None) -> RateLimiter | None:
    """'30/minute', '5/second', '1000/hour'; empty means no limit."""
    if not text:
        return None
    count, _, unit = text.partition("/")
    seconds = {"second": 1, "s": 1, "minute": 60, "min": 60, "m": 60, "hour": 3600, "h": 3600}
    if not count.strip().isdigit() or unit.strip() not in seconds:
        raise QAError(f"QA_RATE_LIMIT must look like 30/minute, not {text!r}")
    return RateLimiter(int(count), seconds[unit.strip()])


def request_timeout() -> float:
    """Seconds an answer may take before the request gets a 504 (QA_REQUEST_TIMEOUT)."""
    return env_number("QA_REQUEST_TIMEOUT", 10.0)


class AnswerSlots:
    """At most `limit` answer computations at once. One abandoned by a timeout counts until
    it really ends: its thread cannot be stopped and still uses a CPU, so under a pile-up
    new requests get a quick 503 instead of adding more work."""

    def __init__(self, limit: int):
        self.limit, self.running = limit, 0
        self._lock = threading.Lock()

    def run(self, work):
        """work() in a free slot, else ApiError 503 busy. Call it in the worker thread: a
        request cancelled before its thread starts then never holds a slot."""
        with self._lock:
            if self.running >= self.limit:
                raise ApiError(503, "busy", "Too many questions are being answered; retry shortly",
                               "服务器繁忙，请稍后重试", {"Retry-After": "1"})
            self.running += 1
        try:
            return work()
        finally:
            with self._lock:
                self.running -= 1


# ---------------------------------------------------------------- app
def create_app(settings: Settings | None = None, service=None) -> FastAPI:
    """The ASGI app. The service loads in a background thread so /health can say 503
    while the model and index load; pass `service` to reuse one already loaded."""
    settings = settings or Settings.from_env()
    api_key = os.environ.get("QA_API_KEY") or None
    limiter = parse_rate(os.environ.get("QA_RATE_LIMIT"))
    timeout = request_timeout()
    # 40 = anyio's worker threads: normal load queues for a thread; only timed-out
    # computations still running can fill every slot.
    slots = AnswerSlots(env_number("QA_MAX_CONCURRENT", 40, meaning="a positive whole number", cast=int))
    state: dict = {"service": service, "error": None}

    def load() -> None:
        try:
            from qa.service import QAService

            state["service"] = QAService.open(settings, log=log.info)
            log.info("ready: %s", settings.index_dir)
            follow_index_builds(state["service"])
        except QAError as exc:
            state["error"] = str(exc)
            log.error("could not start: %s", exc)

    stop_following = threading.Event()

    def follow_index_builds(service) -> None:
        """Pick up indexes built by `qa index` or by another worker's admin request."""
        if settings.index_watch_seconds > 0:
            threading.Thread(target=service.watch_index, name="qa-index-watch", daemon=True,
                             args=(stop_following, settings.index_watch_seconds, log.info)).start()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        if state["service"] is None:
            threading.Thread(target=load, name=LOAD_THREAD, daemon=True).start()
        else:
            follow_index_builds(state["service"])
        yield
        stop_following.set()

    app = FastAPI(title="qa-news", version="0.1.0", lifespan=lifespan,
                  description="从新闻文章中摘录答案的问答服务。Extractive question answering over news articles.")
    origins = [o.strip() for o in os.environ.get("QA_CORS_ORIGINS", "").split(",") if o.strip()]
    if origins:
        app.add_middleware(CORSMiddleware, allow_origins=origins, allow_methods=["GET", "POST"],
                           allow_headers=["Authorization", "X-API-Key", "Content-Type"])
    app.add_middleware(BodyLimitMiddleware)

    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError):
        return _error_response(exc.status, exc.code, exc.message, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        err = _validation_error(exc)
        return _error_response(err.status, err.code, err.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        codes = {404: ("not_found", "No such page", "没有这个页面"),
                 405: ("method_not_allowed", "Method not allowed here", "不支持此请求方法")}
        code, english, chinese = codes.get(exc.status_code, ("http_error", str(exc.detail), "请求错误"))
        return _error_response(exc.status_code, code, f"{english} / {chinese}")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception):
        log.exception("unexpected error on %s", request.url.path)
        return _error_response(500, "internal_error", "Something went wrong on our side / 服务器内部错误")

    def ready_service():
        if state["service"] is None:
            if state["error"]:
                raise ApiError(503, "unavailable", state["error"], "服务无法启动")
            raise ApiError(503, "loading", "The model and index are still loading; retry shortly",
                           "模型和索引正在加载，请稍后重试", {"Retry-After": "2"})
        return state["service"]

    def authorised(request: Request) -> None:
        if api_key is None:
            return
        given = request.headers.get("x-api-key") or ""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer":
            given = given or token.strip()
        if not hmac.compare_digest(given.encode(), api_key.encode()):
            raise ApiError(401, "unauthorized", "Missing or wrong API key (Authorization: Bearer … or X-API-Key)",
                           "缺少或错误的 API 密钥", {"WWW-Authenticate": "Bearer"})

    def rate_limited(request: Request) -> None:
        if limiter is None:
            return
        client = request.headers.get("x-api-key") or (request.client.host if request.client else "?")
        wait = limiter.retry_after(client)
        if wait > 0:
            seconds = max(1, int(wait + 0.999))
            raise ApiError(429, "rate_limited", f"Too many requests; retry in {seconds} s",
                           f"请求过于频繁，请 {seconds} 秒后重试", {"Retry-After": str(seconds)})

    def json_body(request: Request) -> None:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != "application/json":
            raise ApiError(415, "unsupported_media_type", "Send the body as application/json",
                           "请以 application/json 格式发送请求体")

    responses = {code: {"model": ErrorOut} for code in (400, 401, 413, 415, 422, 429, 503, 504)}

    @app.post("/ask", response_model=AnswerOut, responses=responses,
              dependencies=[Depends(json_body), Depends(authorised), Depends(rate_limited)],
              summary="提问 / Ask a question")
    async def ask(body: AskRequest, service=Depends(ready_service)) -> AnswerOut:
        def answer():
            return slots.run(lambda: service.ask(body.question, body.top_k, session_id=body.session_id))

        try:
            # Encoding runs in a worker thread, off the event loop. On timeout the client gets
            # its 504 at once, but a thread cannot be killed: the abandoned computation
            # finishes in the background (and keeps its slot until then).
            with anyio.fail_after(timeout):
                result = await anyio.to_thread.run_sync(answer, abandon_on_cancel=True)
        except TimeoutError:
            raise ApiError(504, "timeout", f"No answer within {timeout:g} s; please retry later",
                           f"{timeout:g} 秒内未能得出答案，请稍后重试") from None
        except QAError as exc:
            raise _question_error(exc, settings) from None
        return AnswerOut(**result.to_dict())

    @app.get("/health", response_model=Health, responses={503: {"model": Health}}, summary="健康检查")
    def health():
        service = state["service"]
        if service is None:
            status = "error" if state["error"] else "loading"
            return JSONResponse({"status": status, "detail": state["error"]}, status_code=503)
        return Health(status="ok", model=settings.model, documents=len(service.corpus.documents),
                      chunks=len(service.corpus.chunks), sessions=len(service.sessions))

    @app.get("/documents", response_model=list[DocumentOut], summary="已索引的文章")
    def documents(service=Depends(ready_service)):
        return document_list(service.corpus)

    from qa.admin import admin_router  # here: qa.admin builds on this module's classes

    app.include_router(admin_router(settings, ready_service, authorised, api_key is not None))

    @app.get("/examples", response_model=list[str], summary="示例问题 / Suggested questions")
    def examples():
        return list(settings.examples)

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def chat_page():
        return HTMLResponse(resources.files("qa").joinpath("static/index.html").read_text("utf-8"))

    return app


_QUESTION_ERRORS = {
    "question_empty": ("The question is empty", "问题不能为空"),
    "question_not_text": ("The question must be a string", "问题必须是字符串"),
    "top_k_invalid": _FIELD_HINTS["top_k"],
    "invalid_session_id": ("'session_id' must be 1–128 letters, digits or . _ : -",
                           "session_id 须为 1–128 个字母、数字或 . _ : -"),
}


def _question_error(exc: QAError, settings: Settings) -> ApiError:
    if exc.code == "question_too_long":
        limit = settings.max_question_chars
        return ApiError(400, exc.code, f"The question is longer than {limit} characters",
                        f"问题超过 {limit} 个字符")
    english, chinese = _QUESTION_ERRORS.get(exc.code, (str(exc), "问题无效"))
    return ApiError(400, exc.code, english, chinese)
