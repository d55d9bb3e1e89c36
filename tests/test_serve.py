"""`qa serve` as a real process: stopping it with SIGTERM, under load and while loading."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
import pytest

from tests.test_api import free_port

# A request refused at the transport level: connection refused, or closed unanswered.
REFUSED = (httpx.ConnectError, httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


def start_serve(settings, index_dir, log_path, **env) -> tuple[subprocess.Popen, str]:
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if k not in ("QA_API_KEY", "QA_RATE_LIMIT")}
    environ.update(QA_MODEL=str(settings.model), **env)
    command = [sys.executable, "-m", "qa.cli", "serve", "--docs", str(settings.docs_dir),
               "--index-dir", str(index_dir), "--host", "127.0.0.1", "--port", str(port)]
    with open(log_path, "wb") as log:  # a file, not a pipe: a full pipe would block the server
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=environ)
    return proc, f"http://127.0.0.1:{port}"


def wait_for_health(proc, url, status: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while True:
        assert proc.poll() is None, "qa serve exited early"
        assert time.monotonic() < deadline, f"/health never answered {status}"
        try:
            if httpx.get(url + "/health", timeout=5).status_code == status:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)


@pytest.fixture
def server(settings, service, tmp_path):
    """`qa serve` on the index the session's `service` fixture built, answering."""
    proc, url = start_serve(settings, settings.index_dir, tmp_path / "serve.log")
    try:
        wait_for_health(proc, url, 200)
        yield proc, url, tmp_path / "serve.log"
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def keep_asking(url: str, outcomes: list, done: threading.Event) -> None:
    """POST /ask over and over, noting (started, ended, outcome), until the server is gone."""
    questions = ["象珠镇有多少家企业？", "花街镇有几家集团公司？"]
    with httpx.Client(base_url=url, timeout=30) as client:
        for n in range(10_000):
            started = time.monotonic()
            try:
                outcome = client.post("/ask", json={"question": questions[n % 2], "top_k": 10})
            except Exception as exc:  # noqa: BLE001 - every failure is an outcome to judge
                outcome = exc
            outcomes.append((started, time.monotonic(), outcome))
            if isinstance(outcome, Exception) or done.is_set():
                return


def test_sigterm_under_load_finishes_requests_in_flight_and_exits_0(server):
    proc, url, log_path = server
    outcomes: list = []
    done = threading.Event()
    threads = [threading.Thread(target=keep_asking, args=(url, outcomes, done)) for _ in range(6)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 60
    while sum(isinstance(o, httpx.Response) for _, _, o in outcomes) < 6:  # warm, and busy
        assert time.monotonic() < deadline
        time.sleep(0.05)

    sigterm_at = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    try:
        assert proc.wait(timeout=30) == 0
    finally:
        done.set()
        for thread in threads:
            thread.join(timeout=60)
    log = log_path.read_text("utf-8", "replace")
    assert "Traceback" not in log and "Finished server process" in log

    answered_in_flight = 0
    for started, ended, outcome in outcomes:
        if isinstance(outcome, httpx.Response) and outcome.status_code == 200:
            assert outcome.json()["answer"]
            answered_in_flight += started < sigterm_at < ended
        elif isinstance(outcome, httpx.Response):  # the one clean refusal with a response
            assert outcome.status_code == 503 and outcome.json()["error"]["code"], outcome.text
        else:  # refused: never a timeout (a hang), never anything else
            assert isinstance(outcome, REFUSED), repr(outcome)
            assert ended > sigterm_at
    assert answered_in_flight >= 1
    assert not any(thread.is_alive() for thread in threads)
    with pytest.raises(httpx.ConnectError):
        httpx.post(url + "/ask", json={"question": "象珠镇有多少家企业？"}, timeout=5)


def test_sigterm_while_loading_exits_0_at_once(settings, encoder, tmp_path):
    # An empty index folder: the service is still loading (and building) when stopped.
    proc, url = start_serve(settings, tmp_path / "index", tmp_path / "serve.log")
    try:
        wait_for_health(proc, url, 503)
        stopped_at = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert time.monotonic() - stopped_at < 5
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def test_bad_request_timeout_is_a_one_line_error(settings, tmp_path):
    proc, _ = start_serve(settings, tmp_path / "index", tmp_path / "serve.log", QA_REQUEST_TIMEOUT="soon")
    assert proc.wait(timeout=60) == 2
    log = (tmp_path / "serve.log").read_text("utf-8")
    assert "QA_REQUEST_TIMEOUT" in log and "Traceback" not in log
