#pragma once
// Everything under strata/data/image: image files, ImageFolder, the emoji set, augmentation, MixUp/CutMix.
#include "strata/data/image/augmented_dataset.h"
#include "strata/data/image/emoji.h"
#include "strata/data/image/functional.h"
#include "strata/data/image/grid.h"
#include "strata/data/image/image_folder.h"
#include "strata/data/image/io.h"
#include "strata/data/image/mix.h"
#include "strata/data/image/near_duplicates.h"
#include "strata/data/image/spec.h"
#include "strata/data/image/transforms.h"
