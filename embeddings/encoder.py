"""The sentence encoder: any sentence-transformers model, with query/passage prompts.

multilingual-e5 models were trained with "query: " / "passage: " prefixes and lose
accuracy without them, so they are applied whenever the model declares those prompts.

A local sentence-transformers folder of the usual shape (transformer → mean pooling →
normalise) runs on ONNX Runtime: the folder's own tokenizer and an ONNX export of its
transformer cached in ``onnx/model-v<N>.onnx``. Same vectors as sentence-transformers, about
3× faster per question on a 2-core CPU, and no torch import at start-up (seconds saved).
Anything else (a hub name, another pooling, a GPU device, QA_BACKEND=torch) is loaded
by sentence-transformers itself.
"""

from __future__ import annotations

import json
import os
import threading
from pathlib import Path

import numpy as np

from embeddings.onnx_model import pad_batch
from qa.errors import QAError

BATCH_SIZE = 32


class Encoder:
    def __init__(self, model: str, device: str = "cpu", backend: str | None = None,
                 query_precision: str = "int8"):
        self.model_name = model
        backend = backend or os.environ.get("QA_BACKEND", "onnx")
        folder = Path(model)
        if folder.is_dir():
            # A local folder must never trigger a hub download (machines may be offline).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        elif os.path.sep in model or model.startswith("."):
            raise QAError(f"model folder {model} does not exist; run `qa provision` or set QA_MODEL")
        try:
            if backend == "onnx" and device == "cpu" and _onnx_compatible(folder):
                self._impl = _OnnxEncoder(folder, query_precision)
            else:
                self._impl = _SentenceTransformerEncoder(model, device)
        except QAError:
            raise
        except Exception as exc:  # any loading failure is a setup problem the user can fix
            raise QAError(f"could not load the embedding model {model!r}: "
                          f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
        self.dim = self._impl.dim
        self.backend = self._impl.name

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._impl.encode(texts, "query")

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        return self._impl.encode(texts, "passage", show_progress)


def _onnx_compatible(folder: Path) -> bool:
    """A local sentence-transformers folder whose modules ONNX Runtime can reproduce."""
    try:
        modules = json.loads((folder / "modules.json").read_text())
        pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    except (OSError, ValueError):
        return False
    kinds = [m["type"].rsplit(".", 1)[-1] for m in modules]
    return (kinds in (["Transformer", "Pooling", "Normalize"], ["Transformer", "Pooling"])
            and pooling.get("pooling_mode", pooling.get("pooling_mode_mean_tokens") and "mean") == "mean"
            and (folder / "tokenizer.json").exists())


def export_encoder_onnx(folder: Path) -> Path:
    """Write the folder's transformer as ONNX (once; needs torch only then)."""
    from embeddings.onnx_model import EXPORT_VERSION

    path = folder / "onnx" / f"model-v{EXPORT_VERSION}.onnx"
    if path.exists():
        return path
    for old in path.parent.glob("model*.onnx"):  # earlier exports
        old.unlink()
    import torch
    from transformers import AutoModel
    from transformers.utils import logging as hf_logging

    from embeddings.onnx_model import export_onnx, hidden_state_module

    hf_logging.disable_progress_bar()
    model = AutoModel.from_pretrained(str(folder), dtype=torch.float32)
    example = {"input_ids": torch.tensor([[0, 6, 5, 2]]), "attention_mask": torch.ones(1, 4, dtype=torch.long)}
    return export_onnx(hidden_state_module(model), path, example, ["last_hidden_state"])


class _OnnxEncoder:
    name = "onnx"

    def __init__(self, folder: Path, query_precision: str = "int8"):
        from tokenizers import Tokenizer

        from embeddings.onnx_model import OnnxSession, int8_copy

        # Queries run on an int8 copy (~40 % faster, the same answers); passages, which make
        # the index, on the float model, loaded only when something is to be indexed.
        self._float_path = export_encoder_onnx(folder)
        self._float_session = None
        self._loading = threading.Lock()
        self.query_session = (OnnxSession(int8_copy(self._float_path)) if query_precision == "int8"
                              else self._float())
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        max_length = 512
        if (folder / "sentence_bert_config.json").exists():
            max_length = json.loads((folder / "sentence_bert_config.json").read_text()).get("max_seq_length", 512)
        self.tokenizer.enable_truncation(max_length)
        self.tokenizer.no_padding()
        config = folder / "config_sentence_transformers.json"
        self.prompts = (json.loads(config.read_text()).get("prompts") or {}) if config.exists() else {}
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0
        self.dim = int(json.loads((folder / "config.json").read_text())["hidden_size"])

    def _float(self):
        from embeddings.onnx_model import OnnxSession

        with self._loading:
            if self._float_session is None:
                self._float_session = OnnxSession(self._float_path)
        return self._float_session

    def encode(self, texts: list[str], prompt: str, show_progress: bool = False) -> np.ndarray:
        session = self.query_session if prompt == "query" else self._float()
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        prefix = self.prompts.get(prompt, "")
        ids = [e.ids for e in self.tokenizer.encode_batch([prefix + t for t in texts])]
        order = sorted(range(len(texts)), key=lambda i: len(ids[i]))  # batches pad little
        for first in range(0, len(order), BATCH_SIZE):
            batch = order[first:first + BATCH_SIZE]
            input_ids, mask = pad_batch([ids[i] for i in batch], self.pad_id)
            hidden = session.run(input_ids, mask)
            pooled = (hidden * mask[..., None]).sum(axis=1) / mask.sum(axis=1, keepdims=True)
            vectors[batch] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
            if show_progress:
                _progress(min(first + BATCH_SIZE, len(order)), len(order))
        return vectors


def _progress(done: int, total: int) -> None:
    import sys

    width = 30
    filled = width * done // max(total, 1)
    print(f"\r  embedding [{'#' * filled}{'.' * (width - filled)}] {done}/{total}",
          end="\n" if done >= total else "", file=sys.stderr, flush=True)


class _SentenceTransformerEncoder:
    name = "sentence-transformers"

    def __init__(self, model: str, device: str):
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI
        self._model = SentenceTransformer(model, device=device)
        self.dim = int(self._model.get_embedding_dimension()
                       if hasattr(self._model, "get_embedding_dimension")
                       else self._model.get_sentence_embedding_dimension())
        self._prompts = getattr(self._model, "prompts", {}) or {}

    def encode(self, texts: list[str], prompt: str, show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        kwargs = {"prompt_name": prompt} if prompt in self._prompts else {}
        # sentence-transformers sorts each call's texts by length, so batches pad little.
        vectors = self._model.encode(texts, batch_size=BATCH_SIZE, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=show_progress,
                                     **kwargs)
        return np.ascontiguousarray(vectors, dtype=np.float32)
