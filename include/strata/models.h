#pragma once
#include "strata/models/lenet.h"
#include "strata/models/mlp.h"
#include "strata/models/mobilenet_v2.h"
#include "strata/models/resnet.h"
#include "strata/models/transformer_seq2seq.h"
#include "strata/models/vgg.h"
#include "strata/models/zoo.h"
