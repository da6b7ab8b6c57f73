// Scores a trained GAN with FID-FMNIST (models/fid_fmnist.h): 10,000 samples from the generator of a
// `strata train` checkpoint of configs/fashion_{dcgan,cgan,wgan_gp}.yaml (a conditional model: 1,000 per
// class, also scored for how often the FID classifier puts a sample of class k in class k), or 10,000 images
// in [0, 1] stored as "images" in a safetensors file (the PyTorch anchor's bench/pytorch/dcgan_anchor.py
// output; with
// `--conditional`, 1,000 per class in class order).
//
//   build/examples/gan_score dcgan runs/fashion_dcgan/last.safetensors
//   build/examples/gan_score images runs/torch_dcgan/samples.safetensors [--conditional]
#include <cstring>
#include <iostream>

#include "strata/io/safetensors.h"
#include "strata/models/dcgan.h"
#include "strata/models/fid_fmnist.h"
#include "strata/models/zoo.h"
#include "strata/strata.h"

using namespace strata;

int main(int argc, char** argv) try {
  if (argc < 3) {
    std::cerr << "usage: gan_score dcgan|cgan|wgan_gp CHECKPOINT | gan_score images FILE [--conditional]\n";
    return 2;
  }
  const std::string kind = argv[1], path = argv[2];
  const bool conditional = kind == "cgan" || (argc > 3 && std::strcmp(argv[3], "--conditional") == 0);
  constexpr int64_t kN = 10000;
  std::vector<int64_t> l(kN);
  for (int64_t i = 0; i < kN; ++i) l[static_cast<size_t>(i)] = i * 10 / kN;
  const Tensor labels = from_vector<int64_t>(l, {kN});
  Tensor images;
  if (kind == "images") {
    images = io::read_safetensors(path).tensors.at("images");
  } else {
    auto model = models::create(kind, {});
    const io::SafetensorsFile file = io::read_safetensors(path);
    nn::StateDict state;
    for (const auto& [k, v] : file.tensors)
      if (k.rfind("model.", 0) == 0) state[k.substr(6)] = v;
    model->load_state_dict(state);
    auto& gen_model = dynamic_cast<models::GenerativeModel&>(*model);
    Generator g(0);
    std::vector<Tensor> parts;
    for (int64_t i = 0; i < kN; i += 1000)
      parts.push_back(gen_model.sample(1000, conditional ? labels.slice(0, i, i + 1000) : Tensor(), g));
    images = ops::cat(parts, 0);
  }
  models::FidFmnist fid;
  const double score = fid.score(images);
  std::cout << fmt::format("{{\"model\": \"{}\", \"fid_fmnist\": {:.3f}", kind, score);
  if (conditional)
    std::cout << fmt::format(", \"class_accuracy\": {:.4f}", fid.class_accuracy(images, labels));
  std::cout << fmt::format(", \"classifier_test_accuracy\": {:.4f}}}", fid.test_accuracy()) << std::endl;
  return 0;
} catch (const std::exception& e) {
  std::cerr << "gan_score: " << e.what() << "\n";
  return 1;
}
