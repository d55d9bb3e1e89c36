"""The chat page in real headless Chromium (Debian's), against the real server on loopback."""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from dataclasses import replace

import pytest

from qa.api import create_app
from tests.test_api import running

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")
# Without these, Chromium tries Google's hosts at start; nothing may leave 127.0.0.1.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]


@pytest.fixture(scope="module")
def page_url(settings, service):
    with running(create_app(settings, service=service)) as url:
        yield url


@contextmanager
def browse(url):
    """The chat page at url in headless Chromium; page.dialogs lists any alert() shown."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(url + "/")
        page.dialogs = dialogs
        yield page
        browser.close()


@pytest.fixture
def page(page_url):
    with browse(page_url) as page:
        yield page


# An article scraped with its markup: the page must show it as text, never run it.
HOSTILE_TITLE = "<svg onload=alert(3)>红星镇</svg>企业调查"
HOSTILE_SENTENCE = "红星镇<img src=x onerror=alert(1)>共有128家企业<script>alert(2)</script>，其中规上企业有12家。"
HOSTILE_ARTICLE = f"红星镇企业调查\n\n{HOSTILE_SENTENCE}\n该镇今年新增企业20家，主要集中在五金和电子行业。\n"


@pytest.fixture(scope="module")
def hostile_url(settings, encoder, service, tmp_path_factory):
    """A server over that one article (on conftest's encoder and reader)."""
    from qa.indexing import ensure_index
    from qa.service import QAService, Searchable

    docs = tmp_path_factory.mktemp("hostile-docs")
    (docs / "evil.txt").write_text(HOSTILE_ARTICLE, "utf-8")
    (docs / "evil.txt.json").write_text(json.dumps({"title": HOSTILE_TITLE}), "utf-8")
    hostile = replace(settings, docs_dir=docs, index_dir=tmp_path_factory.mktemp("hostile-index"))
    index = ensure_index(hostile, encoder)
    hostile_service = QAService(hostile, encoder, Searchable.of(index, service.answerer.reader))
    with running(create_app(hostile, service=hostile_service)) as url:
        yield url


def submit(page, question):
    page.fill("#question", question)
    page.click("#send")


def test_question_answer_with_highlight_source_and_passages(page, tmp_path):
    submit(page, "象珠镇有多少家企业？")
    page.wait_for_selector(".msg.bot .answer", timeout=60_000)
    assert "1000余家" in page.inner_text(".msg.bot .answer")
    assert page.inner_text(".msg.bot .evidence mark") == page.inner_text(".msg.bot .answer")
    assert "出处：《" in page.inner_text(".msg.bot .source")
    page.click(".msg.bot details summary")
    assert page.is_visible(".msg.bot details p")
    page.screenshot(path=str(tmp_path / "answer.png"), full_page=True)
    assert (tmp_path / "answer.png").stat().st_size > 1000


def test_follow_up_in_the_same_conversation(page):
    submit(page, "象珠镇有多少家企业？")
    page.wait_for_selector(".msg.bot .answer", timeout=60_000)
    submit(page, "那花街镇呢？")
    page.wait_for_function("document.querySelectorAll('.msg.bot .answer').length >= 2", timeout=60_000)
    assert "426" in page.locator(".msg.bot .answer").nth(1).inner_text()
    assert "花街镇" in page.locator(".msg.bot .meta").first.inner_text()


def test_html_in_questions_and_articles_is_shown_as_text(hostile_url, tmp_path):
    with browse(hostile_url) as page:
        submit(page, "<img src=x onerror=alert(1)>红星镇有多少家企业？")
        page.wait_for_selector(".msg.bot .answer", timeout=60_000)
        page.click(".msg.bot details summary")
        page.wait_for_timeout(300)  # time for any injected handler to fire
        assert page.dialogs == []
        assert page.locator("img, svg").count() == 0 and page.locator("#log script").count() == 0
        assert "<img src=x onerror=alert(1)>" in page.inner_text(".msg.user")
        assert page.inner_text(".msg.bot .answer") == "128家"
        assert page.inner_text(".msg.bot .evidence") == HOSTILE_SENTENCE
        assert HOSTILE_TITLE in page.inner_text(".msg.bot .source")
        passage = page.inner_text(".msg.bot details p")
        assert HOSTILE_TITLE in passage and HOSTILE_SENTENCE in passage
        page.screenshot(path=str(tmp_path / "hostile.png"))


def test_suggested_questions_come_from_the_server_and_answer(page):
    page.wait_for_selector("#suggestions button")
    page.locator("#suggestions button").first.click()
    page.wait_for_selector(".msg.bot .answer", timeout=60_000)
    assert page.inner_text(".msg.user") == page.locator("#suggestions button").first.inner_text()
