"""PyTorch's forecasts from the committed earlier series-forecaster model file (a fixture for EarlierModelFilesTest).

The file is read as raw safetensors (8-byte header length, JSON header, little-endian float32 data);
its LSTM and head are loaded into torch.nn.LSTM / nn.Linear; the normalised history and tail are run
step by step, and the next-value outputs are denormalised with series.mean / series.std.

Run from the repository root:
    /usr/bin/python3 scripts/legacy_series_reference.py
Writes java/src/test/resources/legacy/series-forecaster.expected.json.
"""
import json
import struct

import torch

FILE = "java/src/test/resources/legacy/series-forecaster.safetensors"
OUT = "java/src/test/resources/legacy/series-forecaster.expected.json"
HISTORY = [40, 55, 61, 48, 30, 22, 35, 70]
TAIL = [80, 66, 52]


def read(path):
    raw = open(path, "rb").read()
    n = struct.unpack("<Q", raw[:8])[0]
    header = json.loads(raw[8:8 + n])
    data = raw[8 + n:]
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        assert entry["dtype"] == "F32", entry
        start, end = entry["data_offsets"]
        values = torch.frombuffer(bytearray(data[start:end]), dtype=torch.float32)
        tensors[name] = values.reshape(entry["shape"])
    return header["__metadata__"], tensors


def main():
    meta, tensors = read(FILE)
    assert meta["rnn.cell"] == "lstm" and meta["rnn.num_layers"] == "1"
    hidden = int(meta["rnn.hidden_size"])
    mean, std = float(meta["series.mean"]), float(meta["series.std"])
    lstm = torch.nn.LSTM(1, hidden)
    head = torch.nn.Linear(hidden, 1)
    with torch.no_grad():
        for name in ("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):
            getattr(lstm, name).copy_(tensors["rnn." + name])
        head.weight.copy_(tensors["head.weight"])
        head.bias.copy_(tensors["head.bias"])
        values = HISTORY + TAIL[:-1]
        # the model's float32 arithmetic: (y - mean) / std with mean and std as float32
        x = (torch.tensor(values, dtype=torch.float32) - torch.tensor(mean, dtype=torch.float32)) / torch.tensor(std, dtype=torch.float32)
        out, _ = lstm(x.reshape(len(values), 1, 1))
        z = head(out.reshape(len(values), hidden)).reshape(-1)
        y = z * torch.tensor(std, dtype=torch.float32) + torch.tensor(mean, dtype=torch.float32)
    one_step = [float(v) for v in y[len(HISTORY) - 1:]]
    json.dump({"history": HISTORY, "tail": TAIL, "one_step_forecasts": one_step, "torch": torch.__version__}, open(OUT, "w"), indent=1)
    print(OUT, one_step)


if __name__ == "__main__":
    main()
