#pragma once
// Migration files and running them (API.md §9): loading a directory of NNNN_name.json files
// into a dependency graph, the dorm_migrations table with each applied file's checksum, and
// applying or unapplying migrations one transaction each.

#include <iosfwd>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "dorm/json.hpp"
#include "dorm/migrations/state.hpp"

namespace dorm::migrations {

struct Migration {
    std::string name;  ///< the file name without ".json": "0002_entry_rating"
    std::string path;
    Json json;
    std::vector<std::string> dependencies, replaces;
    bool atomic = true;
    std::string checksum;  ///< of the parsed JSON, so re-indenting does not change it
    [[nodiscard]] const Json& operations() const { return json.at("operations"); }
};

/// Every migration of a directory, checked (JSON, operations, dependencies, no cycle) and in
/// dependency order (ties by name).
class MigrationSet {
   public:
    /// A missing directory is an empty set. Errors name the file.
    static MigrationSet load(const std::string& dir);

    [[nodiscard]] const std::vector<Migration>& ordered() const { return ordered_; }
    [[nodiscard]] const Migration* find(const std::string& name) const;
    /// Migrations nothing depends on (more than one: a branch to merge).
    [[nodiscard]] std::vector<std::string> leaves() const;
    /// The state the migrations before `name` (in order) describe; all of them with "".
    [[nodiscard]] ProjectState state_before(const std::string& name = "") const;
    [[nodiscard]] const std::string& dir() const { return dir_; }
    /// The next number: "0003".
    [[nodiscard]] std::string next_number() const;

   private:
    std::string dir_;
    std::vector<Migration> ordered_;
};

/// Writes a migration file (sorted keys, 2-space indent); returns its path.
std::string write_migration(const std::string& dir, const std::string& name, const Json& json);

/// The applied migrations of a database: name -> checksum (creates dorm_migrations).
std::map<std::string, std::string> applied_migrations(const std::string& alias);

/// One step of a plan: a migration, forwards or backwards.
struct PlanStep {
    const Migration* migration;
    bool backwards = false;
};

/// What migrate [target] would do. target: a migration name, "zero", or nullopt (every
/// leaf). Refuses branches and edited applied files (dorm::Error naming them).
std::vector<PlanStep> plan(const MigrationSet& set, const std::string& alias,
                           const std::optional<std::string>& target);

/// Runs a plan: each migration in one transaction (unless "atomic": false), printing
/// "Applying 0002_x... OK (0.04s)" to `out`. `fake` records without running SQL.
void run_plan(const MigrationSet& set, const std::vector<PlanStep>& steps, const std::string& alias,
              std::ostream& out, bool fake = false);

/// How the live schema differs from `state` on the tables its models own: a missing table,
/// a missing or extra column, index or constraint, a different type or nullability. One line
/// each; empty when none. Tables no model owns are ignored.
std::vector<std::string> schema_drift(const ProjectState& state, const std::string& alias);

/// The SQL a migration runs on this alias's database, one statement per entry.
std::vector<std::string> migration_sql(const MigrationSet& set, const std::string& name, const std::string& alias,
                                       bool backwards = false);

}  // namespace dorm::migrations
