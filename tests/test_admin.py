"""Admin endpoints over real loopback HTTP: upload, replace and delete articles, reindex, and
the live switch to the new index while questions are being answered."""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import httpx
import pytest

from qa.api import create_app
from qa.indexing import ensure_index
from qa.service import QAService, Searchable
from tests.test_api import running

KEY = "admin-test-key"
FIRST = "象珠镇有1000余家企业。其中规上企业有65家。"
NEW = "---\ntitle: 佛堂镇新建公园\ndate: 2024-05-01\nurl: https://example.org/fotang\n---\n佛堂镇今年新建了3座公园。\n"


@pytest.fixture
def tiny_service(tmp_path, settings, encoder, service):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "a.txt").write_text(FIRST, encoding="utf-8")
    (docs / "b.md").write_text("花街镇共有工业企业426家。", encoding="utf-8")
    tiny = replace(settings, docs_dir=docs, index_dir=tmp_path / "index")
    index = ensure_index(tiny, encoder)
    return QAService(tiny, encoder, Searchable.of(index, service.answerer.reader))


@pytest.fixture
def admin(tiny_service, monkeypatch):
    monkeypatch.setenv("QA_API_KEY", KEY)
    with running(create_app(tiny_service.settings, service=tiny_service)) as url:
        with httpx.Client(base_url=url, timeout=120, headers={"X-API-Key": KEY}) as client:
            yield client


def upload(client, name, text, **extra):
    return client.post("/documents", files={"file": (name, text.encode(), "text/plain")}, data=extra)


def ask(client, question):
    return client.post("/ask", json={"question": question}).json()


def test_upload_then_ask_then_delete(admin, tiny_service):
    created = upload(admin, "c.txt", NEW)
    assert created.status_code == 201, created.text
    assert created.json() | {"chunks": 1} == {"doc_id": "c.txt", "title": "佛堂镇新建公园", "chunks": 1,
                                             "characters": len("佛堂镇今年新建了3座公园。"),
                                             "date": "2024-05-01", "url": "https://example.org/fotang"}
    answer = ask(admin, "佛堂镇今年新建了几座公园？")
    assert answer["answer"] == "3座" and answer["sources"][0]["doc_id"] == "c.txt"
    assert answer["sources"][0]["date"] == "2024-05-01"
    listed = {d["doc_id"]: d for d in admin.get("/documents").json()}
    assert listed["c.txt"]["url"] == "https://example.org/fotang"

    replaced = upload(admin, "c.txt", "佛堂镇今年新建了5座公园。", metadata='{"title": "佛堂镇公园"}')
    assert replaced.status_code == 200 and replaced.json()["title"] == "佛堂镇公园"
    assert ask(admin, "佛堂镇今年新建了几座公园？")["answer"] == "5座"

    deleted = admin.delete("/documents/c.txt")
    assert deleted.status_code == 200 and deleted.json()["documents"] == 2
    assert not (tiny_service.settings.docs_dir / "c.txt.json").exists()
    assert "c.txt" not in {d["doc_id"] for d in admin.get("/documents").json()}
    assert admin.delete("/documents/c.txt").json()["error"]["code"] == "no_such_document"


def test_reindex_picks_up_files_added_to_the_folder(admin, tiny_service):
    (tiny_service.settings.docs_dir / "d.txt").write_text("义亭镇有8个村。", encoding="utf-8")
    response = admin.post("/reindex")
    assert response.status_code == 200 and response.json()["documents"] == 3
    assert ask(admin, "义亭镇有几个村？")["answer"] == "8个"


@pytest.mark.parametrize("name", ["../escape.txt", ".hidden.txt", "sub/dir.txt", "/etc/passwd.txt",
                                  "C:\\evil.txt", "run.exe", "", "a..b.txt"])
def test_document_names_cannot_leave_the_folder(admin, tiny_service, name):
    response = upload(admin, name, "内容。")
    docs = tiny_service.settings.docs_dir
    if response.status_code == 201:  # the form parser may keep only a Windows path's last part
        assert response.json()["doc_id"] == "evil.txt" and (docs / "evil.txt").is_file()
    else:
        assert response.status_code in (400, 422), response.text
        assert sorted(p.name for p in docs.iterdir()) == ["a.txt", "b.md"]
    assert not (docs.parent / "escape.txt").exists() and not any(docs.parent.glob("*.txt"))


def test_bad_uploads_are_refused_and_nothing_changes(admin, tiny_service):
    build = tiny_service.live.manifest["build"]
    empty = upload(admin, "empty.txt", "")  # allowed: it simply holds no passage
    assert empty.status_code == 201 and empty.json()["chunks"] == 0
    bad = admin.post("/documents", files={"file": ("gbk.txt", "中文".encode("gb18030"), "text/plain")})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid_document"
    big = admin.post("/documents", files={"file": ("big.txt", b"a" * (3 * 1024 * 1024), "text/plain")})
    assert big.status_code == 413
    meta = upload(admin, "m.txt", "内容。", metadata="[not json")
    assert meta.status_code == 400 and "m.txt.json" in meta.json()["error"]["message"]
    assert not (tiny_service.settings.docs_dir / "m.txt").exists()
    assert admin.delete("/documents/.hidden.txt").status_code == 400
    assert tiny_service.live.manifest["build"] != build  # only the empty article was added


def test_the_last_document_cannot_be_deleted(admin):
    assert admin.delete("/documents/b.md").status_code == 200
    last = admin.delete("/documents/a.txt")
    assert last.status_code == 409 and last.json()["error"]["code"] == "last_document"


def test_admin_needs_the_key(admin, tiny_service, monkeypatch):
    anonymous = httpx.post(f"{admin.base_url}/reindex", timeout=30)
    assert anonymous.status_code == 401
    wrong = httpx.post(f"{admin.base_url}/reindex", headers={"X-API-Key": "nope"}, timeout=30)
    assert wrong.status_code == 401
    monkeypatch.delenv("QA_API_KEY")
    with running(create_app(tiny_service.settings, service=tiny_service)) as url:
        refused = httpx.post(f"{url}/reindex", timeout=30)
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "admin_disabled"


def test_questions_in_flight_never_fail_while_articles_change(admin):
    expected = ask(admin, "象珠镇有多少家企业？")["answer"]
    assert expected == "1000余家"
    answers, stop = [], threading.Event()

    def keep_asking():
        with httpx.Client(base_url=str(admin.base_url), timeout=120, headers={"X-API-Key": KEY}) as client:
            while not stop.is_set():
                response = client.post("/ask", json={"question": "象珠镇有多少家企业？"})
                answers.append((response.status_code, response.json().get("answer")))

    threads = [threading.Thread(target=keep_asking) for _ in range(3)]
    for t in threads:
        t.start()
    try:
        for i in range(3):
            assert upload(admin, f"new{i}.txt", f"第{i}篇新文章：佛堂镇今年新建了{i + 2}座公园。").status_code == 201
            assert admin.delete(f"/documents/new{i}.txt").status_code == 200
    finally:
        stop.set()
        for t in threads:
            t.join()
    assert answers and all(a == (200, expected) for a in answers)


def test_a_server_follows_an_index_built_by_another_process(tiny_service, encoder, monkeypatch):
    """`qa index` (or another worker) builds; the running server switches within seconds."""
    settings = replace(tiny_service.settings, index_watch_seconds=0.2)
    monkeypatch.setattr(tiny_service, "settings", settings)
    with running(create_app(settings, service=tiny_service)) as url:
        (settings.docs_dir / "d.txt").write_text("义亭镇有8个村。", encoding="utf-8")
        ensure_index(settings, encoder)  # as another process would
        deadline = time.monotonic() + 30
        while len(httpx.get(f"{url}/documents", timeout=30).json()) < 3:
            assert time.monotonic() < deadline, "the server did not pick up the new index"
            time.sleep(0.1)
        answer = httpx.post(f"{url}/ask", json={"question": "义亭镇有几个村？"}, timeout=60).json()
    assert answer["answer"] == "8个"
