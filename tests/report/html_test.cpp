#include "logz/report/html.hpp"

#include <gtest/gtest.h>

#include "logz/report/assets.hpp"

namespace logz::report {
namespace {

std::vector<std::uint8_t> bytes(std::string_view text) {
  return {text.begin(), text.end()};
}

TEST(EscapeHtml, ReplacesEveryCharacterThatCouldEndTextOrAnAttribute) {
  EXPECT_EQ(escape_html("plain text 1.5"), "plain text 1.5");
  EXPECT_EQ(escape_html("<img src=x onerror=\"a('b')\">&"),
            "&lt;img src=x onerror=&quot;a(&#39;b&#39;)&quot;&gt;&amp;");
}

TEST(Base64, MatchesTheVectorsOfRfc4648) {
  EXPECT_EQ(base64(bytes("")), "");
  EXPECT_EQ(base64(bytes("f")), "Zg==");
  EXPECT_EQ(base64(bytes("fo")), "Zm8=");
  EXPECT_EQ(base64(bytes("foo")), "Zm9v");
  EXPECT_EQ(base64(bytes("foob")), "Zm9vYg==");
  EXPECT_EQ(base64(bytes("fooba")), "Zm9vYmE=");
  EXPECT_EQ(base64(bytes("foobar")), "Zm9vYmFy");
  EXPECT_EQ(base64(std::vector<std::uint8_t>{0xff, 0xfe, 0x00}), "//4A");
}

TEST(JsonForScript, CannotCloseTheScriptElementAndParsesBackUnchanged) {
  const nlohmann::json value = {{"name", "</script><script>alert(1)</script> & <!-- \u2028"},
                                {"values", {1.5, nullptr}}};
  const std::string text = json_for_script(value);
  EXPECT_EQ(text.find('<'), std::string::npos);
  EXPECT_EQ(text.find('>'), std::string::npos);
  EXPECT_EQ(text.find('&'), std::string::npos);
  EXPECT_EQ(nlohmann::json::parse(text), value);
  EXPECT_EQ(json_for_script(nlohmann::json::array({std::nan(""), 1.0})), "[null,1.0]");
}

TEST(Assets, AreInlinedAndCannotEndTheirElementsEarly) {
  EXPECT_EQ(assets::uplot_version(), "1.6.32");
  EXPECT_NE(assets::uplot_js().find("uPlot"), std::string_view::npos);
  EXPECT_NE(assets::uplot_css().find(".uplot"), std::string_view::npos);
  EXPECT_NE(assets::uplot_license().find("MIT License"), std::string_view::npos);
  for (const std::string_view script :
       {assets::uplot_js(), assets::report_js(), assets::report_errors_js()}) {
    EXPECT_GT(script.size(), 100u);
    EXPECT_EQ(script.find("</script"), std::string_view::npos);
    EXPECT_EQ(script.find("<!--"), std::string_view::npos);
  }
  EXPECT_EQ(assets::report_css().find("</style"), std::string_view::npos);
}

}  // namespace
}  // namespace logz::report
