#include "logz/data/alphabet.hpp"

#include <fmt/format.h>

#include <cctype>

#include "logz/error.hpp"

namespace logz {
namespace {

constexpr const char* kProtein = "-ACDEFGHIKLMNPQRSTVWY";
constexpr const char* kDna = "-ACGT";
constexpr const char* kRna = "-ACGU";

bool is_letter_character(char c) {
  return c > ' ' && c < 0x7f;
}

}  // namespace

Alphabet::Alphabet() : Alphabet(kProtein, "protein") {}

Alphabet::Alphabet(std::string letters_, std::string name_)
    : letters(std::move(letters_)), name(std::move(name_)) {
  if (letters.size() < 2) {
    throw SettingError("--alphabet", fmt::format("\"{}\" has {} letter(s); an alphabet needs at "
                                                 "least 2 (or name protein, dna or rna)",
                                                 printable(letters), letters.size()));
  }
  table_.fill(-1);
  for (std::size_t k = 0; k < letters.size(); ++k) {
    const char c = letters[k];
    if (!is_letter_character(c)) {
      throw SettingError("--alphabet", fmt::format("\"{}\": letter {} is not a printable "
                                                   "non-space character",
                                                   printable(letters), k + 1));
    }
    if (table_[static_cast<unsigned char>(c)] >= 0) {
      throw SettingError("--alphabet",
                         fmt::format("\"{}\" holds '{}' twice", printable(letters), c));
    }
    table_[static_cast<unsigned char>(c)] = static_cast<std::int8_t>(k);
  }
  // The other case of a letter, where that is not a letter of its own.
  for (std::size_t k = 0; k < letters.size(); ++k) {
    const auto c = static_cast<unsigned char>(letters[k]);
    for (const int other : {std::tolower(c), std::toupper(c)}) {
      if (other != c && table_[static_cast<unsigned char>(other)] < 0) {
        table_[static_cast<unsigned char>(other)] = static_cast<std::int8_t>(k);
      }
    }
  }
  // '.' is a gap as '-' is, unless it is a letter of its own.
  if (table_[static_cast<unsigned char>('.')] < 0) {
    table_[static_cast<unsigned char>('.')] = table_[static_cast<unsigned char>('-')];
  }
}

Alphabet protein_alphabet() {
  return Alphabet(kProtein, "protein");
}
Alphabet dna_alphabet() {
  return Alphabet(kDna, "dna");
}
Alphabet rna_alphabet() {
  return Alphabet(kRna, "rna");
}

Alphabet parse_alphabet(const std::string& text) {
  if (text == "protein") return protein_alphabet();
  if (text == "dna") return dna_alphabet();
  if (text == "rna") return rna_alphabet();
  if (text.empty()) {
    throw SettingError("--alphabet", "is empty: name protein, dna, rna or the letters");
  }
  return Alphabet(text);
}

}  // namespace logz
