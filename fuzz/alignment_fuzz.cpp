// libFuzzer target: parse_alignment (src/logz/data/alignment.cpp and
// stockholm.cpp) on arbitrary bytes. The first byte picks the rules (bit 0:
// A2M, bit 1: unknown letters as gaps, bit 2: DNA instead of protein), the
// rest is the file, so every path of the parser is reachable.
#include "fuzz_parser.hpp"
#include "logz/data/alignment.hpp"

namespace {

void check_alignment(const logz::Alignment& alignment) {
  using logz::fuzz::fail;
  const logz::MatrixF& codes = alignment.codes;
  if (codes.rows() == 0 || codes.cols() == 0) fail("Alignment", "empty codes returned");
  if (static_cast<logz::Index>(alignment.names.size()) != codes.rows()) {
    fail("Alignment", "names differ from rows");
  }
  const float q = static_cast<float>(alignment.alphabet.size());
  for (logz::Index i = 0; i < codes.size(); ++i) {
    const float code = codes.data()[i];
    if (!(code >= 0.0f && code < q) || code != static_cast<float>(static_cast<int>(code))) {
      fail("Alignment", "a code outside 0..q-1");
    }
  }
  // What was read writes back as FASTA and reads again to the same codes.
  const std::string text = logz::to_fasta({}, codes, alignment.alphabet);
  const logz::Alignment again = logz::parse_alignment(
      std::vector<std::uint8_t>(text.begin(), text.end()), "round-trip", alignment.alphabet);
  if (again.codes != codes) fail("Alignment", "to_fasta does not read back to the same codes");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t rules = data[0];
  logz::AlignmentOptions options;
  options.a2m = (rules & 1) != 0;
  options.unknown_as_gap = (rules & 2) != 0;
  const logz::Alphabet alphabet =
      (rules & 4) != 0 ? logz::dna_alphabet() : logz::protein_alphabet();
  return logz::fuzz::run_parser(
      data + 1, size - 1,
      [&](const std::vector<std::uint8_t>& bytes, const std::string& path) {
        return logz::parse_alignment(bytes, path, alphabet, options);
      },
      check_alignment);
}
