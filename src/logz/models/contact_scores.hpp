// Contact scores of a Potts model: which pairs of sites are coupled most
// strongly, the prediction of direct coupling analysis (DCA) that pairs of
// columns of a protein family's alignment in contact in its structure.
//
//   1. Couplings in the zero-sum gauge (PottsModel::zero_sum_gauge): the
//      representative in which J_ij holds no part that a field could hold,
//      so that its size is comparable from pair to pair.
//   2. FN_ij = sqrt(sum_{a,b != gap} J_ij(a, b)^2), the Frobenius norm of
//      the block over the states other than the gap (the gauge is fixed over
//      all q states first, then the gap's row and column are left out).
//   3. The average product correction (Dunn, Wahl & Gloor, "Mutual
//      information without the influence of phylogeny or entropy ...",
//      Bioinformatics 2008), which removes the part of every norm that a
//      site's overall coupling strength (conservation, phylogeny, gaps)
//      explains:
//
//        S_ij = FN_ij - FN_i. FN_.j / FN_..
//
//      with FN_i. the mean of FN_ij over j != i and FN_.. the mean over all
//      pairs i != j (S = FN when every norm is 0).
//
// Why the gap is left out: it is the recipe of plmDCA (Ekeberg, Lovkvist,
// Lan, Weigt & Aurell, Phys. Rev. E 87, 012707, 2013: the norm of the
// couplings in the zero-sum ("Ising") gauge "ignoring the gap state") and of
// CCMpred (soedinglab/CCMpred src/util.c, sum_submatrices: each block less
// its mean, then the norm over states a, b < N_ALPHA - 1, the gap being its
// last state). Gaps at the ends of sequences couple strongly to each other
// and say nothing about contacts. plmc does otherwise (debbiemarkslab/plmc
// src/plm.c, OutputCouplingScores: the norm over every code, gap included,
// of couplings left in the gauge its L2 penalty picks; with its -g option
// the gap is not a state at all); its scores can therefore differ from
// these on gappy families. Without a gap (an alphabet without '-', or
// integer codes with no alphabet) every state counts.
//
// APC uses means over j != i (plmc's choice); CCMpred divides by L with the
// zero diagonal included, which differs by a constant factor per site.
//
// A Potts RBM has no pairwise couplings: its hidden units couple every site
// to every other through a non-quadratic free energy. "Effective couplings"
// of Potts RBMs (Tubiana, Cocco & Monasson, eLife 2019) come from expanding
// that free energy to second order around a chosen input, so they depend on
// the sequence chosen and are not a property of the model alone; logz does
// not score them (contact_scores refuses with SettingError).
#pragma once

#include <string_view>
#include <vector>

#include "logz/math/matrix.hpp"
#include "logz/models/energy_model.hpp"
#include "logz/models/potts.hpp"

namespace logz {

struct ContactScore {
  Index i = 0, j = 0;      // sites, 0-based, i < j
  double score = 0.0;      // S_ij, after the average product correction
  double frobenius = 0.0;  // FN_ij, before it
};

struct ContactScores {
  Index sites = 0;
  int excluded_state = -1;  // the state left out of the norms (the gap), or -1: none
  MatrixD frobenius;        // [L, L] FN, symmetric, zero diagonal
  MatrixD corrected;        // [L, L] S, symmetric, zero diagonal

  // Pairs i < j with j - i >= min_separation, best first: by S descending,
  // ties by (i, j) ascending.
  std::vector<ContactScore> ranked(Index min_separation = 1) const;
};

// The scores of a Potts model; `excluded_state` in [0, q) is left out of the
// norms (-1: none).
ContactScores potts_contact_scores(const PottsModel& model, int excluded_state = -1);

// The same for any model: a Potts model gets its scores, any other model a
// SettingError naming `setting` (a flag, or the model file's path) that says
// contacts need a Potts model.
ContactScores contact_scores(const EnergyModel& model, int excluded_state,
                             std::string_view setting = "model");

// The state to leave out for an alphabet's letters (letters[k] is the letter
// of code k): the code of the gap '-', or -1 when there is none or no
// letters are known (integer codes: every state counts).
int gap_state_of(std::string_view letters);

}  // namespace logz
