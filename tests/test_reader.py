"""The span reader: windows, span decoding, adapters, the shipped weights, and training."""

import json
from pathlib import Path

import numpy as np
import pytest

from qa.reader import ADAPTER_PATH, Reader, best_span, load_torch_reader, window_around

ROOT = Path(__file__).resolve().parent.parent


def test_window_grows_by_whole_sentences_within_budget():
    spans = [(0, 10), (10, 40), (40, 50), (50, 200)]
    assert window_around(spans, 1, budget=60) == (0, 50)
    assert window_around(spans, 1, budget=35) == (10, 40)
    assert window_around(spans, 3, budget=60) == (50, 200)  # a long sentence stands alone


def test_best_span_stays_in_context_and_bounded():
    start = np.array([0.0, 9.0, 1.0, 5.0, 0.0])
    end = np.array([0.0, 0.0, 9.0, 1.0, 8.0])
    context = np.array([False, False, True, True, True])  # token 1 is the question
    offsets = np.array([(0, 0), (0, 1), (0, 2), (2, 4), (4, 6)])
    a, b, score, null = best_span(start, end, context, offsets)
    assert (a, b) == (2, 6) and score == 13.0 and null == 0.0
    # never an end before its start: the likeliest start (token 3) lies after the likeliest end
    assert best_span(np.array([0, 0, 0, 9.0]), np.array([0, 0, 0, 0.0]),
                     np.array([False, False, True, True]), np.array([(0, 0)] * 2 + [(0, 1), (1, 2)])
                     )[:2] == (1, 2)


def test_best_span_covers_what_the_model_is_unsure_between():
    """Two fragments equally likely, their union unlikely: the union has the higher expected
    F1 (2/3 against 1/2) though neither fragment's own score is beaten."""
    start = np.array([0, 0, 0, 9.0])
    end = np.array([0, 0, 9.0, 0])
    context = np.array([False, False, True, True])
    offsets = np.array([(0, 0)] * 2 + [(0, 1), (1, 2)])
    a, b, score, _ = best_span(start, end, context, offsets)
    assert (a, b) == (0, 2) and score == 9.0


def test_best_span_weighs_less_likely_spans_too():
    """The fragment 0..1 is likelier than the whole 0..2 (18.3 against 18.0), but the span
    distribution is softened: the whole, which also covers the likely-enough 1..2, wins."""
    start = np.array([0, 0, 9.0, 7.0])
    end = np.array([0, 0, 9.3, 9.0])
    context = np.array([False, False, True, True])
    offsets = np.array([(0, 0)] * 2 + [(0, 1), (1, 2)])
    a, b, score, _ = best_span(start, end, context, offsets)
    assert (a, b) == (0, 2) and score == 18.3


def test_lora_merge_changes_nothing_but_speed():
    torch = pytest.importorskip("torch")
    from qa.reader import make_lora_linear

    torch.manual_seed(0)
    linear = torch.nn.Linear(8, 4)
    lora = make_lora_linear(linear, rank=2, alpha=4)
    torch.nn.init.normal_(lora.lora_b)
    x = torch.randn(3, 8)
    with torch.no_grad():
        expected = lora(x)
        merged = lora.merged()
        assert torch.allclose(merged(x), expected, atol=1e-5)


@pytest.fixture(scope="module")
def reader(encoder, settings):
    if not ADAPTER_PATH.exists():
        pytest.fail(f"the trained adapter {ADAPTER_PATH} is missing from the repository")
    return Reader(Path(settings.model), ADAPTER_PATH)


def test_shipped_adapter_is_small_and_documented():
    from safetensors import safe_open

    assert ADAPTER_PATH.stat().st_size < 8 * 2**20
    with safe_open(str(ADAPTER_PATH), "np") as f:
        config = json.loads(f.metadata()["config"])
    assert config["base"] == "multilingual-e5-small" and config["history"]


def test_reader_reads_answers_from_unseen_text(reader):
    windows = ["2019年，青山县共接待游客420万人次，旅游收入达到36亿元。",
               "县文化馆馆长李明华介绍，新馆将于明年5月对外开放。"]
    found = {f.window: windows[f.window][f.start:f.end] for f in reader.read("青山县接待了多少游客？", windows)}
    assert "420万人次" in found[0]
    found = {f.window: windows[f.window][f.start:f.end] for f in reader.read("文化馆馆长是谁？", windows)}
    assert "李明华" in found[1]


def test_onnx_reader_matches_torch(reader, settings):
    torch = pytest.importorskip("torch")
    base, head = load_torch_reader(Path(settings.model), ADAPTER_PATH)
    question, window = "新馆什么时候开放？", "县文化馆馆长李明华介绍，新馆将于明年5月对外开放。"
    enc = reader.tokenizer.encode(question, window)
    ids = torch.tensor([enc.ids])
    with torch.inference_mode():
        expected = head(base(input_ids=ids, attention_mask=torch.ones_like(ids)).last_hidden_state).numpy()
    got = reader.session.run(ids.numpy(), np.ones_like(ids.numpy()))
    assert np.abs(got - expected).max() < 1e-3


def test_training_writes_a_loadable_adapter(tmp_path, settings, encoder):
    from qa.reader_training import train_reader

    context = "2019年，青山县共接待游客420万人次。县文化馆馆长李明华介绍，新馆将于明年5月开放。"
    qas = [{"id": str(i), "question": q, "answers": [{"text": a, "answer_start": context.index(a)}]}
           for i, (q, a) in enumerate([("接待了多少游客？", "420万人次"), ("馆长是谁？", "李明华"),
                                       ("新馆何时开放？", "明年5月")] * 4)]
    data = tmp_path / "tiny.json"
    articles = [{"title": f"t{n}", "paragraphs": [{"context": context, "qas": qas}]} for n in range(2)]
    data.write_text(json.dumps({"data": articles}, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "adapter.safetensors"
    config = train_reader([data], Path(settings.model), out, epochs=1, threads=1, log=lambda m: None)
    assert out.exists() and config["training_questions"] == 12 and len(config["history"]) == 1
    spans = Reader(Path(settings.model), out, cache_dir=tmp_path).read("馆长是谁？", [context])
    assert len(spans) == 1 and 0 <= spans[0].start < spans[0].end <= len(context)
