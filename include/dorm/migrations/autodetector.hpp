#pragma once
// The autodetector (Django's MigrationAutodetector): the operations that turn one model
// state into another, in an order that applies cleanly, with renames taken only from
// renamed_from declarations. Knows nothing of files or the database.

#include <string>
#include <vector>

#include "dorm/error.hpp"
#include "dorm/json.hpp"
#include "dorm/migrations/state.hpp"

namespace dorm::migrations {

/// A change the models must settle before a migration can be written (makemigrations
/// exits 3): a NOT NULL column added without a default.
struct NeedsAnswer : Error {
    using Error::Error;
};

/// The operations from `from` to `to` (empty: no changes).
std::vector<Json> autodetect(const ProjectState& from, const ProjectState& to);

/// The name a migration of these operations gets after its number: "initial" for the
/// first, else what the operations describe ("entry_rating"), else "auto".
std::string suggest_name(const std::vector<Json>& operations, bool initial);

}  // namespace dorm::migrations
