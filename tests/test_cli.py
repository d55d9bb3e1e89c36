"""The installed `qa` command, run as a user would run it."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def env(settings, service):  # `service` makes sure the index exists before the CLI runs
    return {**os.environ, "QA_DOCS": str(settings.docs_dir), "QA_INDEX_DIR": str(settings.index_dir),
            "QA_MODEL": settings.model}


def qa(env, *args, stdin=None):
    return subprocess.run([sys.executable, "-m", "qa.cli", *args], input=stdin, env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300)


def test_ask_json_answers_dev_questions(env):
    result = qa(env, "ask", "花街镇共有多少家工业企业？", "--json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert "426" in data["answer"] and data["sources"][0]["doc_id"].startswith("002_")


def test_ask_reads_questions_from_stdin_one_json_per_line(env):
    result = qa(env, "ask", "-", "--json", stdin="象珠镇有多少家企业？\n\n" + "问" * 600 + "\n花街镇共有多少家工业企业？\n")
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(lines) == 3
    assert "1000" in lines[0]["answer"] and "limit is 500" in lines[1]["error"] and "426" in lines[2]["answer"]
    assert result.returncode == 1


def test_human_output_highlights_the_answer_and_names_the_source(env):
    result = qa(env, "ask", "象珠镇有多少家企业？")
    assert "【1000余家】" in result.stdout and "000_7ae75953e12f7a66.txt" in result.stdout


@pytest.mark.parametrize("args, message", [
    (["ask", ""], "empty"),
    (["ask", "问" * 501], "limit is 500"),
    (["ask", "x", "--docs", "/nonexistent/docs", "--index-dir", "/nonexistent/index"], "does not exist"),
    (["eval", "/nonexistent.jsonl"], "does not exist"),
])
def test_bad_input_is_one_line_without_traceback(env, args, message):
    result = qa(env, *args)
    assert result.returncode != 0
    assert message in result.stderr and "Traceback" not in result.stderr
    assert len([l for l in result.stderr.splitlines() if l.startswith("qa: error")]) == 1


def test_missing_model_is_one_clear_line(env, tmp_path):
    result = qa({**env, "QA_MODEL": str(tmp_path / "no-such-model")}, "ask", "象珠镇有多少家企业？")
    assert result.returncode == 2 and "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("setting, value, message", [
    ("QA_MIN_CONFIDENCE", "abc", "QA_MIN_CONFIDENCE must be a number from 0 to 1"),
    ("QA_MIN_CONFIDENCE", "nan", "QA_MIN_CONFIDENCE must be a number from 0 to 1"),
    ("QA_SESSION_TTL", "-5", "QA_SESSION_TTL must be a positive number"),
    ("QA_MAX_SESSIONS", "2.5", "QA_MAX_SESSIONS must be a positive whole number"),
    ("QA_MAX_QUESTION_CHARS", "0", "QA_MAX_QUESTION_CHARS must be a positive whole number"),
    ("QA_QUERY_PRECISION", "int4", "QA_QUERY_PRECISION must be one of int8, float32"),
])
def test_a_bad_setting_in_the_environment_is_named(env, setting, value, message):
    result = qa({**env, setting: value}, "ask", "象珠镇有多少家企业？")
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr


def test_chat_answers_and_quits(env):
    result = qa(env, "chat", stdin="象珠镇有多少家企业？\n\nexit\n")
    assert result.returncode == 0 and "【1000余家】" in result.stdout


def test_non_utf8_document_is_named(env, tmp_path):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "good.txt").write_text("一句话。", encoding="utf-8")
    (docs / "legacy.txt").write_bytes("旧编码".encode("gb18030"))
    result = qa(env, "index", "--docs", str(docs), "--index-dir", str(tmp_path / "index"), "--force")
    assert result.returncode == 2 and "legacy.txt is not UTF-8" in result.stderr
    assert "Traceback" not in result.stderr
