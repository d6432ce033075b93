// Multiple sequence alignments as categorical data for Potts models.
//
// An alignment of n sequences over L columns becomes a matrix codes [n, L]
// (row-major float32, one sequence per row) whose entries are the integer
// codes 0..q-1 of an Alphabet (alphabet.hpp), stored as floats.
//
// Formats, recognized by content (the first non-blank line):
//
//   '>'             FASTA. Aligned FASTA (.fa, .fasta, .afa, .aln, ...):
//                   a header line ">NAME description" then the sequence,
//                   which may span lines (spaces and tabs inside are
//                   skipped); every column is kept, '.' and '-' are gaps,
//                   lowercase letters are their uppercase residues.
//                   A2M (the path ends in .a2m or .a2m.gz, or
//                   AlignmentOptions::a2m): uppercase letters and '-' are
//                   match columns, lowercase letters and '.' are insert
//                   states and are dropped, so rows may differ in raw length
//                   but must agree in match length (SAM/HMMER/HH-suite's A2M).
//   '# STOCKHOLM'   Stockholm 1.0 (Pfam, HMMER, Rfam, Dfam): "NAME  RESIDUES"
//                   lines, in one block or interleaved blocks separated by
//                   blank lines (each block names every sequence once, in any
//                   order); #=GF, #=GS, #=GR, other #=GC lines and comments
//                   are ignored; "//" ends the alignment. One alignment per
//                   file: anything but blank lines after "//" is an error
//                   (split multi-family files such as Pfam-A.seed first).
//                   With a "#=GC RF" line, columns whose RF character is a
//                   gap or missing-data character ('.', '-', '_', '~') are
//                   insert columns and are dropped (HMMER's hmmbuild --hand
//                   convention); without one every column is kept. '.' and
//                   '-' are gaps, lowercase letters their uppercase residues.
//
// A sequence's name is the first word of its FASTA header (the description
// after it is dropped), or its Stockholm name.
//
// Letters outside the alphabet (ambiguity codes such as X, B, Z in protein or
// N in DNA, which real alignments hold: HMMER's testsuite/20aa-alitest.sto
// has X) are an error by default, naming the letter, its line and column and
// the alphabet: a Potts model has no state for them, and mapping them
// silently would hide a wrong --alphabet. AlignmentOptions::unknown_as_gap
// (the CLI's --unknown-as-gap) reads them as the gap, as many DCA programs
// do; it needs an alphabet with a gap '-'. Only kept columns are checked.
//
// Bad input throws FileError(path, ...) naming the line (and column): an
// unknown letter, ragged rows (the sequence, its length, the expected one),
// no sequences, a sequence of length 0, a Stockholm name twice in one block
// or missing from a block, a missing "//", bytes that are not text. The
// parser is linear in the input; besides the input it holds one byte per
// residue and 16 bytes per line (per run of match states in A2M) while
// parsing, then the float matrix (4 bytes per kept residue).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "logz/data/alphabet.hpp"
#include "logz/math/matrix.hpp"

namespace logz {

struct Alignment {
  std::vector<std::string> names;  // one per row of `codes`
  MatrixF codes;                   // [n, L], entries 0..q-1
  Alphabet alphabet;
  std::string format;  // "fasta", "a2m" or "stockholm"
};

struct AlignmentOptions {
  // Read letters outside the alphabet as the gap instead of failing.
  bool unknown_as_gap = false;
  // A2M rules for FASTA content (read_alignment sets it for .a2m paths).
  bool a2m = false;
};

// Reads an alignment file (optionally gzip-compressed).
Alignment read_alignment(const std::string& path, const Alphabet& alphabet,
                         const AlignmentOptions& options = {});

// The parser, on bytes already in memory; `path` names the source in errors.
Alignment parse_alignment(const std::vector<std::uint8_t>& bytes, const std::string& path,
                          const Alphabet& alphabet, const AlignmentOptions& options = {});

// The path's extension is an alignment's: .sto, .stk, .stockholm, .a2m,
// .fa, .fasta, .afa, .aln, each optionally followed by .gz.
bool has_alignment_extension(const std::string& path);
// The first non-blank line starts with '>' or "# STOCKHOLM".
bool looks_like_alignment(const std::vector<std::uint8_t>& bytes);

// FASTA text of an alignment: ">NAME" then the letters of the codes, 60 per
// line (the width of NCBI's and EMBOSS's FASTA files), gaps as '-'. Empty
// `names` writes sequence_1, sequence_2, ...; otherwise there is one name per
// row. Throws Error for a code outside [0, q) or a name holding a line break.
std::string to_fasta(const std::vector<std::string>& names, ConstMatrixRef codes,
                     const Alphabet& alphabet);
// The same text written atomically (io/file.hpp); gzip-compressed when the
// path ends in ".gz".
void write_fasta(const std::string& path, const std::vector<std::string>& names,
                 ConstMatrixRef codes, const Alphabet& alphabet);

}  // namespace logz
