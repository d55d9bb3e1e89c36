"""The sentence encoder: any sentence-transformers model, with query/passage prompts.

multilingual-e5 models were trained with "query: " / "passage: " prefixes and lose
accuracy without them, so they are applied whenever the model declares those prompts.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from qa.errors import QAError


class Encoder:
    def __init__(self, model: str, device: str = "cpu"):
        self.model_name = model
        if Path(model).is_dir():
            # A local folder must never trigger a hub download (machines may be offline).
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
        elif os.path.sep in model or model.startswith("."):
            raise QAError(f"model folder {model} does not exist; run `qa provision` or set QA_MODEL")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from sentence_transformers import SentenceTransformer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars are noise in a CLI

        try:
            self._model = SentenceTransformer(model, device=device)
        except Exception as exc:  # any loading failure is a setup problem the user can fix
            raise QAError(f"could not load the embedding model {model!r}: "
                          f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}") from None
        self.dim = int(self._model.get_embedding_dimension()
                       if hasattr(self._model, "get_embedding_dimension")
                       else self._model.get_sentence_embedding_dimension())
        self._prompts = getattr(self._model, "prompts", {}) or {}

    def _encode(self, texts: list[str], prompt: str, batch_size: int,
                show_progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        kwargs = {"prompt_name": prompt} if prompt in self._prompts else {}
        vectors = self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                     convert_to_numpy=True, show_progress_bar=show_progress,
                                     **kwargs)
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        return self._encode(texts, "query", batch_size=32)

    def encode_passages(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        # sentence-transformers sorts each call's texts by length, so batches pad little.
        return self._encode(texts, "passage", batch_size=32, show_progress=show_progress)
