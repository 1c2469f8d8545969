#!/usr/bin/env sh
# Writes digits-400.csv: the first 400 images (40 +- 2 of each digit) of the project's embedded UCI
# handwritten digits (cli/src/main/resources/data/digits.csv.gz, CC BY 4.0), in the same long layout:
# one row per pixel row, columns image,row,c0..c7,digit. Run from anywhere: sh make-digits-400.sh
set -eu
here=$(cd "$(dirname "$0")" && pwd)
gzip -dc "$here/../../../cli/src/main/resources/data/digits.csv.gz" \
  | awk -F, 'NR == 1 || $1 < 400' > "$here/digits-400.csv"
