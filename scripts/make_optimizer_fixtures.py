#!/usr/bin/env python3
"""Generate the PyTorch reference fixtures for panama-rnn's training pieces.

What it is
    A generator of small JSON files that the Java tests in java/src/test/java/dev/panamarnn/train
    and .../layers compare against: a few steps of torch.optim.Adam, AdamW and SGD (momentum,
    dampening, Nesterov, weight decay) with a learning rate that changes between steps; the loss
    and gradient of F.cross_entropy (with ignore_index) and F.mse_loss; clip_grad_norm_ and
    clip_grad_value_; nn.Linear forward and backward; the learning rates of StepLR,
    CosineAnnealingLR and a linear warm-up followed by cosine (SequentialLR). Everything is
    float32 on CPU. The format is described in java/src/test/resources/optim/README.md.
    What it is not: a test of the RNN cells (scripts/make_pytorch_fixtures.py does those).

How to run (from anywhere)
    /usr/bin/python3 scripts/make_optimizer_fixtures.py

    It writes into java/src/test/resources/optim/ next to this repository's scripts/. It needs
    PyTorch (Debian: apt-get install python3-torch, version 1.13). The output is deterministic
    (fixed seeds, one thread): a rerun with the same torch version gives byte-identical files.

CI does not need PyTorch: the generated files are committed and the Java tests only read them.
"""

import json
import warnings
import math
import os
import sys

try:
    import numpy as np
    import torch
    import torch.nn.functional as Fn
except ImportError as e:  # pragma: no cover
    sys.exit(
        "make_optimizer_fixtures.py needs PyTorch and numpy (%s).\n"
        "Install Debian's python3-torch (apt-get install python3-torch) and run it with that\n"
        "interpreter: /usr/bin/python3 scripts/make_optimizer_fixtures.py" % e
    )

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT_DIR = os.path.join(REPO_ROOT, "java", "src", "test", "resources", "optim")

torch.set_num_threads(1)
# SequentialLR passes an epoch to CosineAnnealingLR.step and 1.13 warns about it; the rates are right
warnings.filterwarnings("ignore", message="The epoch parameter")


def f32(x):
    """A float32 value as the shortest decimal that parses back to the same float32."""
    return float(np.format_float_positional(np.float32(x), unique=True, trim="-"))


def tensor(t):
    t = t.detach().to(torch.float32).contiguous()
    return {"shape": list(t.shape), "data": [f32(v) for v in t.reshape(-1).tolist()]}


def write(name, obj):
    path = os.path.join(OUT_DIR, name)
    with open(path, "w") as out:
        json.dump(obj, out, indent=1, sort_keys=False)
        out.write("\n")
    print("wrote", os.path.relpath(path, REPO_ROOT))


# ------------------------------------------------------------------------ optimizers

SHAPES = [("w", (3, 4)), ("b", (5,)), ("u", (2, 3))]
LRS = [1e-2, 1e-2, 5e-3, 2e-2, 3e-3]   # a different rate per step: group["lr"] before each step
STEPS = len(LRS)


def optimizer_case(name, make, state_keys, seed):
    g = torch.Generator().manual_seed(seed)
    params = [torch.nn.Parameter(torch.randn(shape, generator=g)) for _, shape in SHAPES]
    initial = {n: tensor(p) for (n, _), p in zip(SHAPES, params)}
    opt = make(params)
    steps = []
    for k in range(STEPS):
        grads = {}
        for (n, shape), p in zip(SHAPES, params):
            # gradients of different scales per tensor, one exact zero, one large entry
            gr = torch.randn(shape, generator=g) * (0.1 if n == "b" else 1.0)
            flat = gr.view(-1)
            flat[0] = 0.0
            if n == "w":
                flat[1] = 25.0 if k % 2 == 0 else -25.0
            p.grad = gr.clone()
            grads[n] = tensor(gr)
        for group in opt.param_groups:
            group["lr"] = LRS[k]
        opt.step()
        steps.append({"lr": LRS[k], "grads": grads, "params": {n: tensor(p) for (n, _), p in zip(SHAPES, params)}})
    state = {}
    for key in state_keys:
        state[key] = {n: tensor(opt.state[p][key]) for (n, _), p in zip(SHAPES, params)}
    hyper = {k: v for k, v in opt.param_groups[0].items() if k not in ("params", "lr") and isinstance(v, (int, float, bool, tuple))}
    if "betas" in hyper:
        hyper["betas"] = list(hyper["betas"])
    write(name + ".json", {
        "optimizer": name.split("_")[0],
        "torch_version": torch.__version__,
        "hyperparameters": hyper,
        "initial": initial,
        "steps": steps,
        "state": state,
    })


def optimizers():
    optimizer_case("adam", lambda p: torch.optim.Adam(p, lr=1e-2), ["exp_avg", "exp_avg_sq"], 1)
    optimizer_case("adam_l2", lambda p: torch.optim.Adam(p, lr=1e-2, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1),
                   ["exp_avg", "exp_avg_sq"], 2)
    optimizer_case("adamw", lambda p: torch.optim.AdamW(p, lr=1e-2), ["exp_avg", "exp_avg_sq"], 3)
    optimizer_case("adamw_wd", lambda p: torch.optim.AdamW(p, lr=1e-2, betas=(0.85, 0.995), eps=1e-7, weight_decay=0.3),
                   ["exp_avg", "exp_avg_sq"], 4)
    optimizer_case("sgd_plain", lambda p: torch.optim.SGD(p, lr=1e-2, weight_decay=0.01), [], 5)
    optimizer_case("sgd_momentum", lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9), ["momentum_buffer"], 6)
    optimizer_case("sgd_momentum_dampening", lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.8, dampening=0.3, weight_decay=0.05),
                   ["momentum_buffer"], 7)
    optimizer_case("sgd_nesterov", lambda p: torch.optim.SGD(p, lr=1e-2, momentum=0.9, nesterov=True, weight_decay=0.01),
                   ["momentum_buffer"], 8)


# ------------------------------------------------------------------------ losses, clipping, linear

def losses():
    g = torch.Generator().manual_seed(11)
    n, v = 7, 5
    logits = (torch.randn(n, v, generator=g) * 3).requires_grad_()
    targets = torch.randint(0, v, (n,), generator=g)
    ignored = torch.tensor([False, True, False, False, True, False, False])
    t_ignore = targets.clone()
    t_ignore[ignored] = -100
    loss_all = Fn.cross_entropy(logits, targets)
    (grad_all,) = torch.autograd.grad(loss_all, logits)
    loss_masked = Fn.cross_entropy(logits, t_ignore, ignore_index=-100)
    (grad_masked,) = torch.autograd.grad(loss_masked, logits)
    per_row = Fn.cross_entropy(logits, targets, reduction="none")
    ce = {
        "logits": tensor(logits), "targets": targets.tolist(),
        "mask": [0.0 if i else 1.0 for i in ignored.tolist()],
        "loss": loss_all.item(), "dlogits": tensor(grad_all), "row_losses": tensor(per_row),
        "masked_loss": loss_masked.item(), "masked_dlogits": tensor(grad_masked),
    }
    pred = torch.randn(4, 3, generator=g).requires_grad_()
    target = torch.randn(4, 3, generator=g)
    mse_loss = Fn.mse_loss(pred, target)
    (grad_pred,) = torch.autograd.grad(mse_loss, pred)
    mse_masked = Fn.mse_loss(pred[[0, 2, 3]], target[[0, 2, 3]])   # row 1 padded
    (grad_masked_pred,) = torch.autograd.grad(mse_masked, pred)
    mse = {"prediction": tensor(pred), "target": tensor(target), "loss": mse_loss.item(), "dprediction": tensor(grad_pred),
           "mask": [1.0, 0.0, 1.0, 1.0], "masked_loss": mse_masked.item(), "masked_dprediction": tensor(grad_masked_pred)}
    write("losses.json", {"torch_version": torch.__version__, "cross_entropy": ce, "mse": mse})


def clipping():
    g = torch.Generator().manual_seed(12)
    cases = []
    for max_norm in (1.0, 100.0):
        params = [torch.nn.Parameter(torch.zeros(s)) for s in ((3, 4), (5,))]
        grads = [torch.randn(p.shape, generator=g) * 2 for p in params]
        for p, gr in zip(params, grads):
            p.grad = gr.clone()
        norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
        cases.append({"max_norm": max_norm, "grads": [tensor(gr) for gr in grads], "norm": norm.item(),
                      "clipped": [tensor(p.grad) for p in params]})
    params = [torch.nn.Parameter(torch.zeros(3, 4))]
    gr = torch.randn(3, 4, generator=g) * 2
    params[0].grad = gr.clone()
    torch.nn.utils.clip_grad_value_(params, 1.5)
    write("clipping.json", {"torch_version": torch.__version__, "norm": cases,
                            "value": {"clip_value": 1.5, "grads": tensor(gr), "clipped": tensor(params[0].grad)}})


def linear():
    cases = []
    for rows in (4, 1):
        torch.manual_seed(13 + rows)
        layer = torch.nn.Linear(5, 3)
        x = torch.randn(rows, 5).requires_grad_()
        y = layer(x)
        dy = torch.randn(rows, 3)
        y.backward(dy)
        cases.append({"in": 5, "out": 3, "rows": rows, "weight": tensor(layer.weight), "bias": tensor(layer.bias),
                      "x": tensor(x), "y": tensor(y), "dy": tensor(dy), "dweight": tensor(layer.weight.grad),
                      "dbias": tensor(layer.bias.grad), "dx": tensor(x.grad)})
    write("linear.json", {"torch_version": torch.__version__, "cases": cases})


def schedules():
    def rates(make, steps):
        opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
        sched = make(opt)
        out = []
        for _ in range(steps):
            out.append(opt.param_groups[0]["lr"])
            opt.step()
            sched.step()
        return out

    warmup = 4
    write("schedules.json", {
        "torch_version": torch.__version__,
        "lr": 0.1,
        "step": {"step_size": 3, "gamma": 0.5,
                 "rates": rates(lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=3, gamma=0.5), 12)},
        "cosine": {"total_steps": 10, "min_lr": 1e-3,
                   "rates": rates(lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-3), 11)},
        "warmup_cosine": {"warmup": warmup, "total_steps": 10, "min_lr": 1e-3,
                          "rates": rates(lambda o: torch.optim.lr_scheduler.SequentialLR(o, [
                              torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / warmup, end_factor=1.0, total_iters=warmup - 1),
                              torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=1e-3)], milestones=[warmup]), 15)},
    })


if __name__ == "__main__":
    os.makedirs(OUT_DIR, exist_ok=True)
    optimizers()
    losses()
    clipping()
    linear()
    schedules()
