// What a model has learned, as pictures (image_grid.hpp draws them):
//
//   filters_picture   a Bernoulli RBM's filters: column j of W [V, H], the
//                     weights from hidden unit j to every visible unit, drawn
//                     as an image of the visible layer, each scaled to its
//                     own min (black) .. max (white), as is customary since
//                     the filters' scales differ. An Ising model has no
//                     filters; its couplings J [n, n] are drawn as one n x n
//                     image, 0 mid-gray, +max|J| white, -max|J| black.
//   samples_picture   visible states or probabilities, one tile each,
//                     0 black and 1 white.
#pragma once

#include <string>

#include "logz/models/energy_model.hpp"
#include "logz/viz/image_grid.hpp"

namespace logz {

struct Picture {
  GrayImage image;
  GridLayout layout;
  std::string what;   // "filters", "couplings" or "samples"
  Index available = 0;  // filters the model has (all drawn when max_filters allows)
};

// The first `max_filters` filters (0: all). Throws SettingError naming
// `flag` for a model that has neither filters nor couplings.
Picture filters_picture(const EnergyModel& model, Index max_filters = 0, int scale = 0,
                        const std::string& flag = "--filters");

Picture samples_picture(ConstMatrixRef rows, int scale = 0);

// "784 x 25 Bernoulli RBM", "100-unit Ising model".
std::string describe_model(const EnergyModel& model);

}  // namespace logz
