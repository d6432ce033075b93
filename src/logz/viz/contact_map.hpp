// The contact map of a Potts model as a picture: an L x L image of its
// contact scores (models/contact_scores.hpp), site i's row and column
// i-th from the top left, each site a scale x scale block of pixels.
//
//   upper triangle (row i < column j)   S_ij as a gray level on white:
//                                       255 (white) at S <= 0, 0 (black) at
//                                       the largest S, linear between
//   lower triangle (row j > column i)   the top `dots` pairs (i, j) by S
//                                       black, every other cell white: the
//                                       predicted contacts, as maps of
//                                       predicted and true contacts are
//                                       usually drawn
//   diagonal                            mid-gray (128)
//
// The dots are the first ranked pairs at separation >= min_separation;
// `dots` 0 means floor(L / 2) (at least 1), the customary "top L/2".
#pragma once

#include "logz/models/contact_scores.hpp"
#include "logz/viz/image_grid.hpp"

namespace logz {

struct ContactMapOptions {
  int scale = 0;   // pixels per site along each side; 0: automatic (plan_grid's rule)
  Index dots = 0;  // predicted contacts drawn below the diagonal; 0: floor(L / 2)
  Index min_separation = 1;
};

struct ContactMapPicture {
  GrayImage image;
  GridLayout layout;           // one tile of L x L sites
  Index dots = 0;              // dots drawn
  double largest_score = 0.0;  // S drawn black
};

// Throws Error for a picture too large (plan_grid's limits).
ContactMapPicture contact_map_picture(const ContactScores& scores,
                                      const ContactMapOptions& options = {});

}  // namespace logz
