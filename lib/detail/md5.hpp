#pragma once
// MD5, only to name indexes exactly as Django does (names_digest); not for security.

#include <string>
#include <string_view>
#include <vector>

namespace dorm::detail {

/// Hex MD5 of the concatenated parts.
std::string md5_hex(const std::vector<std::string_view>& parts);

}  // namespace dorm::detail
