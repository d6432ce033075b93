#include "logz/viz/contact_map.hpp"

#include <algorithm>

namespace logz {

ContactMapPicture contact_map_picture(const ContactScores& scores,
                                      const ContactMapOptions& options) {
  const Index sites = scores.sites;
  GridOptions grid;
  grid.tile = {sites, sites};
  grid.scale = options.scale;
  grid.gray = GrayScale::unit_interval;
  ContactMapPicture picture;
  picture.layout = plan_grid(1, sites * sites, grid);

  // Brightness of each cell in [0, 1] (1 white), one row of L * L cells.
  MatrixF cells = MatrixF::Ones(1, sites * sites);
  const auto cell = [&](Index row, Index column) -> float& {
    return cells(0, row * sites + column);
  };
  for (Index i = 0; i < sites; ++i)
    cell(i, i) = 128.0f / 255.0f;
  double largest = 0.0;
  for (Index i = 0; i < sites; ++i) {
    for (Index j = i + 1; j < sites; ++j)
      largest = std::max(largest, scores.corrected(i, j));
  }
  picture.largest_score = largest;
  if (largest > 0.0) {
    for (Index i = 0; i < sites; ++i) {
      for (Index j = i + 1; j < sites; ++j) {
        const double t = std::clamp(scores.corrected(i, j) / largest, 0.0, 1.0);
        cell(i, j) = static_cast<float>(1.0 - t);
      }
    }
  }
  const std::vector<ContactScore> ranked = scores.ranked(options.min_separation);
  const Index wanted = options.dots > 0 ? options.dots : std::max<Index>(sites / 2, 1);
  picture.dots = std::min<Index>(wanted, static_cast<Index>(ranked.size()));
  for (Index k = 0; k < picture.dots; ++k) {
    const ContactScore& pair = ranked[static_cast<std::size_t>(k)];
    cell(pair.j, pair.i) = 0.0f;
  }
  picture.image = image_grid(cells, grid);
  return picture;
}

}  // namespace logz
