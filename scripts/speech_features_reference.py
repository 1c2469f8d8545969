#!/usr/bin/python3
"""Reference log-mel features for SpeechFeaturesTest, computed independently of the Java code.

Run from the repository root (numpy 1.24, scipy 1.10, torch 1.13 as on this machine):

    /usr/bin/python3 scripts/speech_features_reference.py

Reads  examples/src/test/resources/speech/seven-espeak.wav, made once with
           espeak-ng -v en-us -s 175 -p 50 --stdout "seven" > seven-espeak.wav
       (espeak-ng 1.51; 22,050 Hz, 16-bit mono, with the placeholder sizes espeak-ng writes to a pipe).
Writes examples/src/test/resources/speech/seven-16k.wav: that audio resampled to 16 kHz by
           scipy.signal.resample_poly(x, 320, 441) (a Kaiser-windowed FIR, not the Java resampler's
           filter), rounded to 16-bit;
       examples/src/test/resources/speech/seven-16k-logmel.csv: its log-mel frames, one line per frame.

Features, as SpeechFeatures documents them: 400-sample frames every 160 samples (no padding, no
centring), periodic Hann window, zero-padded to a 512-point real FFT, power |X_k|^2, 40 triangular
HTK-mel filters from 0 to 8000 Hz (peak 1, no area normalisation), natural log of (energy + 1e-6).
The power spectrum is computed with numpy.fft.rfft and checked here against torch.stft.
"""
import os
import struct
import sys

import numpy as np
from scipy.signal import resample_poly

HERE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "examples", "src", "test", "resources", "speech")
RATE, WINDOW, HOP, NFFT, BANDS, FMIN, FMAX, EPS = 16000, 400, 160, 512, 40, 0.0, 8000.0, 1e-6


def read_espeak_wav(path):
    """16-bit mono PCM from a RIFF file whose data size may be a placeholder: reads to the end."""
    data = open(path, "rb").read()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    pos, rate = 12, None
    while pos + 8 <= len(data):
        cid, size = data[pos:pos + 4], struct.unpack("<I", data[pos + 4:pos + 8])[0]
        if cid == b"fmt ":
            fmt, channels, rate = struct.unpack("<HHI", data[pos + 8:pos + 16])
            bits = struct.unpack("<H", data[pos + 22:pos + 24])[0]
            assert (fmt, channels, bits) == (1, 1, 16), (fmt, channels, bits)
        elif cid == b"data":
            body = data[pos + 8:pos + 8 + min(size, len(data) - pos - 8)]
            body = body[:len(body) // 2 * 2]
            return np.frombuffer(body, dtype="<i2").astype(np.float64) / 32768.0, rate
        pos += 8 + size + (size & 1)
    raise ValueError("no data chunk")


def write_wav16(path, samples, rate):
    pcm = np.clip(np.round(samples * 32768.0), -32768, 32767).astype("<i2").tobytes()
    header = b"RIFF" + struct.pack("<I", 36 + len(pcm)) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", len(pcm))
    with open(path, "wb") as f:
        f.write(header + pcm)


def hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + hz / 700.0)


def mel_to_hz(mel):
    return 700.0 * (10.0 ** (mel / 2595.0) - 1.0)


def mel_filterbank():
    edges = mel_to_hz(np.linspace(hz_to_mel(FMIN), hz_to_mel(FMAX), BANDS + 2))   # Hz, (BANDS + 2)
    freqs = np.arange(NFFT // 2 + 1) * RATE / NFFT                                  # Hz of each bin
    left, centre, right = edges[:-2, None], edges[1:-1, None], edges[2:, None]
    up = (freqs[None, :] - left) / (centre - left)
    down = (right - freqs[None, :]) / (right - centre)
    return np.maximum(0.0, np.minimum(up, down))                                   # (BANDS, NFFT/2 + 1)


def power_frames(x):
    frames = 1 + (len(x) - WINDOW) // HOP
    index = np.arange(WINDOW)[None, :] + HOP * np.arange(frames)[:, None]
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(WINDOW) / WINDOW)             # periodic Hann
    return np.abs(np.fft.rfft(x[index] * window, n=NFFT, axis=1)) ** 2              # (T, NFFT/2 + 1)


def check_against_torch(x, power):
    try:
        import torch
    except ImportError:
        print("torch not importable: skipped the torch.stft check", file=sys.stderr)
        return
    # torch.stft centres a 400-sample window in the 512-sample frame (56 zeros before it), so 56
    # leading zeros make its frame t cover x[160 t : 160 t + 400], as here; magnitudes then agree.
    padded = torch.tensor(np.concatenate([np.zeros((NFFT - WINDOW) // 2), x, np.zeros(NFFT)]))
    spec = torch.stft(padded, n_fft=NFFT, hop_length=HOP, win_length=WINDOW,
                      window=torch.hann_window(WINDOW, periodic=True, dtype=torch.float64),
                      center=False, return_complex=True)
    p = (spec.abs() ** 2).numpy().T[:power.shape[0]]
    err = np.max(np.abs(p - power)) / np.max(power)
    print(f"torch.stft power vs numpy: max difference {err:.2e} of the largest value")
    assert err < 1e-9, err


def main():
    x22, rate = read_espeak_wav(os.path.join(HERE, "seven-espeak.wav"))
    assert rate == 22050, rate
    x16 = resample_poly(x22, 320, 441)
    write_wav16(os.path.join(HERE, "seven-16k.wav"), x16, RATE)
    x, _ = read_espeak_wav(os.path.join(HERE, "seven-16k.wav"))                     # the rounded samples Java reads
    power = power_frames(x)
    check_against_torch(x, power)
    logmel = np.log(power @ mel_filterbank().T + EPS)                                # (T, BANDS)
    with open(os.path.join(HERE, "seven-16k-logmel.csv"), "w") as f:
        for row in logmel:
            f.write(",".join(f"{v:.7g}" for v in row) + "\n")
    print(f"{len(x22)} samples at 22050 Hz -> {len(x)} at 16000 Hz -> {logmel.shape[0]} frames x {logmel.shape[1]} bands")


if __name__ == "__main__":
    main()
