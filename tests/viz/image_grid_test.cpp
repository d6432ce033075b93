#include "logz/viz/image_grid.hpp"

#include <gtest/gtest.h>

#include "logz/error.hpp"

namespace logz {
namespace {

// Every pixel of tile i (at the layout's scale) equals `level`.
void expect_tile(const GrayImage& image, const GridLayout& layout, Index i,
                 const std::vector<std::uint8_t>& levels) {
  for (Index u = 0; u < layout.tile.height * layout.tile.width; ++u) {
    const int x0 = layout.tile_left(i) + static_cast<int>(u % layout.tile.width) * layout.scale;
    const int y0 = layout.tile_top(i) + static_cast<int>(u / layout.tile.width) * layout.scale;
    for (int dy = 0; dy < layout.scale; ++dy) {
      for (int dx = 0; dx < layout.scale; ++dx) {
        ASSERT_EQ(image.at(x0 + dx, y0 + dy), levels[static_cast<std::size_t>(u)])
            << "tile " << i << ", unit " << u;
      }
    }
  }
}

TEST(TileShape, PerfectSquaresAreSquareImagesOthersBars) {
  EXPECT_EQ(tile_shape_for(784).height, 28);
  EXPECT_EQ(tile_shape_for(784).width, 28);
  EXPECT_EQ(tile_shape_for(1).width, 1);
  EXPECT_EQ(tile_shape_for(9).height, 3);
  EXPECT_EQ(tile_shape_for(10).height, 1);
  EXPECT_EQ(tile_shape_for(10).width, 10);
  EXPECT_EQ(tile_shape_for(783).width, 783);
}

TEST(ImageGrid, SizesFollowTilesColumnsScaleAndOnePixelSeparators) {
  GridOptions options;
  options.scale = 1;
  // 100 digits: 10 x 10 tiles of 28, 9 separators each way.
  GridLayout layout = plan_grid(100, 784, options);
  EXPECT_EQ(layout.columns, 10);
  EXPECT_EQ(layout.rows, 10);
  EXPECT_EQ(layout.width(), 10 * 28 + 9);
  EXPECT_EQ(layout.height(), 10 * 28 + 9);
  // 7 tiles: 3 columns (ceil sqrt 7), 3 rows; the separator stays 1 pixel at scale 3.
  options.scale = 3;
  layout = plan_grid(7, 16, options);
  EXPECT_EQ(layout.columns, 3);
  EXPECT_EQ(layout.rows, 3);
  EXPECT_EQ(layout.width(), 3 * 4 * 3 + 2);
  EXPECT_EQ(layout.tile_left(4), 1 * (4 * 3 + 1));
  EXPECT_EQ(layout.tile_top(4), 1 * (4 * 3 + 1));
  const GrayImage image = image_grid(MatrixF::Zero(7, 16), options);
  EXPECT_EQ(image.width, layout.width());
  EXPECT_EQ(image.height, layout.height());
  // Asked columns are kept.
  options.columns = 2;
  EXPECT_EQ(plan_grid(7, 16, options).rows, 4);
}

TEST(ImageGrid, AutomaticScaleMakesSmallTilesVisibleAndBigGridsFit) {
  EXPECT_EQ(plan_grid(100, 784).scale, 2);   // 28 -> 56 pixels
  EXPECT_EQ(plan_grid(4, 16).scale, 12);     // 4 -> 48 pixels
  EXPECT_EQ(plan_grid(1, 100 * 100).scale, 1);
  const GridLayout many = plan_grid(2500, 784);  // 50 x 50 digits: 2x would pass 2,048 pixels
  EXPECT_EQ(many.scale, 1);
  EXPECT_EQ(many.width(), 50 * 28 + 49);
}

TEST(ImageGrid, UnitIntervalMapsZeroToBlackOneToWhiteAndClamps) {
  MatrixF rows(2, 4);
  rows << 0.0f, 1.0f, 0.5f, 0.25f,  //
      -3.0f, 7.0f, 1.0f, 0.0f;
  GridOptions options;
  options.scale = 2;
  options.separator_level = 77;
  const GrayImage image = image_grid(rows, options);
  const GridLayout layout = plan_grid(2, 4, options);
  expect_tile(image, layout, 0, {0, 255, 128, 64});
  expect_tile(image, layout, 1, {0, 255, 255, 0});
  // The separator column between the two tiles, full height.
  for (int y = 0; y < image.height; ++y) EXPECT_EQ(image.at(2 * 2, y), 77);
}

TEST(ImageGrid, UnusedCellsOfTheLastRowHoldTheSeparatorLevel) {
  GridOptions options;
  options.scale = 1;
  options.separator_level = 9;
  const GrayImage image = image_grid(MatrixF::Ones(3, 4), options);  // 2 x 2 grid, one cell empty
  const GridLayout layout = plan_grid(3, 4, options);
  expect_tile(image, layout, 2, {255, 255, 255, 255});
  for (int y = layout.tile_top(3); y < image.height; ++y) {
    for (int x = layout.tile_left(3); x < image.width; ++x) EXPECT_EQ(image.at(x, y), 9);
  }
}

TEST(ImageGrid, TileRangeNormalizesEachTileToItsOwnMinAndMax) {
  MatrixF rows(3, 4);
  rows << -2.0f, 0.0f, 2.0f, -1.0f,  //
      10.0f, 20.0f, 30.0f, 40.0f,    //
      5.0f, 5.0f, 5.0f, 5.0f;        // constant: mid-gray
  GridOptions options;
  options.scale = 1;
  options.gray = GrayScale::tile_range;
  const GrayImage image = image_grid(rows, options);
  const GridLayout layout = plan_grid(3, 4, options);
  expect_tile(image, layout, 0, {0, 128, 255, 64});
  expect_tile(image, layout, 1, {0, 85, 170, 255});
  expect_tile(image, layout, 2, {128, 128, 128, 128});
}

TEST(ImageGrid, SymmetricPutsZeroAtMidGrayOverAllTiles) {
  MatrixF rows(2, 4);
  rows << -4.0f, 0.0f, 4.0f, 2.0f,  //
      1.0f, -1.0f, 0.0f, 0.0f;
  GridOptions options;
  options.scale = 1;
  options.gray = GrayScale::symmetric;
  const GrayImage image = image_grid(rows, options);
  const GridLayout layout = plan_grid(2, 4, options);
  expect_tile(image, layout, 0, {0, 128, 255, 191});
  expect_tile(image, layout, 1, {159, 96, 128, 128});
}

TEST(ImageGrid, NonSquareRowsAreHorizontalBarsInOneColumn) {
  MatrixF rows(3, 5);
  rows << 1, 0, 1, 0, 1,  //
      0, 0, 0, 0, 0,      //
      1, 1, 1, 1, 1;
  GridOptions options;
  options.scale = 4;
  const GridLayout layout = plan_grid(3, 5, options);
  EXPECT_EQ(layout.tile.height, 1);
  EXPECT_EQ(layout.tile.width, 5);
  EXPECT_EQ(layout.columns, 1);
  EXPECT_EQ(layout.rows, 3);
  const GrayImage image = image_grid(rows, options);
  EXPECT_EQ(image.width, 5 * 4);
  EXPECT_EQ(image.height, 3 * 4 + 2);
  expect_tile(image, layout, 0, {255, 0, 255, 0, 255});
  expect_tile(image, layout, 1, {0, 0, 0, 0, 0});
  expect_tile(image, layout, 2, {255, 255, 255, 255, 255});
  // Automatic scale: the bar's 5 cells reach 48 pixels.
  EXPECT_EQ(plan_grid(3, 5).scale, 10);
}

TEST(ImageGrid, AGivenTileShapeDrawsAMatrixAsOneImage) {
  MatrixF matrix(1, 6);
  matrix << 0, 1, 0, 1, 1, 0;
  GridOptions options;
  options.tile = {2, 3};
  options.scale = 1;
  const GrayImage image = image_grid(matrix, options);
  EXPECT_EQ(image.width, 3);
  EXPECT_EQ(image.height, 2);
  EXPECT_EQ(image.at(1, 0), 255);
  EXPECT_EQ(image.at(0, 1), 255);
  EXPECT_EQ(image.at(2, 1), 0);
}

TEST(ImageGrid, RefusesShapesThatDoNotFitAndPicturesTooLarge) {
  GridOptions options;
  options.tile = {2, 3};
  EXPECT_THROW(plan_grid(1, 7, options), Error);
  EXPECT_THROW(plan_grid(0, 4), Error);
  options = {};
  options.scale = 64;
  EXPECT_THROW(plan_grid(10000, 784, options), Error);
}

}  // namespace
}  // namespace logz
