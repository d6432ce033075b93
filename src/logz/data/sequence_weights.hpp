// Sequence weights that correct an alignment for redundant sampling.
//
// Homologous sequences are not independent draws: a family holds clusters of
// near-identical sequences (closely related species, deep sampling of a few
// clades). Direct coupling analysis down-weights each sequence by the size
// of its cluster at identity threshold theta:
//
//   identity(n, m) = (1/L) #{ i : a_ni = a_mi }   (gaps count as a state,
//                                                  matching gaps match, as in plmc)
//   w_n = 1 / #{ m : identity(n, m) >= theta }     (m = n included, so w_n <= 1)
//   N_eff = sum_n w_n
//
// (Morcos et al., "Direct-coupling analysis of residue coevolution captures
// native contacts across many protein families", PNAS 2011; Ekeberg et al.,
// "Improved contact prediction in proteins: using pseudolikelihoods to infer
// Potts models", Phys. Rev. E 2013; theta = 0.8 is the usual choice.) A
// weighted likelihood sum_n w_n log p(a_n) then counts each cluster about once.
//
// theta is in (0, 1]: theta = 1 merges only identical sequences; smaller
// values merge more. The comparison uses integer match counts, so the
// weights are exactly reproducible (independent of threads and of the order
// of summation).
#pragma once

#include <vector>

#include "logz/math/matrix.hpp"

namespace logz {

// `codes` [n, L] holds integer codes 0..255 (alignment.hpp); returns w [n].
// Throws SettingError("--reweight") for theta outside (0, 1] and Error for a
// code that is not such an integer. O(n^2 L) byte comparisons, vectorized,
// OpenMP over sequences.
std::vector<double> identity_weights(ConstMatrixRef codes, double threshold);

}  // namespace logz
