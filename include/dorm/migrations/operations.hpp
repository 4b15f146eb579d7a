#pragma once
// Migration operations (API.md §9): Django's operation types as JSON objects, what each does
// to the model state, and a one-line description. The DDL each runs is the executor's.
// Knows nothing of files, the database or C++ model types.

#include <functional>
#include <string>
#include <vector>

#include "dorm/json.hpp"
#include "dorm/migrations/state.hpp"

namespace dorm {

/// What a RunCode operation's function receives: SQL on the migration's connection, inside
/// its transaction.
class MigrationContext {
   public:
    virtual ~MigrationContext() = default;
    /// Runs SQL with %s placeholders (as raw()); returns the rows changed.
    virtual std::int64_t execute(const std::string& sql, const std::vector<Value>& params = {}) = 0;
    /// The database alias the migration runs on.
    [[nodiscard]] virtual const std::string& alias() const = 0;
};

/// Registers the function a `{"type": "RunCode", "name": name}` operation runs.
void migration_code(const std::string& name, std::function<void(MigrationContext&)> fn);

namespace migrations {

/// The operation types a migration file may hold.
const std::vector<std::string>& operation_types();

/// Checks an operation's shape (type known, required keys present); `context` names the file.
void check_operation(const Json& op, const std::string& context);

/// Applies one operation to the state (Django's state_forwards).
void state_forwards(const Json& op, ProjectState& state, const std::string& context);

/// "Add field rating to blog.entry": for --plan, --dry-run and lint.
std::string describe(const Json& op);

/// The part of a migration's name an operation suggests ("entry_rating").
std::string name_fragment(const Json& op);

/// The registered RunCode function; throws when none has that name.
const std::function<void(MigrationContext&)>& registered_code(const std::string& name, const std::string& context);

}  // namespace migrations
}  // namespace dorm
