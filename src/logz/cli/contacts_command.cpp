// `logz contacts MODEL`: the pairs of sites a Potts model couples most
// strongly (models/contact_scores.hpp), best first, as CSV or JSON.
#include <fmt/format.h>

#include <chrono>

#include "logz/cli/commands.hpp"
#include "logz/cli/common.hpp"
#include "logz/cli/progress.hpp"
#include "logz/error.hpp"
#include "logz/models/categorical.hpp"
#include "logz/models/contact_scores.hpp"
#include "logz/models/model_file.hpp"

namespace logz::cli {
namespace {

struct ContactsFlags {
  std::string model_path;
  long min_separation = 1;
  long top = 0;
  bool json = false;
};

// The letters of the model's codes, from its metadata; empty when unknown.
std::string alphabet_letters(const LoadedModel& loaded) {
  const auto found = loaded.metadata.find("alphabet");
  return found == loaded.metadata.end() ? std::string() : found->second;
}

void run(const ContactsFlags& flags) {
  const auto begin = std::chrono::steady_clock::now();
  const LoadedModel loaded = load_model(flags.model_path);
  const std::string letters = alphabet_letters(loaded);
  const ContactScores scores =
      contact_scores(*loaded.model, gap_state_of(letters), flags.model_path);
  std::vector<ContactScore> ranked = scores.ranked(flags.min_separation);
  const std::size_t pairs = ranked.size();
  if (flags.top > 0 && ranked.size() > static_cast<std::size_t>(flags.top)) {
    ranked.resize(static_cast<std::size_t>(flags.top));
  }
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - begin).count();
  const int gap = scores.excluded_state;
  if (flags.json) {
    nlohmann::json contacts = nlohmann::json::array();
    for (const ContactScore& c : ranked) {
      contacts.push_back(
          {{"i", c.i + 1}, {"j", c.j + 1}, {"score", c.score}, {"frobenius", c.frobenius}});
    }
    const auto* categorical = dynamic_cast<const CategoricalModel*>(loaded.model.get());
    print_json({{"contacts", std::move(contacts)},
                {"model", flags.model_path},
                {"kind", loaded.model->kind()},
                {"sites", scores.sites},
                {"states", categorical != nullptr ? categorical->n_states() : 0},
                {"alphabet", letters.empty() ? nlohmann::json(nullptr) : nlohmann::json(letters)},
                {"excluded_state", gap >= 0 ? nlohmann::json(gap) : nlohmann::json(nullptr)},
                {"min_separation", flags.min_separation},
                {"pairs", pairs},
                {"score", "APC-corrected Frobenius norm of the zero-sum-gauge couplings"},
                {"seconds", seconds}});
    return;
  }
  inform(
      fmt::format("{} pairs of {} sites at separation >= {}: Frobenius norms of the couplings "
                  "in the zero-sum gauge{}, average product corrected; positions 1-based",
                  pairs, scores.sites, flags.min_separation,
                  gap >= 0 ? fmt::format(", gap state '{}' (code {}) left out",
                                         letters[static_cast<std::size_t>(gap)], gap)
                           : std::string(", every state")));
  std::string text = "i,j,score\n";
  for (const ContactScore& c : ranked)
    text += fmt::format("{},{},{:.6g}\n", c.i + 1, c.j + 1, c.score);
  std::fputs(text.c_str(), stdout);
  std::fflush(stdout);
}

}  // namespace

Command add_contacts_command(CLI::App& app) {
  auto flags = std::make_shared<ContactsFlags>();
  CLI::App* c =
      app.add_subcommand("contacts",
                         "Rank the pairs of sites of a saved Potts model by coupling strength "
                         "(contact prediction)");
  c->add_option("model", flags->model_path,
                "Potts model file (.safetensors) of `logz train "
                "--model potts`")
      ->required();
  c->add_option("--min-separation", flags->min_separation,
                "Only pairs i < j with j - i >= K (1: every pair, as plmc reports; 6 leaves out "
                "the short-range pairs that protein contact prediction usually ignores)")
      ->type_name("K")
      ->check(CLI::Range(1L, 1L << 30))
      ->capture_default_str();
  c->add_option("--top", flags->top, "Print the N best pairs (0: all)")
      ->type_name("N")
      ->check(CLI::Range(0L, 1L << 40))
      ->capture_default_str();
  c->add_flag("--json", flags->json,
              "Print one JSON object: contacts [{i, j, score, frobenius}, ...] best first, "
              "sites, states, alphabet, excluded_state, pairs, seconds");
  c->footer(
      "Scores: the Frobenius norm of each coupling block J_ij in the zero-sum gauge over the "
      "states other than the gap ('-' of the model's alphabet; every state when it has none), "
      "minus the average product correction FN_i. FN_.j / FN_.. (Dunn et al. 2008), as plmDCA and "
      "CCMpred compute them. CSV on stdout: i,j,score with 1-based positions, best first.\n"
      "Example: logz contacts runs/family/model.safetensors --min-separation 6 --top 100");
  return {c, [flags] { run(*flags); }};
}

}  // namespace logz::cli
