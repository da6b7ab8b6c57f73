#!/usr/bin/python3
"""Writes the golden fixture of strata::ops::ctc_loss, computed by torch.nn.functional.ctc_loss:

  tests/fixtures/ctc.safetensors (tests/ops/ctc_golden_test.cpp)

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_ctc.py
A case stores logits `x` [T, N, C] (the loss sees log_softmax(x, 2)), `targets` (padded [N, S] or
concatenated), `input_lengths`, `target_lengths`, the loss `out`, and the gradient of x. Cases cover the
reductions, a blank other than 0, repeated labels, empty targets, unbatched input and impossible alignments
with and without zero_infinity. Written with the one safetensors writer of gen_fixtures.py.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from gen_fixtures import Family, const, randn  # noqa: E402


def ctc(blank=0, reduction="mean", zero_infinity=False, dim=2):
    return lambda x, targets, il, tl: F.ctc_loss(F.log_softmax(x, dim), targets, il, tl, blank=blank,
                                                 reduction=reduction, zero_infinity=zero_infinity)


def i64(*values):
    return const(torch.tensor(values, dtype=torch.int64))


def main():
    f = Family("ctc")
    padded = dict(targets=i64([1, 2, 3, 4], [2, 4, 0, 0], [3, 3, 1, 0]), input_lengths=i64(12, 10, 8),
                  target_lengths=i64(4, 2, 3))
    for s in ["", "_f32"]:
        f.case("mean" + s, ctc(), x=randn(12, 3, 5), **padded)
    f.case("sum", ctc(reduction="sum"), x=randn(12, 3, 5), **padded)
    f.case("none", ctc(reduction="none"), x=randn(12, 3, 5), **padded)
    f.case("blank_last", ctc(blank=4), x=randn(12, 3, 5),
           targets=i64([1, 2, 3, 0], [2, 0, 0, 0], [3, 3, 1, 0]), input_lengths=i64(12, 10, 8),
           target_lengths=i64(4, 2, 3))
    f.case("repeats", ctc(reduction="none"), x=randn(9, 2, 4), targets=i64([1, 1, 2, 2], [3, 3, 3, 3]),
           input_lengths=i64(9, 9), target_lengths=i64(4, 4))
    f.case("concatenated", ctc(), x=randn(10, 3, 6), targets=i64(1, 5, 2, 3, 3, 4, 5, 1),
           input_lengths=i64(10, 7, 9), target_lengths=i64(3, 2, 3))
    f.case("empty_target", ctc(reduction="none"), x=randn(6, 2, 4), targets=i64([0, 0], [2, 3]),
           input_lengths=i64(6, 6), target_lengths=i64(0, 2))
    f.case("zero_infinity", ctc(reduction="none", zero_infinity=True), x=randn(6, 2, 4),
           targets=i64([1, 1, 1, 2, 3], [1, 2, 0, 0, 0]), input_lengths=i64(4, 6), target_lengths=i64(5, 2))
    f.case("zero_infinity_mean", ctc(zero_infinity=True), x=randn(6, 2, 4),
           targets=i64([1, 1, 1, 2, 3], [1, 2, 0, 0, 0]), input_lengths=i64(4, 6), target_lengths=i64(5, 2))
    f.case("impossible", ctc(reduction="none"), differentiable=False, x=randn(6, 2, 4),
           targets=i64([1, 1, 1, 2, 3], [1, 2, 0, 0, 0]), input_lengths=i64(4, 6), target_lengths=i64(5, 2))
    f.case("unbatched", ctc(dim=1), x=randn(8, 5), targets=i64(1, 3, 3), input_lengths=const(torch.tensor(8)),
           target_lengths=const(torch.tensor(3)))
    print(f.write())


if __name__ == "__main__":
    main()
