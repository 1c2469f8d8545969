#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures used by the Java tests of panama-rnn.

What it is
    A generator of small JSON reference files: for each configuration (cell in lstm, gru,
    rnn_tanh, rnn_relu; 1 or 2 layers; uni- or bidirectional; with or without an initial state;
    full-length or variable-length batch via pack_padded_sequence with unsorted lengths) it writes
    the inputs, every state_dict parameter (PyTorch names, default init), the outputs, the final
    states, a random-weighted scalar loss and the gradients of that loss with respect to the
    inputs, the initial states and every parameter. Everything is float32 on CPU, time-major.
    The format is described in java/src/test/resources/fixtures/README.md.

How to run (from the repository root)
    python3 scripts/make_pytorch_fixtures.py

    It writes into java/src/test/resources/fixtures/ (resolved relative to this script, so the
    current directory does not matter). It needs PyTorch (Debian: apt-get install python3-torch,
    version 1.13). If your `python3` is a pyenv/venv interpreter without torch, run the system one:
    /usr/bin/python3 scripts/make_pytorch_fixtures.py

    The output is deterministic: a fixed seed per file, one intra-op thread, and a fixed float
    formatting, so running it twice gives byte-identical files (for the same torch version).

CI does not need PyTorch: the generated files are committed and the Java tests only read them.
Regenerate and commit them only when this script changes.
"""

import json
import math
import os
import sys

try:
    import numpy as np
    import torch
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
except ImportError as e:  # pragma: no cover
    sys.exit(
        "make_pytorch_fixtures.py needs PyTorch and numpy (%s).\n"
        "Install Debian's python3-torch (apt-get install python3-torch) and run it with that\n"
        "interpreter, e.g. /usr/bin/python3 scripts/make_pytorch_fixtures.py" % e
    )

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "java", "src", "test", "resources", "fixtures")

CELLS = ["lstm", "gru", "rnn_tanh", "rnn_relu"]
BATCH = 3

# Per cell: (num_layers, bidirectional, with_init_state, varlen). Together they cover every value
# of every axis for every cell, variable lengths in uni- and bidirectional and in a 2-layer stack.
VARIANTS = [
    (1, False, False, False),
    (1, False, True, False),
    (1, True, True, False),
    (2, False, False, False),
    (2, True, False, False),
    (2, True, True, True),
    (1, False, True, True),
    (1, True, False, True),
]

# Small, mostly odd sizes, cycled over the variants: (seq_len T, input_size I, hidden_size H).
SIZES = [(5, 5, 3), (4, 5, 3), (5, 4, 3), (3, 5, 6), (5, 5, 3), (5, 4, 3), (4, 5, 6), (5, 5, 3)]

# Unsorted lengths (enforce_sorted=False), indexed by variant; every entry has max == T so that
# pad_packed_sequence(total_length=T) and the full-length tensors agree on shape.
def lengths_for(T, k):
    choices = [
        [T, 2, T - 1],
        [2, T, 1],
        [T - 1, 1, T],
    ]
    return choices[k % len(choices)]


def fmt_float(v):
    """Shortest decimal (up to 9 significant digits) that parses back to the same float32."""
    f = np.float32(v)
    if not math.isfinite(float(f)):
        raise ValueError("non-finite value in fixture: %r" % v)
    for p in range(6, 10):
        s = "%.*g" % (p, float(f))
        if np.float32(float(s)) == f:
            break
    # JSON numbers: '%g' gives forms like 1e-05, 1.5e+02, -0; all valid JSON.
    return s


def tensor_json(t):
    if t is None:
        return "null"
    t = t.detach().to(torch.float32).contiguous()
    data = ",".join(fmt_float(v) for v in t.reshape(-1).tolist())
    return '{"shape": %s, "data": [%s]}' % (json.dumps(list(t.shape)), data)


def dict_json(entries, indent):
    """entries: list of (name, json_text). One entry per line."""
    pad = " " * indent
    lines = [pad + "  " + json.dumps(k) + ": " + v for k, v in entries]
    return "{\n" + ",\n".join(lines) + "\n" + pad + "}"


def make_module(cell, I, H, L, bi):
    common = dict(input_size=I, hidden_size=H, num_layers=L, bias=True, batch_first=False,
                  dropout=0.0, bidirectional=bi)
    if cell == "lstm":
        return torch.nn.LSTM(**common)
    if cell == "gru":
        return torch.nn.GRU(**common)
    if cell == "rnn_tanh":
        return torch.nn.RNN(nonlinearity="tanh", **common)
    if cell == "rnn_relu":
        return torch.nn.RNN(nonlinearity="relu", **common)
    raise ValueError(cell)


def generate(cell, variant_index, seed):
    L, bi, with_init, varlen = VARIANTS[variant_index]
    T, I, H = SIZES[variant_index]
    B = BATCH
    D = 2 if bi else 1
    is_lstm = cell == "lstm"

    torch.manual_seed(seed)
    # Draw order (fixed): parameters (PyTorch default init, U(-1/sqrt(H), 1/sqrt(H))), x, h0, c0,
    # loss weights for output, h_n, c_n.
    rnn = make_module(cell, I, H, L, bi).float()
    x = torch.randn(T, B, I, dtype=torch.float32)
    h0 = c0 = None
    if with_init:
        h0 = torch.randn(L * D, B, H, dtype=torch.float32) * 0.5
        if is_lstm:
            c0 = torch.randn(L * D, B, H, dtype=torch.float32) * 0.5
    w_out = torch.randn(T, B, D * H, dtype=torch.float32)
    w_h = torch.randn(L * D, B, H, dtype=torch.float32)
    w_c = torch.randn(L * D, B, H, dtype=torch.float32) if is_lstm else None

    lengths = lengths_for(T, variant_index) if varlen else None
    if lengths is not None:
        assert max(lengths) == T and min(lengths) >= 1
        assert lengths != sorted(lengths, reverse=True), "lengths must be unsorted"

    x.requires_grad_(True)
    for t in (h0, c0):
        if t is not None:
            t.requires_grad_(True)

    if is_lstm:
        hx = (h0, c0) if with_init else None
    else:
        hx = h0

    if lengths is not None:
        packed = pack_padded_sequence(x, torch.tensor(lengths, dtype=torch.int64),
                                      batch_first=False, enforce_sorted=False)
        out_packed, hn = rnn(packed, hx)
        output, out_lengths = pad_packed_sequence(out_packed, batch_first=False, total_length=T)
        assert out_lengths.tolist() == lengths
    else:
        output, hn = rnn(x, hx)

    if is_lstm:
        h_n, c_n = hn
    else:
        h_n, c_n = hn, None

    loss = (output * w_out).sum() + (h_n * w_h).sum()
    if c_n is not None:
        loss = loss + (c_n * w_c).sum()
    loss.backward()

    # ---- sanity checks on PyTorch's conventions (fail loudly if an assumption is wrong) ----
    assert output.shape == (T, B, D * H) and h_n.shape == (L * D, B, H)
    lens = lengths if lengths is not None else [T] * B
    with torch.no_grad():
        for b in range(B):
            n = lens[b]
            # h_n index = layer * D + direction; last layer's forward state is the output at the
            # sequence's own last step, its reverse state is the output at t = 0.
            last = (L - 1) * D
            assert torch.equal(h_n[last, b], output[n - 1, b, :H])
            if bi:
                assert torch.equal(h_n[last + 1, b], output[0, b, H:])
            if n < T:
                assert torch.all(output[n:, b] == 0)
                assert torch.all(x.grad[n:, b] == 0)
        # loss recomputed independently in double precision
        ref = (output.double() * w_out.double()).sum() + (h_n.double() * w_h.double()).sum()
        if c_n is not None:
            ref = ref + (c_n.double() * w_c.double()).sum()
        assert abs(ref.item() - loss.item()) <= 1e-4 * max(1.0, abs(ref.item())), (ref, loss)

    state = rnn.state_dict()
    named = dict(rnn.named_parameters())
    assert list(state.keys()) == list(named.keys())

    name = "%s_l%d_%s_%s_%s.json" % (cell, L, "bi" if bi else "uni",
                                      "h0" if with_init else "noinit",
                                      "varlen" if varlen else "full")

    top = [
        ("cell", json.dumps(cell)),
        ("input_size", json.dumps(I)),
        ("hidden_size", json.dumps(H)),
        ("num_layers", json.dumps(L)),
        ("bidirectional", json.dumps(bi)),
        ("seq_len", json.dumps(T)),
        ("batch", json.dumps(B)),
        ("lengths", json.dumps(lengths)),
        ("torch_version", json.dumps(torch.__version__)),
        ("seed", json.dumps(seed)),
        ("x", tensor_json(x)),
        ("h0", tensor_json(h0)),
        ("c0", tensor_json(c0)),
        ("params", dict_json([(k, tensor_json(v)) for k, v in state.items()], 2)),
        ("output", tensor_json(output)),
        ("h_n", tensor_json(h_n)),
        ("c_n", tensor_json(c_n)),
        ("loss_weights", dict_json([("output", tensor_json(w_out)),
                                    ("h_n", tensor_json(w_h)),
                                    ("c_n", tensor_json(w_c))], 2)),
        ("loss", fmt_float(loss.item())),
        ("grads", dict_json(
            [("x", tensor_json(x.grad)),
             ("h0", tensor_json(h0.grad if h0 is not None else None)),
             ("c0", tensor_json(c0.grad if c0 is not None else None))]
            + [(k, tensor_json(named[k].grad)) for k in state.keys()], 2)),
    ]
    text = dict_json(top, 0) + "\n"
    json.loads(text)  # must be valid JSON
    return name, text


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    written = []
    for ci, cell in enumerate(CELLS):
        for vi in range(len(VARIANTS)):
            seed = 1000 + 100 * ci + vi
            name, text = generate(cell, vi, seed)
            path = os.path.join(OUT_DIR, name)
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
            written.append((name, len(text)))
    for name, size in written:
        print("%-40s %7d bytes" % (name, size))
    print("%d files in %s (torch %s)" % (len(written), os.path.relpath(OUT_DIR, os.getcwd()),
                                          torch.__version__))


if __name__ == "__main__":
    main()
