#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures of the reset-before GRU (CellType.GRU_RESET_BEFORE).

What it is
    PyTorch has no GRU with the reset gate applied before the recurrent product (ONNX's GRU with
    linear_before_reset=0, its default; Keras's GRU(reset_after=False); Cho et al. 2014):
        r = sigmoid(W_ir x + b_ir + W_hr h + b_hr),  z = sigmoid(W_iz x + b_iz + W_hz h + b_hz)
        n = tanh(W_in x + b_in + W_hn (r * h) + b_hn),  h' = (1 - z) * n + z * h
    so this script writes that cell from torch primitives (matmul, sigmoid, tanh, where) and lets
    autograd give every gradient. The parameters are those of a torch.nn.GRU of the same sizes
    (PyTorch's names, shapes, gate order r, z, n and default init), so only the cell differs.
    It writes the same 8 variants per cell, in the same JSON format, as make_pytorch_fixtures.py
    (layers, directions, initial state, variable lengths; format in
    java/src/test/resources/fixtures/README.md), as gru_reset_before_*.json, with "cell":
    "gru_reset_before" and the command below in "generated_by".

    Before writing anything it checks its own unrolling against PyTorch and ONNX:
      - the same code with PyTorch's cell (r * (W_hn h + b_hn)) must reproduce torch.nn.GRU,
        packed sequences included, for every variant (so layers, directions, lengths and the
        final states are unrolled as PyTorch does);
      - the reset-before cell must reproduce ONNX's own GRU conformance data (Debian package
        libonnx-testdata: node/test_gru_defaults, test_gru_with_initial_bias, test_gru_seq_length,
        all linear_before_reset=0), with ONNX's gate order z, r, h reordered. Skipped, with a
        message, when that package is not installed.

How to run (from the repository root; the exact command used for the committed files)
    /usr/bin/python3 scripts/make_gru_reset_before_fixtures.py

    It needs PyTorch (Debian: apt-get install python3-torch, version 1.13) and numpy, and writes
    into java/src/test/resources/fixtures/ (resolved relative to this script). Deterministic: a
    fixed seed per file, one thread, the fixed float formatting of make_pytorch_fixtures.py, so a
    rerun with the same torch version gives byte-identical files.

CI does not need PyTorch: the generated files are committed and the Java tests only read them
(PyTorchFixtureTest reads every fixture, these included).
"""

import glob
import json
import os
import struct
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_pytorch_fixtures as base  # noqa: E402  (fmt_float, tensor_json, dict_json, VARIANTS, SIZES)

torch = base.torch
np = base.np
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence  # noqa: E402

CELL = "gru_reset_before"
COMMAND = "/usr/bin/python3 scripts/make_gru_reset_before_fixtures.py"
ONNX_NODE_TESTS = "/usr/share/libonnx-testdata/data/node"


# ---------------------------------------------------------------- the cell and its unrolling

def gru_step(x_t, h, w_ih, w_hh, b_ih, b_hh, reset_before):
    """One GRU step for a batch: x_t (B, In), h (B, H); PyTorch's layout, gates r, z, n."""
    i_r, i_z, i_n = (x_t.matmul(w_ih.t()) + b_ih).chunk(3, 1)
    w_hr, w_hz, w_hn = w_hh.chunk(3, 0)
    b_hr, b_hz, b_hn = b_hh.chunk(3, 0)
    r = torch.sigmoid(i_r + h.matmul(w_hr.t()) + b_hr)
    z = torch.sigmoid(i_z + h.matmul(w_hz.t()) + b_hz)
    if reset_before:
        n = torch.tanh(i_n + (r * h).matmul(w_hn.t()) + b_hn)      # W_hn (r * h) + b_hn
    else:
        n = torch.tanh(i_n + r * (h.matmul(w_hn.t()) + b_hn))      # PyTorch: r * (W_hn h + b_hn)
    return (1 - z) * n + z * h


def unroll(x, lengths, h0, params, L, bi, reset_before):
    """x (T, B, I); lengths list or None; h0 (L*D, B, H) or None; params: name -> tensor.
    Returns output (T, B, D*H), zero at padded steps, and h_n (L*D, B, H), each sequence's state
    at its own last step (the reverse direction starts at t = length - 1 from h0)."""
    T, B, _ = x.shape
    D = 2 if bi else 1
    H = params["weight_hh_l0"].shape[1]
    lens = torch.tensor(lengths if lengths is not None else [T] * B, dtype=torch.int64)
    inp = x
    finals = []
    for l in range(L):
        outs = []
        for d in range(D):
            sfx = "_l%d%s" % (l, "_reverse" if d == 1 else "")
            w_ih, w_hh = params["weight_ih" + sfx], params["weight_hh" + sfx]
            b_ih, b_hh = params["bias_ih" + sfx], params["bias_hh" + sfx]
            h = h0[l * D + d] if h0 is not None else torch.zeros(B, H, dtype=x.dtype)
            out = [None] * T
            for t in (range(T) if d == 0 else range(T - 1, -1, -1)):
                active = (t < lens).unsqueeze(1)                                # (B, 1)
                h_new = gru_step(inp[t], h, w_ih, w_hh, b_ih, b_hh, reset_before)
                h = torch.where(active, h_new, h)                               # padded rows keep h
                out[t] = torch.where(active, h_new, torch.zeros_like(h_new))
            outs.append(torch.stack(out))
            finals.append(h)
        inp = torch.cat(outs, 2)
    return inp, torch.stack(finals)


# ---------------------------------------------------------------- self-checks

def check_against_torch_gru():
    """The unrolling with PyTorch's cell equals torch.nn.GRU (packed when lengths are given)."""
    worst = 0.0
    for vi, (L, bi, with_init, varlen) in enumerate(base.VARIANTS):
        T, I, H = base.SIZES[vi]
        B, D = base.BATCH, 2 if bi else 1
        torch.manual_seed(77 + vi)
        gru = torch.nn.GRU(I, H, num_layers=L, bidirectional=bi)
        x = torch.randn(T, B, I)
        h0 = torch.randn(L * D, B, H) * 0.5 if with_init else None
        lengths = base.lengths_for(T, vi) if varlen else None
        with torch.no_grad():
            if lengths is not None:
                packed = pack_padded_sequence(x, torch.tensor(lengths), enforce_sorted=False)
                out_p, hn_ref = gru(packed, h0)
                out_ref, _ = pad_packed_sequence(out_p, total_length=T)
            else:
                out_ref, hn_ref = gru(x, h0)
            out, hn = unroll(x, lengths, h0, dict(gru.named_parameters()), L, bi, reset_before=False)
        worst = max(worst, (out - out_ref).abs().max().item(), (hn - hn_ref).abs().max().item())
    assert worst < 2e-6, "the unrolling differs from torch.nn.GRU by %g" % worst
    print("check: unrolling with PyTorch's cell vs torch.nn.GRU, %d variants: max |diff| %.3g"
          % (len(base.VARIANTS), worst))


def varint(buf, pos):
    """A protobuf varint at buf[pos]: (value, next position)."""
    shift = value = 0
    while True:
        b = buf[pos]
        pos += 1
        value |= (b & 0x7F) << shift
        shift += 7
        if b < 0x80:
            return value, pos


def read_tensor_proto(path):
    """A float32 onnx.TensorProto (.pb) as a numpy array: dims (field 1, plain or packed),
    data_type (2), float_data (4, plain or packed) or raw_data (9). Enough protobuf for ONNX's
    conformance inputs; any other field is skipped by its wire type."""
    data = open(path, "rb").read()
    pos, dims, floats, raw, dtype = 0, [], [], None, None
    while pos < len(data):
        key, pos = varint(data, pos)
        field, wire = key >> 3, key & 7
        if wire == 0:
            v, pos = varint(data, pos)
            if field == 1:
                dims.append(v)
            elif field == 2:
                dtype = v
        elif wire == 2:
            n, pos = varint(data, pos)
            chunk, pos = data[pos:pos + n], pos + n
            if field == 1:                                  # packed dims
                at = 0
                while at < len(chunk):
                    v, at = varint(chunk, at)
                    dims.append(v)
            elif field == 4:                                # packed float_data
                floats.extend(struct.unpack("<%df" % (n // 4), chunk))
            elif field == 9:
                raw = chunk
        elif wire == 5:
            if field == 4:
                floats.append(struct.unpack("<f", data[pos:pos + 4])[0])
            pos += 4
        elif wire == 1:
            pos += 8
        else:
            raise ValueError("unsupported wire type %d in %s" % (wire, path))
    assert dtype == 1, "%s: data_type %r, expected FLOAT (1)" % (path, dtype)
    values = np.frombuffer(raw, dtype="<f4") if raw is not None else np.array(floats, dtype=np.float32)
    return values.reshape(dims)


def onnx_to_torch(w):
    """ONNX's gate blocks z, r, h (rows) to PyTorch's r, z, n."""
    z, r, n = np.split(w, 3, axis=0)
    return np.concatenate([r, z, n], axis=0)


def check_against_onnx_conformance():
    """The reset-before cell reproduces ONNX's GRU conformance outputs (linear_before_reset=0)."""
    cases = ["test_gru_defaults", "test_gru_with_initial_bias", "test_gru_seq_length"]
    if not os.path.isdir(ONNX_NODE_TESTS):
        print("check: ONNX conformance data not found (%s; Debian package libonnx-testdata): skipped"
              % ONNX_NODE_TESTS)
        return
    for case in cases:
        model = open(os.path.join(ONNX_NODE_TESTS, case, "model.onnx"), "rb").read()
        assert b"linear_before_reset" not in model and b"layout" not in model, case
        files = sorted(glob.glob(os.path.join(ONNX_NODE_TESTS, case, "test_data_set_0", "input_*.pb")))
        inputs = [read_tensor_proto(f) for f in files]        # X (T, B, I), W (1, 3H, I), R (1, 3H, H), [B (1, 6H)]
        y_h = read_tensor_proto(os.path.join(ONNX_NODE_TESTS, case, "test_data_set_0", "output_0.pb"))
        X, W, R = inputs[0], inputs[1][0], inputs[2][0]
        H = R.shape[1]
        bias = inputs[3][0] if len(inputs) > 3 else np.zeros(6 * H, dtype=np.float32)
        params = {
            "weight_ih_l0": torch.from_numpy(onnx_to_torch(W)),
            "weight_hh_l0": torch.from_numpy(onnx_to_torch(R)),
            "bias_ih_l0": torch.from_numpy(onnx_to_torch(bias[:3 * H])),
            "bias_hh_l0": torch.from_numpy(onnx_to_torch(bias[3 * H:])),
        }
        with torch.no_grad():
            _, hn = unroll(torch.from_numpy(X.copy()), None, None, params, 1, False, reset_before=True)
            _, hn_pytorch_cell = unroll(torch.from_numpy(X.copy()), None, None, params, 1, False, reset_before=False)
        diff = np.abs(hn.numpy() - y_h).max()
        other = np.abs(hn_pytorch_cell.numpy() - y_h).max()
        assert diff < 1e-5, "%s: reset-before cell differs from ONNX's Y_h by %g" % (case, diff)
        print("check: %-28s X %s H=%d: max |diff| vs ONNX Y_h %.3g (PyTorch's cell: %.3g)"
              % (case, list(X.shape), H, diff, other))


# ---------------------------------------------------------------- fixtures

def generate(variant_index, seed):
    L, bi, with_init, varlen = base.VARIANTS[variant_index]
    T, I, H = base.SIZES[variant_index]
    B = base.BATCH
    D = 2 if bi else 1

    torch.manual_seed(seed)
    # Draw order (fixed, as make_pytorch_fixtures.py): parameters (a torch.nn.GRU's, PyTorch
    # default init U(-1/sqrt(H), 1/sqrt(H))), x, h0, loss weights for output and h_n.
    gru = torch.nn.GRU(I, H, num_layers=L, bias=True, dropout=0.0, bidirectional=bi).float()
    x = torch.randn(T, B, I, dtype=torch.float32)
    h0 = torch.randn(L * D, B, H, dtype=torch.float32) * 0.5 if with_init else None
    w_out = torch.randn(T, B, D * H, dtype=torch.float32)
    w_h = torch.randn(L * D, B, H, dtype=torch.float32)

    lengths = base.lengths_for(T, variant_index) if varlen else None
    x.requires_grad_(True)
    if h0 is not None:
        h0.requires_grad_(True)
    named = dict(gru.named_parameters())
    output, h_n = unroll(x, lengths, h0, named, L, bi, reset_before=True)
    loss = (output * w_out).sum() + (h_n * w_h).sum()
    loss.backward()

    # ---- sanity checks (fail loudly if an assumption is wrong) ----
    assert output.shape == (T, B, D * H) and h_n.shape == (L * D, B, H)
    lens = lengths if lengths is not None else [T] * B
    with torch.no_grad():
        for b in range(B):
            n = lens[b]
            last = (L - 1) * D
            assert torch.equal(h_n[last, b], output[n - 1, b, :H])
            if bi:
                assert torch.equal(h_n[last + 1, b], output[0, b, H:])
            if n < T:
                assert torch.all(output[n:, b] == 0)
                assert torch.all(x.grad[n:, b] == 0)
        ref = (output.double() * w_out.double()).sum() + (h_n.double() * w_h.double()).sum()
        assert abs(ref.item() - loss.item()) <= 1e-4 * max(1.0, abs(ref.item())), (ref, loss)
        # the cell really differs from PyTorch's: the same weights give other outputs
        out_lbr1, _ = unroll(x, lengths, h0, named, L, bi, reset_before=False)
        assert (out_lbr1 - output).abs().max().item() > 1e-3

    state = gru.state_dict()
    name = "%s_l%d_%s_%s_%s.json" % (CELL, L, "bi" if bi else "uni",
                                      "h0" if with_init else "noinit",
                                      "varlen" if varlen else "full")
    tj, dj = base.tensor_json, base.dict_json
    top = [
        ("cell", json.dumps(CELL)),
        ("input_size", json.dumps(I)),
        ("hidden_size", json.dumps(H)),
        ("num_layers", json.dumps(L)),
        ("bidirectional", json.dumps(bi)),
        ("seq_len", json.dumps(T)),
        ("batch", json.dumps(B)),
        ("lengths", json.dumps(lengths)),
        ("torch_version", json.dumps(torch.__version__)),
        ("seed", json.dumps(seed)),
        ("generated_by", json.dumps(COMMAND)),
        ("x", tj(x)),
        ("h0", tj(h0)),
        ("c0", tj(None)),
        ("params", dj([(k, tj(v)) for k, v in state.items()], 2)),
        ("output", tj(output)),
        ("h_n", tj(h_n)),
        ("c_n", tj(None)),
        ("loss_weights", dj([("output", tj(w_out)), ("h_n", tj(w_h)), ("c_n", tj(None))], 2)),
        ("loss", base.fmt_float(loss.item())),
        ("grads", dj(
            [("x", tj(x.grad)),
             ("h0", tj(h0.grad if h0 is not None else None)),
             ("c0", tj(None))]
            + [(k, tj(named[k].grad)) for k in state.keys()], 2)),
    ]
    text = dj(top, 0) + "\n"
    json.loads(text)  # must be valid JSON
    return name, text


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    check_against_torch_gru()
    check_against_onnx_conformance()
    os.makedirs(base.OUT_DIR, exist_ok=True)
    written = []
    for vi in range(len(base.VARIANTS)):
        name, text = generate(vi, 1500 + vi)
        with open(os.path.join(base.OUT_DIR, name), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        written.append((name, len(text)))
    for name, size in written:
        print("%-48s %7d bytes" % (name, size))
    print("%d files in %s (torch %s)" % (len(written), os.path.relpath(base.OUT_DIR, os.getcwd()),
                                          torch.__version__))


if __name__ == "__main__":
    main()
