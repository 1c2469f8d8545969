"""Writes the seed corpus of WavFuzzTest (one small WAV per layout the reader decodes).

Run from the repository root:  python3 examples/src/test/resources/dev/panamarnn/fuzz/WavFuzzTestInputs/make-seeds.py
The espeak-ng seed is a copy of examples/src/test/resources/speech/seven-espeak.wav, cut to 2 kB
(its placeholder sizes then run past the end, as they do in espeak-ng's pipe output).
"""
import math
import os
import struct

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "fuzz")


def chunk(tag, body):
    return tag + struct.pack("<I", len(body)) + body + (b"\0" if len(body) % 2 else b"")


def wav(fmt_tag, channels, rate, bits, data, extra=b"", extensible=False):
    align = channels * bits // 8
    fmt = struct.pack("<HHIIHH", 0xFFFE if extensible else fmt_tag, channels, rate, rate * align, align, bits)
    if extensible:  # cbSize 22, valid bits, channel mask, sub-format GUID starting with the format tag
        fmt += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", fmt_tag) + bytes(14)
    body = b"WAVE" + chunk(b"fmt ", fmt) + extra + chunk(b"data", data)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tone(n, scale):
    return [scale * math.sin(2 * math.pi * 440 * i / 8000) for i in range(n)]


seeds = {
    "seed-pcm16-mono": wav(1, 1, 16000, 16, b"".join(struct.pack("<h", int(v)) for v in tone(64, 20000))),
    "seed-pcm8-stereo": wav(1, 2, 8000, 8, bytes(int(128 + v) & 0xFF for v in tone(64, 100))),
    "seed-pcm24-mono-list": wav(1, 1, 22050, 24, b"".join(struct.pack("<i", int(v))[:3] for v in tone(48, 4e6)),
                                extra=chunk(b"LIST", b"INFOISFT\x05\0\0\0test\0")),
    "seed-pcm32-stereo": wav(1, 2, 44100, 32, b"".join(struct.pack("<i", int(v)) for v in tone(32, 1e9))),
    "seed-float-mono": wav(3, 1, 48000, 32, b"".join(struct.pack("<f", v) for v in tone(64, 0.8))),
    "seed-extensible-pcm16": wav(1, 1, 16000, 16, b"".join(struct.pack("<h", int(v)) for v in tone(32, 1000)), extensible=True),
}
with open("examples/src/test/resources/speech/seven-espeak.wav", "rb") as f:
    seeds["seed-espeak-placeholder-sizes"] = f.read()[:2048]
os.makedirs(OUT, exist_ok=True)
for name, data in seeds.items():
    with open(os.path.join(OUT, name), "wb") as f:
        f.write(data)
