"""Cold start: process start to first answer, for `qa ask` and for `qa serve`, with a
built index (the index must be loaded, not rebuilt).

    .venv/bin/python benchmarks/bench_coldstart.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
QA = str(ROOT / ".venv" / "bin" / "qa")
QUESTION = "象珠镇有多少家企业？"


def ask_once() -> float:
    started = time.perf_counter()
    out = subprocess.run([QA, "ask", QUESTION, "--json"], cwd=ROOT, capture_output=True, text=True, check=True)
    elapsed = time.perf_counter() - started
    json.loads(out.stdout)  # a real answer came back
    return elapsed


def serve_once(port: int) -> float:
    started = time.perf_counter()
    server = subprocess.Popen([QA, "serve", "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                r = httpx.post(f"http://127.0.0.1:{port}/ask", json={"question": QUESTION}, timeout=5)
                if r.status_code == 200:
                    return time.perf_counter() - started
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.perf_counter() - started > 120:
                raise SystemExit("qa serve did not answer within 120 s")
            time.sleep(0.05)
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--port", type=int, default=8766)
    args = parser.parse_args()
    subprocess.run([QA, "index"], cwd=ROOT, check=True, capture_output=True)  # built beforehand
    ask = [ask_once() for _ in range(args.repeat)]
    serve = [serve_once(args.port) for _ in range(args.repeat)]
    print(f"{'command':<10}{'median s':>10}{'min s':>8}{'max s':>8}")
    for name, values in (("qa ask", ask), ("qa serve", serve)):
        print(f"{name:<10}{statistics.median(values):>10.2f}{min(values):>8.2f}{max(values):>8.2f}")


if __name__ == "__main__":
    sys.exit(main())
