// 8-bit grayscale images and their PNG encoding.
//
// encode_png gives the bytes of a PNG file (colour type 0, bit depth 8; zlib
// at its best compression) by stb_image_write, from Debian's libstb-dev;
// write_png writes them atomically (io/file.hpp), like every file logz writes.
// Pixels are row-major, top row first, 0 black and 255 white.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace logz {

struct GrayImage {
  GrayImage() = default;
  // A width x height image with every pixel at `level`.
  GrayImage(int width, int height, std::uint8_t level = 0);

  int width = 0;
  int height = 0;
  std::vector<std::uint8_t> pixels;  // [height * width], row-major

  std::uint8_t& at(int x, int y) { return pixels[static_cast<std::size_t>(y) * width + x]; }
  std::uint8_t at(int x, int y) const { return pixels[static_cast<std::size_t>(y) * width + x]; }
};

// Throws Error for an empty image or one whose pixels do not match its size.
std::vector<std::uint8_t> encode_png(const GrayImage& image);

// Throws FileError naming `path` when it cannot be written.
void write_png(const std::string& path, const GrayImage& image);

}  // namespace logz
