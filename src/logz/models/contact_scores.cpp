#include "logz/models/contact_scores.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "logz/error.hpp"
#include "logz/models/potts_rbm.hpp"

namespace logz {

std::vector<ContactScore> ContactScores::ranked(Index min_separation) const {
  std::vector<ContactScore> pairs;
  for (Index i = 0; i < sites; ++i) {
    for (Index j = i + std::max<Index>(min_separation, 1); j < sites; ++j) {
      pairs.push_back({i, j, corrected(i, j), frobenius(i, j)});
    }
  }
  std::stable_sort(pairs.begin(), pairs.end(), [](const ContactScore& a, const ContactScore& b) {
    return a.score > b.score;  // stable: pairs were made in (i, j) order
  });
  return pairs;
}

ContactScores potts_contact_scores(const PottsModel& model, int excluded_state) {
  const PottsModel gauged = model.zero_sum_gauge();
  const Index sites = model.n_visible(), q = model.n_states();
  ContactScores scores;
  scores.sites = sites;
  scores.excluded_state = excluded_state >= 0 && excluded_state < q ? excluded_state : -1;
  scores.frobenius = MatrixD::Zero(sites, sites);
  for (Index i = 0; i < sites; ++i) {
    for (Index j = i + 1; j < sites; ++j) {
      const float* block = gauged.coupling_block(i, j);
      double squares = 0.0;
      for (Index a = 0; a < q; ++a) {
        if (a == scores.excluded_state) continue;
        for (Index b = 0; b < q; ++b) {
          if (b == scores.excluded_state) continue;
          const double value = block[a * q + b];
          squares += value * value;
        }
      }
      scores.frobenius(i, j) = scores.frobenius(j, i) = std::sqrt(squares);
    }
  }
  // Average product correction, with means over j != i.
  scores.corrected = scores.frobenius;
  if (sites < 2) return scores;
  const VectorD site_mean = scores.frobenius.rowwise().sum() / static_cast<double>(sites - 1);
  const double mean = scores.frobenius.sum() / static_cast<double>(sites * (sites - 1));
  if (mean > 0.0) {
    for (Index i = 0; i < sites; ++i) {
      for (Index j = 0; j < sites; ++j) {
        if (j != i) scores.corrected(i, j) -= site_mean(i) * site_mean(j) / mean;
      }
    }
  }
  return scores;
}

ContactScores contact_scores(const EnergyModel& model, int excluded_state,
                             std::string_view setting) {
  if (const auto* potts = dynamic_cast<const PottsModel*>(&model)) {
    return potts_contact_scores(*potts, excluded_state);
  }
  if (dynamic_cast<const PottsRbm*>(&model) != nullptr) {
    throw SettingError(setting,
                       "contacts need a Potts model (--model potts): a Potts RBM has no pairwise "
                       "couplings to score (its effective couplings depend on the sequence they "
                       "are expanded around)");
  }
  throw SettingError(setting, fmt::format("contacts need a Potts model (--model potts) of "
                                          "categorical data; this model is of kind {}",
                                          model.kind()));
}

int gap_state_of(std::string_view letters) {
  const std::size_t gap = letters.find('-');
  return gap == std::string_view::npos ? -1 : static_cast<int>(gap);
}

}  // namespace logz
