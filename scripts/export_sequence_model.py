#!/usr/bin/env python3
"""Export small PyTorch sequence models (input stage, recurrent stack, head) for panama-rnn's Java tests.

What it is
    For seven seeded configurations of SequenceModule below — token ids through nn.Embedding or
    float features (optionally normalised by buffers mean/std), then nn.LSTM / nn.GRU / nn.RNN
    (batch_first=True), then a Linear head (or Linear-ReLU-Linear) read per step or from each
    row's final state; classification, regression and a language model — it writes

      java/src/test/resources/sequencemodel/<name>.safetensors  state_dict (F32, with buffers) + metadata
      java/src/test/resources/sequencemodel/<name>.json         a padded batch, output, loss, gradients

    The safetensors file is what dev.panamarnn.model.SequenceModel.load(path) reads: metadata
    "panama_rnn.kind" = "sequence-model", the recurrent stack's keys under the prefix "rnn."
    (the keys dev.panamarnn.io.ModelFile reads) and the model's keys "model.*" (task, output mode,
    input stage, head). The format, the JSON keys and the cases are described in
    java/src/test/resources/sequencemodel/README.md.

    Everything is float32 on CPU. Variable-length batches (unsorted lengths) go through
    pack_padded_sequence(enforce_sorted=False); per-step outputs are zero at padded steps and the
    losses average over the valid rows only. Each file is read back with the independent parser of
    export_pytorch_model.py and its tensors loaded into a freshly built module, which must
    reproduce the output bit for bit.

    The safetensors writer and reader come from export_pytorch_model.py, the JSON float formatting
    and the cell constructor from make_pytorch_fixtures.py (imported, not copied).

How to run (from the repository root)
    /usr/bin/python3 scripts/export_sequence_model.py

    Needs PyTorch (Debian: apt-get install python3-torch, 1.13) and numpy; a pyenv/venv python3
    without torch will not do. Deterministic: a fixed seed per case, one thread, deterministic
    algorithms, fixed float formatting; a rerun with the same torch version gives byte-identical
    files. CI does not need PyTorch: the generated files are committed and the Java tests only
    read them. Regenerate and commit them only when this script changes.
"""

import json
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as F
    from torch import nn
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
except ImportError as e:  # pragma: no cover
    sys.exit("export_sequence_model.py needs PyTorch and numpy (%s); run it with /usr/bin/python3" % e)

SCRIPTS = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, SCRIPTS)
from export_pytorch_model import safetensors_bytes, read_back  # noqa: E402  (project code, reused)
from make_pytorch_fixtures import make_module, tensor_json, dict_json, fmt_float  # noqa: E402

REPO_ROOT = os.path.dirname(SCRIPTS)
OUT_DIR = os.path.join(REPO_ROOT, "java", "src", "test", "resources", "sequencemodel")
PRODUCER = "scripts/export_sequence_model.py"
KIND = "sequence-model"

# One dict per case. input: "features" (F, normalise) or "tokens" (V, E). outputs: classes C,
# regression values K, or V for the language model. head_hidden: 0 = a single Linear.
# lengths: unsorted, max = T (the padded batch's T is its longest row, as in SequenceBatch).
# seed: 3000 + i, except for the two cases with ReLU units, where a seed of the form 3000 + i + 10k
# was picked so that no ReLU unit is dead on the batch (check_gradients asserts it).
CASES = [
    dict(name="cls_seq_lstm_l2_features_norm", seed=3000, task="classification", mode="sequence",
         outputs=3, input="features", F=3, normalise=True, cell="lstm", H=4, L=2, bi=False,
         head_hidden=0, T=5, lengths=[3, 5, 2, 4]),
    dict(name="cls_seq_gru_bi_headhidden", seed=3001, task="classification", mode="sequence",
         outputs=4, input="features", F=2, normalise=False, cell="gru", H=3, L=1, bi=True,
         head_hidden=5, T=6, lengths=[4, 6, 1]),
    dict(name="cls_seq_rnn_relu_tokens", seed=3242, task="classification", mode="sequence",
         outputs=2, input="tokens", V=7, E=3, cell="rnn_relu", H=5, L=1, bi=False,
         head_hidden=0, T=4, lengths=[2, 4, 1, 3]),
    dict(name="tag_step_rnn_tanh_tokens", seed=3003, task="classification", mode="per_step",
         outputs=3, input="tokens", V=6, E=4, cell="rnn_tanh", H=4, L=2, bi=False,
         head_hidden=0, T=5, lengths=[3, 5, 2]),
    dict(name="reg_seq_gru_norm_k2", seed=3004, task="regression", mode="sequence",
         outputs=2, input="features", F=3, normalise=True, cell="gru", H=3, L=2, bi=False,
         head_hidden=0, T=5, lengths=[5, 3, 1, 4]),
    dict(name="reg_step_lstm_bi", seed=3065, task="regression", mode="per_step",
         outputs=1, input="features", F=2, normalise=False, cell="lstm", H=3, L=2, bi=True,
         head_hidden=4, T=6, lengths=[2, 6, 5]),
    dict(name="lm_lstm_l2", seed=3006, task="language_model", mode="per_step",
         outputs=8, input="tokens", V=8, E=4, cell="lstm", H=5, L=2, bi=False,
         head_hidden=0, T=6, lengths=[6, 6, 6]),
    # CTC: class 0 is the blank; label sequences unaligned, one with a repeat, one empty
    dict(name="ctc_gru_bi_norm", seed=3007, task="ctc", mode="per_step",
         outputs=5, input="features", F=3, normalise=True, cell="gru", H=4, L=2, bi=True,
         head_hidden=0, T=7, lengths=[5, 7, 3, 6], label_sequences=[[1, 2], [3, 3, 4], [], [4, 1, 2]]),
]


class Normalise(nn.Module):
    """(x - mean) / std per feature; mean and std are buffers (in the state_dict, not trained)."""

    def __init__(self, features):
        super().__init__()
        self.register_buffer("mean", torch.zeros(features))
        self.register_buffer("std", torch.ones(features))

    def forward(self, x):
        return (x - self.mean) / self.std


class SequenceModule(nn.Module):
    """Input stage -> recurrent stack (batch_first) -> head, read per step or from the final state.

    forward(inputs, lengths): inputs (B, T) int64 ids or (B, T, F) float; lengths (B) int64.
    Returns (B, T, outputs) for per_step, zero at padded steps, or (B, outputs) for sequence.
    """

    def __init__(self, c):
        super().__init__()
        self.tokens = c["input"] == "tokens"
        self.mode = c["mode"]
        if self.tokens:
            self.embedding = nn.Embedding(c["V"], c["E"])
            width = c["E"]
        else:
            self.normalise = Normalise(c["F"]) if c["normalise"] else None
            width = c["F"]
        self.rnn = make_module(c["cell"], width, c["H"], c["L"], c["bi"])
        self.rnn.batch_first = True
        d_h = (2 if c["bi"] else 1) * c["H"]
        if c["head_hidden"] > 0:
            self.head = nn.Sequential(nn.Linear(d_h, c["head_hidden"]), nn.ReLU(),
                                      nn.Linear(c["head_hidden"], c["outputs"]))
        else:
            self.head = nn.Linear(d_h, c["outputs"])

    def forward(self, inputs, lengths):
        if self.tokens:
            z = self.embedding(inputs)
        else:
            z = self.normalise(inputs) if self.normalise is not None else inputs
        T = inputs.shape[1]
        packed = pack_padded_sequence(z, lengths, batch_first=True, enforce_sorted=False)
        out_packed, hn = self.rnn(packed)
        h_n = hn[0] if isinstance(self.rnn, nn.LSTM) else hn
        if self.mode == "per_step":
            out, out_lengths = pad_packed_sequence(out_packed, batch_first=True, total_length=T)
            assert out_lengths.tolist() == lengths.tolist()
            y = self.head(out)                                    # (B, T, outputs)
            return torch.where(step_mask(lengths, T).unsqueeze(-1), y, torch.zeros_like(y))
        features = torch.cat([h_n[-2], h_n[-1]], dim=1) if self.rnn.bidirectional else h_n[-1]
        return self.head(features)                                # (B, outputs)


def step_mask(lengths, T):
    """(B, T) bool: True at the valid steps t < lengths[b]."""
    return torch.arange(T).unsqueeze(0) < lengths.unsqueeze(1)


def loss_of(c, output, target, lengths):
    """Mean loss over the valid rows: cross-entropy for class ids, MSE over all values for regression."""
    if c["task"] == "ctc":
        return ctc_loss(output, target, lengths)
    if c["mode"] == "per_step":
        mask = step_mask(lengths, output.shape[1])
        output, target = output[mask], target[mask]              # (N, outputs), (N) or (N, K)
    if c["task"] == "regression":
        return F.mse_loss(output, target)
    return F.cross_entropy(output, target)


def ctc_loss(output, label_sequences, lengths):
    """F.ctc_loss over log_softmax of the per-step logits (B, T, C), blank 0, PyTorch's mean reduction."""
    flat = torch.tensor([k for row in label_sequences for k in row], dtype=torch.int64)
    target_lengths = torch.tensor([len(row) for row in label_sequences], dtype=torch.int64)
    log_probs = F.log_softmax(output, dim=2).transpose(0, 1)  # (T, B, C)
    return F.ctc_loss(log_probs, flat, lengths, target_lengths, blank=0, reduction="mean")


def reference_ctc(out, label_sequences, lengths):
    """The CTC forward variable summed in float64 with explicit loops (a cross-check of F.ctc_loss)."""
    total = 0.0
    for b, n in enumerate(lengths.tolist()):
        lp = torch.log_softmax(out[b, :n], dim=1)               # (n, C)
        ext = [0]
        for k in label_sequences[b]:
            ext += [k, 0]
        alpha = [-math.inf] * len(ext)
        alpha[0] = lp[0, ext[0]].item()
        if len(ext) > 1:
            alpha[1] = lp[0, ext[1]].item()
        for t in range(1, n):
            prev = alpha
            alpha = []
            for s, k in enumerate(ext):
                terms = [prev[s]] + ([prev[s - 1]] if s >= 1 else [])
                if s >= 2 and k != 0 and k != ext[s - 2]:
                    terms.append(prev[s - 2])
                m = max(terms)
                a = -math.inf if m == -math.inf else m + math.log(sum(math.exp(v - m) for v in terms))
                alpha.append(a + lp[t, k].item())
        ends = alpha[-2:] if len(ext) > 1 else alpha
        m = max(ends)
        total += -(m + math.log(sum(math.exp(v - m) for v in ends))) / max(1, len(label_sequences[b]))
    return total / len(label_sequences)


def reference_loss(c, output, target, lengths):
    """The same loss written out in float64 with explicit loops over the valid rows (a cross-check)."""
    out = output.detach().double()
    if c["task"] == "ctc":
        return reference_ctc(out, target, lengths)
    rows = []
    for b, n in enumerate(lengths.tolist()):
        steps = range(n) if c["mode"] == "per_step" else [None]
        for t in steps:
            rows.append((out[b] if t is None else out[b, t], target[b] if t is None else target[b, t]))
    if c["task"] == "regression":
        return sum(((o - y.double()) ** 2).sum().item() for o, y in rows) / (len(rows) * c["outputs"])
    return sum((torch.logsumexp(o, 0) - o[int(y)]).item() for o, y in rows) / len(rows)


def metadata_of(c, seed):
    cell_input = c["E"] if c["input"] == "tokens" else c["F"]
    m = {
        "panama_rnn.kind": KIND,
        "rnn.cell": c["cell"],
        "rnn.input_size": str(cell_input),
        "rnn.hidden_size": str(c["H"]),
        "rnn.num_layers": str(c["L"]),
        "rnn.bidirectional": "true" if c["bi"] else "false",
        "rnn.batch_first": "true",
        "rnn.dropout": repr(0.0),
        "model.task": c["task"],
        "model.output_mode": c["mode"],
        "model.outputs": str(c["outputs"]),
        "model.input": c["input"],
    }
    if c["input"] == "features":
        m["model.features"] = str(c["F"])
    else:
        m["model.vocabulary"] = str(c["V"])
        m["model.embedding_dim"] = str(c["E"])
    m["model.normalise"] = "true" if c.get("normalise", False) else "false"
    m["model.head_hidden"] = str(c["head_hidden"])
    m["model.seed"] = str(seed)
    m["producer"] = PRODUCER
    m["torch_version"] = torch.__version__
    return m


def build(c, seed):
    """The module with PyTorch's default init, then (same generator) random biases and normalisation."""
    torch.manual_seed(seed)
    module = SequenceModule(c)
    with torch.no_grad():
        for name, p in module.named_parameters():
            if "bias" in name:
                p.uniform_(-0.5, 0.5)
        if c["input"] == "features" and c["normalise"]:
            module.normalise.mean.copy_(torch.randn(c["F"]) * 2.0)
            module.normalise.std.copy_(0.5 + 1.5 * torch.rand(c["F"]))
    return module


def batch_of(c, module):
    """Inputs, lengths and labels/targets, drawn after the module from the same generator."""
    B, T = len(c["lengths"]), c["T"]
    lengths = torch.tensor(c["lengths"], dtype=torch.int64)
    mask = step_mask(lengths, T)
    if c["input"] == "tokens":
        if c["task"] == "language_model":
            stream = torch.randint(0, c["V"], (B, T + 1))
            inputs, target = stream[:, :T].clone(), stream[:, 1:].clone()
        else:
            inputs = torch.randint(0, c["V"], (B, T))
        inputs = torch.where(mask, inputs, torch.zeros_like(inputs))
    else:
        x = torch.randn(B, T, c["F"])
        if c["normalise"]:
            x = module.normalise.mean + module.normalise.std * x    # raw features: around mean, spread std
        inputs = torch.where(mask.unsqueeze(-1), x, torch.zeros_like(x))
    if c["task"] == "classification":
        shape = (B, T) if c["mode"] == "per_step" else (B,)
        target = torch.randint(0, c["outputs"], shape)
    elif c["task"] == "regression":
        shape = (B, T, c["outputs"]) if c["mode"] == "per_step" else (B, c["outputs"])
        target = torch.randn(shape)
    elif c["task"] == "ctc":
        return inputs, lengths, c["label_sequences"]
    if c["mode"] == "per_step":
        m = mask if target.dim() == 2 else mask.unsqueeze(-1)
        target = torch.where(m, target, torch.zeros_like(target))
    return inputs, lengths, target


def check_conventions(c, module, inputs, lengths, output):
    """Fails loudly if an assumption about PyTorch's layout is wrong."""
    B, T = inputs.shape[0], inputs.shape[1]
    assert output.shape == ((B, T, c["outputs"]) if c["mode"] == "per_step" else (B, c["outputs"]))
    L = list(lengths.tolist())
    assert max(L) == T and min(L) >= 1
    if c["name"].startswith("lm_"):
        assert L == [T] * B
    else:
        assert min(L) < T and L != sorted(L, reverse=True), "lengths must be unsorted with one < T"
    if c["mode"] == "per_step":
        for b, n in enumerate(L):
            assert torch.all(output[b, n:] == 0)
    else:
        # the final states are the unpacked outputs at each row's own last step (forward)
        # and at t = 0 (reverse)
        with torch.no_grad():
            z = module.embedding(inputs) if module.tokens else (
                module.normalise(inputs) if module.normalise is not None else inputs)
            packed = pack_padded_sequence(z, lengths, batch_first=True, enforce_sorted=False)
            out, hn = module.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=T)
            h_n = hn[0] if c["cell"] == "lstm" else hn
            H = c["H"]
            for b, n in enumerate(L):
                assert torch.equal(h_n[-2 if c["bi"] else -1, b], out[b, n - 1, :H])
                if c["bi"]:
                    assert torch.equal(h_n[-1, b], out[b, 0, H:])


def check_gradients(c, params, inputs, lengths):
    """Every parameter is exercised: no bias gradient element is 0 and no weight gradient has a row
    or column of zeros (a dead ReLU unit would give one), except the embedding rows of ids that
    occur at no valid step, which must be exactly 0."""
    used = None
    if c["input"] == "tokens":
        used = sorted(set(inputs[step_mask(lengths, inputs.shape[1])].tolist()))
    for k, p in params.items():
        g = p.grad
        if k == "embedding.weight":
            unused = [i for i in range(g.shape[0]) if i not in used]
            assert torch.all(g[unused] == 0), k
            g = g[used]
        if g.dim() == 1:
            assert torch.all(g != 0), k
        else:
            assert not (g == 0).all(1).any() and not (g == 0).all(0).any(), k


def export(c, seed):
    module = build(c, seed)
    module.train()                       # dropout is 0: train and eval agree
    inputs, lengths, target = batch_of(c, module)
    output = module(inputs, lengths)
    loss = loss_of(c, output, target, lengths)
    loss.backward()
    check_conventions(c, module, inputs, lengths, output)
    ref = reference_loss(c, output, target, lengths)
    assert abs(ref - loss.item()) <= 1e-5 * max(1.0, abs(ref)), (ref, loss.item())

    state = module.state_dict()
    params = dict(module.named_parameters())
    buffers = [k for k in state if k not in params]
    assert buffers == (["normalise.mean", "normalise.std"] if c.get("normalise") else []), buffers
    check_gradients(c, params, inputs, lengths)
    for k, v in state.items():
        if "bias" in k or k.startswith("normalise."):
            assert torch.all(v != 0), k
    if buffers:
        assert torch.all(state["normalise.std"] > 0)

    metadata = metadata_of(c, seed)
    data = safetensors_bytes(list(state.items()), metadata)

    # read back with the independent parser, load into a fresh module, reproduce the output exactly
    meta_back, arrays = read_back(data)
    assert meta_back == metadata
    assert list(arrays) == sorted(arrays, key=list(state).index) and set(arrays) == set(state)
    for k, v in state.items():
        assert np.array_equal(arrays[k], v.numpy()), k
    fresh = build(c, seed + 7919)
    fresh.load_state_dict({k: torch.from_numpy(a.copy()) for k, a in arrays.items()}, strict=True)
    with torch.no_grad():
        again = fresh(inputs, lengths)
    assert torch.equal(again, output.detach()), c["name"]

    is_tokens = c["input"] == "tokens"
    entries = [
        ("name", json.dumps(c["name"])),
        ("model", json.dumps(c["name"] + ".safetensors")),
        ("config", dict_json([(k, json.dumps(v)) for k, v in metadata.items()], 2)),
        ("batch", json.dumps(inputs.shape[0])),
        ("steps", json.dumps(inputs.shape[1])),
        ("seed", json.dumps(seed)),
        ("torch_version", json.dumps(torch.__version__)),
        ("tokens" if is_tokens else "x", tensor_json(inputs)),
        ("lengths", tensor_json(lengths)),
        ("targets" if c["task"] == "regression" else "label_sequences" if c["task"] == "ctc" else "labels",
         json.dumps(target) if c["task"] == "ctc" else tensor_json(target)),
        ("output", tensor_json(output)),
        ("loss", fmt_float(loss.item())),
        ("grads", dict_json([(k, tensor_json(p.grad)) for k, p in params.items()], 2)),
    ]
    text = dict_json(entries, 0) + "\n"
    json.loads(text)  # must be valid JSON
    with open(os.path.join(OUT_DIR, c["name"] + ".safetensors"), "wb") as f:
        f.write(data)
    with open(os.path.join(OUT_DIR, c["name"] + ".json"), "w", encoding="utf-8", newline="\n") as f:
        f.write(text)
    return len(data), len(text)


def main():
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    for c in CASES:
        size, json_size = export(c, c["seed"])
        print("%-32s %6d bytes safetensors, %6d bytes json" % (c["name"], size, json_size))
    print("%d models in %s (torch %s)" % (len(CASES), os.path.relpath(OUT_DIR, os.getcwd()),
                                           torch.__version__))


if __name__ == "__main__":
    main()
