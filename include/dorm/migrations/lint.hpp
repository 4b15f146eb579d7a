#pragma once
// Reviews that change nothing: the hazards of migration files (`manage lint`) and the checks
// of the registered models (`manage check`). Knows nothing of the command line.

#include <string>
#include <vector>

#include "dorm/migrations/executor.hpp"

namespace dorm::migrations {

/// One hazard: where ("RemoveField blog.entry.rating"), "error" or "warning", what.
struct Hazard {
    std::string where, level, what;
};

/// The hazards of one migration on this backend (API.md §9 lists them).
std::vector<Hazard> lint_migration(const MigrationSet& set, const Migration& m, bool postgresql);

/// Problems of the registered models: a relation to an unregistered model, clashing
/// reverse names, a default outside the choices, two fields on one column.
std::vector<std::string> check_models();

}  // namespace dorm::migrations
