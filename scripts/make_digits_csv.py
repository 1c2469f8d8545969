#!/usr/bin/env python3
"""Convert scikit-learn's copy of the UCI handwritten digits into the long CSV layout of panama-rnn.

What it is
    Reads sklearn/datasets/data/digits.csv.gz as Debian's python3-sklearn package ships it: 1797
    rows of 65 integers, the 8x8 image's pixels row by row (each 0..16: the on-pixels of a 4x4
    block of a 32x32 bitmap), then the digit. That is the test set of the UCI "Optical Recognition
    of Handwritten Digits" data set (E. Alpaydin, C. Kaynak, 1998; licence CC BY 4.0,
    https://archive.ics.uci.edu/dataset/80).

    Writes examples/src/main/resources/data/digits.csv.gz, one row per time step: each image is a
    sequence of 8 steps (its pixel rows, top to bottom) of 8 features (the row's pixels, left to
    right), labelled with its digit:

        image,row,c0,c1,c2,c3,c4,c5,c6,c7,digit
        0,0,0,0,5,13,9,1,0,0,0
        ...

    image is the row index in the source file (0..1796). The gzip header carries no name and no
    time, so a rerun gives byte-identical output. It is not a general converter.

How to run (from the repository root)
    apt-get install -y python3-sklearn      # only for its data file; nothing is imported from it
    /usr/bin/python3 scripts/make_digits_csv.py
"""
import csv
import gzip
import io
import sys
from pathlib import Path

SOURCE = Path("/usr/lib/python3/dist-packages/sklearn/datasets/data/digits.csv.gz")
TARGET = Path(__file__).resolve().parent.parent / "examples/src/main/resources/data/digits.csv.gz"
SIDE = 8


def main():
    if not SOURCE.is_file():
        sys.exit(f"{SOURCE} is missing: apt-get install -y python3-sklearn")
    with gzip.open(SOURCE, "rt", encoding="ascii") as f:
        images = [[int(float(v)) for v in row] for row in csv.reader(f) if row]
    if len(images) != 1797 or any(len(r) != SIDE * SIDE + 1 for r in images):
        sys.exit(f"{SOURCE}: expected 1797 rows of {SIDE * SIDE + 1} values")
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(["image", "row"] + [f"c{c}" for c in range(SIDE)] + ["digit"])
    for image, values in enumerate(images):
        pixels, digit = values[:-1], values[-1]
        assert all(0 <= p <= 16 for p in pixels) and 0 <= digit <= 9, image
        for row in range(SIDE):
            out.writerow([image, row] + pixels[row * SIDE:(row + 1) * SIDE] + [digit])
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    with open(TARGET, "wb") as raw, gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=9) as z:
        z.write(text.getvalue().encode("ascii"))
    print(f"wrote {TARGET}: {len(images)} images, {len(images) * SIDE} rows")


if __name__ == "__main__":
    main()
