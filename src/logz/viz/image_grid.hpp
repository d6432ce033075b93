// Pictures of what a model has learned: rows of a matrix (samples, data,
// filters) drawn as tiles of a grid in gray levels.
//
// Each row of `rows` [n, units] is one tile. A row whose length is a perfect
// square is drawn as a side x side image (784 -> 28 x 28, row-major, as
// MNIST stores its pixels); any other row as a horizontal bar of 1 x units
// cells, one cell per unit, and bars are stacked in one column, so the
// picture reads like the data matrix itself. Each unit is a scale x scale
// block of pixels; tiles are separated by lines of 1 pixel (whatever the
// scale) at `separator_level`, which also fills the grid's unused cells.
//
// Gray levels (0 black, 255 white):
//   unit_interval   x in [0, 1] -> round(255 x), clamped: samples and
//                   probabilities, 1 (a pixel on, ink) white
//   tile_range      each tile's own min -> black and max -> white: filters,
//                   whose scales differ (a constant tile is mid-gray)
//   symmetric       0 -> mid-gray (128), +m white, -m black, with m the
//                   largest |x| of all tiles: signed weights such as couplings
#pragma once

#include <cstdint>

#include "logz/io/png.hpp"
#include "logz/math/matrix.hpp"

namespace logz {

struct TileShape {
  Index height = 0;
  Index width = 0;
};

// side x side for a perfect square, else the bar 1 x units.
TileShape tile_shape_for(Index units);

enum class GrayScale { unit_interval, tile_range, symmetric };

struct GridOptions {
  TileShape tile;      // 0 x 0: tile_shape_for(units)
  Index columns = 0;   // tiles per grid row; 0: ceil(sqrt(n)) (bars: 1)
  int scale = 0;       // pixels per unit along each side; 0: automatic (see plan_grid)
  GrayScale gray = GrayScale::unit_interval;
  std::uint8_t separator_level = 128;
};

// Where every tile goes.
struct GridLayout {
  TileShape tile;
  Index tiles = 0;
  Index columns = 0;
  Index rows = 0;
  int scale = 1;

  int width() const;   // pixels
  int height() const;
  int tile_left(Index i) const;  // pixel column of tile i's first pixel
  int tile_top(Index i) const;
};

// The layout of `tiles` tiles of `units` values. The automatic scale makes a
// tile's longer side at least 48 pixels (28 x 28 digits: 2), then lowers it
// while the image would be wider or taller than 2,048 pixels, down to 1.
// Throws Error when units does not fill the tile shape, or the image would
// pass 2^28 pixels or 65,535 on a side.
GridLayout plan_grid(Index tiles, Index units, const GridOptions& options = {});

// The picture of `rows` laid out by plan_grid(rows.rows(), rows.cols(), options).
GrayImage image_grid(ConstMatrixRef rows, const GridOptions& options = {});

}  // namespace logz
