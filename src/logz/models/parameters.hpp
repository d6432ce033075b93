// Named float32 tensors in one contiguous buffer.
//
// A model's parameters (W, b, c, ...) are slices of one vector, so that the
// optimizer, gradient checks, finiteness checks and checkpoints treat every
// model alike: a gradient is a ParameterVector with the same layout, and an
// update is one pass over one array. Each tensor is row-major with the shape
// given; `decay` says whether L2 weight decay applies (weights yes, biases no).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "logz/math/matrix.hpp"

namespace logz {

struct TensorSpec {
  std::string name;
  std::vector<Index> shape;
  bool decay = false;
  Index offset = 0;  // into the flat buffer
  Index size() const;
};

class ParameterVector {
 public:
  ParameterVector() = default;

  // Appends a zero tensor. Names are unique.
  void add(std::string name, std::vector<Index> shape, bool decay);

  const std::vector<TensorSpec>& specs() const { return specs_; }
  const TensorSpec& spec(std::string_view name) const;
  bool contains(std::string_view name) const;
  // The same layout, all zeros.
  ParameterVector zeros_like() const;
  bool same_layout(const ParameterVector& other) const;

  Index size() const { return static_cast<Index>(values_.size()); }
  std::span<float> values() { return values_; }
  std::span<const float> values() const { return values_; }
  std::span<float> tensor(std::string_view name);
  std::span<const float> tensor(std::string_view name) const;

  // Views of a rank-2 tensor as a row-major matrix and of a rank-1 tensor as a vector.
  MatrixMap matrix(std::string_view name);
  ConstMatrixMap matrix(std::string_view name) const;
  VectorMap vector(std::string_view name);
  ConstVectorMap vector(std::string_view name) const;

  void set_zero();
  bool all_finite() const;

 private:
  std::vector<TensorSpec> specs_;
  AlignedFloats values_;  // aligned: results must not depend on where it lands
};

}  // namespace logz
