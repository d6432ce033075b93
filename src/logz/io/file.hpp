// Whole-file reads and atomic writes.
//
// read_file_bytes reads a file that may be gzip-compressed (zlib detects it),
// so every reader accepts "x.idx" and "x.idx.gz" alike. Readers parse the
// bytes in memory: a header's claimed sizes are checked against the bytes
// actually present before anything is allocated from them.
//
// write_file_atomic writes to a temporary file in the same folder, flushes it
// to disk and renames it over the target: a reader (or a crash) sees either
// the old file or the new one, never a half-written file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace logz {

// Throws FileError naming the path when the file is missing, unreadable or
// a damaged gzip stream. `max_bytes` bounds the decompressed size.
std::vector<std::uint8_t> read_file_bytes(const std::string& path,
                                          std::uint64_t max_bytes = std::uint64_t{1} << 36);

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes);
void write_file_atomic(const std::string& path, std::string_view text);

bool file_exists(const std::string& path);

// The gzip encoding of `bytes` (what `gzip -9` would write, without a name).
std::vector<std::uint8_t> gzip_bytes(std::span<const std::uint8_t> bytes);

}  // namespace logz
