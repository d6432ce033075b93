#include "logz/io/png.hpp"

#include <zlib.h>

#include <cstdlib>
#include <fmt/format.h>

#include "logz/error.hpp"
#include "logz/io/file.hpp"

namespace {

// stb's own deflate is 20-50% larger than zlib's (its documentation says so);
// logz links zlib anyway. stb frees the buffer with free().
unsigned char* zlib_compress(unsigned char* data, int data_length, int* out_length,
                             int /*quality*/) {
  uLongf length = compressBound(static_cast<uLong>(data_length));
  auto* out = static_cast<unsigned char*>(std::malloc(length));
  if (out == nullptr) return nullptr;
  if (compress2(out, &length, data, static_cast<uLong>(data_length), Z_BEST_COMPRESSION) != Z_OK) {
    std::free(out);
    return nullptr;
  }
  *out_length = static_cast<int>(length);
  return out;
}

}  // namespace

// The one translation unit that compiles stb_image_write, with its functions
// private to it (static) and no stdio.
#define STB_IMAGE_WRITE_IMPLEMENTATION
#define STB_IMAGE_WRITE_STATIC
#define STBI_WRITE_NO_STDIO
#define STBIW_ZLIB_COMPRESS zlib_compress
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <stb/stb_image_write.h>
#pragma GCC diagnostic pop

namespace logz {

GrayImage::GrayImage(int width_, int height_, std::uint8_t level)
    : width(width_),
      height(height_),
      pixels(static_cast<std::size_t>(width_) * static_cast<std::size_t>(height_), level) {}

std::vector<std::uint8_t> encode_png(const GrayImage& image) {
  if (image.width <= 0 || image.height <= 0 ||
      image.pixels.size() !=
          static_cast<std::size_t>(image.width) * static_cast<std::size_t>(image.height)) {
    throw Error(fmt::format("cannot encode a {} x {} image of {} pixels as PNG", image.width,
                            image.height, image.pixels.size()));
  }
  std::vector<std::uint8_t> bytes;
  const auto append = [](void* context, void* data, int size) {
    auto* out = static_cast<std::vector<std::uint8_t>*>(context);
    const auto* begin = static_cast<const std::uint8_t*>(data);
    out->insert(out->end(), begin, begin + size);
  };
  if (stbi_write_png_to_func(append, &bytes, image.width, image.height, 1, image.pixels.data(),
                             image.width) == 0) {
    throw Error(fmt::format("PNG encoding of a {} x {} image failed (out of memory?)", image.width,
                            image.height));
  }
  return bytes;
}

void write_png(const std::string& path, const GrayImage& image) {
  write_file_atomic(path, encode_png(image));
}

}  // namespace logz
