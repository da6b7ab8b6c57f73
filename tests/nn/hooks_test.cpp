// Module hooks: forward hooks and pre-hooks run in registration order around forward, may replace the
// output or inputs, unregister through their handle (remove() or its destructor), and fire inside
// Sequential, Graph, MultiheadAttention and zoo models; attention hooks see the weights.
#include "strata/nn/hooks.h"

#include "strata/models/gpt.h"
#include "strata/models/resnet.h"
#include "strata/nn/activation.h"
#include "strata/nn/attention.h"
#include "strata/nn/container.h"
#include "strata/nn/conv.h"
#include "strata/nn/graph.h"
#include "strata/nn/linear.h"
#include "strata/nn/merge.h"
#include "strata/nn/normalization.h"
#include "strata/ops/attention.h"
#include "test_util.h"

namespace strata::nn {
namespace {

using testing::error_of;

TEST(Hooks, ForwardHooksRunInOrderAfterPreHooks) {
  Linear fc(3, 2);
  std::vector<std::string> calls;
  auto pre1 =
      fc->register_forward_pre_hook([&](Module&, const std::vector<Tensor>&) { calls.push_back("pre1"); });
  auto post1 = fc->register_forward_hook([&](Module& m, const std::vector<Tensor>& in, const Tensor& out) {
    EXPECT_EQ(m.type_name(), "Linear");
    ASSERT_EQ(in.size(), 1u);
    EXPECT_EQ(in[0].shape(), (Shape{4, 3}));
    EXPECT_EQ(out.shape(), (Shape{4, 2}));
    calls.push_back("post1");
  });
  auto pre2 =
      fc->register_forward_pre_hook([&](Module&, const std::vector<Tensor>&) { calls.push_back("pre2"); });
  auto post2 = fc->register_forward_hook(
      [&](Module&, const std::vector<Tensor>&, const Tensor&) { calls.push_back("post2"); });
  EXPECT_TRUE(fc->has_hooks());
  fc(randn({4, 3}));
  EXPECT_EQ(calls, (std::vector<std::string>{"pre1", "pre2", "post1", "post2"}));
}

TEST(Hooks, RemoveAndDestructorUnregister) {
  Linear fc(3, 2);
  int count = 0;
  auto counter = [&](Module&, const std::vector<Tensor>&, const Tensor&) { ++count; };
  auto kept = fc->register_forward_hook(counter);
  {
    auto scoped = fc->register_forward_hook(counter);
    fc(randn({1, 3}));
    EXPECT_EQ(count, 2);
  }
  fc(randn({1, 3}));
  EXPECT_EQ(count, 3);  // the scoped hook left with its handle
  EXPECT_TRUE(kept.active());
  kept.remove();
  EXPECT_FALSE(kept.active());
  kept.remove();  // twice is harmless
  fc(randn({1, 3}));
  EXPECT_EQ(count, 3);
  EXPECT_FALSE(fc->has_hooks());
}

TEST(Hooks, HandleOutlivesModuleAndMovesOwnership) {
  HookHandle handle;
  {
    Linear fc(3, 2);
    HookHandle first = fc->register_forward_hook([](Module&, const std::vector<Tensor>&, const Tensor&) {});
    handle = std::move(first);
    EXPECT_FALSE(first.active());
    EXPECT_TRUE(handle.active());
    EXPECT_TRUE(fc->has_hooks());
  }
  EXPECT_FALSE(handle.active());
  handle.remove();  // the module is gone: nothing to do
}

TEST(Hooks, ReplacingOutputAndInputChangesTheResult) {
  manual_seed(3);
  Linear fc(3, 2);
  const Tensor x = randn({2, 3});
  const Tensor plain = fc(x);
  {
    auto doubled = fc->register_forward_hook(
        [](Module&, const std::vector<Tensor>&, const Tensor& out) { return ops::mul(out, 2.0); });
    auto shifted = fc->register_forward_hook(
        [](Module&, const std::vector<Tensor>&, const Tensor& out) { return ops::add(out, 1.0); });
    EXPECT_TRUE(allclose(fc(x), ops::add(ops::mul(plain, 2.0), 1.0)));  // each hook sees the previous output
  }
  {
    auto zero_input = fc->register_forward_pre_hook(
        [](Module&, const std::vector<Tensor>& in) { return zeros_like(in[0]); });
    EXPECT_TRUE(allclose(fc(x), ops::add(zeros({2, 2}), fc->bias)));
  }
  EXPECT_TRUE(allclose(fc(x), plain));
}

TEST(Hooks, PreHookMustKeepTheNumberOfInputs) {
  Linear fc(3, 2);
  auto bad = fc->register_forward_pre_hook([](Module&, const std::vector<Tensor>& in) {
    return std::vector<Tensor>{in[0], in[0]};
  });
  EXPECT_NE(error_of([&] {
              fc(randn({1, 3}));
            }).find("pre-hook returned 2 inputs for a forward of 1"),
            std::string::npos);
}

TEST(Hooks, HookMayRemoveItselfWhileRunning) {
  Linear fc(3, 2);
  int count = 0;
  HookHandle self;
  self = fc->register_forward_hook([&](Module&, const std::vector<Tensor>&, const Tensor&) {
    ++count;
    self.remove();
  });
  fc(randn({1, 3}));
  fc(randn({1, 3}));
  EXPECT_EQ(count, 1);
}

// A Sequential fuses BatchNorm + ReLU; a hook on either must still see its own call and change the result.
TEST(Hooks, FireInsideSequentialAndDisableFusionOfHookedLayers) {
  manual_seed(4);
  Sequential net(Conv2d(2, 3, 3, {.padding = 1}), BatchNorm2d(3), ReLU(), Flatten(), Linear(3 * 4 * 4, 2));
  net->eval();
  const Tensor x = randn({2, 2, 4, 4});
  const Tensor plain = net(x);
  Tensor bn_out;
  std::vector<std::string> seen;
  auto on_bn =
      (*net)[1]->register_forward_hook([&](Module& m, const std::vector<Tensor>&, const Tensor& out) {
        seen.push_back(m.type_name());
        bn_out = out;
      });
  auto on_relu = (*net)[2]->register_forward_hook([&](Module& m, const std::vector<Tensor>&, const Tensor&) {
    seen.push_back(m.type_name());
    return ops::mul(bn_out, 0.0);  // zero activations: the output is the last Linear's bias
  });
  EXPECT_TRUE(
      allclose(net(x), ops::add(zeros({2, 2}), std::dynamic_pointer_cast<LinearImpl>((*net)[4])->bias)));
  EXPECT_EQ(seen, (std::vector<std::string>{"BatchNorm2d", "ReLU"}));
  on_bn.remove();
  on_relu.remove();
  EXPECT_TRUE(allclose(net(x), plain));
}

TEST(Hooks, FireInsideGraphForLayersAndMerges) {
  manual_seed(5);
  Graph g;
  Linear a(4, 4);
  g->add("a", a);
  g->add("bn", BatchNorm1d(4));
  g->add("relu", ReLU());
  g->add("sum", Add(), {"relu", "input"});
  g->eval();
  const Tensor x = randn({3, 4});
  std::vector<std::string> seen;
  std::vector<size_t> merge_inputs;
  auto on_relu = g->named_children()[2].second->register_forward_hook(
      [&](Module& m, const std::vector<Tensor>&, const Tensor&) { seen.push_back(m.type_name()); });
  auto on_sum = g->named_children()[3].second->register_forward_hook(
      [&](Module& m, const std::vector<Tensor>& in, const Tensor& out) {
        seen.push_back(m.type_name());
        merge_inputs.push_back(in.size());
        return ops::neg(out);
      });
  const Tensor y = g(x);
  EXPECT_EQ(seen, (std::vector<std::string>{"ReLU", "Add"}));
  EXPECT_EQ(merge_inputs, (std::vector<size_t>{2}));
  on_sum.remove();
  EXPECT_TRUE(allclose(y, ops::neg(g(x))));
}

TEST(Hooks, ReachNestedLayersOfZooModelsByDottedName) {
  manual_seed(6);
  models::ResNet net = models::resnet20();
  net->eval();
  std::shared_ptr<Module> conv;
  for (const auto& [name, m] : net->named_modules())
    if (name == "layer2.1.conv1") conv = m;
  ASSERT_NE(conv, nullptr);
  Shape shape;
  auto handle = conv->register_forward_hook(
      [&](Module&, const std::vector<Tensor>&, const Tensor& out) { shape = out.shape(); });
  net(randn({1, 3, 32, 32}));
  EXPECT_EQ(shape, (Shape{1, 32, 16, 16}));
}

TEST(Hooks, MultiheadAttentionHooksSeeQueryKeyValue) {
  manual_seed(7);
  MultiheadAttention mha(8, 2, {.batch_first = true});
  const Tensor q = randn({2, 3, 8}), kv = randn({2, 5, 8});
  std::vector<Shape> shapes;
  auto pre = mha->register_forward_pre_hook([&](Module&, const std::vector<Tensor>& in) {
    for (const auto& t : in) shapes.push_back(t.shape());
  });
  auto post = mha->register_forward_hook(
      [](Module&, const std::vector<Tensor>&, const Tensor& out) { return ops::mul(out, 3.0); });
  const auto r = mha->forward(q, kv, kv);
  EXPECT_EQ(shapes, (std::vector<Shape>{{2, 3, 8}, {2, 5, 8}, {2, 5, 8}}));
  EXPECT_EQ(r.weights.shape(), (Shape{2, 3, 5}));  // need_weights still returns the weights
  post.remove();
  EXPECT_TRUE(allclose(r.output, ops::mul(mha->forward(q, kv, kv).output, 3.0)));
}

// Attention hooks get per-head weights whatever the caller asked for, and leave the output unchanged.
TEST(Hooks, AttentionHooksSeePerHeadWeights) {
  manual_seed(8);
  MultiheadAttention mha(8, 2, {.batch_first = true});
  mha->eval();
  const Tensor x = randn({2, 4, 8});
  const auto want = mha->forward(x, x, x, {.average_attn_weights = false, .is_causal = true});
  const Tensor fused = mha->forward(x, x, x, {.need_weights = false, .is_causal = true}).output;
  Tensor seen;
  auto handle = mha->register_attention_hook([&](Module&, const Tensor& w) { seen = w; });
  EXPECT_TRUE(mha->has_attention_hooks());
  const auto r = mha->forward(x, x, x, {.need_weights = false, .is_causal = true});
  EXPECT_FALSE(r.weights.defined());
  ASSERT_TRUE(seen.defined());
  EXPECT_TRUE(allclose(seen, want.weights));
  EXPECT_TRUE(allclose(r.output, fused, 1e-5, 1e-6));
  handle.remove();
  EXPECT_FALSE(mha->has_attention_hooks());
}

TEST(Hooks, GptAttentionHooksSeeCausalWeights) {
  manual_seed(9);
  models::GPT gpt(
      models::GPTConfig{.vocab_size = 11, .block_size = 8, .n_layer = 2, .n_head = 2, .n_embd = 8});
  gpt->eval();
  const Tensor ids = from_vector<int64_t>({1, 4, 2, 7, 3, 3, 0, 9, 5, 1}, {2, 5});
  const Tensor plain = gpt(ids);
  std::vector<Tensor> seen;
  std::vector<HookHandle> handles;
  for (const auto& [name, m] : gpt->named_modules())
    if (auto* a = dynamic_cast<AttentionHooks*>(m.get()))
      handles.push_back(a->register_attention_hook([&](Module&, const Tensor& w) { seen.push_back(w); }));
  EXPECT_EQ(handles.size(), 2u);
  EXPECT_TRUE(allclose(gpt(ids), plain, 1e-5, 1e-5));  // the explicit path computes the same logits
  ASSERT_EQ(seen.size(), 2u);
  for (const Tensor& w : seen) {
    EXPECT_EQ(w.shape(), (Shape{2, 2, 5, 5}));
    EXPECT_TRUE(allclose(ops::sum(w, {-1}), ones({2, 2, 5})));
    const auto v = w.to_vector<float>();
    for (int64_t i = 0; i < 5; ++i)
      for (int64_t j = i + 1; j < 5; ++j) EXPECT_EQ(v[static_cast<size_t>(i * 5 + j)], 0.0f);  // causal
  }
}

}  // namespace
}  // namespace strata::nn
