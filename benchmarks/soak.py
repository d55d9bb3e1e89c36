"""Soak test: many mixed requests against a real `qa serve`, checking nothing degrades.

    nice .venv/bin/python benchmarks/soak.py [--requests 20000] [--clients 16]
        [--max-sessions 50] [--session-ttl 20] [--rss-limit-mb 50] [--index-dir .qa/index]

Starts `qa serve` on a free 127.0.0.1 port with a small session store (QA_MAX_SESSIONS,
QA_SESSION_TTL) so eviction and expiry happen, then:

1. baseline: asks every dev question once (tests/data/dev.jsonl). The "known set" is the
   answerable questions answered exactly right and the unanswerable ones abstained on; each
   known answer, and each turn of some follow-up chains, is recorded as first given;
2. the run: `--requests` requests from `--clients` threads, a seeded mix of known questions,
   follow-up chains (a new session id each: 象珠镇有多少家企业？ → 党员呢？ → 那花街镇呢？),
   abstentions and invalid requests (each expecting its own 4xx). Every answer must equal
   its first one. The server's RSS (/proc/<pid>/status) and /health "sessions" are sampled;
3. after the run, waits one TTL: every session must have expired.

Prints a table and the bars; exits 1 if any bar fails. tests/test_soak.py runs a short one.
"""

from __future__ import annotations

import argparse
import itertools
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from qa.evaluation import exact_match, load_jsonl, percentile  # noqa: E402

DEV = ROOT / "tests" / "data" / "dev.jsonl"
# Follow-up chains: each turn after the first must be read in the context of the one before.
CHAINS = (
    ("象珠镇有多少家企业？", "党员呢？", "那花街镇呢？"),
    ("花街镇有几家集团公司？", "象珠镇呢？", "规上企业呢？"),
    ("象珠镇两新党委书记是谁？", "那花街镇呢？"),
    ("How many enterprises does Xiangzhu town have?", "And Huajie town?"),
)
# (name, request arguments, expected status): the documented 4xx of POST /ask.
JSON = {"Content-Type": "application/json"}
INVALID = (
    ("empty question", {"json": {"question": "   "}}, 400),
    ("question not a string", {"json": {"question": 123}}, 422),
    ("top_k not a number", {"json": {"question": "象珠镇有多少家企业？", "top_k": "3"}}, 422),
    ("top_k out of range", {"json": {"question": "象珠镇有多少家企业？", "top_k": 0}}, 422),
    ("no question", {"json": {"top_k": 3}}, 422),
    ("not an object", {"json": ["象珠镇有多少家企业？"]}, 422),
    ("bad JSON", {"content": b'{"question": "\xe8\xb1\xa1', "headers": JSON}, 400),
    ("oversize body", {"json": {"question": "象" * 30_000}}, 413),
    ("question too long", {"json": {"question": "象" * 501}}, 400),
    ("bad session id", {"json": {"question": "象珠镇有多少家企业？", "session_id": "not ok!"}}, 400),
    ("session id not a string", {"json": {"question": "象珠镇有多少家企业？", "session_id": 7}}, 422),
    ("not JSON content type",
     {"content": "象珠镇有多少家企业？".encode(), "headers": {"Content-Type": "text/plain"}}, 415),
)
# Share of requests per kind (a follow-up job is a whole chain, several requests).
MIX = {"valid": 0.45, "followup": 0.25, "abstain": 0.10, "invalid": 0.20}


# ---------------------------------------------------------------- the server
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(docs: Path, index_dir: Path, max_sessions: int, session_ttl: float,
                 log_file, model: str | None = None) -> tuple[subprocess.Popen, str]:
    """`qa serve` on a free loopback port, once /health says ok: (process, base URL)."""
    port = free_port()
    env = {**os.environ, "QA_RATE_LIMIT": "", "QA_MAX_SESSIONS": str(max_sessions),
           "QA_SESSION_TTL": str(session_ttl)}
    env.pop("QA_API_KEY", None)  # the soak drives an open server
    if model:
        env["QA_MODEL"] = model
    server = subprocess.Popen([str(ROOT / ".venv" / "bin" / "qa"), "serve", "--port", str(port),
                               "--docs", str(docs), "--index-dir", str(index_dir)],
                              cwd=ROOT, env=env, stdout=log_file, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300  # may build the index first
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if httpx.get(url + "/health", timeout=2).status_code == 200:
                return server, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    stop_server(server)
    raise RuntimeError(f"qa serve did not become healthy (exit code {server.returncode})")


def stop_server(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()


def rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            kb = next(line.split()[1] for line in f if line.startswith("VmRSS:"))
        return int(kb) / 1024
    except (OSError, StopIteration):
        return None


def live_sessions(http: httpx.Client) -> int | None:
    try:
        response = http.get("/health")
        return response.json().get("sessions") if response.status_code == 200 else None
    except (httpx.HTTPError, ValueError):
        return None


# ---------------------------------------------------------------- baseline
@dataclass
class Known:
    answers: dict[str, str]  # known answerable question → its first (correct) answer
    abstains: list[str]  # unanswerable questions the service abstained on
    chains: dict[tuple[str, ...], list[tuple[str | None, str | None]]]  # turns' (resolved, answer)
    asked: int = 0  # questions in the dev set


def ask(http: httpx.Client, question: str, session_id: str | None = None) -> dict:
    response = http.post("/ask", json={"question": question, "session_id": session_id})
    response.raise_for_status()
    return response.json()


def baseline(http: httpx.Client, dev_every: int = 1) -> Known:
    """Ask each dev question (every `dev_every`-th, for short runs) and each chain once, in turn."""
    examples = load_jsonl(DEV)[::dev_every]
    answers, abstains = {}, []
    for ex in examples:
        got = ask(http, ex.question)["answer"]
        if ex.answerable and exact_match(got, ex.answers):
            answers[ex.question] = got
        elif not ex.answerable and got is None:
            abstains.append(ex.question)
    chains = {}
    for n, chain in enumerate(CHAINS):
        turns = [ask(http, q, f"baseline-{n}") for q in chain]
        if all(t["resolved_question"] for t in turns[1:]):  # keep chains that are follow-ups
            chains[chain] = [(t["resolved_question"], t["answer"]) for t in turns]
    return Known(answers, abstains, chains, len(examples))


# ---------------------------------------------------------------- the run
@dataclass
class Result:
    kind: str
    status: int | None  # None: no HTTP response (connection error, timeout)
    ms: float
    expected: int = 200
    wrong: bool = False  # a 200 whose answer differs from the known one
    note: str = ""


def make_plan(known: Known, requests: int, seed: int = 0) -> list[tuple]:
    """Jobs until `requests` requests: ("valid", q), ("abstain", q), ("followup", chain),
    ("invalid", case). Kinds are drawn so that each gets about its MIX share of requests."""
    rng = random.Random(seed)
    pools = {"valid": sorted(known.answers), "abstain": known.abstains,
             "followup": sorted(known.chains), "invalid": list(INVALID)}
    kinds = [k for k in MIX if pools[k]]
    cost = {k: (sum(map(len, pools[k])) / len(pools[k]) if k == "followup" else 1) for k in kinds}
    weights = [MIX[k] / cost[k] for k in kinds]
    plan, total = [], 0
    while total < requests:
        kind = rng.choices(kinds, weights)[0]
        item = rng.choice(pools[kind])
        plan.append((kind, item))
        total += len(item) if kind == "followup" else 1
    return plan


def timed(http: httpx.Client, kind: str, expected: int = 200, **request) -> tuple[Result, dict | None]:
    """One POST /ask: its Result and, for a 200, the JSON answer."""
    started = time.perf_counter()
    try:
        response = http.post("/ask", **request)
    except httpx.HTTPError as exc:
        return Result(kind, None, (time.perf_counter() - started) * 1000, expected, note=repr(exc)), None
    result = Result(kind, response.status_code, (time.perf_counter() - started) * 1000, expected)
    body = response.json() if response.status_code == 200 else None
    return result, body


def run_job(http: httpx.Client, known: Known, job: tuple, job_no: int) -> list[Result]:
    kind, item = job
    if kind == "invalid":
        name, request, status = item
        result, _ = timed(http, kind, status, **request)
        result.note = name
        return [result]
    if kind in ("valid", "abstain"):
        result, body = timed(http, kind, json={"question": item})
        want = known.answers.get(item)  # None for an abstention
        if body is not None and body["answer"] != want:
            result.wrong, result.note = True, f"{item}: {body['answer']!r}, first {want!r}"
        return [result]
    results = []  # a follow-up chain in a session of its own
    for question, want in zip(item, known.chains[item]):
        result, body = timed(http, kind, json={"question": question, "session_id": f"soak-{job_no}"})
        got = body and (body["resolved_question"], body["answer"])
        if body is not None and got != want:
            result.wrong, result.note = True, f"{question} in {item[0]}: {got}, first {want}"
        results.append(result)
    return results


@dataclass
class Samples:
    at: list[float] = field(default_factory=list)  # seconds since the run started
    rss: list[float] = field(default_factory=list)
    sessions: list[int | None] = field(default_factory=list)


def sample_until(stop: threading.Event, pid: int, url: str, every: float, samples: Samples) -> None:
    started = time.perf_counter()
    with httpx.Client(base_url=url, timeout=30) as http:
        while not stop.wait(every):
            samples.at.append(time.perf_counter() - started)
            samples.rss.append(rss_mb(pid) or 0.0)
            samples.sessions.append(live_sessions(http))


def run(url: str, pid: int, known: Known, plan: list[tuple], clients: int,
        sample_every: float) -> tuple[list[Result], Samples, float]:
    """The plan, shared by `clients` threads (each with its own keep-alive connection)."""
    jobs = iter(enumerate(plan))
    lock = threading.Lock()
    per_client: list[list[Result]] = [[] for _ in range(clients)]

    def client(mine: list[Result]) -> None:
        with httpx.Client(base_url=url, timeout=120) as http:
            while True:
                with lock:
                    job_no, job = next(jobs, (None, None))
                if job is None:
                    return
                mine.extend(run_job(http, known, job, job_no))

    samples, stop = Samples(), threading.Event()
    sampler = threading.Thread(target=sample_until, args=(stop, pid, url, sample_every, samples))
    threads = [threading.Thread(target=client, args=(mine,)) for mine in per_client]
    started = time.perf_counter()
    sampler.start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    stop.set()
    sampler.join()
    return list(itertools.chain.from_iterable(per_client)), samples, elapsed


# ---------------------------------------------------------------- report
def rss_by_tenth(samples: Samples, elapsed: float) -> list[float]:
    """Mean RSS (MB) in each tenth of the run that has samples: growth, or a plateau."""
    tenths: list[list[float]] = [[] for _ in range(10)]
    for t, rss in zip(samples.at, samples.rss):
        tenths[min(int(10 * t / elapsed), 9)].append(rss)
    return [sum(x) / len(x) for x in tenths if x]


def bars(report: dict, max_sessions: int, rss_limit_mb: float | None) -> dict[str, bool]:
    """Each pass/fail condition of the soak, by name."""
    checks = {
        "known set found (>= 10 questions)": report["known"] >= 10,
        "zero 5xx": report["5xx"] == 0,
        "zero connection errors": report["no_response"] == 0,
        "every status as expected": report["unexpected"] == 0,
        "zero wrong answers": report["wrong"] == 0,
        "/health answered throughout": report["health_failures"] == 0,
        f"sessions <= {max_sessions} throughout": report["max_sessions_seen"] <= max_sessions,
        "more session ids than the store keeps (eviction)": report["session_ids"] > max_sessions,
        "no sessions left one TTL after the run": report["sessions_after_ttl"] == 0,
    }
    if rss_limit_mb is not None:
        checks[f"RSS growth <= {rss_limit_mb:g} MB"] = report["rss_growth_mb"] <= rss_limit_mb
    return checks


def summarise(known: Known, results: list[Result], samples: Samples, elapsed: float,
              sessions_after_ttl: int | None, plan: list[tuple]) -> dict:
    rss = rss_by_tenth(samples, elapsed) or [0.0]
    by_kind = {}
    for kind in [*MIX, "all"]:
        rs = [r for r in results if kind in ("all", r.kind)]
        ms = [r.ms for r in rs]
        by_kind[kind] = {
            "requests": len(rs), "2xx": sum(1 for r in rs if r.status and r.status < 300),
            "4xx": sum(1 for r in rs if r.status and 400 <= r.status < 500),
            "5xx": sum(1 for r in rs if r.status and r.status >= 500),
            "wrong": sum(r.wrong for r in rs), "p50": percentile(ms, 50), "p95": percentile(ms, 95)}
    failures = [r for r in results if r.wrong or r.status != r.expected]
    seen = [s for s in samples.sessions if s is not None]
    return {
        "known": len(known.answers) + len(known.abstains), "known_answers": len(known.answers),
        "known_abstains": len(known.abstains), "chains": len(known.chains), "dev": known.asked,
        "by_kind": by_kind, "requests": len(results), "seconds": elapsed,
        "per_s": len(results) / elapsed, "5xx": by_kind["all"]["5xx"],
        "no_response": sum(r.status is None for r in results),
        "unexpected": sum(r.status is not None and r.status != r.expected for r in results),
        "wrong": by_kind["all"]["wrong"], "failures": [f"{r.kind} {r.status}: {r.note}" for r in failures],
        "rss_tenths_mb": rss, "rss_growth_mb": rss[-1] - rss[0],
        "rss_max_mb": max(samples.rss, default=0.0), "samples": len(samples.at),
        "health_failures": len(samples.sessions) - len(seen), "max_sessions_seen": max(seen, default=0),
        "session_ids": sum(kind == "followup" for kind, _ in plan),
        "sessions_after_ttl": -1 if sessions_after_ttl is None else sessions_after_ttl,
    }


def print_report(report: dict, checks: dict[str, bool]) -> None:
    print(f"known set: {report['known_answers']} answers + {report['known_abstains']} abstentions "
          f"of {report['dev']} dev questions, {report['chains']} follow-up chains")
    print(f"{'kind':<9} {'requests':>8} {'2xx':>6} {'4xx':>6} {'5xx':>4} {'wrong':>5} {'p50 ms':>8} {'p95 ms':>8}")
    for kind, k in report["by_kind"].items():
        print(f"{kind:<9} {k['requests']:>8} {k['2xx']:>6} {k['4xx']:>6} {k['5xx']:>4} {k['wrong']:>5} "
              f"{k['p50'] or 0:>8.1f} {k['p95'] or 0:>8.1f}")
    print(f"{report['requests']} requests in {report['seconds']:.0f} s: {report['per_s']:.1f} req/s; "
          f"no response {report['no_response']}, unexpected status {report['unexpected']}; "
          f"{os.cpu_count()} CPUs, load average {report['load'][0]:.1f} before, {report['load'][1]:.1f} after")
    tenths = report["rss_tenths_mb"]
    print(f"server RSS: first 10 % {tenths[0]:.1f} MB, last 10 % {tenths[-1]:.1f} MB, "
          f"growth {report['rss_growth_mb']:+.1f} MB (max {report['rss_max_mb']:.1f}, {report['samples']} samples)")
    print("  mean by tenth of the run (MB):", " ".join(f"{x:.0f}" for x in tenths))
    print(f"sessions: {report['session_ids']} session ids, at most {report['max_sessions_seen']} live, "
          f"{report['sessions_after_ttl']} one TTL after the run")
    for failure in report["failures"][:10]:
        print("  failed:", failure)
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")


# ---------------------------------------------------------------- all of it
def soak(requests: int = 20_000, clients: int = 16, docs: Path = ROOT / "seeds",
         index_dir: Path = ROOT / ".qa" / "index", max_sessions: int = 50, session_ttl: float = 20,
         rss_limit_mb: float | None = 50, sample_every: float = 0.5, dev_every: int = 1,
         model: str | None = None, seed: int = 0) -> tuple[dict, dict[str, bool]]:
    """Start the server, take the baseline, run the plan, wait one TTL; (report, bars)."""
    with tempfile.TemporaryFile("w+") as log_file:
        server, url = start_server(docs, index_dir, max_sessions, session_ttl, log_file, model)
        try:
            with httpx.Client(base_url=url, timeout=120) as http:
                known = baseline(http, dev_every)
                plan = make_plan(known, requests, seed)
                load_before = os.getloadavg()[0]  # other work on the machine skews the timings
                results, samples, elapsed = run(url, server.pid, known, plan, clients, sample_every)
                time.sleep(session_ttl + 0.5)  # the last sessions expire
                after = live_sessions(http)
        except Exception:
            log_file.seek(0)
            sys.stderr.write(log_file.read()[-4000:])  # the server's side of the story
            raise
        finally:
            stop_server(server)
    report = summarise(known, results, samples, elapsed, after, plan)
    report["load"] = (load_before, os.getloadavg()[0])
    return report, bars(report, max_sessions, rss_limit_mb)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--docs", type=Path, default=ROOT / "seeds")
    parser.add_argument("--index-dir", type=Path, default=ROOT / ".qa" / "index")
    parser.add_argument("--max-sessions", type=int, default=50)
    parser.add_argument("--session-ttl", type=float, default=20, help="seconds")
    parser.add_argument("--rss-limit-mb", type=float, default=50)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    report, checks = soak(args.requests, args.clients, args.docs, args.index_dir, args.max_sessions,
                          args.session_ttl, args.rss_limit_mb, seed=args.seed)
    print_report(report, checks)
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
