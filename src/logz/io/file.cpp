#include "logz/io/file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fmt/format.h>

#include "logz/error.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {

namespace {

// zlib's messages start with the path; the FileError already does.
std::string gzip_message(gzFile file, const std::string& path, int& code) {
  std::string message = gzerror(file, &code);
  if (message.starts_with(path + ": ")) message.erase(0, path.size() + 2);
  return message;
}

}  // namespace

std::uint64_t default_max_file_bytes() {
  constexpr std::uint64_t kCeiling = std::uint64_t{1} << 36;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages <= 0 || page_size <= 0) return kCeiling;
  const std::uint64_t memory = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
  return std::min(kCeiling, memory / 2);
}

std::vector<std::uint8_t> read_file_bytes(const std::string& path, std::uint64_t max_bytes) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw FileError(path, "is a folder, not a file");
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) {
    throw FileError(path, errno != 0 ? std::strerror(errno) : "cannot open");
  }
  gzbuffer(file, 1 << 17);
  std::vector<std::uint8_t> bytes;
  // The file's size: all of a plain file, and a start for a gzipped one (so
  // that a plain file is read without growing, and copying, its buffer).
  const std::uintmax_t size = std::filesystem::file_size(path, ec);
  if (!ec) bytes.reserve(static_cast<std::size_t>(std::min<std::uintmax_t>(size, max_bytes)) + 1);
  constexpr std::size_t kChunk = std::size_t{1} << 20;
  for (;;) {
    const std::size_t old_size = bytes.size();
    // What is left of the reserved room (at most 1 GB: gzread's count is an
    // int), else another chunk.
    const std::size_t room = bytes.capacity() - old_size;
    const std::size_t chunk = room > 0 ? std::min(room, std::size_t{1} << 30) : kChunk;
    bytes.resize(old_size + chunk);
    const int got = gzread(file, bytes.data() + old_size, static_cast<unsigned>(chunk));
    if (got < 0) {
      const int read_errno = errno;
      int code = 0;
      const std::string message = gzip_message(file, path, code);
      gzclose(file);
      throw FileError(path, code == Z_ERRNO
                                ? std::string(std::strerror(read_errno))
                                : fmt::format("damaged gzip data after {} decompressed bytes ({})",
                                              old_size, message));
    }
    bytes.resize(old_size + static_cast<std::size_t>(got));
    if (bytes.size() > max_bytes) {
      gzclose(file);
      throw FileError(path, fmt::format("more than {} bytes once decompressed, the most logz "
                                        "loads: a data set too large for this machine, or a gzip "
                                        "bomb", max_bytes));
    }
    if (got == 0) break;
  }
  // A gzip stream cut short reads as end-of-file; gzclose reports it.
  int code = 0;
  const std::string message = gzip_message(file, path, code);
  const int closed = gzclose(file);
  if (code != Z_OK || closed == Z_BUF_ERROR) {
    throw FileError(path, fmt::format("damaged or truncated gzip data after {} decompressed "
                                      "bytes{}", bytes.size(),
                                      message.empty() ? std::string() : " (" + message + ")"));
  }
  return bytes;
}

void write_file_atomic(const std::string& path, std::span<const std::uint8_t> bytes) {
  // Under MPI every rank computes the same result; rank 0 alone writes it.
  if (!Communicator::world().root()) return;
  namespace fs = std::filesystem;
  const fs::path target(path);
  const fs::path folder = target.has_parent_path() ? target.parent_path() : fs::path(".");
  std::string temporary = (folder / ("." + target.filename().string() + ".tmp-XXXXXX")).string();
  const int fd = mkstemp(temporary.data());
  if (fd < 0) throw FileError(path, std::string("cannot create a file beside it: ") + std::strerror(errno));
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd, bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = std::strerror(errno);
      ::close(fd);
      ::unlink(temporary.c_str());
      throw FileError(path, "write failed: " + reason);
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0 || ::fsync(fd) != 0 || ::close(fd) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw FileError(path, "write failed: " + reason);
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    const std::string reason = std::strerror(errno);
    ::unlink(temporary.c_str());
    throw FileError(path, "cannot replace: " + reason);
  }
}

void write_file_atomic(const std::string& path, std::string_view text) {
  write_file_atomic(path, std::span<const std::uint8_t>(
                              reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::vector<std::uint8_t> gzip_bytes(std::span<const std::uint8_t> bytes) {
  z_stream stream{};
  // windowBits 15 + 16 selects the gzip wrapper.
  if (deflateInit2(&stream, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("zlib: cannot start compression");
  }
  std::vector<std::uint8_t> out(deflateBound(&stream, static_cast<uLong>(bytes.size())));
  stream.next_in = const_cast<Bytef*>(bytes.data());
  stream.avail_in = static_cast<uInt>(bytes.size());
  stream.next_out = out.data();
  stream.avail_out = static_cast<uInt>(out.size());
  const int result = deflate(&stream, Z_FINISH);
  deflateEnd(&stream);
  if (result != Z_STREAM_END) throw Error("zlib: compression failed");
  out.resize(stream.total_out);
  return out;
}

bool file_exists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

}  // namespace logz
