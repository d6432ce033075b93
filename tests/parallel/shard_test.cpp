// What makes results independent of the rank count, checked in one process:
// a stream sharded over rows gives each block of rows exactly the numbers the
// whole draw gives them, and the ordered reductions equal their plain forms.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "logz/math/kernels.hpp"
#include "logz/math/log_space.hpp"
#include "logz/math/random.hpp"
#include "logz/parallel/communicator.hpp"

namespace logz {
namespace {

// Rows [first, first + rows) of a draw over `total` rows, made by `draw` on
// a stream sharded that way; twice in a row, so that the stream's position
// after a sharded draw is checked too.
template <typename Draw>
MatrixF sharded(Index first, Index rows, Index total, Index cols, Draw draw) {
  RandomStream stream(7, 3);
  stream.shard(static_cast<std::uint64_t>(first), static_cast<std::uint64_t>(rows),
               static_cast<std::uint64_t>(total));
  MatrixF a(rows, cols), b(rows, cols);
  draw(stream, a);
  draw(stream, b);
  MatrixF out(2 * rows, cols);
  out << a, b;
  return out;
}

template <typename Draw>
void expect_shards_match_the_whole(Index cols, Draw draw) {
  const Index total = 7;
  const MatrixF whole = sharded(0, total, total, cols, draw);
  // Splits as 1, 2 and 3 ranks would make them, and a rank with no rows.
  for (const auto& [first, rows] : std::vector<std::pair<Index, Index>>{
           {0, 7}, {0, 3}, {3, 4}, {0, 2}, {2, 2}, {4, 3}, {6, 1}, {5, 0}}) {
    const MatrixF part = sharded(first, rows, total, cols, draw);
    for (int half = 0; half < 2; ++half) {
      EXPECT_EQ(part.middleRows(half * rows, rows), whole.middleRows(half * total + first, rows))
          << "rows " << first << ".." << first + rows << ", draw " << half << ", " << cols
          << " columns";
    }
  }
}

TEST(ShardedStream, KernelDrawsGiveEachRowTheWholeDrawsNumbers) {
  for (Index cols : {1, 5, 16, 33}) {
    expect_shards_match_the_whole(cols, [](RandomStream& s, MatrixF& x) {
      sample_bernoulli(MatrixF::Constant(x.rows(), x.cols(), 0.5f), x, s);
    });
  }
}

TEST(ShardedStream, UniformAndNormalDrawsGiveEachRowTheWholeDrawsNumbers) {
  // Odd widths put a row's first number in the middle of a block (4 floats,
  // or a cosine/sine pair, to a block).
  for (Index cols : {1, 3, 4, 7}) {
    expect_shards_match_the_whole(cols, [](RandomStream& s, MatrixF& x) {
      s.uniform(std::span<float>(x.data(), static_cast<std::size_t>(x.size())));
    });
    expect_shards_match_the_whole(cols, [](RandomStream& s, MatrixF& x) {
      s.normal(std::span<float>(x.data(), static_cast<std::size_t>(x.size())), 1.0, 2.0);
    });
    expect_shards_match_the_whole(cols, [](RandomStream& s, MatrixF& x) {
      std::vector<double> u(static_cast<std::size_t>(x.size()));
      s.uniform(std::span<double>(u));
      for (Index i = 0; i < x.size(); ++i)
        x.data()[i] = static_cast<float>(u[static_cast<std::size_t>(i)]);
    });
  }
}

TEST(ShardedStream, SharedDrawsAreTheSameOnEveryShard) {
  RandomStream a(1, 2), b(1, 2);
  b.shard(3, 2, 9);
  MatrixF x(2, 4), y(9, 4);
  sample_bernoulli(MatrixF::Constant(2, 4, 0.5f), x, b);
  sample_bernoulli(MatrixF::Constant(9, 4, 0.5f), y, a);
  EXPECT_EQ(a.below(1000000), b.below(1000000));
  EXPECT_EQ(a.state(), b.state());
}

TEST(ShardedStream, ADrawThatIsNotWholeRowsIsRefused) {
  RandomStream s(1, 2);
  s.shard(0, 2, 4);
  std::vector<float> u(3);
  EXPECT_THROW(s.uniform(std::span<float>(u)), std::logic_error);
}

TEST(Communicator, AloneItOwnsEverythingAndGathersAreCopies) {
  const Communicator& world = Communicator::world();
  EXPECT_EQ(world.share(10).begin, 0);
  EXPECT_EQ(world.share(10).end, 10);
  const std::vector<double> values{1.0, 2.0, 3.0};
  EXPECT_EQ(world.all_gather(values, 3), values);
  EXPECT_EQ(world.sum(5), 5);
}

TEST(Communicator, OrderedSumAddsRowsInOrder) {
  MatrixF rows(3, 4);
  rows << 1e8f, 1, 2, 3,  //
      1, 1, 1, 1,         //
      -1e8f, 0, 0.5f, 0;
  std::vector<float> out(4);
  Communicator::world().ordered_sum(rows, out);
  // (1e8 + 1) - 1e8 in float is 0: the order is row 0, 1, 2, not another.
  EXPECT_EQ(out[0], (1e8f + 1.0f) + -1e8f);
  EXPECT_EQ(out[1], 2.0f);
  EXPECT_EQ(out[2], 3.5f);
}

TEST(Communicator, LogSumIsThePlainLogSumExpUpTo4096TermsAndClosePastIt) {
  const Communicator& world = Communicator::world();
  for (Index n : {1, 5, 4096, 10000}) {
    std::vector<double> terms(static_cast<std::size_t>(n));
    for (Index i = 0; i < n; ++i)
      terms[static_cast<std::size_t>(i)] = std::sin(0.37 * static_cast<double>(i)) * 20.0;
    const IndexRange mine = world.log_sum_share(n);
    ASSERT_EQ(mine.size(), n);
    const double chunked = world.log_sum(terms, n), plain = log_sum_exp(terms);
    if (n <= 4096) {
      EXPECT_EQ(chunked, plain) << n;
    } else {
      EXPECT_NEAR(chunked, plain, 1e-12 * std::fabs(plain)) << n;
    }
  }
}

TEST(Communicator, AloneMakesOneProcessOfTheJob) {
  {
    Communicator::Alone alone;
    EXPECT_EQ(Communicator::world().size(), 1);
    EXPECT_FALSE(Communicator::world().distributed());
    EXPECT_EQ(Communicator::world().share(9).size(), 9);
  }
}

}  // namespace
}  // namespace logz
