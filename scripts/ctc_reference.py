"""PyTorch's CTC loss and its gradient with respect to the logits, a fixture for CtcLossTest.

Seeded random logits (T, B, C), time-major, with per-row input lengths and label sequences (some
with repeated labels, one empty), blank = 0. The loss is F.ctc_loss(log_softmax(logits), ...) in
float64 (the reference is exact to ~1e-15; the Java loss runs on float32 logits), per row
(reduction='none') and PyTorch's default mean (each row's loss divided by its label length, then
averaged). The gradient is that of the mean with respect to the logits (autograd through
log_softmax); steps beyond a row's length get zero.

Run from the repository root:
    /usr/bin/python3 scripts/ctc_reference.py
Writes java/src/test/resources/ctc/ctc-reference.json.
"""
import json

import torch
import torch.nn.functional as F

OUT = "java/src/test/resources/ctc/ctc-reference.json"


def case(name, seed, steps, classes, lengths, labels, blank=0):
    g = torch.Generator().manual_seed(seed)
    batch = len(lengths)
    logits32 = (torch.randn(steps, batch, classes, generator=g) * 2).float()
    logits = logits32.double().requires_grad_(True)
    flat = torch.tensor([c for row in labels for c in row], dtype=torch.long)
    target_lengths = torch.tensor([len(row) for row in labels], dtype=torch.long)
    input_lengths = torch.tensor(lengths, dtype=torch.long)
    log_probs = F.log_softmax(logits, dim=2)
    per_row = F.ctc_loss(log_probs, flat, input_lengths, target_lengths, blank=blank, reduction="none")
    mean = F.ctc_loss(log_probs, flat, input_lengths, target_lengths, blank=blank, reduction="mean")
    mean.backward()
    return {
        "name": name, "steps": steps, "batch": batch, "classes": classes, "blank": blank,
        "lengths": lengths, "labels": labels,
        "logits": logits32.flatten().tolist(),
        "row_losses": per_row.tolist(), "mean_loss": mean.item(),
        "gradient": logits.grad.flatten().tolist(),
    }


def main():
    cases = [
        case("small", 1, 6, 4, [6, 5, 3], [[1, 2], [3, 3], []]),
        case("repeats_and_full_length", 2, 9, 5, [9, 9, 7, 4], [[1, 1, 1, 1], [2, 3, 4, 2, 3], [4], [1, 2]]),
        case("tight", 3, 5, 3, [5, 3], [[1, 1, 2], [2, 1, 2]]),
        case("long", 4, 40, 12, [40, 33, 21], [[5, 6, 7, 7, 1, 2, 11, 3, 3, 9], [10] * 3 + [4, 4], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]]),
        case("blank_last", 5, 7, 4, [7, 6], [[0, 1], [2, 0, 2]], blank=3),
    ]
    with open(OUT, "w") as f:
        json.dump({"generator": "scripts/ctc_reference.py", "torch": torch.__version__, "cases": cases}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
