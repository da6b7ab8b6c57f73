#!/usr/bin/python3
"""Writes the golden fixtures of the losses and the basic nn layers, computed by PyTorch.

Run with Debian's Python, which has python3-torch:  /usr/bin/python3 scripts/gen_fixtures_nn.py
The output is deterministic (every case seeds torch from its own name), so regenerating changes nothing
unless a case or PyTorch changes. The layout follows scripts/gen_fixtures.py (whose writer this reuses):

tests/fixtures/nn_loss.safetensors     (tests/ops/loss_golden_test.cpp)
  A case `c` stores its inputs `c.<input>`, the loss `c.out`, an upstream gradient `c.grad_out` and the
  gradients `c.grad_<input>` of the inputs PyTorch differentiates here (the prediction always; the target
  of the regression losses and of KLDiv too). Class weights, pos_weight, index targets and probability
  targets of the classification losses are constants. Case names end in the reduction (`_none`, `_mean`,
  `_sum`), then `_f32` for the float32 twins; the rest run in float64.
tests/fixtures/nn.safetensors          (tests/nn/{linear,embedding,module}_golden_test.cpp)
  linear*, embedding*  a layer's parameters, input, output, upstream gradient and the gradients of the
                       input and the parameters, for the same layer built in C++ from these parameters
  init.*               statistics of PyTorch's default initialisation of large Linear and Embedding layers
  sequential.*         input and eval-mode output of the network stored in nn_sequential.safetensors
tests/fixtures/nn_sequential.safetensors
  the state_dict of a PyTorch nn.Sequential (Embedding, Flatten, Linear, ReLU, Dropout, Linear, Tanh),
  float32, as safetensors.torch.save_file writes it; the C++ test loads it into the same strata network.
"""
import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gen_fixtures as gf  # noqa: E402  (installs PyTorch when missing)

torch, F, ROOT, OUT_DIR = gf.torch, gf.F, gf.ROOT, gf.OUT_DIR
nn = torch.nn
randn, uniform, const = gf.randn, gf.uniform, gf.const

REDUCTIONS = ["none", "mean", "sum"]
# F.kl_div(reduction='mean') warns that it averages over every element; that is the behaviour tested.
warnings.filterwarnings("ignore", message="reduction: 'mean' divides", category=UserWarning)
GENERATOR = "scripts/gen_fixtures_nn.py"


class Family(gf.Family):
    """Like gen_fixtures.Family, but only the inputs named in `grad` are differentiated; the others
    (targets, class weights) are stored as constants in the case's dtype."""

    def case(self, case, fn, grad=("input",), **inputs):
        assert "." not in case and case.replace("_", "").isalnum(), case
        assert not any(k.startswith(case + ".") for k in self.tensors), f"duplicate case {case}"
        dtype = torch.float32 if case.endswith("_f32") else torch.float64
        self.seed(case)
        leaves = {}
        for key, value in inputs.items():
            if callable(value):
                value = value(dtype)
            if value.is_floating_point():
                value = value.to(dtype).detach().requires_grad_(key in grad)
            leaves[key] = value
        out = fn(**leaves)
        for key, value in leaves.items():
            self.tensors[f"{case}.{key}"] = value.detach().clone()
        self.tensors[f"{case}.out"] = out.detach().clone()
        if not grad:
            return
        grad_out = torch.randn(out.shape, dtype=out.dtype)
        out.backward(grad_out)
        self.tensors[f"{case}.grad_out"] = grad_out
        for key in grad:
            g = leaves[key].grad
            self.tensors[f"{case}.grad_{key}"] = (g if g is not None else torch.zeros_like(leaves[key])).clone()

    def write(self):
        path = os.path.join(OUT_DIR, f"{self.name}.safetensors")
        gf.save_safetensors(path, self.tensors, {"generator": GENERATOR, "torch": torch.__version__})
        return path


# ---- input makers --------------------------------------------------------------------------------------------


def targets(classes, *shape, ignore=None, ignored=()):
    """Class indices in [0, classes) with the flat positions in `ignored` set to `ignore`."""

    def make(dtype):
        t = torch.randint(0, classes, shape, dtype=torch.int64)
        flat = t.view(-1)
        for i in ignored:
            flat[i] = ignore
        return t

    return make


def probabilities(*shape, dim=1):
    return lambda dtype: torch.softmax(torch.randn(shape, dtype=torch.float64) * 2, dim).to(dtype)


def positive(*shape):
    return uniform(*shape, lo=0.3, hi=2.0)


# ---- losses ---------------------------------------------------------------------------------------------------


def losses():
    f = Family("nn_loss")
    x = lambda: randn(3, 4, scale=1.5)  # noqa: E731
    both = ("input", "target")
    for r in REDUCTIONS:
        # Regression losses: PyTorch differentiates both arguments.
        f.case(f"mse_{r}", lambda input, target, r=r: F.mse_loss(input, target, reduction=r), grad=both,
               input=x(), target=x())
        f.case(f"l1_{r}", lambda input, target, r=r: F.l1_loss(input, target, reduction=r), grad=both,
               input=x(), target=x())
        f.case(f"smooth_l1_{r}", lambda input, target, r=r: F.smooth_l1_loss(input, target, reduction=r),
               grad=both, input=x(), target=x())
        f.case(f"smooth_l1_beta05_{r}",
               lambda input, target, r=r: F.smooth_l1_loss(input, target, reduction=r, beta=0.5), grad=both,
               input=x(), target=x())
        f.case(f"smooth_l1_beta0_{r}",
               lambda input, target, r=r: F.smooth_l1_loss(input, target, reduction=r, beta=0.0), grad=both,
               input=x(), target=x())
        f.case(f"huber_{r}", lambda input, target, r=r: F.huber_loss(input, target, reduction=r), grad=both,
               input=x(), target=x())
        f.case(f"huber_delta15_{r}",
               lambda input, target, r=r: F.huber_loss(input, target, reduction=r, delta=1.5), grad=both,
               input=x(), target=x())

        # Cross-entropy with class indices: 5 classes, 4 samples; -100 (the default ignore_index) at sample 1.
        ce = lambda input, target, weight=None, r=r, **kw: F.cross_entropy(  # noqa: E731
            input, target, weight=weight, reduction=r, **kw)
        logits = lambda: randn(4, 5, scale=2.0)  # noqa: E731
        f.case(f"ce_{r}", ce, input=logits(), target=targets(5, 4))
        f.case(f"ce_weight_{r}", ce, input=logits(), target=targets(5, 4), weight=positive(5))
        f.case(f"ce_ignore_{r}", ce, input=logits(), target=targets(5, 4, ignore=-100, ignored=[1]))
        f.case(f"ce_ignore_index2_{r}", lambda input, target, r=r: ce(input, target, r=r, ignore_index=2),
               input=logits(), target=const(torch.tensor([2, 0, 2, 4])))
        f.case(f"ce_smooth_{r}", lambda input, target, r=r: ce(input, target, r=r, label_smoothing=0.1),
               input=logits(), target=targets(5, 4))
        f.case(f"ce_weight_ignore_{r}", ce, input=logits(), target=targets(5, 4, ignore=-100, ignored=[2]),
               weight=positive(5))
        f.case(f"ce_weight_smooth_{r}",
               lambda input, target, weight, r=r: ce(input, target, weight, r=r, label_smoothing=0.2),
               input=logits(), target=targets(5, 4), weight=positive(5))
        f.case(f"ce_ignore_smooth_{r}",
               lambda input, target, r=r: ce(input, target, r=r, label_smoothing=0.15),
               input=logits(), target=targets(5, 4, ignore=-100, ignored=[0, 3]))
        f.case(f"ce_weight_ignore_smooth_{r}",
               lambda input, target, weight, r=r: ce(input, target, weight, r=r, ignore_index=1,
                                                     label_smoothing=0.3),
               input=logits(), target=const(torch.tensor([1, 3, 0, 1])), weight=positive(5))
        # Spatial: [N, C, d] and [N, C, d1, d2] with [N, d...] targets.
        f.case(f"ce_spatial_{r}", ce, input=randn(2, 4, 3), target=targets(4, 2, 3))
        f.case(f"ce_spatial_weight_ignore_smooth_{r}",
               lambda input, target, weight, r=r: ce(input, target, weight, r=r, label_smoothing=0.1),
               input=randn(2, 4, 3), target=targets(4, 2, 3, ignore=-100, ignored=[1, 4]), weight=positive(4))
        f.case(f"ce_spatial2d_{r}", ce, input=randn(2, 3, 2, 2), target=targets(3, 2, 2, 2))
        # Unbatched: input [C], target 0-dim.
        f.case(f"ce_unbatched_{r}", ce, input=randn(5), target=const(torch.tensor(3)))
        # Class probabilities as targets.
        f.case(f"ce_prob_{r}", ce, input=logits(), target=probabilities(4, 5))
        f.case(f"ce_prob_weight_{r}", ce, input=logits(), target=probabilities(4, 5), weight=positive(5))
        f.case(f"ce_prob_smooth_{r}", lambda input, target, r=r: ce(input, target, r=r, label_smoothing=0.2),
               input=logits(), target=probabilities(4, 5))
        f.case(f"ce_prob_weight_smooth_{r}",
               lambda input, target, weight, r=r: ce(input, target, weight, r=r, label_smoothing=0.1),
               input=logits(), target=probabilities(4, 5), weight=positive(5))
        f.case(f"ce_prob_spatial_{r}", ce, input=randn(2, 3, 4), target=probabilities(2, 3, 4))
        f.case(f"ce_prob_spatial_weight_{r}", ce, input=randn(2, 3, 2, 2), target=probabilities(2, 3, 2, 2),
               weight=positive(3))
        f.case(f"ce_prob_unbatched_{r}", ce, input=randn(5), target=probabilities(5, dim=0))

        # NLL on log-probabilities.
        nll = lambda input, target, weight=None, r=r, **kw: F.nll_loss(  # noqa: E731
            input, target, weight=weight, reduction=r, **kw)
        logp = lambda *s: lambda dtype: torch.log_softmax(torch.randn(s, dtype=torch.float64), 1).to(dtype)  # noqa
        f.case(f"nll_{r}", nll, input=logp(4, 5), target=targets(5, 4))
        f.case(f"nll_weight_ignore_{r}", nll, input=logp(4, 5), target=targets(5, 4, ignore=-100, ignored=[3]),
               weight=positive(5))
        f.case(f"nll_ignore_index0_{r}", lambda input, target, r=r: nll(input, target, r=r, ignore_index=0),
               input=logp(4, 5), target=const(torch.tensor([0, 2, 0, 1])))
        f.case(f"nll_spatial_weight_{r}", nll, input=logp(2, 3, 4), target=targets(3, 2, 4), weight=positive(3))

        # Binary cross-entropy on probabilities kept away from 0 and 1; weight broadcast or full.
        probs = lambda *s: uniform(*s, lo=0.05, hi=0.95)  # noqa: E731
        f.case(f"bce_{r}", lambda input, target, r=r: F.binary_cross_entropy(input, target, reduction=r),
               input=probs(3, 4), target=probs(3, 4))
        f.case(f"bce_weight_{r}",
               lambda input, target, weight, r=r: F.binary_cross_entropy(input, target, weight, reduction=r),
               input=probs(3, 4), target=const(torch.tensor([[1.0, 0.0, 1.0, 1.0]] * 3)), weight=positive(4))
        f.case(f"bce_weight_full_{r}",
               lambda input, target, weight, r=r: F.binary_cross_entropy(input, target, weight, reduction=r),
               input=probs(2, 3), target=probs(2, 3), weight=positive(2, 3))
        bcel = lambda input, target, weight=None, pos_weight=None, r=r: (  # noqa: E731
            F.binary_cross_entropy_with_logits(input, target, weight, reduction=r, pos_weight=pos_weight))
        f.case(f"bce_logits_{r}", bcel, input=randn(3, 4, scale=3.0), target=probs(3, 4))
        f.case(f"bce_logits_weight_{r}", bcel, input=randn(3, 4, scale=3.0), target=probs(3, 4),
               weight=positive(4))
        f.case(f"bce_logits_pos_weight_{r}", bcel, input=randn(3, 4, scale=3.0), target=probs(3, 4),
               pos_weight=positive(4))
        f.case(f"bce_logits_weight_pos_weight_{r}", bcel, input=randn(2, 3, 4, scale=3.0), target=probs(2, 3, 4),
               weight=positive(3, 1), pos_weight=positive(4))

        # KL divergence: input log-probabilities; target probabilities (strictly positive, so PyTorch's
        # gradient of xlogy is finite) or log-probabilities.
        kl = lambda input, target, r=r, **kw: F.kl_div(input, target, reduction=r, **kw)  # noqa: E731
        f.case(f"kl_{r}", kl, grad=both, input=logp(3, 4), target=probabilities(3, 4))
        f.case(f"kl_log_target_{r}", lambda input, target, r=r: kl(input, target, r=r, log_target=True),
               grad=both, input=logp(3, 4), target=logp(3, 4))
        # Zero target probabilities contribute 0 (0 * log 0 = 0); only the input is differentiated.
        f.case(f"kl_zero_target_{r}", kl, input=logp(2, 3),
               target=const(torch.tensor([[0.0, 0.25, 0.75], [1.0, 0.0, 0.0]])))

    # KLDivLoss(reduction='batchmean') is sum / N; strata spells it that way.
    f.case("kl_batchmean", lambda input, target: F.kl_div(input, target, reduction="batchmean"), grad=both,
           input=randn(3, 4), target=probabilities(3, 4))
    # Every target ignored: PyTorch's mean is 0 / 0.
    f.case("ce_all_ignored_mean", lambda input, target: F.cross_entropy(input, target), input=randn(2, 3),
           target=const(torch.tensor([-100, -100])))
    f.case("ce_all_ignored_smooth_mean", lambda input, target: F.cross_entropy(input, target, label_smoothing=0.1),
           input=randn(2, 3), target=const(torch.tensor([-100, -100])))
    f.case("nll_all_ignored_weight_mean", lambda input, target, weight: F.nll_loss(input, target, weight),
           input=randn(2, 3), target=const(torch.tensor([-100, -100])), weight=positive(3))
    # Large logits stay finite.
    f.case("ce_large_logits_mean", lambda input, target: F.cross_entropy(input, target),
           input=const(torch.tensor([[1000.0, -1000.0, 0.0], [-500.0, 500.0, 499.0]])),
           target=const(torch.tensor([1, 2])))
    f.case("bce_logits_large_sum", lambda input, target, pos_weight: F.binary_cross_entropy_with_logits(
        input, target, reduction="sum", pos_weight=pos_weight),
           input=const(torch.tensor([[100.0, -100.0], [-60.0, 60.0]])),
           target=const(torch.tensor([[0.0, 1.0], [0.3, 1.0]])), pos_weight=const(torch.tensor([2.0, 0.5])))

    # float32 twins of a selection.
    f.case("mse_mean_f32", lambda input, target: F.mse_loss(input, target), grad=both, input=x(), target=x())
    f.case("l1_sum_f32", lambda input, target: F.l1_loss(input, target, reduction="sum"), grad=both, input=x(),
           target=x())
    f.case("smooth_l1_beta05_none_f32", lambda input, target: F.smooth_l1_loss(input, target, reduction="none",
                                                                               beta=0.5),
           grad=both, input=x(), target=x())
    f.case("huber_delta15_mean_f32", lambda input, target: F.huber_loss(input, target, delta=1.5), grad=both,
           input=x(), target=x())
    f.case("ce_weight_ignore_smooth_mean_f32",
           lambda input, target, weight: F.cross_entropy(input, target, weight, label_smoothing=0.1),
           input=randn(4, 5, scale=2.0), target=targets(5, 4, ignore=-100, ignored=[2]), weight=positive(5))
    f.case("ce_spatial_none_f32", lambda input, target: F.cross_entropy(input, target, reduction="none"),
           input=randn(2, 4, 3), target=targets(4, 2, 3))
    f.case("ce_prob_smooth_sum_f32",
           lambda input, target: F.cross_entropy(input, target, reduction="sum", label_smoothing=0.2),
           input=randn(4, 5, scale=2.0), target=probabilities(4, 5))
    f.case("nll_weight_ignore_mean_f32", lambda input, target, weight: F.nll_loss(input, target, weight),
           input=lambda dtype: torch.log_softmax(torch.randn(4, 5, dtype=torch.float64), 1).to(dtype),
           target=targets(5, 4, ignore=-100, ignored=[0]), weight=positive(5))
    f.case("bce_weight_mean_f32", lambda input, target, weight: F.binary_cross_entropy(input, target, weight),
           input=uniform(3, 4, lo=0.05, hi=0.95), target=uniform(3, 4, lo=0.0, hi=1.0), weight=positive(4))
    f.case("bce_logits_weight_pos_weight_mean_f32",
           lambda input, target, weight, pos_weight: F.binary_cross_entropy_with_logits(
               input, target, weight, pos_weight=pos_weight),
           input=randn(3, 4, scale=3.0), target=uniform(3, 4, lo=0.0, hi=1.0), weight=positive(4),
           pos_weight=positive(4))
    f.case("kl_log_target_sum_f32", lambda input, target: F.kl_div(input, target, reduction="sum",
                                                                   log_target=True),
           grad=both, input=randn(3, 4), target=randn(3, 4))
    return f


# ---- layers -----------------------------------------------------------------------------------------------------


def layer_case(f, case, module, x, params=("weight", "bias")):
    """Runs `module` (already in the case's dtype) on x; stores parameters, output and all gradients."""
    x = x.detach().requires_grad_(x.is_floating_point())
    out = module(x)
    grad_out = torch.randn(out.shape, dtype=out.dtype)
    out.backward(grad_out)
    f.tensors[f"{case}.x"] = x.detach().clone()
    f.tensors[f"{case}.out"] = out.detach().clone()
    f.tensors[f"{case}.grad_out"] = grad_out
    if x.is_floating_point():
        f.tensors[f"{case}.grad_x"] = x.grad.clone()
    for name in params:
        p = getattr(module, name)
        f.tensors[f"{case}.{name}"] = p.detach().clone()
        f.tensors[f"{case}.grad_{name}"] = p.grad.clone()


def layers():
    f = Family("nn")
    for case, in_f, out_f, bias, shape, dtype in [
        ("linear", 4, 3, True, (5, 4), torch.float64),
        ("linear_no_bias", 4, 3, False, (5, 4), torch.float64),
        ("linear_3d", 6, 2, True, (2, 3, 6), torch.float64),
        ("linear_1d", 3, 4, True, (3,), torch.float64),
        ("linear_f32", 8, 5, True, (6, 8), torch.float32),
    ]:
        f.seed(case)
        m = nn.Linear(in_f, out_f, bias=bias).to(dtype)
        layer_case(f, case, m, torch.randn(shape, dtype=dtype), ("weight", "bias") if bias else ("weight",))

    for case, num, dim, pad, idx, dtype in [
        ("embedding", 6, 3, None, [[0, 2, 5], [2, 2, 1]], torch.float64),
        ("embedding_padding", 5, 4, 1, [[1, 0, 1], [3, 1, 3]], torch.float64),
        ("embedding_padding_negative", 5, 2, -1, [4, 0, 4, 2], torch.float64),
        ("embedding_f32", 7, 4, 3, [[3, 6], [0, 3]], torch.float32),
    ]:
        f.seed(case)
        m = nn.Embedding(num, dim, padding_idx=pad).to(dtype)
        with torch.no_grad():  # a nonzero padding row too: its output is used, its gradient stays zero
            m.weight.normal_()
        layer_case(f, case, m, torch.tensor(idx), ("weight",))

    # Default initialisation statistics of large layers (the C++ test compares its own draws with these).
    f.seed("init")
    lin = nn.Linear(256, 128)
    emb = nn.Embedding(1000, 64, padding_idx=3)
    f.tensors["init.linear_weight_absmax"] = lin.weight.detach().abs().max().double().reshape(1)
    f.tensors["init.linear_weight_std"] = lin.weight.detach().std().double().reshape(1)
    f.tensors["init.linear_bias_absmax"] = lin.bias.detach().abs().max().double().reshape(1)
    f.tensors["init.embedding_weight_mean"] = emb.weight.detach().mean().double().reshape(1)
    f.tensors["init.embedding_weight_std"] = emb.weight.detach().std().double().reshape(1)
    f.tensors["init.embedding_padding_row"] = emb.weight.detach()[3].double().clone()

    # A network saved as safetensors by PyTorch, loaded by the C++ test.
    f.seed("sequential")
    net = nn.Sequential(nn.Embedding(10, 4), nn.Flatten(), nn.Linear(12, 8), nn.ReLU(), nn.Dropout(0.5),
                        nn.Linear(8, 3), nn.Tanh())
    net.eval()
    x = torch.randint(0, 10, (5, 3))
    with torch.no_grad():
        f.tensors["sequential.x"] = x
        f.tensors["sequential.out"] = net(x)
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    seq_path = os.path.join(OUT_DIR, "nn_sequential.safetensors")
    gf.save_safetensors(seq_path, state, {"format": "pt"})
    return f, seq_path


def main():
    torch.set_default_dtype(torch.float64)
    torch.use_deterministic_algorithms(True)
    os.makedirs(OUT_DIR, exist_ok=True)
    paths = [losses().write()]
    torch.set_default_dtype(torch.float32)  # layers and state dicts as users make them
    layer_family, seq_path = layers()
    paths += [layer_family.write(), seq_path]
    for p in paths:
        print(f"{os.path.relpath(p, ROOT)}: {os.path.getsize(p)} bytes")


if __name__ == "__main__":
    main()
