// Text for an HTML page: escaping, base64 for data: URIs, and JSON that may
// stand inside a <script> element. Everything logz report takes from a file
// (a setting's value, a column's name, an estimate's warning) goes through
// one of these before it reaches the page.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <string_view>

namespace logz::report {

// `text` with &, <, >, " and ' replaced by character references: safe as
// element content and inside a double- or single-quoted attribute value.
std::string escape_html(std::string_view text);

// RFC 4648 base64 with padding, no line breaks (what a data: URI takes).
std::string base64(std::span<const std::uint8_t> bytes);

// `value` as compact JSON in which <, > and & are written \u003c, \u003e,
// \u0026 (JSON.parse reads them back unchanged), so that no string from a
// file can close the <script> element holding it. Non-ASCII is escaped too,
// and NaN or infinities become null.
std::string json_for_script(const nlohmann::json& value);

}  // namespace logz::report
