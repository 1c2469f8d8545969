#!/usr/bin/env python3
"""ONNX import fixtures for panama-rnn: seeded PyTorch modules exported by torch.onnx.export.

What it is
    For each case below it builds a small seeded PyTorch module (nn.LSTM / nn.GRU / nn.RNN tanh and
    relu; 1 and 2 layers; uni- and bidirectional; batch_first or time-major; with h0/c0 graph inputs
    or without; with lengths through pack_padded_sequence; bare, or with an nn.Embedding before and
    an nn.Linear head after, per step or on the last state h_n[-1] / cat(h_n[-2], h_n[-1])), exports
    it with torch.onnx.export at opset 14 (dynamic batch and time axes, constant folding on, the
    exporter's defaults otherwise) and writes

      onnx/src/test/resources/torch/<name>.onnx   the exported graph, as torch 1.13 writes it
      onnx/src/test/resources/torch/<name>.json   {"kind", "inputs", "outputs"}: every graph input
                                                  and PyTorch's value of every graph output, each
                                                  {"dtype", "shape", "data" (flat, row-major)}

    "kind" is "rnn" (a bare recurrent graph, imported as an Rnn) or "sequence_model" (imported as a
    SequenceModel). The Java tests (dev.panamarnn.onnx.OnnxImportTorchTest) import each .onnx, run it
    and compare with these outputs, and run the same file in ONNX Runtime.

    Opset 14: the first opset where everything torch 1.13 writes for these modules is in its
    current form (Squeeze/Unsqueeze take axes as an input since 13; LSTM/GRU/RNN gained `layout` in
    14, which torch leaves at 0). Kept small (H <= 8, T = 5, B = 3): all files together stay far
    below 500 KB.

How to run (from the repository root)
    /usr/bin/python3 scripts/onnx_import_fixtures.py

    Needs PyTorch 1.13 (Debian: apt-get install python3-torch) and numpy; not the onnx package.
    Deterministic: fixed seeds, one thread. CI does not need PyTorch: the files are committed.
"""

import io
import json
import os
import sys
import warnings

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    sys.exit("onnx_import_fixtures.py needs PyTorch and numpy (%s); run it with /usr/bin/python3" % e)

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "onnx", "src", "test", "resources", "torch")
OPSET = 14
T, B, I = 5, 3, 3
LENGTHS = [5, 4, 2]   # sorted descending: pack_padded_sequence(enforce_sorted=True)
UNSORTED = [3, 5, 2]  # pack_padded_sequence(enforce_sorted=False): the export sorts (TopK) and unsorts (ScatterElements)

torch.set_num_threads(1)
warnings.filterwarnings("ignore")

RNN_TYPES = {
    "lstm": lambda i, h, **kw: torch.nn.LSTM(i, h, **kw),
    "gru": lambda i, h, **kw: torch.nn.GRU(i, h, **kw),
    "rnn_tanh": lambda i, h, **kw: torch.nn.RNN(i, h, nonlinearity="tanh", **kw),
    "rnn_relu": lambda i, h, **kw: torch.nn.RNN(i, h, nonlinearity="relu", **kw),
}


class Bare(torch.nn.Module):
    """A recurrent network alone: (x[, lengths][, h0[, c0]]) -> (y, h_n[, c_n])."""

    def __init__(self, cell, hidden, layers, bidirectional, batch_first, lengths, sorted_lengths=True):
        super().__init__()
        self.cell, self.batch_first, self.lengths, self.sorted = cell, batch_first, lengths, sorted_lengths
        self.rnn = RNN_TYPES[cell](I, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)

    def forward(self, x, *rest):
        rest = list(rest)
        lengths = rest.pop(0) if self.lengths else None
        state = None
        if rest:
            state = (rest[0], rest[1]) if self.cell == "lstm" else rest[0]
        if lengths is not None:
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=self.batch_first, enforce_sorted=self.sorted)
            y, s = self.rnn(packed, state)
            y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=self.batch_first, total_length=x.shape[1 if self.batch_first else 0])
        else:
            y, s = self.rnn(x, state)
        return (y,) + (tuple(s) if self.cell == "lstm" else (s,))


class WithHead(torch.nn.Module):
    """input stage (features or nn.Embedding) -> recurrent network (batch_first) -> head, per step or on the last state."""

    def __init__(self, cell, hidden, layers, bidirectional, vocabulary, per_step, head_hidden, outputs, lengths, batch_first=True,
                 sorted_lengths=True):
        super().__init__()
        self.cell, self.per_step, self.lengths, self.bidirectional = cell, per_step, lengths, bidirectional
        self.sorted = sorted_lengths
        self.batch_first = batch_first
        width = I
        if vocabulary:
            self.embedding = torch.nn.Embedding(vocabulary, 4)
            width = 4
        else:
            self.embedding = None
        self.rnn = RNN_TYPES[cell](width, hidden, num_layers=layers, bidirectional=bidirectional, batch_first=batch_first)
        d = 2 if bidirectional else 1
        if head_hidden:
            self.head = torch.nn.Sequential(torch.nn.Linear(d * hidden, head_hidden), torch.nn.ReLU(), torch.nn.Linear(head_hidden, outputs))
        else:
            self.head = torch.nn.Linear(d * hidden, outputs)

    def forward(self, x, *rest):
        if self.embedding is not None:
            x = self.embedding(x)
        if self.lengths:
            packed = torch.nn.utils.rnn.pack_padded_sequence(x, rest[0], batch_first=self.batch_first, enforce_sorted=self.sorted)
            y, s = self.rnn(packed)
            if self.per_step:
                y, _ = torch.nn.utils.rnn.pad_packed_sequence(y, batch_first=self.batch_first, total_length=x.shape[1 if self.batch_first else 0])
        else:
            y, s = self.rnn(x)
        h = s[0] if self.cell == "lstm" else s
        if self.per_step:
            return self.head(y)
        last = torch.cat([h[-2], h[-1]], 1) if self.bidirectional else h[-1]
        return self.head(last)


# name, kind, module arguments, with initial state (bare only)
CASES = [
    ("lstm_l1", "rnn", dict(cell="lstm", hidden=5, layers=1, bidirectional=False, batch_first=False, lengths=False), False),
    ("lstm_l2_bi_state_batchfirst", "rnn", dict(cell="lstm", hidden=4, layers=2, bidirectional=True, batch_first=True, lengths=False), True),
    ("gru_l2_bi_state", "rnn", dict(cell="gru", hidden=4, layers=2, bidirectional=True, batch_first=False, lengths=False), True),
    ("gru_l1_batchfirst", "rnn", dict(cell="gru", hidden=6, layers=1, bidirectional=False, batch_first=True, lengths=False), False),
    ("rnn_tanh_l2_state", "rnn", dict(cell="rnn_tanh", hidden=5, layers=2, bidirectional=False, batch_first=False, lengths=False), True),
    ("rnn_relu_l1_bi_batchfirst", "rnn", dict(cell="rnn_relu", hidden=4, layers=1, bidirectional=True, batch_first=True, lengths=False), False),
    ("lstm_l2_lengths_batchfirst", "rnn", dict(cell="lstm", hidden=4, layers=2, bidirectional=False, batch_first=True, lengths=True), False),
    ("gru_l1_bi_lengths_state", "rnn", dict(cell="gru", hidden=3, layers=1, bidirectional=True, batch_first=False, lengths=True), True),
    ("seq_lstm_l2_perstep_regressor", "sequence_model",
     dict(cell="lstm", hidden=5, layers=2, bidirectional=False, vocabulary=0, per_step=True, head_hidden=0, outputs=2, lengths=False), None),
    ("seq_gru_tokens_language_model", "sequence_model",
     dict(cell="gru", hidden=6, layers=1, bidirectional=False, vocabulary=11, per_step=True, head_hidden=0, outputs=11, lengths=False), None),
    ("seq_lstm_l2_last_classifier", "sequence_model",
     dict(cell="lstm", hidden=4, layers=2, bidirectional=False, vocabulary=0, per_step=False, head_hidden=0, outputs=3, lengths=False), None),
    ("seq_gru_bi_last_relu_head", "sequence_model",
     dict(cell="gru", hidden=4, layers=1, bidirectional=True, vocabulary=0, per_step=False, head_hidden=5, outputs=3, lengths=False), None),
    ("seq_rnn_relu_lengths_last_classifier", "sequence_model",
     dict(cell="rnn_relu", hidden=5, layers=2, bidirectional=False, vocabulary=0, per_step=False, head_hidden=0, outputs=2, lengths=True), None),
    ("seq_lstm_bi_tokens_lengths_perstep", "sequence_model",
     dict(cell="lstm", hidden=3, layers=2, bidirectional=True, vocabulary=7, per_step=True, head_hidden=0, outputs=7, lengths=True), None),
    ("seq_rnn_tanh_timemajor_bi_last", "sequence_model",
     dict(cell="rnn_tanh", hidden=4, layers=2, bidirectional=True, vocabulary=0, per_step=False, head_hidden=0, outputs=2, lengths=False,
          batch_first=False), None),
    ("lstm_l2_bi_unsorted_lengths_state", "rnn",
     dict(cell="lstm", hidden=3, layers=2, bidirectional=True, batch_first=True, lengths=True, sorted_lengths=False), True),
    ("seq_gru_unsorted_lengths_last_classifier", "sequence_model",
     dict(cell="gru", hidden=4, layers=1, bidirectional=False, vocabulary=0, per_step=False, head_hidden=0, outputs=3, lengths=True,
          sorted_lengths=False), None),
    ("seq_lstm_tokens_unsorted_lengths_perstep", "sequence_model",
     dict(cell="lstm", hidden=4, layers=1, bidirectional=False, vocabulary=9, per_step=True, head_hidden=0, outputs=9, lengths=True,
          sorted_lengths=False), None),
]


def tensor_json(t):
    a = t.detach().cpu().numpy()
    if a.dtype == np.float32:
        # each float32 as the shortest decimal that reads back as the same double (exact)
        return {"dtype": "float32", "shape": list(a.shape), "data": [float(v) for v in a.reshape(-1)]}
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": [int(v) for v in a.reshape(-1)]}


def build(index, name, kind, args, with_state):
    torch.manual_seed(1000 + index)
    if kind == "rnn":
        module = Bare(**args)
    else:
        module = WithHead(**args)
    module.eval()
    batch_first = args.get("batch_first", True)
    vocabulary = args.get("vocabulary", 0)
    if vocabulary:
        x = torch.randint(0, vocabulary, (B, T) if batch_first else (T, B), dtype=torch.int64)
    else:
        x = torch.randn((B, T, I) if batch_first else (T, B, I))
    inputs = [("x", x)]
    batch_axis, time_axis = (0, 1) if batch_first else (1, 0)
    dynamic = {"x": {batch_axis: "batch", time_axis: "time"}}
    if args["lengths"]:
        inputs.append(("lengths", torch.tensor(LENGTHS if args.get("sorted_lengths", True) else UNSORTED, dtype=torch.int64)))
        dynamic["lengths"] = {0: "batch"}
    if with_state:
        d = 2 if args["bidirectional"] else 1
        shape = (args["layers"] * d, B, args["hidden"])
        inputs.append(("h0", torch.randn(shape)))
        dynamic["h0"] = {1: "batch"}
        if args["cell"] == "lstm":
            inputs.append(("c0", torch.randn(shape)))
            dynamic["c0"] = {1: "batch"}
    with torch.no_grad():
        outs = module(*[v for _, v in inputs])
    if not isinstance(outs, tuple):
        outs = (outs,)
    if kind == "rnn":
        out_names = ["y", "h_n", "c_n"][:len(outs)]
    else:
        out_names = ["y"]
    for n in out_names:
        dynamic[n] = {0: "batch"} if (n == "y" and kind == "sequence_model" and not args["per_step"]) else {}
    for n, o in zip(out_names, outs):
        if o.dim() == 3 and n == "y":
            dynamic[n] = {batch_axis: "batch", time_axis: "time"}
        elif o.dim() == 3:
            dynamic[n] = {1: "batch"}
    buf = io.BytesIO()
    torch.onnx.export(module, tuple(v for _, v in inputs), buf, opset_version=OPSET, input_names=[n for n, _ in inputs],
                      output_names=out_names, dynamic_axes=dynamic, do_constant_folding=True)
    with open(os.path.join(OUT_DIR, name + ".onnx"), "wb") as f:
        f.write(buf.getvalue())
    doc = {
        "kind": kind,
        "opset": OPSET,
        "torch_version": torch.__version__,
        "inputs": {n: tensor_json(v) for n, v in inputs},
        "outputs": {n: tensor_json(o) for n, o in zip(out_names, outs)},
    }
    with open(os.path.join(OUT_DIR, name + ".json"), "w") as f:
        json.dump(doc, f, indent=None, separators=(",", ":"))
        f.write("\n")
    return len(buf.getvalue())


def main():
    os.makedirs(OUT_DIR, exist_ok=True)
    total = 0
    for index, (name, kind, args, with_state) in enumerate(CASES):
        size = build(index, name, kind, args, with_state)
        total += size
        print("%-40s %6d bytes" % (name + ".onnx", size))
    print("%d files, %d bytes of .onnx in all" % (len(CASES), total))


if __name__ == "__main__":
    main()
