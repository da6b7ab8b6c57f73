// Checks attribution methods on trained Fashion-MNIST classifiers (strata train -c configs/fashion_lenet.yaml
// and configs/fashion_resnet20.yaml): how fast Integrated Gradients converges to completeness under each
// quadrature rule, and the cascading-randomisation sanity check of Adebayo et al. (2018) per method.
//
//   build/examples/explain_checks LENET.safetensors RESNET20.safetensors OUT_DIR
//
// Writes OUT_DIR/explain_completeness.{png,csv} (mean |sum(attr) - (f(x) - f(black))| / |f(x) - f(black)|
// over 16 test images, per rule and step count) and OUT_DIR/explain_sanity.{png,csv} (mean Spearman rank
// correlation between the trained model's maps and the maps after randomising the layers from the top down).
#include <filesystem>
#include <fstream>
#include <iostream>

#include "strata/data.h"
#include "strata/explain.h"
#include "strata/io/model_state.h"
#include "strata/models/zoo.h"
#include "strata/strata.h"
#include "strata/train/plot.h"

using namespace strata;
namespace fs = std::filesystem;

namespace {

constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST's normalisation (configs normalize: true)

std::shared_ptr<nn::Module> load(const std::string& zoo_name, const std::string& checkpoint) {
  std::shared_ptr<nn::Module> net = models::create(zoo_name, {.num_classes = 10, .in_channels = 1});
  net->load_state_dict(io::load_model_state(checkpoint));
  net->eval();
  return net;
}

// Mean relative completeness error of IG per rule and step count on `net`.
void completeness(nn::Module& net, const std::string& name, const Tensor& x, const Tensor& black,
                  std::ofstream& csv, std::vector<train::Series>& series) {
  const std::vector<int64_t> steps{4, 8, 16, 32, 64, 128, 256};
  for (const std::string rule : {"riemann_left", "riemann_middle", "riemann_trapezoid", "gausslegendre"}) {
    train::Series s{.label = rule, .values = {}};
    for (int64_t n : steps) {
      const auto r = explain::integrated_gradients(
          net, x, {}, {.steps = n, .method = explain::quadrature_from_name(rule), .baseline = black});
      const Tensor total = r.attributions.reshape({x.size(0), -1}).sum({1});
      const double err = (r.delta.abs() / (total - r.delta).abs()).mean().item();
      csv << fmt::format("{},{},{},{:.6g}\n", name, rule, n, err);
      s.values.push_back(std::log10(err));
      std::cout << fmt::format("{} {} steps {}: mean relative error {:.3g}\n", name, rule, n, err);
    }
    series.push_back(s);
  }
}

// The cascade for each method on `net`; one series per method (x: 1 = unchanged, 2 = top layer
// randomised...).
void sanity(nn::Module& net, const std::string& name, const Tensor& x, const Tensor& black,
            std::ofstream& csv, std::vector<train::Series>& series) {
  const std::vector<std::pair<std::string, explain::AttributionFn>> methods = {
      {"saliency", [](nn::Module& m, const Tensor& in) { return explain::saliency(m, in); }},
      {"gradient_x_input", [](nn::Module& m, const Tensor& in) { return explain::gradient_x_input(m, in); }},
      {"smoothgrad",
       [](nn::Module& m, const Tensor& in) { return explain::smoothgrad(m, in, {}, {.n_samples = 16}); }},
      {"integrated_gradients",
       [black](nn::Module& m, const Tensor& in) {
         return explain::integrated_gradients(m, in, {}, {.steps = 16, .baseline = black}).attributions;
       }},
  };
  for (const auto& [method, fn] : methods) {
    manual_seed(1);
    const auto steps = explain::cascading_randomization(net, x, fn);
    train::Series s{.label = method, .values = {}};
    for (size_t i = 0; i < steps.size(); ++i) {
      csv << fmt::format("{},{},{},{},{:.4f},{:.4f}\n", name, method, i,
                         steps[i].layer.empty() ? "none" : steps[i].layer, steps[i].rank_correlation,
                         steps[i].rank_correlation_abs);
      s.values.push_back(steps[i].rank_correlation_abs);
    }
    std::cout << fmt::format("{} {}: rank correlation {:.3f} after {} layers\n", name, method,
                             steps.back().rank_correlation_abs, steps.size() - 1);
    series.push_back(s);
  }
}

}  // namespace

int main(int argc, char** argv) try {
  if (argc != 4) {
    std::cerr << "usage: explain_checks LENET.safetensors RESNET20.safetensors OUT_DIR\n";
    return 2;
  }
  const fs::path out(argv[3]);
  fs::create_directories(out);
  const data::FashionMNIST test(false);
  const Tensor x16 = ((test.inputs().narrow(0, 0, 16) - kMean) / kStd).contiguous();
  const Tensor black = full({1, 1, 28, 28}, -kMean / kStd);
  auto lenet = load("lenet5", argv[1]);
  auto resnet = load("resnet20", argv[2]);

  std::ofstream ccsv(out / "explain_completeness.csv");
  ccsv << "model,rule,steps,mean_relative_error\n";
  std::vector<train::Series> c_lenet, c_resnet;
  completeness(*lenet, "lenet", x16, black, ccsv, c_lenet);
  completeness(*resnet, "resnet20", x16.narrow(0, 0, 4), black, ccsv, c_resnet);
  train::plot_line_panels(
      (out / "explain_completeness.png").string(),
      {{"LeNet-5: log10 relative error", c_lenet}, {"ResNet-20: log10 relative error", c_resnet}}, 480, 360,
      "k: steps = 2^(k+1)");

  std::ofstream scsv(out / "explain_sanity.csv");
  scsv << "model,method,step,layer,rank_correlation,rank_correlation_abs\n";
  std::vector<train::Series> s_lenet, s_resnet;
  sanity(*lenet, "lenet", x16.narrow(0, 0, 8), black, scsv, s_lenet);
  sanity(*resnet, "resnet20", x16.narrow(0, 0, 4), black, scsv, s_resnet);
  train::plot_line_panels((out / "explain_sanity.png").string(),
                          {{"LeNet-5: rank correlation", s_lenet}, {"ResNet-20: rank correlation", s_resnet}},
                          480, 360, "k: top k-1 layers randomised");
  std::cout << "wrote " << (out / "explain_completeness.png").string() << " and "
            << (out / "explain_sanity.png").string() << "\n";
  return 0;
} catch (const std::exception& e) {
  std::cerr << "explain_checks: " << e.what() << "\n";
  return 1;
}
