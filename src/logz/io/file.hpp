// Whole-file reads and atomic writes.
//
// read_file_bytes reads a file that may be gzip-compressed (zlib detects it),
// so every reader accepts "x.idx" and "x.idx.gz" alike. Readers parse the
// bytes in memory: a header's claimed sizes are checked against the bytes
// actually present before anything is allocated from them.
//
// write_file_atomic writes to a temporary file in the same folder, flushes it
// to disk and renames it over the target: a reader (or a crash) sees either
// the old file or the new one, never a half-written file. Under MPI only
// rank 0 writes (the others hold the same bytes); the call does nothing on
// the other ranks.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace logz {

// The most bytes a file may hold once decompressed: half of this machine's
// physical memory (the data then needs about as much again as float32), and
// never more than 64 GiB. A gzip bomb stops there instead of exhausting memory.
std::uint64_t default_max_file_bytes();

// Throws FileError naming the path when the file is missing, unreadable or
// a damaged gzip stream. `max_bytes` bounds the decompressed size, which no
// header can be trusted to tell in advance: the bytes are read in chunks and
// the read stops with an error as soon as they pass the bound.
std::vector<std::uint8_t> read_file_bytes(const std::string& path,
                                          std::uint64_t max_bytes = default_max_file_bytes());

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes);
void write_file_atomic(const std::string& path, std::string_view text);

bool file_exists(const std::string& path);

// The gzip encoding of `bytes` (what `gzip -9` would write, without a name).
std::vector<std::uint8_t> gzip_bytes(std::span<const std::uint8_t> bytes);

}  // namespace logz
