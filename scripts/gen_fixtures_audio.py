#!/usr/bin/python3
"""Writes the golden fixtures of strata::audio, computed by PyTorch and torchaudio (0.13):

  tests/fixtures/audio_stft.safetensors      torch.stft / torch.istft / torchaudio spectrogram (stft_golden_test)
  tests/fixtures/audio_mel.safetensors       melscale_fbanks, create_dct, MelSpectrogram, AmplitudeToDB, MFCC
  tests/fixtures/audio_resample.safetensors  torchaudio.functional.resample (sinc_interpolation)
  tests/fixtures/audio/*.wav                 small WAV files in each encoding, with their decoded samples
                                             in tests/fixtures/audio_wav.safetensors (wav_golden_test)

Run with Debian's Python, which has python3-torchaudio:  /usr/bin/python3 scripts/gen_fixtures_audio.py
Cases follow scripts/gen_fixtures.py (inputs, `out`, `grad_out`, `grad_<input>`; `_f32` cases in float32).
float64 mel cases build torchaudio's filter bank and DCT from its own formulas in float64 (its public
functions compute them in float32).
"""
import math
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

try:
    import torchaudio
    import torchaudio.functional as AF
    from torchaudio.functional import functional as AFF
except ImportError:
    print("gen_fixtures_audio: torchaudio is missing; installing python3-torchaudio", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-torchaudio"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

import torch  # noqa: E402
from gen_fixtures import Family, randn, save_safetensors  # noqa: E402  (the one safetensors writer)

F64 = torch.float64


def hann(n, dtype):
    return torch.hann_window(n, periodic=True, dtype=dtype)


def as_real_stft(x, n_fft, hop, win_length=None, window=None, center=True, normalized=False):
    return torch.view_as_real(torch.stft(x, n_fft, hop_length=hop, win_length=win_length, window=window,
                                         center=center, pad_mode="reflect", normalized=normalized,
                                         onesided=True, return_complex=True))


def stft_family():
    f = Family("audio_stft")
    for s in ["", "_f32"]:
        f.case("stft_hann" + s, lambda x: as_real_stft(x, 64, 16, window=hann(64, x.dtype)), x=randn(2, 300))
        f.case("istft_hann" + s,
               lambda spec: torch.istft(torch.view_as_complex(spec), 64, hop_length=16, window=hann(64, spec.dtype)),
               spec=randn(2, 33, 12, 2))
    f.case("stft_rect_nocenter", lambda x: as_real_stft(x, 32, 8, center=False), x=randn(200))
    f.case("stft_short_window_normalized",
           lambda x: as_real_stft(x, 64, 12, win_length=48, window=hann(48, x.dtype), normalized=True),
           x=randn(250))
    f.case("stft_odd", lambda x: as_real_stft(x, 25, 5, window=hann(25, x.dtype)), x=randn(2, 100))
    f.case("istft_length",
           lambda spec: torch.istft(torch.view_as_complex(spec), 32, hop_length=8, window=hann(32, spec.dtype),
                                    length=120),
           spec=randn(17, 10, 2))
    f.case("istft_rect_normalized_nocenter",
           lambda spec: torch.istft(torch.view_as_complex(spec), 16, hop_length=4, center=False, normalized=True),
           spec=randn(9, 8, 2))
    f.case("spectrogram_power1",
           lambda x: AF.spectrogram(x, 0, hann(64, x.dtype), 64, 16, 64, 1.0, False), x=randn(2, 300))
    f.case("spectrogram_power2_f32",
           lambda x: AF.spectrogram(x, 0, hann(64, x.dtype), 64, 16, 64, 2.0, False), x=randn(300))
    return f


def fbanks64(n_freqs, f_min, f_max, n_mels, sample_rate, norm=None, mel_scale="htk"):
    """torchaudio.functional.melscale_fbanks in float64 (its own helpers, float64 inputs)."""
    all_freqs = torch.linspace(0, sample_rate // 2, n_freqs, dtype=F64)
    m_min, m_max = AFF._hz_to_mel(f_min, mel_scale), AFF._hz_to_mel(f_max, mel_scale)
    f_pts = AFF._mel_to_hz(torch.linspace(m_min, m_max, n_mels + 2, dtype=F64), mel_scale)
    fb = AFF._create_triangular_filterbank(all_freqs, f_pts)
    if norm == "slaney":
        fb *= (2.0 / (f_pts[2:n_mels + 2] - f_pts[:n_mels])).unsqueeze(0)
    return fb


def dct64(n_mfcc, n_mels):
    """torchaudio.functional.create_dct(..., 'ortho') in float64."""
    n = torch.arange(float(n_mels), dtype=F64)
    k = torch.arange(float(n_mfcc), dtype=F64).unsqueeze(1)
    dct = torch.cos(math.pi / float(n_mels) * (n + 0.5) * k)
    dct[0] *= 1.0 / math.sqrt(2.0)
    dct *= math.sqrt(2.0 / float(n_mels))
    return dct.t()


SR, NFFT, HOP, NMELS = 8000, 256, 80, 40


def mel64(x):
    spec = AF.spectrogram(x, 0, hann(NFFT, F64), NFFT, HOP, NFFT, 2.0, False)
    return torch.matmul(spec.transpose(-1, -2), fbanks64(NFFT // 2 + 1, 0.0, SR / 2, NMELS, SR)).transpose(-1, -2)


def mel_family():
    f = Family("audio_mel")
    none = dict(differentiable=False)
    f.case("fbanks_htk_f32", lambda: AF.melscale_fbanks(129, 0.0, 4000.0, 40, 8000), **none)
    f.case("fbanks_slaney_f32", lambda: AF.melscale_fbanks(201, 20.0, 7600.0, 64, 16000, "slaney", "slaney"), **none)
    f.case("fbanks_htk", lambda: fbanks64(129, 0.0, 4000.0, 40, 8000), **none)
    f.case("fbanks_slaney", lambda: fbanks64(201, 300.0, 8000.0, 80, 16000, "slaney", "slaney"), **none)
    f.case("dct_ortho_f32", lambda: AF.create_dct(13, 40, "ortho"), **none)
    f.case("dct_none_f32", lambda: AF.create_dct(20, 64, None), **none)
    wave = randn(2, 800, scale=0.1)
    mel_t = dict(sample_rate=SR, n_fft=NFFT, hop_length=HOP, n_mels=NMELS)
    f.case("mel_spectrogram_f32", lambda x: torchaudio.transforms.MelSpectrogram(**mel_t)(x), x=wave)
    f.case("mel_spectrogram", mel64, x=wave)
    f.case("log_mel_f32",
           lambda x: torchaudio.transforms.AmplitudeToDB("power", top_db=80)(
               torchaudio.transforms.MelSpectrogram(**mel_t)(x)), x=randn(800, scale=0.1))
    f.case("log_mel", lambda x: AF.amplitude_to_DB(mel64(x), 10.0, 1e-10, 0.0, 80.0), x=randn(800, scale=0.1))
    f.case("amplitude_to_db_amp",
           lambda x: AF.amplitude_to_DB(x, 20.0, 1e-5, math.log10(2.0), None),
           x=lambda dtype: torch.rand(3, 5, 7, dtype=F64).add(1e-3).to(dtype))
    f.case("amplitude_to_db_top_db",
           lambda x: AF.amplitude_to_DB(x, 10.0, 1e-10, 0.0, 20.0),
           x=lambda dtype: torch.rand(2, 3, 6, 5, dtype=F64).pow(4).add(1e-4).to(dtype))
    f.case("mfcc_f32",
           lambda x: torchaudio.transforms.MFCC(SR, n_mfcc=13, melkwargs=dict(n_fft=NFFT, hop_length=HOP,
                                                                               n_mels=NMELS))(x),
           x=randn(800, scale=0.1))
    f.case("mfcc", lambda x: torch.matmul(AF.amplitude_to_DB(mel64(x), 10.0, 1e-10, 0.0, 80.0).transpose(-1, -2),
                                          dct64(13, NMELS)).transpose(-1, -2), x=randn(800, scale=0.1))
    f.case("mfcc_log_mels",
           lambda x: torch.matmul(torch.log(mel64(x) + 1e-6).transpose(-1, -2), dct64(20, NMELS)).transpose(-1, -2),
           x=randn(2, 800, scale=0.1))
    return f


def resample_family():
    f = Family("audio_resample")
    f.case("resample_down", lambda x: AF.resample(x, 16000, 8000), x=randn(2, 500))
    f.case("resample_up", lambda x: AF.resample(x, 8000, 11025), x=randn(300))
    f.case("resample_44k_16k_f32", lambda x: AF.resample(x, 44100, 16000), x=randn(2, 3, 400))
    f.case("resample_3_2_narrow", lambda x: AF.resample(x, 3, 2, lowpass_filter_width=4, rolloff=0.9),
           x=randn(2, 200))
    f.case("speed_1_1", lambda x: AF.resample(x, 8800, 8000), x=randn(400))
    return f


def wav_files():
    """Small WAV files in every encoding the reader takes, written byte by byte, and their decoded samples
    (torchaudio.load's scaling: PCM by 2^(bits-1), 8-bit unsigned around 128)."""
    out_dir = os.path.join(ROOT, "tests", "fixtures", "audio")
    os.makedirs(out_dir, exist_ok=True)
    tensors = {}
    g = torch.Generator().manual_seed(7)
    specs = [("pcm8_mono", 1, 8, 1, 8000), ("pcm16_stereo", 1, 16, 2, 16000), ("pcm24_mono", 1, 24, 1, 44100),
             ("pcm32_stereo", 1, 32, 2, 22050), ("float32_mono", 3, 32, 1, 8000), ("float64_stereo", 3, 64, 2, 12345)]
    for name, fmt, bits, channels, rate in specs:
        frames = 37
        if fmt == 1:
            lo, hi = (0, 256) if bits == 8 else (-(1 << (bits - 1)), 1 << (bits - 1))
            codes = torch.randint(lo, hi, (channels, frames), generator=g, dtype=torch.int64)
            codes[0, 0], codes[-1, -1] = lo, hi - 1  # the extremes
            samples = ((codes - 128).double() / 128.0) if bits == 8 else codes.double() / (1 << (bits - 1))
            body = b"".join(int(codes[c, i]).to_bytes(bits // 8, "little", signed=bits != 8)
                            for i in range(frames) for c in range(channels))
        else:
            samples = torch.rand(channels, frames, generator=g, dtype=F64) * 2 - 1
            if bits == 32:
                samples = samples.float().double()
            body = b"".join(struct.pack("<f" if bits == 32 else "<d", float(samples[c, i]))
                            for i in range(frames) for c in range(channels))
        block = channels * bits // 8
        fmt_chunk = struct.pack("<HHIIHH", fmt, channels, rate, rate * block, block, bits)
        # A LIST chunk of odd size (padded) before 'data', as real files carry metadata chunks.
        extra = b"LIST" + struct.pack("<I", 5) + b"INFOx" + b"\0"
        riff = b"WAVE" + b"fmt " + struct.pack("<I", 16) + fmt_chunk + extra + b"data" + struct.pack("<I", len(body))
        riff += body + (b"\0" if len(body) % 2 else b"")
        with open(os.path.join(out_dir, name + ".wav"), "wb") as fh:
            fh.write(b"RIFF" + struct.pack("<I", len(riff)) + riff)
        tensors[f"{name}.samples"] = samples.float()
        tensors[f"{name}.sample_rate"] = torch.tensor(rate, dtype=torch.int64)
    save_safetensors(os.path.join(ROOT, "tests", "fixtures", "audio_wav.safetensors"), tensors,
                     {"generator": "scripts/gen_fixtures_audio.py", "torch": torch.__version__})


if __name__ == "__main__":
    for family in [stft_family(), mel_family(), resample_family()]:
        print(family.write())
    wav_files()
