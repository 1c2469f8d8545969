#!/usr/bin/env python3
"""A series model of `rnn train series` (one LSTM layer) run in PyTorch, float32 and dynamically
quantized to int8 (torch.ao.quantization.quantize_dynamic on the nn.LSTM, dtype=torch.qint8: int8
weights with one scale per tensor, PyTorch's default, or one per output row with
per_channel_dynamic_qconfig; activations quantized per call to uint8 with their own range),
on the same held-out tail as dev.panamarnn.examples.QuantizationSensitivity: the MASE (season 12)
of the rolling one-step forecasts and of the fed-back multi-step forecast. It says how much a
well-known int8 scheme moves this model's forecast, for docs/quantization.md; not used by any test
or CI.

The model is rebuilt from the safetensors file: inputs normalised by normalise.mean/std, nn.LSTM,
the Linear head, the targets de-normalised by normalise.target_mean/target_std, as panama-rnn's
Forecaster runs it (from a zero state over the history, then one value per step, the forecast
fed back as the next input for the multi-step forecast).

  /usr/bin/python3 scripts/quantized_series_peer.py rnn-series/series.safetensors [--holdout 120] [--period 12]
"""
import argparse
import csv
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export_pytorch_model import read_back  # noqa: E402  (the independent safetensors reader)

SERIES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "src", "main", "resources", "data")


class SeriesModel(nn.Module):
    def __init__(self, arrays, hidden):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, 1)
        self.head = nn.Linear(hidden, 1)
        with torch.no_grad():
            for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
                getattr(self.lstm, name).copy_(torch.from_numpy(arrays["rnn." + name].copy()))
            self.head.weight.copy_(torch.from_numpy(arrays["head.weight"].copy()))
            self.head.bias.copy_(torch.from_numpy(arrays["head.bias"].copy()))
        self.mean, self.std = float(arrays["normalise.mean"][0]), float(arrays["normalise.std"][0])
        self.target_mean, self.target_std = float(arrays["normalise.target_mean"][0]), float(arrays["normalise.target_std"][0])

    def step(self, y, state):
        """One value in, the forecast of the next value out (series units)."""
        x = torch.tensor([[[(y - self.mean) / self.std]]], dtype=torch.float32)   # (T=1, B=1, 1)
        out, state = self.lstm(x, state)
        return float(self.head(out[0, 0])[0]) * self.target_std + self.target_mean, state


def forecasts(model, history, tail):
    """(rolling one-step forecasts of tail, fed-back forecasts of len(tail) values)."""
    with torch.no_grad():
        state, forecast = None, 0.0
        for y in history:
            forecast, state = model.step(y, state)
        start_state, start = state, forecast
        rolling = []
        for y in tail:
            rolling.append(forecast)
            forecast, state = model.step(y, state)
        fed, state, forecast = [], start_state, start
        for h in range(len(tail)):
            fed.append(forecast)
            if h + 1 < len(tail):
                forecast, state = model.step(forecast, state)
    return np.array(rolling), np.array(fed)


def mase(truth, forecast, history, period):
    """Mean absolute error over the in-sample mean absolute seasonal-naive error of the history."""
    scale = np.mean(np.abs(history[period:] - history[:-period]))
    return float(np.mean(np.abs(truth - forecast)) / scale)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("model")
    parser.add_argument("--holdout", type=int, default=120)
    parser.add_argument("--period", type=int, default=12)
    parser.add_argument("--series", default=os.path.join(SERIES, "sunspot_month.csv"))
    args = parser.parse_args()
    torch.set_num_threads(1)
    with open(args.model, "rb") as f:
        metadata, arrays = read_back(f.read())
    hidden = arrays["rnn.weight_hh_l0"].shape[1]
    with open(args.series) as f:
        values = np.array([float(row["value"]) for row in csv.DictReader(f)], dtype=np.float64)
    history, truth = values[:-args.holdout], values[-args.holdout:]
    print(f"{args.model}: LSTM H={hidden}, torch {torch.__version__}, quantized engine {torch.backends.quantized.engine}; "
          f"{args.holdout} held-out values after {len(history)}, season {args.period}")
    float32 = SeriesModel(arrays, hidden).eval()
    quantized = {name: torch.ao.quantization.quantize_dynamic(float32, {nn.LSTM: qconfig}, dtype=torch.qint8)
                 for name, qconfig in (("int8 per tensor", torch.ao.quantization.default_dynamic_qconfig),
                                       ("int8 per row", torch.ao.quantization.per_channel_dynamic_qconfig))}
    for name, model in quantized.items():
        print(f"  {name}: W_hh stored {model.lstm.get_weight()['weight_hh_l0'].qscheme()}")
    results = {}
    for name, model in (("float32", float32), *quantized.items()):
        rolling, fed = forecasts(model, history, truth)
        results[name] = (rolling, fed)
        print(f"  {name:16s} MASE rolling 1-step {mase(truth, rolling, history, args.period):.5f}, "
              f"fed back {mase(truth, fed, history, args.period):.5f}")
    base = [mase(truth, f, history, args.period) for f in results["float32"]]
    for name in quantized:
        moved = [mase(truth, f, history, args.period) for f in results[name]]
        diff = [np.abs(a - b) for a, b in zip(results["float32"], results[name])]
        print(f"  {name} / float32: rolling {100 * (moved[0] - base[0]) / base[0]:+.2f}%, fed back {100 * (moved[1] - base[1]) / base[1]:+.2f}%; "
              f"|{name} - float32| rolling max {diff[0].max():.4f} mean {diff[0].mean():.5f}, "
              f"fed back max {diff[1].max():.4f} mean {diff[1].mean():.5f}")


if __name__ == "__main__":
    main()
