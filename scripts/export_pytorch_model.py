#!/usr/bin/env python3
"""Export small PyTorch recurrent networks as safetensors model files for the Java tests of panama-rnn.

What it is
    For a few seeded configurations (nn.LSTM, nn.GRU, nn.RNN tanh/relu; 1 and 2 layers; uni- and
    bidirectional; one batch_first; one network nested in a larger module, so its state_dict names
    carry the prefix "rnn.") it writes

      java/src/test/resources/modelfiles/<name>.safetensors   the state_dict (float32) + metadata
      java/src/test/resources/modelfiles/<name>.json          an input and PyTorch's outputs for it

    The metadata keys are the ones dev.panamarnn.io.ModelFile reads: cell (lstm, gru, rnn_tanh,
    rnn_relu), input_size, hidden_size, num_layers, bidirectional, batch_first, dropout — all
    strings, as safetensors requires — with the module's prefix in front for a nested network
    ("rnn.cell", ...), plus a few free-form entries (producer, torch_version, and for the nested
    network a note with escapes and non-ASCII text, to exercise the reader).

    PyTorch 1.13 has no safetensors package, so the format is written by hand here:
    8-byte little-endian header length N, N bytes of UTF-8 JSON (padded with spaces to a multiple
    of 8), then each tensor's little-endian float32 bytes, packed in state_dict order. Every file
    is read back by an independent little parser below and compared bit for bit.

    It is not the fixture generator for the unroller (scripts/make_pytorch_fixtures.py, whose JSON
    float formatting it reuses) and not a general converter.

How to run (from the repository root)
    /usr/bin/python3 scripts/export_pytorch_model.py

    Needs PyTorch (Debian: apt-get install python3-torch, 1.13) and numpy. Deterministic: fixed
    seeds, one thread; a rerun with the same torch version gives byte-identical files. CI does not
    need PyTorch: the generated files are committed and the Java tests only read them.
"""

import json
import os
import struct
import sys

try:
    import numpy as np
    import torch
except ImportError as e:  # pragma: no cover
    sys.exit("export_pytorch_model.py needs PyTorch and numpy (%s); run it with /usr/bin/python3" % e)

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
from make_pytorch_fixtures import make_module, tensor_json, dict_json  # noqa: E402  (project code, reused)

REPO_ROOT = os.path.dirname(SCRIPTS)
OUT_DIR = os.path.join(REPO_ROOT, "java", "src", "test", "resources", "modelfiles")

# name, cell, input_size I, hidden_size H, num_layers L, bidirectional, batch_first, dropout,
# with initial state, prefix ("" = the module itself; "rnn." = nested in a module with a head)
CONFIGS = [
    ("lstm_l2_bi", "lstm", 5, 4, 2, True, False, 0.25, True, ""),
    ("gru_l1_uni_batchfirst", "gru", 3, 6, 1, False, True, 0.0, False, ""),
    ("rnn_tanh_l2_uni", "rnn_tanh", 4, 5, 2, False, False, 0.0, True, ""),
    ("rnn_relu_l1_bi", "rnn_relu", 3, 4, 1, True, False, 0.0, False, ""),
    ("lstm_l1_nested", "lstm", 4, 3, 1, False, False, 0.0, False, "rnn."),
]
SEQ_LEN = 4
BATCH = 3


class WithHead(torch.nn.Module):
    """A recurrent network with a linear head, so the state_dict has rnn.* and head.* entries."""

    def __init__(self, rnn, hidden, directions):
        super().__init__()
        self.rnn = rnn
        self.head = torch.nn.Linear(directions * hidden, 2)


def safetensors_bytes(tensors, metadata):
    """tensors: list of (name, float32 tensor) in file order; metadata: dict of str -> str."""
    header = {}
    if metadata:
        header["__metadata__"] = metadata
    blobs = []
    offset = 0
    for name, t in tensors:
        t = t.detach().to(torch.float32).contiguous()
        blob = t.numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(blob)]}
        offset += len(blob)
        blobs.append(blob)
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-len(text) % 8)
    return struct.pack("<Q", len(text)) + text + b"".join(blobs)


def read_back(data):
    """An independent reader: returns (metadata, {name: numpy array}) and checks the layout."""
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n].decode("utf-8"))
    body = data[8 + n:]
    metadata = header.pop("__metadata__", {})
    arrays = {}
    end = 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"]):
        begin, stop = info["data_offsets"]
        assert info["dtype"] == "F32" and begin == end, (name, info)
        arrays[name] = np.frombuffer(body[begin:stop], dtype="<f4").reshape(info["shape"])
        end = stop
    assert end == len(body)
    return metadata, arrays


def export(name, cell, I, H, L, bi, batch_first, dropout, with_init, prefix, seed):
    torch.manual_seed(seed)
    D = 2 if bi else 1
    rnn = make_module(cell, I, H, L, bi)
    rnn.batch_first = batch_first
    rnn.dropout = dropout          # recorded in the metadata; eval() below makes it a no-op
    module = WithHead(rnn, H, D) if prefix else rnn
    module.eval()
    x = torch.randn(BATCH, SEQ_LEN, I) if batch_first else torch.randn(SEQ_LEN, BATCH, I)
    h0 = c0 = None
    if with_init:
        h0 = torch.randn(L * D, BATCH, H) * 0.5
        if cell == "lstm":
            c0 = torch.randn(L * D, BATCH, H) * 0.5
    with torch.no_grad():
        hx = None if not with_init else ((h0, c0) if cell == "lstm" else h0)
        output, hn = rnn(x, hx)
    h_n, c_n = hn if cell == "lstm" else (hn, None)

    metadata = {
        prefix + "cell": cell,
        prefix + "input_size": str(I),
        prefix + "hidden_size": str(H),
        prefix + "num_layers": str(L),
        prefix + "bidirectional": "true" if bi else "false",
        prefix + "batch_first": "true" if batch_first else "false",
        prefix + "dropout": repr(float(dropout)),
        "producer": "scripts/export_pytorch_model.py",
        "torch_version": torch.__version__,
    }
    if prefix:
        metadata["note"] = "a \"nested\" network\twith a head\nnon-ASCII: \u00e9 \u20ac \U0001F600"
    state = module.state_dict()
    data = safetensors_bytes(list(state.items()), metadata)

    meta_back, arrays = read_back(data)
    assert meta_back == metadata
    assert list(arrays) == sorted(arrays, key=list(state).index)
    for k, v in state.items():
        assert np.array_equal(arrays[k], v.numpy()), k

    with open(os.path.join(OUT_DIR, name + ".safetensors"), "wb") as f:
        f.write(data)
    entries = [
        ("model", json.dumps(name + ".safetensors")),
        ("prefix", json.dumps(prefix)),
        ("seq_len", json.dumps(SEQ_LEN)),
        ("batch", json.dumps(BATCH)),
        ("batch_first", json.dumps(batch_first)),
        ("torch_version", json.dumps(torch.__version__)),
        ("seed", json.dumps(seed)),
        ("x", tensor_json(x)),
        ("h0", tensor_json(h0)),
        ("c0", tensor_json(c0)),
        ("output", tensor_json(output)),
        ("h_n", tensor_json(h_n)),
        ("c_n", tensor_json(c_n)),
    ]
    text = dict_json(entries, 0) + "\n"
    json.loads(text)
    with open(os.path.join(OUT_DIR, name + ".json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return name, len(data)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    for i, config in enumerate(CONFIGS):
        name, size = export(*config, seed=2000 + i)
        print("%-28s %6d bytes" % (name + ".safetensors", size))
    print("%d models in %s (torch %s)" % (len(CONFIGS), os.path.relpath(OUT_DIR, os.getcwd()), torch.__version__))


if __name__ == "__main__":
    main()
