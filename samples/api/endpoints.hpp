#pragma once
// The API's routes: /api/entries (+ /live, /schema, /{id}), /api/blogs, /api/audit.

#include "http.hpp"

namespace api {

/// The router with every endpoint of the sample.
Router routes();

}  // namespace api
