#pragma once
// dorm::Json (nlohmann::json) complete, for code whose point is JSON. Headers that only name
// Json include dorm/json_fwd.hpp instead.

#include <nlohmann/json.hpp>

#include "dorm/json_fwd.hpp"  // IWYU pragma: export
