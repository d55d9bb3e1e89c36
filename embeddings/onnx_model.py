"""Run transformer encoders with ONNX Runtime instead of torch.

On this kind of small CPU, ONNX Runtime runs e5-small's forward pass several times faster
than eager torch for the short inputs a question-answering service sees (one question,
a few short windows), with the same numbers (float32, cosine 1.0000 against torch).
Models are exported once from their torch form and cached beside it; the export is
written to a temporary file and renamed, so a crash never leaves a half-written model.
"""

from __future__ import annotations

import logging
import os
import threading
import warnings
from pathlib import Path

import numpy as np

_export_lock = threading.Lock()
# Part of the cached files' names: a change to what export_onnx writes re-exports them.
# 2: token embedding tables stored in float16.
EXPORT_VERSION = 2


def _write_once(path: Path, write) -> Path:
    """`path`, written by write(temporary path) unless it exists; the temporary file is
    renamed into place, so a crash never leaves a half-written model."""
    path = Path(path)
    with _export_lock:
        if path.exists():
            return path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        try:
            write(tmp)
            tmp.replace(path)
        finally:
            tmp.unlink(missing_ok=True)
    return path


def export_onnx(module, path: Path, example_inputs: dict[str, "object"], output_names: list[str]) -> Path:
    """Export a torch module taking (input_ids, attention_mask) to `path`, with batch and
    sequence length left free."""
    import torch

    axes = {name: {0: "batch", 1: "tokens"} for name in ["input_ids", "attention_mask", *output_names]}

    def write(tmp: Path) -> None:
        with torch.inference_mode(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes about Python control flow
            torch.onnx.export(module.eval(), tuple(example_inputs.values()), str(tmp),
                              input_names=list(example_inputs), output_names=output_names,
                              dynamic_axes=axes, opset_version=17, dynamo=False)
        _lookup_tables_in_half(tmp)

    return _write_once(path, write)


def _lookup_tables_in_half(path: Path, min_elements: int = 1 << 20) -> None:
    """Store large float32 tables that are only looked up (the token embeddings: 384 of
    e5-small's 470 MB) as float16, cast back to float32 after the lookup. Half the load
    time and memory of each session; e5's table holds float16 values already, so its
    outputs are unchanged (for other models the rounding is ~1e-3 relative)."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    model = onnx.load(str(path))
    graph = model.graph
    uses: dict[str, list] = {}
    for node in graph.node:
        for position, name in enumerate(node.input):
            uses.setdefault(name, []).append((node, position))
    for table in list(graph.initializer):
        readers = uses.get(table.name, [])
        if (table.data_type != TensorProto.FLOAT or np.prod(table.dims) < min_elements or not readers
                or any(node.op_type != "Gather" or position != 0 for node, position in readers)):
            continue
        half = numpy_helper.from_array(numpy_helper.to_array(table).astype(np.float16), table.name)
        graph.initializer.remove(table)
        graph.initializer.append(half)
        for node, _ in readers:
            looked_up = node.output[0]
            node.output[0] = f"{looked_up}.half"
            cast = helper.make_node("Cast", [node.output[0]], [looked_up], to=TensorProto.FLOAT)
            graph.node.insert(list(graph.node).index(node) + 1, cast)
    onnx.save(model, str(path))


def int8_copy(path: Path) -> Path:
    """A copy of the model at `path` with its matrix multiplications in int8 (dynamic
    quantisation, one scale per output channel), written once beside it. For e5-small on
    queries: ~40 % faster, cosine ≥ 0.99 to the float vectors, the same answers on the
    seed dev set and CMRC (docs/performance.md)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    def write(tmp: Path) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            logging.disable(logging.WARNING)  # advice on pre-processing, for a user to ignore
            try:
                quantize_dynamic(str(path), str(tmp), op_types_to_quantize=["MatMul"],
                                 weight_type=QuantType.QInt8, per_channel=True)
            finally:
                logging.disable(logging.NOTSET)

    path = Path(path)
    return _write_once(path.with_name(f"{path.stem}-int8{path.suffix}"), write)


def hidden_state_module(model):
    """A wrapper whose forward returns only the last hidden state (what ONNX exports)."""
    import torch

    class LastHidden(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask):
            return self.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    return LastHidden()


def pad_batch(id_lists: list[list[int]], pad_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(input ids, attention mask) of token id lists, right-padded to the longest."""
    length = max(len(ids) for ids in id_lists)
    input_ids = np.full((len(id_lists), length), pad_id, dtype=np.int64)
    mask = np.zeros((len(id_lists), length), dtype=np.int64)
    for row, ids in enumerate(id_lists):
        input_ids[row, :len(ids)] = ids
        mask[row, :len(ids)] = 1
    return input_ids, mask


class OnnxSession:
    """One ONNX Runtime session; `run` is safe to call from several threads."""

    def __init__(self, path: Path, threads: int | None = None):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads or min(os.cpu_count() or 1, 4)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3  # its warnings are about graph rewrites, not for users
        # Idle pool threads sleep instead of spinning: two sessions (encoder, reader), the
        # HTTP server and jieba share a few cores, and spinning threads took CPU from them
        # (measured: ask p95 142 -> 104 ms, HTTP 1 client 18.6 -> 26.7 req/s; performance.md).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self._session.run(None, {"input_ids": input_ids.astype(np.int64),
                                        "attention_mask": attention_mask.astype(np.int64)})[0]
