#!/usr/bin/env python3
"""Side-by-side table of `rnn bench` and its peers (peer_pytorch.py, peer_dl4j.sh) from their JSON files.

    python3 benchmarks/compare.py bench.json [--pytorch bench-pytorch.json] [--dl4j bench-dl4j.json] [--markdown]

Every row is one shape and mode of the rnn bench file. For panama-rnn it shows the median ms, useful
GFLOP/s and the fraction of the GEMM bound (median over the paired rounds); for each peer, its median
ms, GFLOP/s, the same bound divided by the peer's time (the bound panama-rnn measured through
OpenBLAS 0.3.31, so it is only comparable when the peer ran with the same OPENBLAS_CORETYPE) and the
speed-up of panama-rnn over it (peer ms / panama-rnn ms). A shape a peer did not run is blank.
Standard library only; nothing here measures anything.
"""
import argparse
import json
import sys


def load(path, what):
    try:
        with open(path) as f:
            return json.load(f)
    except OSError as e:
        sys.exit(f"compare: cannot read the {what} file {path}: {e.strerror}")
    except json.JSONDecodeError as e:
        sys.exit(f"compare: the {what} file {path} is not JSON: {e}")


def peer_rows(path, what):
    """(shape label, mode) -> row with ms and flops, from a peer's JSON."""
    if path is None:
        return None
    data = load(path, what)
    if not isinstance(data.get("rows"), list):
        sys.exit(f"compare: the {what} file {path} has no 'rows' list (expected the output of its peer script)")
    return {(r["shape"], r["mode"]): r for r in data["rows"]}


def ours(path):
    data = load(path, "rnn bench")
    rows = data.get("rows")
    if not isinstance(rows, list):
        sys.exit(f"compare: {path} has no 'rows' list (expected the JSON of rnn bench --json)")
    for r in rows:
        for mode in ("train", "infer"):
            m = r.get(mode)
            if m is None:
                continue
            yield r["shape"], mode, m["nativeMs"], r[mode + "Flops"], m["limitMs"], m["bound"], m["boundMin"], m["boundMax"]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("bench", help="JSON written by rnn bench --json")
    ap.add_argument("--pytorch", help="JSON written by benchmarks/peer_pytorch.py --json")
    ap.add_argument("--dl4j", help="JSON written by benchmarks/peer_dl4j.sh --json")
    ap.add_argument("--markdown", action="store_true", help="print a Markdown table instead of aligned text")
    args = ap.parse_args()
    peers = [(name, peer_rows(path, name)) for name, path in (("PyTorch", args.pytorch), ("DL4J", args.dl4j))]
    peers = [(name, rows) for name, rows in peers if rows is not None]

    header = ["shape", "mode", "ms", "GFLOP/s", "of bound", "rounds"]
    for name, _ in peers:
        header += [f"{name} ms", "GFLOP/s", "of bound", "speed-up"]
    table = []
    for shape, mode, ms, flops, limit, bound, lo, hi in ours(args.bench):
        line = [shape, mode, f"{ms:.2f}", f"{flops / (ms * 1e6):.1f}", f"{bound:.2f}", f"{lo:.2f}-{hi:.2f}"]
        for _, rows in peers:
            p = rows.get((shape, mode))
            if p is None:
                line += ["", "", "", ""]
            else:
                line += [f"{p['ms']:.2f}", f"{p['flops'] / (p['ms'] * 1e6):.1f}", f"{limit / p['ms']:.2f}",
                         f"{p['ms'] / ms:.2f}x"]
        table.append(line)

    if args.markdown:
        print("| " + " | ".join(header) + " |")
        print("|" + "|".join("---" if i < 2 else "---:" for i in range(len(header))) + "|")
        for line in table:
            print("| " + " | ".join(line) + " |")
    else:
        widths = [max(len(row[i]) for row in [header] + table) for i in range(len(header))]
        for row in [header] + table:
            print("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) for i, (cell, w) in enumerate(zip(row, widths))))


if __name__ == "__main__":
    main()
