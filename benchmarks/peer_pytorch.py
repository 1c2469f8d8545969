#!/usr/bin/env python3
"""PyTorch peer benchmark: the side-by-side runner's shapes through torch.nn.RNN/LSTM/GRU on CPU.

Prints the same columns as `rnn bench` (median ms, min-max, useful GFLOP/s) for a training step
(forward + backward of sum(output * w)) and an inference forward (torch.no_grad), so the two
tables can be compared line by line. Needs PyTorch (Debian: apt-get install python3-torch libopenblas0-pthread);
the project's CI does not run it.

    OMP_WAIT_POLICY=PASSIVE python3 benchmarks/peer_pytorch.py --threads 2 [--cells lstm,gru] [--shape 100,64,512,512]

Run it with OMP_WAIT_POLICY=PASSIVE: otherwise its OpenMP threads spin against OpenBLAS's threads
on a 2-core machine and it runs several times slower than it can. FLOPs count the GEMMs only:
forward 2*B*(I+H)*G*H per step per layer and direction, training = 3x forward.
"""
import argparse
import json
import os
import statistics
import sys
import time

import torch

DEFAULT_SHAPES = ["100,64,512,512", "100,64,256,256", "50,32,128,128", "100,128,1024,1024", "200,16,64,64",
                  "100,64,256,256,2", "100,64,256,256,1,bi", "100,1,256,256"]
GATES = {"lstm": 4, "gru": 3, "rnn_tanh": 1, "rnn_relu": 1}


def parse(spec):
    p = spec.split(",")
    t, b, i, h = (int(v) for v in p[:4])
    layers = int(p[4]) if len(p) > 4 else 1
    bi = len(p) > 5 and p[5].strip().lower() == "bi"
    return t, b, i, h, layers, bi


def forward_flops(cell, t, b, i, h, layers, bi):
    d = 2 if bi else 1
    total = 0.0
    for layer in range(layers):
        inp = i if layer == 0 else d * h
        total += 2.0 * b * (inp + h) * GATES[cell] * h * t * d
    return total


def module(cell, i, h, layers, bi):
    if cell == "lstm":
        return torch.nn.LSTM(i, h, layers, bidirectional=bi)
    if cell == "gru":
        return torch.nn.GRU(i, h, layers, bidirectional=bi)
    return torch.nn.RNN(i, h, layers, nonlinearity="tanh" if cell == "rnn_tanh" else "relu", bidirectional=bi)


def timed(fn, warmup_s, measure_s, min_reps=5, max_reps=200):
    end = time.perf_counter() + warmup_s
    fn()
    while time.perf_counter() < end:
        fn()
    samples = []
    end = time.perf_counter() + measure_s
    while len(samples) < max_reps and (len(samples) < min_reps or time.perf_counter() < end):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(samples), min(samples), max(samples)


def loaded_blas():
    """The BLAS library this process has mapped after a matrix product (Debian's torch calls
    libblas.so.3, which the alternatives system points at OpenBLAS or at the reference BLAS)."""
    torch.mm(torch.ones(64, 64), torch.ones(64, 64))
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if "blas" in line.rsplit("/", 1)[-1]}
    return sorted(os.path.realpath(p) for p in paths)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cells", default="lstm,gru,rnn_tanh")
    ap.add_argument("--shape", action="append")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--warmup", type=float, default=1.0)
    ap.add_argument("--measure", type=float, default=3.0)
    ap.add_argument("--json", default="bench-pytorch.json")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    print(f"PyTorch {torch.__version__} peer: {args.threads} threads, OMP_WAIT_POLICY="
          f"{os.environ.get('OMP_WAIT_POLICY', 'unset')}, OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}")
    blas = loaded_blas()
    print(f"BLAS: {', '.join(blas) or 'none found in /proc/self/maps'}")
    if not any("openblas" in p for p in blas):
        print("WARNING: PyTorch is not running on OpenBLAS (on Debian's reference BLAS it ran 26x slower at LSTM H=512);"
              " apt-get install libopenblas0-pthread for a fair comparison", file=sys.stderr)
    print(f"{'shape':40s} {'mode':>5s} | {'torch ms':>9s} {'min-max':>11s} {'GFLOP/s':>7s}")
    rows = []
    for cell in args.cells.split(","):
        for spec in args.shape or DEFAULT_SHAPES:
            t, b, i, h, layers, bi = parse(spec)
            net = module(cell, i, h, layers, bi)
            x = torch.randn(t, b, i)
            w = torch.randn(t, b, (2 if bi else 1) * h) * 0.01

            def train():
                net.zero_grad(set_to_none=False)
                out, _ = net(x)
                (out * w).sum().backward()

            def infer():
                with torch.no_grad():
                    net(x)

            label = f"{cell} T={t} B={b} I={i} H={h}" + (f" L={layers}" if layers > 1 else "") + (" bi" if bi else "")
            flops = forward_flops(cell, t, b, i, h, layers, bi)
            for mode, fn, f in (("train", train, 3 * flops), ("infer", infer, flops)):
                med, lo, hi = timed(fn, args.warmup, args.measure)
                print(f"{label if mode == 'train' else '':40s} {mode:>5s} | {med:9.2f} {lo:5.2f}-{hi:5.2f} {f / (med * 1e6):7.1f}")
                rows.append({"shape": label, "mode": mode, "ms": med, "min": lo, "max": hi, "flops": f})
    with open(args.json, "w") as out:
        json.dump({"torch": torch.__version__, "threads": args.threads, "blas": blas, "rows": rows}, out, indent=1)
    print("results written to", os.path.abspath(args.json))


if __name__ == "__main__":
    main()
