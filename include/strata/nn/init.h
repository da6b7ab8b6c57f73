#pragma once
// Parameter initialisers (in place, without recording), PyTorch semantics and names.
#include "strata/core/generator.h"
#include "strata/core/tensor.h"

namespace strata::nn::init {

enum class Nonlinearity { Linear, Sigmoid, Tanh, Relu, LeakyRelu, Selu };
enum class FanMode { FanIn, FanOut };

// The recommended gain for a nonlinearity (PyTorch's calculate_gain).
double calculate_gain(Nonlinearity nonlinearity, double param = 0.01);
// (fan_in, fan_out) of a weight: dims 1 and 0 times the receptive field size.
std::pair<int64_t, int64_t> fan_in_and_out(const Tensor& weight);

void uniform_(Tensor& t, double low = 0.0, double high = 1.0, Generator* generator = nullptr);
void normal_(Tensor& t, double mean = 0.0, double std = 1.0, Generator* generator = nullptr);
void constant_(Tensor& t, double value);
void zeros_(Tensor& t);
void ones_(Tensor& t);
void xavier_uniform_(Tensor& t, double gain = 1.0, Generator* generator = nullptr);
void xavier_normal_(Tensor& t, double gain = 1.0, Generator* generator = nullptr);
void kaiming_uniform_(Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                      Nonlinearity nonlinearity = Nonlinearity::LeakyRelu, Generator* generator = nullptr);
void kaiming_normal_(Tensor& t, double a = 0.0, FanMode mode = FanMode::FanIn,
                     Nonlinearity nonlinearity = Nonlinearity::LeakyRelu, Generator* generator = nullptr);
// A (semi-)orthogonal matrix from the QR decomposition of a normal sample, times gain.
void orthogonal_(Tensor& t, double gain = 1.0, Generator* generator = nullptr);

}  // namespace strata::nn::init
