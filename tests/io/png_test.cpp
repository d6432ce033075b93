#include "logz/io/png.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "logz/error.hpp"
#include "logz/io/file.hpp"
#include "testing/temp_dir.hpp"

// The decoder comes from the same Debian package (libstb-dev) but is a
// separate program from the encoder: a round trip through it checks the bytes.
#define STB_IMAGE_IMPLEMENTATION
#define STB_IMAGE_STATIC
#define STBI_ONLY_PNG
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#include <stb/stb_image.h>
#pragma GCC diagnostic pop

namespace logz {
namespace {

GrayImage gradient_image(int width, int height) {
  GrayImage image(width, height);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x)
      image.at(x, y) = static_cast<std::uint8_t>((x * 7 + y * 31) % 256);
  }
  return image;
}

// Big-endian 32-bit number at `offset`.
std::uint32_t be32(const std::vector<std::uint8_t>& bytes, std::size_t offset) {
  return (std::uint32_t{bytes[offset]} << 24) | (std::uint32_t{bytes[offset + 1]} << 16) |
         (std::uint32_t{bytes[offset + 2]} << 8) | std::uint32_t{bytes[offset + 3]};
}

TEST(Png, StartsWithTheSignatureAndAGrayIhdrOfTheImagesSize) {
  const std::vector<std::uint8_t> bytes = encode_png(gradient_image(37, 11));
  const std::uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  ASSERT_GT(bytes.size(), 33u);
  EXPECT_EQ(std::memcmp(bytes.data(), signature, 8), 0);
  EXPECT_EQ(be32(bytes, 8), 13u);  // IHDR's length
  EXPECT_EQ(std::memcmp(bytes.data() + 12, "IHDR", 4), 0);
  EXPECT_EQ(be32(bytes, 16), 37u);  // width
  EXPECT_EQ(be32(bytes, 20), 11u);  // height
  EXPECT_EQ(bytes[24], 8);          // bit depth
  EXPECT_EQ(bytes[25], 0);          // colour type: grayscale
}

TEST(Png, DecodesBackToTheSamePixels) {
  for (const auto& [width, height] : {std::pair{1, 1}, std::pair{37, 11}, std::pair{300, 200}}) {
    const GrayImage image = gradient_image(width, height);
    const std::vector<std::uint8_t> bytes = encode_png(image);
    int w = 0, h = 0, channels = 0;
    stbi_uc* decoded = stbi_load_from_memory(bytes.data(), static_cast<int>(bytes.size()), &w, &h,
                                             &channels, 0);
    ASSERT_NE(decoded, nullptr) << stbi_failure_reason();
    EXPECT_EQ(w, width);
    EXPECT_EQ(h, height);
    EXPECT_EQ(channels, 1);
    EXPECT_EQ(std::memcmp(decoded, image.pixels.data(), image.pixels.size()), 0);
    stbi_image_free(decoded);
  }
}

TEST(Png, WritePngWritesTheEncodedBytesAndNamesAnUnwritablePath) {
  testing::TempDir dir;
  const GrayImage image = gradient_image(20, 30);
  const std::string path = dir.file("grid.png");
  write_png(path, image);
  EXPECT_EQ(read_file_bytes(path), encode_png(image));
  const std::string unwritable = dir.file("no-such-folder/grid.png");
  try {
    write_png(unwritable, image);
    ADD_FAILURE() << "expected a FileError";
  } catch (const FileError& e) {
    EXPECT_EQ(e.path(), unwritable);
  }
}

TEST(Png, RefusesAnEmptyOrInconsistentImage) {
  EXPECT_THROW(encode_png(GrayImage()), Error);
  GrayImage wrong(4, 4);
  wrong.pixels.pop_back();
  EXPECT_THROW(encode_png(wrong), Error);
}

}  // namespace
}  // namespace logz
