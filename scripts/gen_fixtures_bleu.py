#!/usr/bin/python3
"""Writes the golden fixture of strata::metrics::corpus_bleu, computed by NLTK:

  tests/fixtures/bleu.safetensors (tests/metrics/bleu_golden_test.cpp)

Run with Debian's Python, which has python3-nltk:  /usr/bin/python3 scripts/gen_fixtures_bleu.py
Each case `c` stores
  c.hypotheses  u8 bytes: one hypothesis a line, tokens separated by single spaces
  c.references  u8 bytes: one line per hypothesis, its references separated by tabs, tokens by spaces
  c.weights     [max_n] f64 n-gram weights
  c.bleu        0-dim f64: nltk.translate.bleu_score.corpus_bleu(references, hypotheses, weights) without
                smoothing
Random cases draw tokens from a small vocabulary with a generator seeded per case, so the file is
deterministic. Written with the one safetensors writer of gen_fixtures.py.
"""
import os
import random
import subprocess
import sys
import warnings
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "tests", "fixtures", "bleu.safetensors")

try:
    from nltk.translate.bleu_score import corpus_bleu
except ImportError:
    print("gen_fixtures_bleu: NLTK is missing; installing python3-nltk with scripts/install-deps", file=sys.stderr)
    subprocess.run([os.path.join(ROOT, "scripts", "install-deps"), "python3-nltk"], check=True)
    os.execv(sys.executable, [sys.executable] + sys.argv)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
from gen_fixtures import save_safetensors  # noqa: E402  (the one safetensors writer)

warnings.simplefilter("ignore")  # NLTK warns about zero higher-order counts, which the cases pin down

tensors = {}


def text_bytes(s):
    return torch.tensor(list(s.encode("utf-8")), dtype=torch.uint8)


def add(name, references, hypotheses, weights=(0.25, 0.25, 0.25, 0.25)):
    assert len(references) == len(hypotheses)
    tensors[f"{name}.hypotheses"] = text_bytes("\n".join(" ".join(h) for h in hypotheses))
    tensors[f"{name}.references"] = text_bytes("\n".join("\t".join(" ".join(r) for r in refs)
                                                         for refs in references))
    tensors[f"{name}.weights"] = torch.tensor(weights, dtype=torch.float64)
    tensors[f"{name}.bleu"] = torch.tensor(float(corpus_bleu(references, hypotheses, weights=weights)),
                                           dtype=torch.float64)


def s(text):
    return text.split()


# NLTK's own example: three references for the first sentence, one for the second.
ref1a = s("It is a guide to action that ensures that the military will forever heed Party commands")
ref1b = s("It is the guiding principle which guarantees the military forces always being under the command of "
          "the Party")
ref1c = s("It is the practical guide for the army always to heed the directions of the party")
hyp1 = s("It is a guide to action which ensures that the military always obeys the commands of the party")
ref2a = s("he was interested in world history because he read the book")
hyp2 = s("he read the book because he was interested in world history")
add("nltk_example", [[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2])
add("nltk_example_weights", [[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2], (0.1, 0.3, 0.5, 0.1))
add("bigram", [[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2], (0.5, 0.5))
add("five_grams", [[ref1a, ref1b, ref1c], [ref2a]], [hyp1, hyp2], (0.2, 0.2, 0.2, 0.2, 0.2))
add("identical", [[s("the cat sat on the mat .")]], [s("the cat sat on the mat .")])
add("zero_matches", [[s("the cat sat on the mat")]], [s("a dog ran far away now")])
add("no_fourgram_match", [[s("the cat sat on the mat")]], [s("the cat sat under the mat")])
add("clipping", [[s("the cat is on the mat"), s("there is a cat on the mat")]], [s("the the the the the the the")],
    (1.0,))
add("short_hypothesis", [[s("the cat sat on the mat today")]], [s("the cat sat on")])
add("hypothesis_shorter_than_n", [[s("a b c d e")], [s("a b c")]], [s("a b c d e"), s("a b")])
add("empty_hypothesis", [[s("a b c d e")], [s("x y z")]], [s("a b c d e"), []])
add("long_hypothesis", [[s("a b c")]], [s("a b c a b c d e")])
add("closest_ref_tie", [[s("a b c d e f g h"), s("a b c d"), s("a b c d e f")]], [s("a b c d e")])
add("several_refs_per_sentence", [[s("Das ist gut ."), s("Das ist sehr gut !")], [s("Er kommt morgen .")]],
    [s("Das ist sehr gut ."), s("Er kommt heute .")])

VOCAB = [f"w{i}" for i in range(12)]
for case, n_sent, max_refs in [("random_small", 5, 1), ("random_refs", 20, 3), ("random_corpus", 60, 4)]:
    rng = random.Random(zlib.crc32(case.encode()))
    refs, hyps = [], []
    for _ in range(n_sent):
        base = [rng.choice(VOCAB) for _ in range(rng.randint(3, 15))]
        refs.append([[w if rng.random() < 0.8 else rng.choice(VOCAB) for w in base[:rng.randint(2, len(base))]]
                     for _ in range(rng.randint(1, max_refs))])
        hyps.append([w if rng.random() < 0.7 else rng.choice(VOCAB) for w in base[:rng.randint(1, len(base))]])
    add(case, refs, hyps)

save_safetensors(OUT, tensors)
print(f"wrote {os.path.relpath(OUT, ROOT)} ({len(tensors)} tensors)")
