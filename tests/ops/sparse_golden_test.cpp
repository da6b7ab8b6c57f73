// Sparse and segment ops against PyTorch (tests/fixtures/sparse.safetensors, scripts/gen_fixtures_sparse.py):
// torch.sparse.mm, Tensor.index_add_, torch.scatter_reduce (include_self=False) and a per-segment softmax
// written with dense ops.
#include "golden_util.h"

namespace strata {
namespace {

using golden::Case;
using golden::GoldenCase;

int64_t scalar(Case& c, const std::string& name, size_t i = 0) { return c.in(name).to_vector<int64_t>()[i]; }

std::vector<GoldenCase> spmm(const std::string& name) {
  return golden::f64_and_f32(name, [](Case& c) {
    const auto a = F::sparse_coo(c.in("indices"), c.in("values"), scalar(c, "size", 0), scalar(c, "size", 1));
    return F::spmm(a, c.in("dense"));
  });
}

std::vector<GoldenCase> scatter(const std::string& name, F::Reduce reduce) {
  return golden::f64_and_f32(name, [reduce](Case& c) {
    return F::scatter_reduce(c.in("src"), c.in("index"), scalar(c, "dim_size"), reduce);
  });
}

std::vector<GoldenCase> softmax(const std::string& name) {
  return golden::f64_and_f32(
      name, [](Case& c) { return F::segment_softmax(c.in("src"), c.in("index"), scalar(c, "dim_size")); });
}

const std::vector<GoldenCase>& cases() {
  static const std::vector<GoldenCase> all = golden::join({
      spmm("spmm_small"),
      spmm("spmm_rect"),
      golden::f64_and_f32("index_add",
                          [](Case& c) { return F::index_add(c.in("x"), 0, c.in("index"), c.in("src")); }),
      scatter("scatter_sum", F::Reduce::Sum),
      scatter("scatter_sum_3d", F::Reduce::Sum),
      scatter("scatter_mean", F::Reduce::Mean),
      scatter("scatter_mean_3d", F::Reduce::Mean),
      scatter("scatter_max", F::Reduce::Max),
      scatter("scatter_max_3d", F::Reduce::Max),
      softmax("segment_softmax"),
      softmax("segment_softmax_heads"),
  });
  return all;
}

STRATA_GOLDEN_TESTS(SparseGolden, "sparse.safetensors", cases);

}  // namespace
}  // namespace strata
