// FID-FMNIST's reference points (models/fid_fmnist.h): the classifier's test accuracy, and the score of real
// images — 10,000 Fashion-MNIST training images against the test set (the floor a perfect generator nears) —
// and of uniform noise. Needs the checkpoint of scripts/train-fid-classifier.
//
//   build/examples/fid_fmnist
#include <iostream>

#include "strata/data.h"
#include "strata/models/fid_fmnist.h"
#include "strata/strata.h"

using namespace strata;

int main() try {
  models::FidFmnist fid;
  std::cout << "classifier test accuracy " << fid.test_accuracy() << "\n";
  const data::FashionMNIST train(true);
  std::cout << "FID-FMNIST of 10,000 real training images " << fid.score(train.inputs().slice(0, 0, 10000))
            << "\n";
  Generator gen(0);
  std::cout << "FID-FMNIST of 10,000 uniform-noise images " << fid.score(rand({10000, 1, 28, 28}, {}, &gen))
            << "\n";
  return 0;
} catch (const Error& e) {
  std::cerr << "error: " << e.what() << "\n";
  return 1;
}
