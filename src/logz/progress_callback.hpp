// How a long computation (an estimator, an enumeration, a sampler) tells its
// caller how far it has come, without knowing how that is shown: `done` of
// `total` units of work. Called from one thread, often enough to redraw a
// progress bar, rarely enough to cost nothing; the caller decides what to
// draw and how often.
#pragma once

#include <cstddef>
#include <functional>

namespace logz {

using ProgressCallback = std::function<void(std::size_t done, std::size_t total)>;

}  // namespace logz
