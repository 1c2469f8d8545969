#!/usr/bin/env python3
"""PyTorch's float32 LSTM against its dynamically quantized one (torch.quantization.quantize_dynamic,
dtype=torch.qint8), on the shapes of benchmarks' QuantizedStreamRunner: one layer, I = H, one thread,
single-stream steps (x (1, 1, H), the state fed back) and batched steps (x (1, B, H)), in rounds that
alternate the two models; plus each model's serialized state_dict size. PyTorch's default quantized
engine (Debian's torch 1.13 has onednn and qnnpack, not fbgemm). The peer figures of
docs/quantization.md; not used by any test or CI.

  python3 scripts/quantized_lstm_peer.py [--sizes 256,512] [--batches 64,256] [--rounds 3] [--seconds 1]
"""
import argparse
import copy
import io
import statistics
import time

import torch
from torch import nn


class OneLayer(nn.Module):
    """The LSTM as a child module: quantize_dynamic swaps children, never the module it is given."""

    def __init__(self, hidden):
        super().__init__()
        self.lstm = nn.LSTM(hidden, hidden, 1)

    def forward(self, x, state):
        return self.lstm(x, state)


def steps_per_second(model, hidden, batch, seconds):
    x = torch.rand(1, batch, hidden) - 0.5
    state = (torch.zeros(1, batch, hidden), torch.zeros(1, batch, hidden))
    with torch.inference_mode():
        end = time.perf_counter() + 0.3 * seconds          # warm-up
        while time.perf_counter() < end:
            _, state = model(x, state)
        calls, start = 0, time.perf_counter()
        end = start + seconds
        now = start
        while now < end:
            _, state = model(x, state)
            calls += 1
            now = time.perf_counter()
    return calls * batch / (now - start)


def serialized_bytes(model):
    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    return buffer.tell()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", default="256,512")
    p.add_argument("--batches", default="64,256")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--seconds", type=float, default=1.0)
    a = p.parse_args()
    torch.set_num_threads(1)
    torch.manual_seed(1)
    with open("/proc/loadavg") as f:
        load = f.read().strip()
    print(f"torch {torch.__version__}, quantized engine {torch.backends.quantized.engine}, threads {torch.get_num_threads()}; "
          f"load average before: {load}")
    for h in [int(s) for s in a.sizes.split(",")]:
        float32 = OneLayer(h).eval()
        int8 = torch.quantization.quantize_dynamic(copy.deepcopy(float32), {nn.LSTM}, dtype=torch.qint8)
        if not type(int8.lstm).__module__.startswith("torch.ao.nn.quantized.dynamic"):
            raise SystemExit(f"quantize_dynamic left the LSTM as {type(int8.lstm)}")
        flops = 2 * 4 * h * 2 * h
        f_bytes, q_bytes = serialized_bytes(float32), serialized_bytes(int8)
        print(f"\nLSTM I=H={h}, 1 layer: {flops:,} FLOPs per step; state_dict serialized: float32 {f_bytes:,} bytes, "
              f"int8 {q_bytes:,} bytes ({f_bytes / q_bytes:.2f}x)")
        models = [float32, int8]
        for batch in [1] + [int(s) for s in a.batches.split(",")]:
            rates = [[0.0] * a.rounds, [0.0] * a.rounds]
            for r in range(a.rounds):
                for i in range(2):
                    m = (r + i) % 2                            # alternate which model goes first
                    rates[m][r] = steps_per_second(models[m], h, batch, a.seconds)
            f, q = statistics.median(rates[0]), statistics.median(rates[1])
            what = "single stream" if batch == 1 else f"batched, {batch} streams"
            print(f"{what:<22} float32 {', '.join(f'{v:,.0f}' for v in rates[0])} steps/s | int8 {', '.join(f'{v:,.0f}' for v in rates[1])} steps/s")
            print(f"{'':<22} median: float32 {f:,.0f} steps/s ({1e6 / f:.2f} us/step, {f * flops / 1e9:.1f} GFLOP/s), "
                  f"int8 {q:,.0f} steps/s ({1e6 / q:.2f} us/step, {q * flops / 1e9:.1f} GFLOP/s); int8 / float32 = {q / f:.2f}")
    with open("/proc/loadavg") as f:
        print(f"\nload average after: {f.read().strip()}")


if __name__ == "__main__":
    main()
