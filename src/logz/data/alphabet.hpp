// Alphabets of categorical data: letters <-> integer codes 0..q-1.
//
// A Potts model's site takes one of q states; an alignment stores them as
// letters. `letters[k]` is the letter of code k, so q = letters.size().
// Built-in alphabets put the gap first (code 0), then the residues in
// alphabetical order of their one-letter codes, the order of plmc and CCMpred:
//
//   protein  "-ACDEFGHIKLMNPQRSTVWY"   q = 21
//   dna      "-ACGT"                   q = 5
//   rna      "-ACGU"                   q = 5
//
// Lookup (code_of):
//   - a letter of the alphabet gives its code;
//   - otherwise the same letter in the other case gives that letter's code
//     (a lowercase residue, as Stockholm and A2M files write inserts and
//     unaligned positions, is the residue), unless the alphabet holds both
//     cases as distinct letters;
//   - '.' and '-' both give the gap code when the alphabet has '-' (and no
//     '.' of its own): alignments write gaps either way;
//   - anything else is unknown: -1. Ambiguity codes (X, B, Z, J, U, O in
//     protein; N, R, Y, ... in DNA) are unknown in the built-ins, since a
//     Potts model has no state for them; alignment.hpp decides what to do.
#pragma once

#include <array>
#include <cstdint>
#include <string>

namespace logz {

struct Alphabet {
  // The protein alphabet.
  Alphabet();
  // Explicit letters: unique printable non-space ASCII characters, at least 2
  // (else SettingError("--alphabet")). `name` is the built-in's name, or
  // empty for letters the user chose.
  explicit Alphabet(std::string letters, std::string name = "");

  std::string letters;
  std::string name;

  int size() const { return static_cast<int>(letters.size()); }
  // The code of `c` (see the rules above), or -1 when `c` is not in the alphabet.
  int code_of(char c) const { return table_[static_cast<unsigned char>(c)]; }
  // The code of '-', or -1 when the alphabet has no gap.
  int gap_code() const { return code_of('-'); }
  char letter_of(int code) const { return letters[static_cast<std::size_t>(code)]; }
  // For metadata and messages: "protein", "dna", "rna", or the letters.
  std::string name_or_letters() const { return name.empty() ? letters : name; }

 private:
  std::array<std::int8_t, 256> table_{};
};

Alphabet protein_alphabet();
Alphabet dna_alphabet();
Alphabet rna_alphabet();

// "protein", "dna", "rna" (the built-ins) or explicit letters such as "-ACGT"
// or "01"; throws SettingError("--alphabet", ...) for anything else.
Alphabet parse_alphabet(const std::string& text);

}  // namespace logz
