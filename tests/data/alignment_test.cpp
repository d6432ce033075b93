#include "logz/data/alignment.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>

#include "logz/data/alphabet.hpp"
#include "logz/data/dataset.hpp"
#include "logz/data/sequence_weights.hpp"
#include "logz/error.hpp"
#include "logz/io/file.hpp"
#include "testing/expect_file_error.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::expect_one_line_file_error;
using testing::TempDir;

const std::string kTutorial = "/usr/share/doc/hmmer/examples/tutorial/";
const std::string kTestsuite = "/usr/share/doc/hmmer/examples/testsuite/";

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::uint8_t> bytes_of(const std::string& text) {
  return {text.begin(), text.end()};
}

// An independent reading of a Stockholm file: every "NAME RESIDUES" line,
// residues concatenated per name in order of first appearance.
std::vector<std::pair<std::string, std::string>> stockholm_rows(const std::string& text) {
  std::vector<std::pair<std::string, std::string>> rows;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream words(line);
    std::string name, residues;
    if (!(words >> name >> residues) || name[0] == '#' || name == "//") continue;
    auto it =
        std::find_if(rows.begin(), rows.end(), [&](const auto& r) { return r.first == name; });
    if (it == rows.end()) {
      rows.emplace_back(name, residues);
    } else {
      it->second += residues;
    }
  }
  return rows;
}

// The code a letter should get: its uppercase position in `letters`, gaps 0.
float expected_code(char c, const std::string& letters) {
  if (c == '.') c = '-';
  const std::size_t k =
      letters.find(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  EXPECT_NE(k, std::string::npos) << c;
  return static_cast<float>(k);
}

void expect_matches_text(const Alignment& a,
                         const std::vector<std::pair<std::string, std::string>>& rows) {
  ASSERT_EQ(a.codes.rows(), static_cast<Index>(rows.size()));
  for (std::size_t r = 0; r < rows.size(); ++r) {
    EXPECT_EQ(a.names[r], rows[r].first);
    ASSERT_EQ(a.codes.cols(), static_cast<Index>(rows[r].second.size()));
    for (std::size_t j = 0; j < rows[r].second.size(); ++j) {
      ASSERT_EQ(a.codes(static_cast<Index>(r), static_cast<Index>(j)),
                expected_code(rows[r].second[j], a.alphabet.letters))
          << rows[r].first << " column " << j + 1;
    }
  }
}

TEST(Alphabet, BuiltInsAndLookupRules) {
  const Alphabet protein = parse_alphabet("protein");
  EXPECT_EQ(protein.letters, "-ACDEFGHIKLMNPQRSTVWY");
  EXPECT_EQ(protein.size(), 21);
  EXPECT_EQ(protein.name_or_letters(), "protein");
  EXPECT_EQ(Alphabet().letters, protein.letters);
  EXPECT_EQ(protein.code_of('A'), 1);
  EXPECT_EQ(protein.code_of('a'), 1);
  EXPECT_EQ(protein.code_of('Y'), 20);
  EXPECT_EQ(protein.code_of('-'), 0);
  EXPECT_EQ(protein.code_of('.'), 0);
  EXPECT_EQ(protein.code_of('X'), -1);
  EXPECT_EQ(protein.code_of('B'), -1);
  EXPECT_EQ(protein.code_of('\xff'), -1);
  EXPECT_EQ(parse_alphabet("dna").letters, "-ACGT");
  EXPECT_EQ(parse_alphabet("rna").code_of('u'), 4);
  const Alphabet binary = parse_alphabet("01");
  EXPECT_EQ(binary.name_or_letters(), "01");
  EXPECT_EQ(binary.gap_code(), -1);
  EXPECT_EQ(binary.code_of('-'), -1);
  EXPECT_EQ(binary.code_of('.'), -1);
  // Both cases as distinct letters: each keeps its own code.
  const Alphabet cased = parse_alphabet("aA-");
  EXPECT_EQ(cased.code_of('a'), 0);
  EXPECT_EQ(cased.code_of('A'), 1);
  EXPECT_EQ(cased.code_of('.'), 2);
  for (const std::string bad : {"", "A", "AA", "A C", "AB\tC", "A\x01"}) {
    EXPECT_THROW(parse_alphabet(bad), SettingError) << bad;
  }
}

TEST(Alignment, ReadsPfamStockholmFn3) {
  const std::string path = kTutorial + "fn3.sto";
  const Alignment a = read_alignment(path, protein_alphabet());
  EXPECT_EQ(a.format, "stockholm");
  EXPECT_EQ(a.codes.rows(), 98);
  EXPECT_EQ(a.codes.cols(), 117);
  EXPECT_EQ(a.names.front(), "LAR_DROME/418-503");
  expect_matches_text(a, stockholm_rows(slurp(path)));
  // Spot checks read off the file: the first row starts "SAP.RNV".
  EXPECT_EQ(a.codes(0, 0), 16.0f);  // S
  EXPECT_EQ(a.codes(0, 1), 1.0f);   // A
  EXPECT_EQ(a.codes(0, 3), 0.0f);   // '.'
  EXPECT_EQ(a.codes(0, 4), 15.0f);  // R
}

TEST(Alignment, ReadsPkinaseAndInterleavedGlobins) {
  const std::string pkinase = kTutorial + "Pkinase.sto";
  const Alignment p = read_alignment(pkinase, protein_alphabet());
  EXPECT_EQ(p.codes.rows(), 38);
  EXPECT_EQ(p.codes.cols(), 419);
  expect_matches_text(p, stockholm_rows(slurp(pkinase)));
  // Three blocks of 80, 80 and 11 columns.
  const std::string globins = kTutorial + "globins4.sto";
  const Alignment g = read_alignment(globins, protein_alphabet());
  EXPECT_EQ(g.codes.rows(), 4);
  EXPECT_EQ(g.codes.cols(), 171);
  EXPECT_EQ(g.names,
            (std::vector<std::string>{"HBB_HUMAN", "HBA_HUMAN", "MYG_PHYCA", "GLB5_PETMA"}));
  expect_matches_text(g, stockholm_rows(slurp(globins)));
}

TEST(Alignment, DropsInsertColumnsOfTheReferenceLine) {
  const std::string path = kTutorial + "MADE1.sto";
  const Alignment a = read_alignment(path, dna_alphabet());
  const std::string text = slurp(path);
  std::string rf;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.starts_with("#=GC RF")) rf += line.substr(line.find_last_of(' ') + 1);
  }
  auto rows = stockholm_rows(text);
  ASSERT_EQ(rf.size(), rows.front().second.size());
  for (auto& [name, residues] : rows) {
    std::string kept;
    for (std::size_t c = 0; c < rf.size(); ++c) {
      if (rf[c] != '.') kept += residues[c];
    }
    residues = kept;
  }
  EXPECT_EQ(a.codes.rows(), 100);
  EXPECT_EQ(a.codes.cols(), 80);
  expect_matches_text(a, rows);
  // A, C, G and T are amino acids too: the protein alphabet reads the file
  // without complaint, but to other codes (T is 17, not 4).
  EXPECT_NE(read_alignment(path, protein_alphabet()).codes, a.codes);
}

TEST(Alignment, GzipCopyAndLowercaseResidues) {
  TempDir dir;
  const std::string text = slurp(kTutorial + "fn3.sto");
  testing::write_gzip(dir.file("fn3.sto.gz"), bytes_of(text));
  const Alignment plain = read_alignment(kTutorial + "fn3.sto", protein_alphabet());
  const Alignment gz = read_alignment(dir.file("fn3.sto.gz"), protein_alphabet());
  EXPECT_EQ(gz.codes, plain.codes);
  EXPECT_EQ(gz.names, plain.names);
  // A Pfam seed without an RF line: inserts in lowercase are kept as residues.
  const std::string rrm = kTestsuite + "RRM_1.sto.gz";
  const Alignment r = read_alignment(rrm, protein_alphabet());
  std::string decompressed;
  for (const std::uint8_t b : read_file_bytes(rrm))
    decompressed += static_cast<char>(b);
  expect_matches_text(r, stockholm_rows(decompressed));
  // A truncated gzip stream is reported, not read short.
  const std::vector<std::uint8_t> zipped = gzip_bytes(bytes_of(text));
  testing::write_bytes(
      dir.file("cut.sto.gz"),
      std::vector<std::uint8_t>(zipped.begin(), zipped.begin() + zipped.size() / 2));
  expect_one_line_file_error([&] { read_alignment(dir.file("cut.sto.gz"), protein_alphabet()); },
                             dir.file("cut.sto.gz"), "gzip");
}

TEST(Alignment, AmbiguityLettersFailByDefaultOrReadAsGaps) {
  const std::string sto = kTestsuite + "20aa-alitest.sto";
  // test2 is line 4: "test2 XXXXACDEF...", its first X at column 7.
  expect_one_line_file_error([&] { read_alignment(sto, protein_alphabet()); }, sto,
                             "line 4, column 7: 'X' (sequence test2) is not a letter of the "
                             "protein alphabet -ACDEFGHIKLMNPQRSTVWY");
  expect_one_line_file_error([&] { read_alignment(sto, protein_alphabet()); }, sto,
                             "--unknown-as-gap");
  AlignmentOptions options;
  options.unknown_as_gap = true;
  const Alignment a = read_alignment(sto, protein_alphabet(), options);
  EXPECT_EQ(a.codes.rows(), 4);
  EXPECT_EQ(a.codes.cols(), 33);
  EXPECT_EQ(a.codes(1, 0), 0.0f);  // X
  EXPECT_EQ(a.codes(1, 4), 1.0f);  // A
  // The same alignment as aligned FASTA.
  const std::string afa = kTestsuite + "20aa-alitest.afa";
  expect_one_line_file_error([&] { read_alignment(afa, protein_alphabet()); }, afa,
                             "line 4, column 1: 'X' (sequence test2)");
  const Alignment f = read_alignment(afa, protein_alphabet(), options);
  EXPECT_EQ(f.format, "fasta");
  EXPECT_EQ(f.codes, a.codes);
  EXPECT_EQ(f.names, a.names);
  // An alphabet without a gap cannot read unknown letters as gaps.
  EXPECT_THROW(read_alignment(afa, parse_alphabet("ACDEFGHIKLMNPQRSTVWYX"), options), SettingError);
}

TEST(Alignment, UnalignedFastaIsRaggedNamingTheSequence) {
  const std::string path = kTutorial + "globins45.fa";
  // MYG_ESCGI (153 residues) comes first; MYG_MUSAN (line 31) is the first
  // sequence of another length, 148.
  try {
    read_alignment(path, protein_alphabet());
    ADD_FAILURE();
  } catch (const FileError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("line 31: sequence MYG_MUSAN has 148 columns, but the first sequence "
                           "MYG_ESCGI (line 1) has 153"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("is the file aligned?"), std::string::npos) << message;
  }
}

TEST(Alignment, FastaSpansLinesAndA2mDropsInserts) {
  const std::string fasta =
      "\xEF\xBB\xBF>one first sequence\r\nAC-D\r\nef.g\r\n\r\n>two\nACDE FG.-\n>three\n  -.aCDefG  "
      "\n";
  const Alignment a = parse_alignment(bytes_of(fasta), "x.fa", protein_alphabet());
  EXPECT_EQ(a.names, (std::vector<std::string>{"one", "two", "three"}));
  ASSERT_EQ(a.codes.cols(), 8);
  const auto codes = [](const std::string& letters) {
    const Alphabet p = protein_alphabet();
    Eigen::RowVectorXf row(static_cast<Index>(letters.size()));
    for (std::size_t i = 0; i < letters.size(); ++i)
      row(static_cast<Index>(i)) = static_cast<float>(p.code_of(letters[i]));
    return row;
  };
  EXPECT_EQ(Eigen::RowVectorXf(a.codes.row(0)), codes("AC-DEF-G"));
  EXPECT_EQ(Eigen::RowVectorXf(a.codes.row(2)), codes("--ACDEFG"));
  // A2M: lowercase letters and '.' are inserts; rows differ in raw length.
  const std::string a2m = ">s1\nAC-DE\n>s2\nAaaC-D.E\n>s3\n..A.C-DEggg\n";
  TempDir dir;
  testing::write_text(dir.file("f.a2m"), a2m);
  const Alignment m = read_alignment(dir.file("f.a2m"), protein_alphabet());
  EXPECT_EQ(m.format, "a2m");
  ASSERT_EQ(m.codes.cols(), 5);
  for (Index r = 0; r < 3; ++r)
    EXPECT_EQ(Eigen::RowVectorXf(m.codes.row(r)), codes("AC-DE")) << r;
  // Read as aligned FASTA the same text is ragged.
  testing::write_text(dir.file("f.fa"), a2m);
  expect_one_line_file_error([&] { read_alignment(dir.file("f.fa"), protein_alphabet()); },
                             dir.file("f.fa"),
                             "line 3: sequence s2 has 8 columns, but the first "
                             "sequence s1 (line 1) has 5");
  // An unknown letter after a dropped insert is located in its line.
  expect_one_line_file_error(
      [&] {
        parse_alignment(bytes_of(">a\nAC\n>b\naaAaaZ\n"), "z", protein_alphabet(), {false, true});
      },
      "z", "line 4, column 6: 'Z' (sequence b)");
  expect_one_line_file_error(
      [&] {
        parse_alignment(bytes_of(">a\nAC\n>b\naa\n"), "z", protein_alphabet(), {false, true});
      },
      "z", "line 3: sequence b has no residues in match columns");
}

TEST(Alignment, StockholmBlocksReferenceLineAndLowercase) {
  // Two blocks naming the sequences in different orders; RF marks column 3 and 6 as inserts.
  const std::string text =
      "# STOCKHOLM 1.0\n#=GF ID test\n#=GS a AC X1\n\n"
      "a  AC.d\n"
      "b  ACyD\n"
      "#=GR a SS ....\n"
      "#=GC RF xx.x\n"
      "\n"
      "b  E-\n"
      "a  e.\n"
      "#=GC RF x.\n"
      "//\n\n";
  const Alignment a = parse_alignment(bytes_of(text), "t.sto", protein_alphabet());
  EXPECT_EQ(a.names, (std::vector<std::string>{"a", "b"}));
  MatrixF expected(2, 4);
  expected << 1, 2, 3, 4,  // A C D E (d and e lowercase)
      1, 2, 3, 4;          // A C D E
  EXPECT_EQ(a.codes, expected);
  // Without the RF lines every column is kept.
  std::string no_rf = text;
  for (const std::string rf : {"#=GC RF xx.x\n", "#=GC RF x.\n"})
    no_rf.erase(no_rf.find(rf), rf.size());
  const Alignment all = parse_alignment(bytes_of(no_rf), "t.sto", protein_alphabet());
  EXPECT_EQ(all.codes.cols(), 6);
  EXPECT_EQ(all.codes(1, 2), 20.0f);  // y -> Y
  EXPECT_EQ(all.codes(0, 2), 0.0f);   // '.'
  // An unknown letter in a dropped insert column is not an error.
  std::string x_in_insert = text;
  x_in_insert.replace(x_in_insert.find("ACyD"), 4, "ACxD");
  EXPECT_EQ(parse_alignment(bytes_of(x_in_insert), "t.sto", protein_alphabet()).codes, expected);
}

TEST(Alignment, MalformedInputsNameLineAndCause) {
  const Alphabet protein = protein_alphabet();
  const auto expect_error = [&](const std::string& text, const std::string& fragment) {
    expect_one_line_file_error([&] { parse_alignment(bytes_of(text), "bad.sto", protein); },
                               "bad.sto", fragment);
  };
  expect_error("", "is empty: it holds no sequences");
  expect_error("\n  \n", "is empty");
  expect_error("# STOCKHOLM 1.0\n#=GF ID empty\n//\n", "holds no sequences");
  expect_error("# STOCKHOLM 1.0\na ACD\nb AC\n//\n",
               "line 3: sequence b has 2 columns, but line 2 of the same block has 3");
  expect_error("# STOCKHOLM 1.0\na ACD\nb ACD\na ACD\n//\n",
               "line 4: sequence a appears twice in the block that starts at line 2");
  expect_error("# STOCKHOLM 1.0\na ACD\nb ACD\n\na ACD\n//\n",
               "line 5: the block that starts here lacks sequence b (line 3)");
  expect_error("# STOCKHOLM 1.0\na ACD\n\na ACD\nc ACD\n//\n",
               "line 5: sequence c is not in the first block");
  expect_error("# STOCKHOLM 1.0\na ACD\nb ACD\n", "has no closing line \"//\"");
  expect_error("# STOCKHOLM 1.0\na ACD\n//\n# STOCKHOLM 1.0\nb ACD\n//\n",
               "line 4: text after the end of the alignment (\"//\" on line 3)");
  expect_error("# STOCKHOLM 1.0\na\n//\n", "line 2: sequence a has no residues on its line");
  expect_error("# STOCKHOLM 1.0\na AC D\n//\n", "line 2: sequence a has spaces inside");
  expect_error("# STOCKHOLM 1.0\na ACD\n#=GC RF xx\n//\n", "line 3: the #=GC RF annotation has 2");
  expect_error("# STOCKHOLM 1.0\na A.D\n#=GC RF ...\n//\n", "has no match columns");
  expect_error("# STOCKHOLM 1.0\na AC1\n//\n", "line 2, column 5: '1' (sequence a)");
  expect_error(">a\nAC\n>b\n>c\nAC\n", "line 3: sequence b has no residues in columns");
  expect_error("AC\n>a\nAC\n",
               "line 1: \"AC\" starts neither a FASTA alignment ('>') nor a "
               "Stockholm one");
  expect_error("CLUSTAL W (1.83)\n\na AC\n", "line 1: a Clustal alignment");
  expect_error("1,2,3\n", "line 1: \"1,2,3\" starts neither a FASTA");
  expect_error(std::string(">a\nA\0C\n", 7), "line 2, column 2: byte 0x00 is not text");
  expect_error(">a\nAC\n>b\n\xc3\xa9\n", "line 4, column 1: '\\xc3' (sequence b)");
  expect_error(">a\nACGT\n>b\nA\tCGT\n>c\nAC\rG\n", "line 6, column 3: '\\r' (sequence c)");
  expect_error(">a\nAC\n>b\r\n" + std::string(2, 'X'), "line 4, column 1: 'X'");
}

TEST(Alignment, FileExtensionsAndContentDetection) {
  for (const std::string path :
       {"a.sto", "a.STK", "x/y.stockholm.gz", "f.a2m", "f.fa.gz", "f.fasta", "f.afa", "f.aln"}) {
    EXPECT_TRUE(has_alignment_extension(path)) << path;
  }
  for (const std::string path : {"a.csv", "a.npy", "fa", "a.gz", "a.sto.bz2"}) {
    EXPECT_FALSE(has_alignment_extension(path)) << path;
  }
  EXPECT_TRUE(looks_like_alignment(bytes_of("\n\n>x\nAC\n")));
  EXPECT_TRUE(looks_like_alignment(bytes_of("# STOCKHOLM 1.0\n")));
  EXPECT_FALSE(looks_like_alignment(bytes_of("# comment\n1,2\n")));
  EXPECT_FALSE(looks_like_alignment(bytes_of("")));
}

TEST(Alignment, WriteFastaRoundTrips) {
  TempDir dir;
  const Alignment a = read_alignment(kTutorial + "globins4.sto", protein_alphabet());
  for (const std::string name : {"g.fa", "g.afa.gz"}) {
    write_fasta(dir.file(name), a.names, a.codes, a.alphabet);
    const Alignment b = read_alignment(dir.file(name), protein_alphabet());
    EXPECT_EQ(b.codes, a.codes);
    EXPECT_EQ(b.names, a.names);
  }
  // 171 columns: lines of 60, 60 and 51 letters.
  const std::string text = to_fasta(a.names, a.codes, a.alphabet);
  std::istringstream in(text);
  std::string header, l1, l2, l3;
  std::getline(in, header);
  std::getline(in, l1);
  std::getline(in, l2);
  std::getline(in, l3);
  EXPECT_EQ(header, ">HBB_HUMAN");
  EXPECT_EQ(l1.size(), 60u);
  EXPECT_EQ(l3.size(), 51u);
  EXPECT_EQ(l1.substr(0, 10), "--------VH");
  MatrixF dna(2, 3);
  dna << 0, 1, 4, 2, 3, 0;
  EXPECT_EQ(to_fasta({}, dna, dna_alphabet()), ">sequence_1\n-AT\n>sequence_2\nCG-\n");
  dna(1, 1) = 5;
  EXPECT_THROW(to_fasta({}, dna, dna_alphabet()), Error);
  EXPECT_THROW(to_fasta({"a"}, dna, dna_alphabet()), Error);
}

std::vector<double> brute_force_weights(const MatrixF& codes, double threshold) {
  std::vector<double> w(static_cast<std::size_t>(codes.rows()));
  for (Index n = 0; n < codes.rows(); ++n) {
    int neighbours = 0;
    for (Index m = 0; m < codes.rows(); ++m) {
      const double identity =
          static_cast<double>((codes.row(n).array() == codes.row(m).array()).count()) /
          static_cast<double>(codes.cols());
      if (identity >= threshold) ++neighbours;
    }
    w[static_cast<std::size_t>(n)] = 1.0 / neighbours;
  }
  return w;
}

TEST(SequenceWeights, MatchBruteForceAndAHandExample) {
  // Rows 0 and 1 agree at 4 of 5 positions (0.8), row 2 with row 0 at 3 (0.6).
  MatrixF codes(4, 5);
  codes << 1, 2, 3, 4, 5,  //
      1, 2, 3, 4, 0,       //
      1, 2, 3, 0, 0,       //
      7, 7, 7, 7, 7;
  std::vector<double> w = identity_weights(codes, 0.8);
  EXPECT_EQ(w, (std::vector<double>{0.5, 1.0 / 3, 0.5, 1.0}));  // N_eff = 7/3
  EXPECT_EQ(identity_weights(codes, 1.0), (std::vector<double>{1, 1, 1, 1}));
  EXPECT_EQ(identity_weights(codes, 0.6), (std::vector<double>{1.0 / 3, 1.0 / 3, 1.0 / 3, 1.0}));
  std::mt19937 rng(7);
  for (const Index length : {1, 17, 300}) {
    // Few states and many near-copies, so that every threshold merges something.
    MatrixF random(150, length);
    std::uniform_int_distribution<int> state(0, 3), parent(0, 9), flip(0, 4);
    MatrixF parents(10, length);
    for (Index i = 0; i < parents.size(); ++i)
      parents.data()[i] = static_cast<float>(state(rng));
    for (Index r = 0; r < random.rows(); ++r) {
      random.row(r) = parents.row(parent(rng));
      for (Index j = 0; j < length; ++j) {
        if (flip(rng) == 0) random(r, j) = static_cast<float>(state(rng));
      }
    }
    for (const double theta : {0.3, 0.8, 0.9, 1.0}) {
      EXPECT_EQ(identity_weights(random, theta), brute_force_weights(random, theta))
          << length << " " << theta;
    }
  }
  EXPECT_THROW(identity_weights(codes, 0.0), SettingError);
  EXPECT_THROW(identity_weights(codes, 1.5), SettingError);
  codes(0, 0) = 0.5f;
  EXPECT_THROW(identity_weights(codes, 0.8), Error);
}

TEST(AlignmentDataset, SplitsNamesWeightsAndRefusesPreprocessing) {
  TempDir dir;
  // fn3 under a name with no alignment extension: recognized by content.
  testing::write_text(dir.file("fn3.txt"), slurp(kTutorial + "fn3.sto"));
  DataOptions options;
  options.source = dir.file("fn3.txt");
  options.reweight = 0.8;
  const Dataset d = load_dataset(options);
  EXPECT_EQ(d.states, 21);
  EXPECT_EQ(d.alphabet, "-ACDEFGHIKLMNPQRSTVWY");
  EXPECT_EQ(d.train.rows(), 89);  // 98 - 9 (10%)
  EXPECT_EQ(d.test.rows(), 9);
  EXPECT_EQ(d.train.cols(), 117);
  EXPECT_EQ(d.train_names.front(), "LAR_DROME/418-503");
  EXPECT_EQ(d.test_names.size(), 9u);
  EXPECT_EQ(d.binarization, Binarization::none);
  EXPECT_FALSE(d.binary);
  const Alignment all = read_alignment(kTutorial + "fn3.sto", protein_alphabet());
  EXPECT_EQ(d.train, all.codes.topRows(89));
  EXPECT_EQ(d.train_weights, identity_weights(all.codes.topRows(89), 0.8));
  EXPECT_EQ(d.test_weights, identity_weights(all.codes.bottomRows(9), 0.8));
  double n_eff = 0;
  for (const double w : d.train_weights)
    n_eff += w;
  EXPECT_DOUBLE_EQ(d.effective_train_size, n_eff);
  EXPECT_LE(d.effective_train_size, 89.0);
  // A separate test file, without weights.
  options.reweight = 0;
  options.test_source = kTutorial + "fn3.sto";
  const Dataset t = load_dataset(options);
  EXPECT_EQ(t.train.rows(), 98);
  EXPECT_EQ(t.test, all.codes);
  EXPECT_TRUE(t.train_weights.empty());
  EXPECT_EQ(t.effective_train_size, 98.0);
  options.test_source = kTutorial + "globins4.sto";
  EXPECT_THROW(load_dataset(options), FileError);  // 171 columns, not 117
  options.test_source.clear();
  for (const auto& set : std::vector<std::function<void(DataOptions&)>>{
           [](DataOptions& o) { o.binarization = Binarization::threshold; },
           [](DataOptions& o) { o.standardize = true; },
           [](DataOptions& o) { o.dequantization = Dequantization::uniform; },
           [](DataOptions& o) { o.states = 5; }, [](DataOptions& o) { o.reweight = 1.5; }}) {
    DataOptions bad = options;
    set(bad);
    EXPECT_THROW(load_dataset(bad), SettingError);
  }
  // MADE1 is DNA: read with the protein default it is still valid (A, C, G,
  // T are amino acids too), so only --alphabet dna gives q = 5.
  options.source = kTutorial + "MADE1.sto";
  options.alphabet = "dna";
  EXPECT_EQ(load_dataset(options).states, 5);
  // Alignment-only settings on numeric data.
  testing::write_text(dir.file("x.csv"), "0,1\n1,0\n1,1\n");
  options.source = dir.file("x.csv");
  EXPECT_THROW(load_dataset(options), SettingError);
  options.alphabet.clear();
  options.reweight = 0.8;
  EXPECT_THROW(load_dataset(options), SettingError);
}

TEST(AlignmentDataset, IntegerCodedCsvWithStates) {
  TempDir dir;
  std::string csv = "a,b,c\n";
  for (int i = 0; i < 20; ++i)
    csv += fmt::format("{},{},{}\n", i % 3, (i / 3) % 3, 2);
  testing::write_text(dir.file("codes.csv"), csv);
  DataOptions options;
  options.source = dir.file("codes.csv");
  options.states = 3;
  options.reweight = 1.0;
  const Dataset d = load_dataset(options);
  EXPECT_EQ(d.states, 3);
  EXPECT_TRUE(d.alphabet.empty());
  EXPECT_TRUE(d.train_names.empty());
  EXPECT_EQ(d.train.rows(), 18);
  EXPECT_EQ(d.train(4, 0), 1.0f);  // not divided by the maximum
  EXPECT_EQ(d.train(4, 2), 2.0f);
  EXPECT_EQ(d.train_weights.size(), 18u);
  EXPECT_LT(d.effective_train_size, 18.0);  // rows 0 and 9 are identical
  const auto expect_error = [&](const std::string& text, const std::string& fragment) {
    testing::write_text(dir.file("bad.csv"), text);
    options.source = dir.file("bad.csv");
    expect_one_line_file_error([&] { load_dataset(options); }, dir.file("bad.csv"), fragment);
  };
  expect_error("0,1\n2,3\n", "row 2, column 2: value 3 is not a state 0..2");
  expect_error("0,1\n2,0.5\n", "row 2, column 2: value 0.5 is not a state");
  expect_error("0,-1\n2,1\n", "row 1, column 2: value -1");
  options.states = 1;
  EXPECT_THROW(load_dataset(options), SettingError);
  options.states = 3;
  options.source = "mnist10k";
  EXPECT_THROW(load_dataset(options), SettingError);
}

}  // namespace
}  // namespace logz
