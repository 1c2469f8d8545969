#!/usr/bin/env python3
"""PyTorch reference fixtures for dev.panamarnn.seq2seq (encoder-decoder with Luong "general" attention).

Run from the repository root (PyTorch 1.13, Debian's python3-torch):
    python3 scripts/make_seq2seq_fixtures.py java/src/test/resources/seq2seq

The module below is the one Seq2Seq documents: a (bi)directional encoder over source embeddings
(packed, so padded steps are skipped), the decoder started from the encoder's final state (each
layer's directions concatenated), input feeding ([E(y_{t-1}); ctx_{t-1}]), scores h_t . W_a enc_s
with the padded source steps masked, logits = W_o [h_t; ctx_t] + b_o, and the mean cross-entropy
over the real target steps. Computed in float64; the Java test runs in float32.
"""
import json
import sys

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


class Seq2Seq(nn.Module):
    def __init__(self, cell, vs, vt, e, h, layers, bi):
        super().__init__()
        d = 2 if bi else 1
        c = d * h
        rnn = nn.LSTM if cell == "lstm" else nn.GRU
        self.layers, self.d, self.h, self.c, self.cell = layers, d, h, c, cell
        self.source_embedding = nn.Embedding(vs, e)
        self.encoder = rnn(e, h, layers, bidirectional=bi)
        self.target_embedding = nn.Embedding(vt, e)
        self.decoder = rnn(e + c, c, layers)
        self.attention = nn.Linear(c, c, bias=False)
        self.output = nn.Linear(2 * c, vt)

    def bridge(self, s):  # (L*D, B, H) -> (L, B, D*H)
        L, D, B, H = self.layers, self.d, s.shape[1], self.h
        return s.view(L, D, B, H).permute(0, 2, 1, 3).reshape(L, B, D * H)

    def forward(self, src, src_len, tgt_in):
        S, B = src.shape
        packed = pack_padded_sequence(self.source_embedding(src), src_len, enforce_sorted=False)
        out, state = self.encoder(packed)
        enc, _ = pad_packed_sequence(out, total_length=S)                       # (S, B, C)
        state = tuple(self.bridge(s) for s in state) if self.cell == "lstm" else self.bridge(state)
        keys = self.attention(enc)                                              # (S, B, C)
        valid = torch.arange(S).unsqueeze(1) < src_len.unsqueeze(0)             # (S, B)
        ctx = torch.zeros(B, self.c, dtype=enc.dtype)
        outs, weights = [], []
        for t in range(tgt_in.shape[0]):
            x = torch.cat([self.target_embedding(tgt_in[t]), ctx], 1).unsqueeze(0)
            o, state = self.decoder(x, state)
            h = o[0]
            scores = (keys * h.unsqueeze(0)).sum(2).masked_fill(~valid, float("-inf"))
            a = torch.softmax(scores, 0)                                        # (S, B)
            ctx = (a.unsqueeze(2) * enc).sum(0)
            outs.append(torch.cat([h, ctx], 1))
            weights.append(a.t())
        return self.output(torch.stack(outs)), torch.stack(weights)            # (T, B, V), (T, B, S)


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


def case(name, cell, layers, bi, seed):
    torch.manual_seed(seed)
    vs, vt, e, h, S, T, B, bos, eos = 7, 7, 4, 5, 5, 6, 3, 1, 2
    model = Seq2Seq(cell, vs, vt, e, h, layers, bi).double()
    for p in model.parameters():  # wider than the default init, so that attention is far from uniform
        nn.init.uniform_(p, -0.8, 0.8)
    g = torch.Generator().manual_seed(seed + 1)
    src_len = [5, 3, 1]
    tgt_len = [4, 6, 2]
    sources = [torch.randint(0, vs, (n,), generator=g).tolist() for n in src_len]
    targets = [torch.randint(3, vt, (n - 1,), generator=g).tolist() + [eos] for n in tgt_len]
    src = torch.zeros(S, B, dtype=torch.long)
    tgt_in = torch.full((T, B), bos, dtype=torch.long)
    tgt_out = torch.full((T, B), -100, dtype=torch.long)
    for b in range(B):
        src[:len(sources[b]), b] = torch.tensor(sources[b])
        for t in range(len(targets[b])):
            tgt_out[t, b] = targets[b][t]
        for t in range(1, min(len(targets[b]) + 1, T)):  # y_{t-1}, the end token too; bos after it (as the Java pass)
            tgt_in[t, b] = targets[b][t - 1]
    logits, weights = model(src, torch.tensor(src_len), tgt_in)
    loss = F.cross_entropy(logits.reshape(-1, vt), tgt_out.reshape(-1), ignore_index=-100)
    loss.backward()
    return {
        "name": name, "cell": cell, "source_vocab": vs, "target_vocab": vt, "embedding": e, "hidden": h,
        "layers": layers, "bidirectional": bi, "bos": bos, "eos": eos,
        "source_steps": S, "target_steps": T, "batch": B,
        "sources": sources, "targets": targets,
        "params": {k: flat(v) for k, v in model.state_dict().items()},
        "logits": flat(logits), "attention": flat(weights), "loss": float(loss),
        "grads": {k: flat(p.grad) for k, p in model.named_parameters()},
    }


def main():
    out = sys.argv[1]
    for name, cell, layers, bi, seed in [("gru_uni_2layers", "gru", 2, False, 11), ("lstm_bi_1layer", "lstm", 1, True, 12)]:
        with open(f"{out}/{name}.json", "w") as f:
            json.dump(case(name, cell, layers, bi, seed), f)
        print("wrote", name)


if __name__ == "__main__":
    main()
