"""The HTTP API, served by a real uvicorn on a free loopback port and called with httpx."""

from __future__ import annotations

import json
import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx
import pytest
import uvicorn
from hypothesis import HealthCheck, given, settings as hsettings, strategies as st

from qa.api import create_app


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def running(app):
    """Serve app on 127.0.0.1 in a thread; yield its base URL."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def base_url(settings, service):
    with running(create_app(settings, service=service)) as url:
        yield url


@pytest.fixture(scope="module")
def client(base_url):
    with httpx.Client(base_url=base_url, timeout=60) as c:
        yield c


def ask(client, question, **extra):
    return client.post("/ask", json={"question": question, **extra})


def test_answer(client):
    r = ask(client, "象珠镇有多少家企业？")
    assert r.status_code == 200
    data = r.json()
    assert "1000" in data["answer"] and data["abstained"] is False
    source = data["sources"][0]
    assert source["text"][source["answer_start"]:source["answer_end"]] == data["answer"]
    assert len(data["sources"]) == 3


def test_abstention_is_200_with_null_answer(client):
    r = ask(client, "火星上有多少座火山？")
    assert r.status_code == 200
    assert r.json()["abstained"] is True and r.json()["answer"] is None


def test_top_k(client):
    assert len(ask(client, "象珠镇有多少家企业？", top_k=6).json()["sources"]) == 6


def test_follow_up_questions_use_the_session(client):
    first = ask(client, "象珠镇有多少家企业？", session_id="api-s1").json()
    assert "1000" in first["answer"]
    follow = ask(client, "那花街镇呢？", session_id="api-s1").json()
    assert "花街镇" in follow["resolved_question"]
    assert "426" in follow["answer"]
    # Another session does not see that history.
    alone = ask(client, "那花街镇呢？", session_id="api-s2").json()
    assert alone["resolved_question"] is None


def test_health_and_documents(client, service):
    health = client.get("/health").json()
    assert health["status"] == "ok" and health["documents"] == 5
    assert health["chunks"] == len(service.corpus.chunks)
    docs = client.get("/documents").json()
    assert len(docs) == 5 and all(d["characters"] > 0 and d["chunks"] > 0 for d in docs)
    assert {d["doc_id"] for d in docs} == {d.doc_id for d in service.corpus.documents}


def test_openapi_docs_have_chinese_examples(client):
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    assert "象珠镇有多少家企业？" in json.dumps(spec, ensure_ascii=False)


def test_chat_page_is_self_contained(client):
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert "新闻问答" in page.text and "http://" not in page.text and "https://" not in page.text


BAD_REQUESTS = [
    ("missing question", {"json": {"top_k": 3}}, 422, "invalid_request"),
    ("question not a string", {"json": {"question": 42}}, 422, "invalid_request"),
    ("question null", {"json": {"question": None}}, 422, "invalid_request"),
    ("empty", {"json": {"question": ""}}, 400, "question_empty"),
    ("whitespace", {"json": {"question": " \n\t "}}, 400, "question_empty"),
    ("only control characters", {"json": {"question": "\x00\x07\x1b"}}, 400, "question_empty"),
    ("too long", {"json": {"question": "问" * 501}}, 400, "question_too_long"),
    ("top_k zero", {"json": {"question": "问题", "top_k": 0}}, 422, "invalid_request"),
    ("top_k 21", {"json": {"question": "问题", "top_k": 21}}, 422, "invalid_request"),
    ("top_k string", {"json": {"question": "问题", "top_k": "3"}}, 422, "invalid_request"),
    ("bad session id", {"json": {"question": "问题", "session_id": "../etc"}}, 400, "invalid_session_id"),
    ("body is a list", {"json": ["象珠镇"]}, 422, "invalid_request"),
    ("malformed JSON", {"content": b'{"question": "x"', "headers": {"content-type": "application/json"}},
     400, "invalid_json"),
    ("not JSON at all", {"content": "象珠镇".encode(), "headers": {"content-type": "application/json"}},
     400, "invalid_json"),
    ("form content type", {"data": {"question": "象珠镇有多少家企业？"}}, 415, "unsupported_media_type"),
    ("no content type", {"content": b'{"question": "x"}'}, 415, "unsupported_media_type"),
    ("body over 64 KiB", {"json": {"question": "问", "pad": "x" * 70_000}}, 413, "payload_too_large"),
]


@pytest.mark.parametrize("name, kwargs, status, code", BAD_REQUESTS, ids=[b[0] for b in BAD_REQUESTS])
def test_bad_input_is_a_clear_json_error(client, name, kwargs, status, code):
    r = client.post("/ask", **kwargs)
    assert r.status_code == status, r.text
    error = r.json()["error"]
    assert error["code"] == code
    assert error["message"] and "/" in error["message"]  # English / Chinese
    assert "Traceback" not in r.text


def test_streamed_body_over_the_limit(client):
    def chunks():
        yield b'{"question": "'
        for _ in range(80):
            yield b"x" * 1024
        yield b'"}'

    r = client.post("/ask", content=chunks(), headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


@pytest.mark.parametrize("question", ["象珠镇有多少家企业？😀", "象珠镇\x00有多少家企业\u200b？",
                                      "How many 企业 in 象珠镇?", "ئەگەر 象珠镇 שלום", "🙂🙂🙂"])
def test_odd_but_valid_questions_are_answered_or_abstained(client, question):
    r = ask(client, question)
    assert r.status_code == 200, r.text
    assert isinstance(r.json()["abstained"], bool)


def test_unknown_route_and_method(client):
    assert client.get("/nope").json()["error"]["code"] == "not_found"
    assert client.get("/ask").status_code == 405


def test_fifty_concurrent_requests_are_all_answered_correctly(settings, service, monkeypatch):
    # On a small shared machine the last of fifty may wait past the default 10 s cap.
    monkeypatch.setenv("QA_REQUEST_TIMEOUT", "120")
    questions = ["象珠镇有多少家企业？", "花街镇有几家集团公司？"] * 25

    def one(url, question):
        with httpx.Client(base_url=url, timeout=120) as c:
            return question, ask(c, question)

    with running(create_app(settings, service=service)) as url, ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(one, [url] * len(questions), questions))
    assert all(r.status_code == 200 for _, r in results)
    for question, r in results:
        assert ("1000" if "象珠镇" in question else "4家") in r.json()["answer"]


class SlowService:
    """The real service, but each ask() first waits for `gate`: a stuck computation."""

    def __init__(self, inner):
        self.inner, self.gate = inner, threading.Event()

    def ask(self, *args, **kwargs):
        self.gate.wait(timeout=30)
        return self.inner.ask(*args, **kwargs)

    def __getattr__(self, name):
        return getattr(self.inner, name)


def test_slow_answer_is_a_prompt_504_and_then_busy_503(settings, service, monkeypatch):
    monkeypatch.setenv("QA_REQUEST_TIMEOUT", "0.5")
    monkeypatch.setenv("QA_MAX_CONCURRENT", "1")
    slow = SlowService(service)
    with running(create_app(settings, service=slow)) as url, httpx.Client(base_url=url, timeout=30) as c:
        try:
            started = time.monotonic()
            r = ask(c, "象珠镇有多少家企业？")
            assert time.monotonic() - started < 3
            assert r.status_code == 504 and r.json()["error"]["code"] == "timeout", r.text
            assert "0.5 s" in r.json()["error"]["message"] and "/" in r.json()["error"]["message"]
            # The abandoned computation still runs (a thread cannot be killed) in the only slot.
            busy = ask(c, "象珠镇有多少家企业？")
            assert busy.status_code == 503 and busy.json()["error"]["code"] == "busy"
            assert busy.headers["retry-after"] == "1"
            assert c.get("/health").status_code == 200  # the rest of the API still answers
        finally:
            slow.gate.set()
        deadline = time.monotonic() + 10  # the slot is free once that computation ends
        while (r := ask(c, "象珠镇有多少家企业？")).status_code == 503:
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert r.status_code == 200 and "1000" in r.json()["answer"]


@hsettings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.one_of(
    st.fixed_dictionaries({"question": st.text(max_size=600)},
                          optional={"top_k": st.one_of(st.integers(-5, 30), st.text(max_size=3), st.none()),
                                    "session_id": st.one_of(st.none(), st.text(max_size=140))}),
    st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=20), st.integers(), st.none()), max_size=4),
    st.lists(st.integers(), max_size=3),
))
def test_fuzzed_bodies_never_cause_a_server_error(client, body):
    r = client.post("/ask", content=json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass"),
                    headers={"content-type": "application/json"})
    assert r.status_code < 500, r.text
    assert r.status_code == 200 or "error" in r.json()


def test_api_key_protects_ask_but_not_health(settings, service, monkeypatch):
    monkeypatch.setenv("QA_API_KEY", "s3cret-key")
    with running(create_app(settings, service=service)) as url, httpx.Client(base_url=url, timeout=60) as c:
        body = {"question": "象珠镇有多少家企业？"}
        assert c.post("/ask", json=body).status_code == 401
        assert c.post("/ask", json=body, headers={"X-API-Key": "wrong"}).json()["error"]["code"] == "unauthorized"
        assert c.post("/ask", json=body, headers={"Authorization": "Bearer s3cret-key"}).status_code == 200
        assert c.post("/ask", json=body, headers={"X-API-Key": "s3cret-key"}).status_code == 200
        assert c.get("/health").status_code == 200


def test_rate_limit_answers_429_with_retry_after(settings, service, monkeypatch):
    monkeypatch.setenv("QA_RATE_LIMIT", "3/minute")
    with running(create_app(settings, service=service)) as url, httpx.Client(base_url=url, timeout=60) as c:
        statuses = [c.post("/ask", json={"question": "象珠镇有多少家企业？"}).status_code for _ in range(3)]
        assert statuses == [200, 200, 200]
        limited = c.post("/ask", json={"question": "象珠镇有多少家企业？"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert limited.json()["error"]["code"] == "rate_limited"


def test_health_is_503_while_loading_then_200(settings):
    with running(create_app(settings)) as url, httpx.Client(base_url=url, timeout=60) as c:
        first = c.get("/health")
        assert first.status_code == 503 and first.json()["status"] == "loading"
        loading_ask = c.post("/ask", json={"question": "象珠镇有多少家企业？"})
        assert loading_ask.status_code == 503 and loading_ask.headers["retry-after"]
        deadline = time.monotonic() + 120
        while c.get("/health").status_code != 200:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert "1000" in c.post("/ask", json={"question": "象珠镇有多少家企业？"}).json()["answer"]
