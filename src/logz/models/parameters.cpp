#include "logz/models/parameters.hpp"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <functional>
#include <numeric>
#include <stdexcept>

namespace logz {

Index TensorSpec::size() const {
  return std::accumulate(shape.begin(), shape.end(), Index{1}, std::multiplies<>());
}

void ParameterVector::add(std::string name, std::vector<Index> shape, bool decay) {
  assert(!contains(name));
  TensorSpec spec{std::move(name), std::move(shape), decay, size()};
  values_.resize(static_cast<std::size_t>(spec.offset + spec.size()), 0.0f);
  specs_.push_back(std::move(spec));
}

const TensorSpec& ParameterVector::spec(std::string_view name) const {
  const auto it = std::find_if(specs_.begin(), specs_.end(),
                               [&](const TensorSpec& s) { return s.name == name; });
  if (it == specs_.end()) throw std::out_of_range("no parameter named " + std::string(name));
  return *it;
}

bool ParameterVector::contains(std::string_view name) const {
  return std::any_of(specs_.begin(), specs_.end(),
                     [&](const TensorSpec& s) { return s.name == name; });
}

ParameterVector ParameterVector::zeros_like() const {
  ParameterVector zeros;
  zeros.specs_ = specs_;
  zeros.values_.assign(values_.size(), 0.0f);
  return zeros;
}

bool ParameterVector::same_layout(const ParameterVector& other) const {
  if (specs_.size() != other.specs_.size()) return false;
  for (std::size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name != other.specs_[i].name || specs_[i].shape != other.specs_[i].shape) {
      return false;
    }
  }
  return true;
}

std::span<float> ParameterVector::tensor(std::string_view name) {
  const TensorSpec& s = spec(name);
  return std::span<float>(values_).subspan(static_cast<std::size_t>(s.offset),
                                           static_cast<std::size_t>(s.size()));
}

std::span<const float> ParameterVector::tensor(std::string_view name) const {
  const TensorSpec& s = spec(name);
  return std::span<const float>(values_).subspan(static_cast<std::size_t>(s.offset),
                                                 static_cast<std::size_t>(s.size()));
}

MatrixMap ParameterVector::matrix(std::string_view name) {
  const TensorSpec& s = spec(name);
  assert(s.shape.size() == 2);
  return MatrixMap(values_.data() + s.offset, s.shape[0], s.shape[1]);
}

ConstMatrixMap ParameterVector::matrix(std::string_view name) const {
  const TensorSpec& s = spec(name);
  assert(s.shape.size() == 2);
  return ConstMatrixMap(values_.data() + s.offset, s.shape[0], s.shape[1]);
}

VectorMap ParameterVector::vector(std::string_view name) {
  const TensorSpec& s = spec(name);
  assert(s.shape.size() == 1);
  return VectorMap(values_.data() + s.offset, s.shape[0]);
}

ConstVectorMap ParameterVector::vector(std::string_view name) const {
  const TensorSpec& s = spec(name);
  assert(s.shape.size() == 1);
  return ConstVectorMap(values_.data() + s.offset, s.shape[0]);
}

void ParameterVector::set_zero() { std::fill(values_.begin(), values_.end(), 0.0f); }

bool ParameterVector::all_finite() const {
  return std::all_of(values_.begin(), values_.end(), [](float x) { return std::isfinite(x); });
}

}  // namespace logz
