#include "logz/viz/image_grid.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>

#include "logz/error.hpp"

namespace logz {
namespace {

constexpr int kTargetTilePixels = 48;
constexpr int kMaxAutomaticSide = 2048;
constexpr std::int64_t kMaxSide = 65535;
constexpr std::int64_t kMaxPixels = std::int64_t{1} << 28;

std::int64_t side(Index tiles, Index tile, int scale) {
  return tiles * tile * scale + std::max<Index>(tiles - 1, 0);
}

std::uint8_t level(double t) {
  return static_cast<std::uint8_t>(std::lround(255.0 * std::clamp(t, 0.0, 1.0)));
}

}  // namespace

TileShape tile_shape_for(Index units) {
  const auto root = static_cast<Index>(std::llround(std::sqrt(static_cast<double>(units))));
  if (root * root == units) return {root, root};
  return {1, units};
}

int GridLayout::width() const { return static_cast<int>(side(columns, tile.width, scale)); }
int GridLayout::height() const { return static_cast<int>(side(rows, tile.height, scale)); }
int GridLayout::tile_left(Index i) const {
  return static_cast<int>((i % columns) * (tile.width * scale + 1));
}
int GridLayout::tile_top(Index i) const {
  return static_cast<int>((i / columns) * (tile.height * scale + 1));
}

GridLayout plan_grid(Index tiles, Index units, const GridOptions& options) {
  GridLayout layout;
  layout.tile = options.tile.height > 0 ? options.tile : tile_shape_for(units);
  if (tiles < 1 || units < 1 || layout.tile.height * layout.tile.width != units) {
    throw Error(fmt::format("cannot draw {} tiles of {} values as {} x {} images", tiles, units,
                            layout.tile.height, layout.tile.width));
  }
  const bool bars = layout.tile.height == 1 && layout.tile.width > 1;
  layout.tiles = tiles;
  layout.columns = options.columns > 0 ? std::min(options.columns, tiles)
                   : bars              ? 1
                          : static_cast<Index>(std::ceil(std::sqrt(static_cast<double>(tiles))));
  layout.rows = (tiles + layout.columns - 1) / layout.columns;
  if (options.scale > 0) {
    layout.scale = options.scale;
  } else {
    const Index longer = std::max(layout.tile.height, layout.tile.width);
    layout.scale = static_cast<int>(std::max<Index>(1, (kTargetTilePixels + longer - 1) / longer));
    while (layout.scale > 1 && std::max(side(layout.columns, layout.tile.width, layout.scale),
                                        side(layout.rows, layout.tile.height, layout.scale)) >
                                   kMaxAutomaticSide) {
      --layout.scale;
    }
  }
  const std::int64_t width = side(layout.columns, layout.tile.width, layout.scale);
  const std::int64_t height = side(layout.rows, layout.tile.height, layout.scale);
  if (width > kMaxSide || height > kMaxSide || width * height > kMaxPixels) {
    throw Error(fmt::format("a grid of {} tiles of {} x {} at scale {} would be {} x {} pixels, "
                            "too large for a picture", tiles, layout.tile.height,
                            layout.tile.width, layout.scale, width, height));
  }
  return layout;
}

GrayImage image_grid(ConstMatrixRef rows, const GridOptions& options) {
  const GridLayout layout = plan_grid(rows.rows(), rows.cols(), options);
  GrayImage image(layout.width(), layout.height(), options.separator_level);
  double largest = 0.0;
  if (options.gray == GrayScale::symmetric) largest = rows.cwiseAbs().maxCoeff();
  for (Index i = 0; i < layout.tiles; ++i) {
    const auto row = rows.row(i);
    double offset = 0.0, range = 1.0;  // t = (x - offset) / range
    if (options.gray == GrayScale::tile_range) {
      offset = row.minCoeff();
      range = row.maxCoeff() - offset;
    } else if (options.gray == GrayScale::symmetric) {
      offset = -largest;
      range = 2.0 * largest;
    }
    const int left = layout.tile_left(i), top = layout.tile_top(i);
    for (Index u = 0; u < rows.cols(); ++u) {
      const std::uint8_t value =
          range > 0.0 ? level((static_cast<double>(row(u)) - offset) / range) : std::uint8_t{128};
      const int x0 = left + static_cast<int>((u % layout.tile.width) * layout.scale);
      const int y0 = top + static_cast<int>((u / layout.tile.width) * layout.scale);
      for (int dy = 0; dy < layout.scale; ++dy) {
        std::fill_n(&image.at(x0, y0 + dy), layout.scale, value);
      }
    }
  }
  return image;
}

}  // namespace logz
