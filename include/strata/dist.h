#pragma once
// Data-parallel training over MPI (link strata::dist): process groups, collectives, DDP, samplers.
#include "strata/dist/collectives.h"
#include "strata/dist/distributed_data_parallel.h"
#include "strata/dist/distributed_sampler.h"
#include "strata/dist/federated_clients.h"
#include "strata/dist/logs.h"
#include "strata/dist/process_group.h"
#include "strata/dist/sync_batch_norm.h"
#include "strata/dist/zero_redundancy_optimizer.h"
