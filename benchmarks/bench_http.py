"""Latency and throughput of POST /ask over real loopback HTTP: one client, then N concurrent.

    .venv/bin/python benchmarks/bench_http.py [--clients 1,8] [--seconds 20] [--port 8765]

Starts `qa serve` (one worker) on 127.0.0.1, waits for /health, then each client sends the
dev questions in turn for the given time. Prints requests/s, p50/p95 latency and errors per
client count. Run it on a quiet machine: the server and the clients share the CPU.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluation import load_jsonl, percentile  # noqa: E402


def start_server(port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "qa"), "serve", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**os.environ, "QA_RATE_LIMIT": ""})
    deadline = time.time() + 180
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.kill()
    raise SystemExit("the server did not become healthy within 180 s")


def run_clients(url: str, questions: list[str], clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.perf_counter() + seconds

    def client(offset: int) -> None:
        nonlocal errors
        with httpx.Client(timeout=30) as http:
            i = offset
            while time.perf_counter() < stop:
                started = time.perf_counter()
                try:
                    ok = http.post(url, json={"question": questions[i % len(questions)]}).status_code == 200
                except httpx.HTTPError:
                    ok = False
                with lock:
                    latencies.append(time.perf_counter() - started) if ok else None
                    errors += not ok
                i += clients

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    ms = [x * 1000 for x in latencies]
    return {"clients": clients, "requests": len(ms), "errors": errors, "per_s": len(ms) / elapsed,
            "p50": percentile(ms, 50), "p95": percentile(ms, 95)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="1,8")
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    questions = [e.question for e in load_jsonl(ROOT / "tests" / "data" / "dev.jsonl")]
    server = start_server(args.port)
    try:
        url = f"http://127.0.0.1:{args.port}/ask"
        run_clients(url, questions, 1, 2)  # warm-up
        print(f"{'clients':>7} {'requests':>9} {'errors':>7} {'req/s':>7} {'p50 ms':>8} {'p95 ms':>8}")
        for clients in (int(c) for c in args.clients.split(",")):
            r = run_clients(url, questions, clients, args.seconds)
            print(f"{r['clients']:>7} {r['requests']:>9} {r['errors']:>7} {r['per_s']:>7.1f} "
                  f"{r['p50']:>8.1f} {r['p95']:>8.1f}")
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
