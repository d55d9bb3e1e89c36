"""The chat page in real headless Chromium (Debian's), against the real server on loopback."""

from __future__ import annotations

import shutil

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


@pytest.fixture
def page(page_url):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone-sized screen
        dialogs = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_url + "/")
        page.dialogs = dialogs
        yield page
        browser.close()


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


def test_question_text_is_never_executed(page, tmp_path):
    submit(page, "<img src=x onerror=alert(1)>象珠镇有多少家企业？")
    page.wait_for_function("document.querySelectorAll('.msg.bot').length >= 2 && "
                           "!document.querySelectorAll('.msg.bot')[1].textContent.includes('正在查找')",
                           timeout=60_000)
    assert page.dialogs == []
    assert page.locator("img").count() == 0
    assert "<img src=x onerror=alert(1)>" in page.inner_text(".msg.user")
    page.screenshot(path=str(tmp_path / "hostile.png"))


def test_suggested_questions_come_from_the_server_and_answer(page):
    page.wait_for_selector("#suggestions button")
    page.locator("#suggestions button").first.click()
    page.wait_for_selector(".msg.bot .answer", timeout=60_000)
    assert page.inner_text(".msg.user") == page.locator("#suggestions button").first.inner_text()
