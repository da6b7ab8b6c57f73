#pragma once
// Federated learning: clients, server, partitions, secure aggregation, DP-SGD and its accountant.
#include "strata/fed/client.h"
#include "strata/fed/dp_sgd.h"
#include "strata/fed/gaussian_noise.h"
#include "strata/fed/model_vector.h"
#include "strata/fed/partition.h"
#include "strata/fed/per_sample_grad.h"
#include "strata/fed/rdp_accountant.h"
#include "strata/fed/secure_aggregation.h"
#include "strata/fed/server.h"
