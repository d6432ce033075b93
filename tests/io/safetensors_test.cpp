#include "logz/io/safetensors.hpp"

#include <gtest/gtest.h>

#include <cstring>

#include "logz/error.hpp"
#include "logz/models/bernoulli_rbm.hpp"
#include "logz/models/model_file.hpp"
#include "testing/brute_force.hpp"
#include "testing/temp_dir.hpp"

namespace logz {
namespace {

using testing::TempDir;

std::vector<std::uint8_t> with_header(const std::string& json, std::size_t data_bytes) {
  std::vector<std::uint8_t> bytes(8 + json.size() + data_bytes, 0);
  const std::uint64_t n = json.size();
  std::memcpy(bytes.data(), &n, 8);
  std::memcpy(bytes.data() + 8, json.data(), json.size());
  return bytes;
}

void expect_error(const std::vector<std::uint8_t>& bytes, const std::string& fragment) {
  try {
    decode_safetensors(bytes, "m.safetensors");
    ADD_FAILURE() << "expected a FileError containing " << fragment;
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_EQ(e.path(), "m.safetensors");
  }
}

TEST(Safetensors, RoundTripKeepsTensorsShapesAndMetadata) {
  const std::vector<float> w = {1.5f, -2.0f, 3.25f, 0.0f, 1e-30f, -7.0f};
  const std::vector<float> b = {0.5f, 0.25f};
  const auto bytes = encode_safetensors({{"W", {3, 2}, w}, {"b", {2}, b}}, {{"model", "test"}});
  std::uint64_t header = 0;
  std::memcpy(&header, bytes.data(), 8);
  EXPECT_EQ((8 + header) % 8, 0u);  // aligned data buffer
  const SafetensorsFile file = decode_safetensors(bytes, "x");
  EXPECT_EQ(file.metadata.at("model"), "test");
  ASSERT_NE(file.find("W"), nullptr);
  EXPECT_EQ(file.find("W")->shape, (std::vector<std::int64_t>{3, 2}));
  EXPECT_EQ(file.find("W")->values, w);
  EXPECT_EQ(file.find("b")->values, b);
}

TEST(Safetensors, ReadsFloat64) {
  const double values[2] = {0.125, -4.0};
  auto bytes = with_header(R"({"x":{"dtype":"F64","shape":[2],"data_offsets":[0,16]}})", 16);
  std::memcpy(bytes.data() + bytes.size() - 16, values, 16);
  EXPECT_EQ(decode_safetensors(bytes, "x").find("x")->values, (std::vector<float>{0.125f, -4.0f}));
}

TEST(Safetensors, RejectsMalformedHeaders) {
  expect_error({1, 2, 3}, "shorter than the 8-byte");
  auto long_header = with_header("{}", 0);
  long_header[0] = 200;
  expect_error(long_header, "runs past the end");
  expect_error(with_header("{not json", 0), "not valid JSON");
  expect_error(with_header(R"({"W":{"dtype":"I8","shape":[1],"data_offsets":[0,1]}})", 1), "dtype \"I8\" is not supported");
  expect_error(with_header(R"({"W":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", 4), "outside the data buffer");
  expect_error(with_header(R"({"W":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8), "shape and dtype need 12");
  expect_error(with_header(R"({"W":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
               "overlap");
  expect_error(with_header(R"({"W":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}})", 0), "non-negative");
  expect_error(with_header(R"({"W":{"dtype":"F32"}})", 0), "needs dtype, shape and data_offsets");
  expect_error(with_header(R"({"__metadata__":{"a":1}})", 0), "not a string");
}

TEST(Safetensors, MessagesSayWhereAndStayOnOneLine) {
  expect_error(with_header("{\"W\": [1,", 0), "(bytes 8..17) is not valid JSON at offset 17");
  // A tensor name or dtype from the file cannot break the message over lines.
  for (const std::string& json :
       {std::string(R"({"a\nb":{"dtype":"F32"}})"), std::string(R"({"W":{"dtype":"F\n16","shape":[1],"data_offsets":[0,2]}})")}) {
    try {
      decode_safetensors(with_header(json, 2), "m.safetensors");
      ADD_FAILURE() << json;
    } catch (const FileError& e) {
      EXPECT_EQ(std::string(e.what()).find('\n'), std::string::npos) << e.what();
    }
  }
  expect_error(with_header(R"({"W":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8),
               "\"W\" (data_offsets [0, 8]) and \"b\" ([4, 8]) overlap");
  expect_error(with_header(R"({"W":{"dtype":"F32","shape":[4294967296,4294967296],"data_offsets":[0,8]}})", 8),
               "shape overflows");
}

TEST(ModelFile, RoundTripRestoresTheModelExactly) {
  TempDir dir;
  const BernoulliRbm rbm = testing::random_rbm(7, 3, 1.0, 5);
  save_model(dir.file("m.safetensors"), rbm, {{"method", "pcd"}});
  const LoadedModel loaded = load_model(dir.file("m.safetensors"));
  EXPECT_EQ(loaded.model->kind(), "bernoulli_rbm");
  EXPECT_EQ(loaded.metadata.at("model"), "bernoulli_rbm");
  EXPECT_EQ(loaded.metadata.at("method"), "pcd");
  const auto a = rbm.parameters().values();
  const auto b = loaded.model->parameters().values();
  EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  const auto* typed = dynamic_cast<const BernoulliRbm*>(loaded.model.get());
  ASSERT_NE(typed, nullptr);
  EXPECT_EQ(typed->n_hidden(), 3);
  // The file holds W [V, H], b [V], c [H] as the design says.
  const SafetensorsFile file = read_safetensors(dir.file("m.safetensors"));
  EXPECT_EQ(file.find("W")->shape, (std::vector<std::int64_t>{7, 3}));
  EXPECT_EQ(file.find("b")->shape, (std::vector<std::int64_t>{7}));
  EXPECT_EQ(file.find("c")->shape, (std::vector<std::int64_t>{3}));
}

TEST(ModelFile, RejectsFilesThatAreNotLogzModels) {
  TempDir dir;
  const std::vector<float> w(6, 0.0f), b(3, 0.0f), c(2, 0.0f), nan = {std::nanf("")};
  const auto expect = [&](const std::vector<SafetensorsView>& tensors,
                          const std::map<std::string, std::string>& metadata, const std::string& fragment) {
    write_safetensors(dir.file("m.safetensors"), tensors, metadata);
    try {
      load_model(dir.file("m.safetensors"));
      ADD_FAILURE() << fragment;
    } catch (const FileError& e) {
      EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    }
  };
  expect({{"W", {3, 2}, w}}, {}, "no __metadata__.model");
  expect({{"W", {3, 2}, w}}, {{"model", "gan"}}, "unknown model \"gan\"");
  expect({{"W", {3, 2}, w}, {"b", {3}, b}}, {{"model", "bernoulli_rbm"}}, "missing tensor \"c\"");
  expect({{"W", {3, 2}, w}, {"b", {2}, c}, {"c", {2}, c}}, {{"model", "bernoulli_rbm"}}, "tensor \"b\" has shape [2]");
  expect({{"W", {6}, w}}, {{"model", "bernoulli_rbm"}}, "expected rank 2");
  std::vector<float> w_nan = w;
  w_nan[4] = nan[0];
  expect({{"W", {3, 2}, w_nan}, {"b", {3}, b}, {"c", {2}, c}}, {{"model", "bernoulli_rbm"}}, "non-finite value at index 4");
}

TEST(ModelFile, WritesAtomicallyLeavingNoTemporaryFiles) {
  TempDir dir;
  const BernoulliRbm rbm = testing::random_rbm(3, 2, 1.0, 1);
  save_model(dir.file("m.safetensors"), rbm);
  save_model(dir.file("m.safetensors"), rbm);  // replaces
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(std::filesystem::path(dir.file("")))) {
    ++files;
    EXPECT_EQ(entry.path().filename(), "m.safetensors");
  }
  EXPECT_EQ(files, 1);
  EXPECT_THROW(save_model(dir.file("no/such/folder/m.safetensors"), rbm), FileError);
}

}  // namespace
}  // namespace logz
