"""Train the span reader's adapter (`qa train-reader`) from SQuAD-style files.

Short windows (≤ 192 tokens) keep it CPU-friendly: all 12 layers carry adapters by default
(47 minutes for 2 epochs on a 2-core CPU); with --first-layer N only layers N… do, the frozen
lower layers run once per training window (their outputs are cached) and every epoch
back-propagates through the upper layers only. Windows are built exactly as the reader
reads at answer time: the question, then whole sentences around the answer's sentence
(plus some windows without the answer, which teach the "no answer" score).
Seeded and deterministic for a given machine and thread count.
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.onnx_model import pad_batch
from qa.chunking import sentence_spans
from qa.evaluation import exact_match, f1_score
from qa.reader import (MAX_TOKENS, WINDOW_CHARS, add_lora, best_span, save_adapter,
                       window_around)
from qa.text import to_simplified

HOLDOUT_EVERY = 10  # articles 0, 10, 20 … of each file are held out for tuning


@dataclass
class Example:
    question: str
    context: str
    answer: str
    answer_start: int


@dataclass
class Feature:
    input_ids: list[int]
    context_mask: list[bool]
    offsets: list[tuple[int, int]]
    start: int  # token positions; 0, 0 = no answer in this window
    end: int
    window: str
    golds: tuple[str, ...]


def load_examples(paths: list[Path]) -> tuple[list[Example], list[Example]]:
    """(training, held-out) examples; the first answer of each question is the label."""
    train, held = [], []
    for path in paths:
        data = json.loads(Path(path).read_text(encoding="utf-8-sig"))["data"]
        for a, article in enumerate(data):
            target = held if a % HOLDOUT_EVERY == 0 else train
            for para in article["paragraphs"]:
                for qa in para["qas"]:
                    if not qa.get("answers"):
                        continue
                    ans = qa["answers"][0]
                    start = para["context"].find(ans["text"], max(0, ans["answer_start"] - 5))
                    if start < 0:
                        continue
                    target.append(Example(qa["question"].strip(), para["context"], ans["text"], start))
    return train, held


def _simplified(ex: Example) -> Example:
    context = to_simplified(ex.context)
    if len(context) != len(ex.context):
        return ex  # offsets would move; keep the original script
    return Example(to_simplified(ex.question), context,
                   context[ex.answer_start:ex.answer_start + len(ex.answer)], ex.answer_start)


def _answer_window(ex: Example, spans: list[tuple[int, int]], rng: random.Random) -> tuple[int, int]:
    a0, a1 = ex.answer_start, ex.answer_start + len(ex.answer)
    index = next((i for i, (s, e) in enumerate(spans) if s <= a0 < e), 0)
    budget = rng.randint(WINDOW_CHARS * 2 // 3, WINDOW_CHARS * 4 // 3)
    w0, w1 = window_around(spans, index, budget, prefer_left=rng.random() < 0.5)
    w0, w1 = min(w0, a0), max(w1, a1)
    if w1 - w0 > 2 * WINDOW_CHARS:  # one very long sentence: a plain window around the answer
        w0 = max(0, a0 - rng.randint(0, max(0, WINDOW_CHARS - (a1 - a0))))
        w1 = max(a1, min(len(ex.context), w0 + WINDOW_CHARS))
    return w0, w1


def _other_window(ex: Example, spans: list[tuple[int, int]], rng: random.Random) -> tuple[int, int] | None:
    far = [i for i, (s, e) in enumerate(spans)
           if e <= ex.answer_start or s >= ex.answer_start + len(ex.answer)]
    rng.shuffle(far)
    for i in far[:3]:
        w0, w1 = window_around(spans, i, WINDOW_CHARS)
        if ex.answer not in ex.context[w0:w1]:
            return w0, w1
    return None


def _feature(tokenizer, ex: Example, window: tuple[int, int], has_answer: bool) -> Feature | None:
    w0, w1 = window
    text = ex.context[w0:w1]
    enc = tokenizer(ex.question, text, truncation="only_second", max_length=MAX_TOKENS,
                    return_offsets_mapping=True)
    context = [s == 1 for s in enc.sequence_ids()]
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    start = end = 0
    if has_answer:
        a0, a1 = ex.answer_start - w0, ex.answer_start - w0 + len(ex.answer)
        tokens = [i for i, c in enumerate(context) if c and offsets[i][1] > a0 and offsets[i][0] < a1]
        if not tokens or offsets[tokens[0]][0] > a0 or offsets[tokens[-1]][1] < a1:
            return None  # truncated away, or not on token boundaries
        start, end = tokens[0], tokens[-1]
    return Feature(enc["input_ids"], context, offsets, start, end, text, (ex.answer,))


def make_features(tokenizer, examples: list[Example], seed: int, negative_share: float = 0.4,
                  simplify_share: float = 0.5) -> list[Feature]:
    rng = random.Random(seed)
    features = []
    for ex in examples:
        if rng.random() < simplify_share:
            ex = _simplified(ex)
        spans = sentence_spans(ex.context) or [(0, len(ex.context))]
        f = _feature(tokenizer, ex, _answer_window(ex, spans, rng), True)
        if f is not None:
            features.append(f)
        if rng.random() < negative_share and (other := _other_window(ex, spans, rng)) is not None:
            if (f := _feature(tokenizer, ex, other, False)) is not None:
                features.append(f)
    return features


def _batches(features: list[Feature], size: int) -> list[list[Feature]]:
    ordered = sorted(features, key=lambda f: len(f.input_ids))
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def _pad(torch, batch: list[Feature], pad_id: int):
    ids, mask = pad_batch([f.input_ids for f in batch], pad_id)
    allowed = torch.zeros(ids.shape, dtype=torch.bool)
    for i, f in enumerate(batch):
        allowed[i, :len(f.input_ids)] = torch.tensor(f.context_mask)
        allowed[i, 0] = True  # <s>: the "no answer" position
    return torch.from_numpy(ids), torch.from_numpy(mask), allowed


def _upper(torch, base, first_layer: int, hidden, mask):
    """Run layers first_layer… on cached hidden states."""
    extended = (1.0 - mask[:, None, None, :].to(hidden.dtype)) * torch.finfo(hidden.dtype).min
    for layer in base.encoder.layer[first_layer:]:
        out = layer(hidden, attention_mask=extended)
        hidden = out[0] if isinstance(out, tuple) else out
    return hidden


def train_reader(data: list[Path], model_dir: Path, out: Path, *, epochs: int = 2, rank: int = 16,
                 alpha: float = 32, first_layer: int = 0, lr: float = 1e-3, batch_size: int = 32,
                 seed: int = 0, threads: int = 2, limit: int | None = None, log=print) -> dict:
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(seed)
    torch.set_num_threads(threads)
    tokenizer = AutoTokenizer.from_pretrained(str(model_dir))
    base = AutoModel.from_pretrained(str(model_dir), dtype=torch.float32)
    train, held = load_examples(data)
    random.Random(seed).shuffle(train)
    train = train[:limit] if limit else train
    features = make_features(tokenizer, train, seed)
    held_features = [f for f in make_features(tokenizer, held, seed + 1, negative_share=0.0)]
    log(f"{len(train)} training questions → {len(features)} windows; {len(held)} held out")

    started = time.perf_counter()
    base.eval()
    batches = _batches(features, batch_size)
    cache = []
    with torch.no_grad():  # not inference_mode: the cache feeds autograd later
        for n, batch in enumerate(batches):
            ids, mask, allowed = _pad(torch, batch, tokenizer.pad_token_id)
            hidden = base(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states
            if n == 0:  # the layer-by-layer path must equal the model's own forward
                check = _upper(torch, base, first_layer, hidden[first_layer], mask)
                assert torch.allclose(check[mask.bool()], hidden[-1][mask.bool()], atol=1e-3)
            starts = torch.tensor([f.start for f in batch])
            ends = torch.tensor([f.end for f in batch])
            cache.append((hidden[first_layer].to(torch.bfloat16), mask, allowed, starts, ends))
    log(f"lower layers cached in {time.perf_counter() - started:.0f} s")

    for p in base.parameters():
        p.requires_grad_(False)
    add_lora(base, first_layer, rank, alpha)
    head = torch.nn.Linear(base.config.hidden_size, 2)
    params = [p for p in base.parameters() if p.requires_grad] + list(head.parameters())
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.01)
    steps = epochs * len(cache)
    warmup = max(1, steps // 10)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min((s + 1) / warmup, max(0.0, (steps - s) / max(1, steps - warmup))))
    rng = random.Random(seed)
    history = []
    for epoch in range(epochs):
        base.train()
        head.train()
        order = list(range(len(cache)))
        rng.shuffle(order)
        total = 0.0
        for b in order:
            hidden, mask, allowed, starts, ends = cache[b]
            logits = head(_upper(torch, base, first_layer, hidden.float(), mask))
            logits = logits.masked_fill(~allowed[..., None], -1e4)
            loss = (torch.nn.functional.cross_entropy(logits[..., 0], starts)
                    + torch.nn.functional.cross_entropy(logits[..., 1], ends)) / 2
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            total += float(loss.detach())
        scores = evaluate_windows(torch, tokenizer, base, head, held_features)
        history.append({"epoch": epoch + 1, "loss": round(total / len(cache), 4), **scores,
                        "seconds": round(time.perf_counter() - started)})
        log(json.dumps(history[-1]))

    config = {"base": "multilingual-e5-small", "first_layer": first_layer, "rank": rank,
              "alpha": alpha, "max_tokens": MAX_TOKENS, "window_chars": WINDOW_CHARS,
              "epochs": epochs, "lr": lr, "batch_size": batch_size, "seed": seed,
              "training_questions": len(train), "training_windows": len(features),
              "data": [Path(p).name for p in data], "history": history}
    save_adapter(out, base, head, config)
    return config


def evaluate_windows(torch, tokenizer, base, head, features: list[Feature]) -> dict:
    """EM/F1 (CMRC rules) of the best span in each question's answer window."""
    base.eval()
    head.eval()
    em = f1 = 0.0
    with torch.inference_mode():
        for batch in _batches(features, 64):
            ids, mask, _ = _pad(torch, batch, tokenizer.pad_token_id)
            logits = head(base(input_ids=ids, attention_mask=mask).last_hidden_state).numpy()
            for i, f in enumerate(batch):
                n = len(f.input_ids)
                span = best_span(logits[i, :n, 0], logits[i, :n, 1], np.array(f.context_mask),
                                 np.array(f.offsets))
                pred = f.window[span[0]:span[1]] if span else ""
                em += exact_match(pred, f.golds)
                f1 += f1_score(pred, f.golds)
    n = max(len(features), 1)
    return {"held_em": round(100 * em / n, 1), "held_f1": round(100 * f1 / n, 1)}
