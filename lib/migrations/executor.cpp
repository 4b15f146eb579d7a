// Loading migration files, the dorm_migrations table, and applying or unapplying them.
#include "dorm/migrations/executor.hpp"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <iostream>
#include <set>

#include "../backend.hpp"
#include "../detail/md5.hpp"
#include "dorm/error.hpp"
#include "dorm/migrations/operations.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/routing.hpp"
#include "dorm/schema.hpp"
#include "dorm/transaction.hpp"
#include "schema_editor.hpp"

namespace dorm::migrations {

namespace fs = std::filesystem;

namespace {

Migration read_file(const fs::path& path) {
    Migration m;
    m.path = path.string();
    m.name = path.stem().string();
    std::ifstream in(path);
    if (!in) throw ConfigError(m.path + ": cannot read the file");
    try {
        m.json = Json::parse(in);
    } catch (const Json::exception& e) {
        throw FieldError(m.path + ": not valid JSON (" + e.what() + ")");
    }
    if (!m.json.is_object()) throw FieldError(m.path + ": a migration is a JSON object");
    if (!m.json.contains("operations") || !m.json["operations"].is_array())
        throw FieldError(m.path + ": a migration needs an \"operations\" list");
    try {
        m.dependencies = m.json.value("dependencies", std::vector<std::string>{});
        m.replaces = m.json.value("replaces", std::vector<std::string>{});
        m.atomic = m.json.value("atomic", true);
    } catch (const Json::exception& e) {
        throw FieldError(m.path + ": malformed \"dependencies\", \"replaces\" or \"atomic\" (" + e.what() + ")");
    }
    std::size_t i = 0;
    for (const auto& op : m.operations()) check_operation(op, m.path + ": operation " + std::to_string(++i));
    m.checksum = detail::md5_hex({m.json.dump()});
    return m;
}

// The model metas of a state, built once per state.
struct Metas {
    explicit Metas(const ProjectState& s) : m(s) {}
    StateMetas m;
    const ModelMeta& operator()(const std::string& label) const { return m.meta(label); }
};

std::string str(const Json& op, const char* key) { return op.at(key).get<std::string>(); }

std::vector<std::string> statements_of(const Json& sql) {
    if (sql.is_string()) return {sql.get<std::string>()};
    return sql.get<std::vector<std::string>>();
}

class Context final : public MigrationContext {
   public:
    Context(detail::Connection& c, std::string alias) : c_(c), alias_(std::move(alias)) {}
    std::int64_t execute(const std::string& sql, const std::vector<Value>& params) override {
        detail::Cursor cur(c_, detail::raw_sql(sql, params, c_.dialect(), "RunCode"));
        while (cur.next()) {
        }
        return cur.stmt().changes();
    }
    const std::string& alias() const override { return alias_; }

   private:
    detail::Connection& c_;
    std::string alias_;
};

// The model an operation changes, for the router's allow_migrate (API.md §14): an operation
// on a model the router keeps off this alias changes nothing there, as in Django.
const ModelMeta& operation_model(const Json& op, const std::string& type, const Metas& from, const Metas& to,
                                 bool backwards) {
    if (type == "CreateModel") return backwards ? from(str(op, "name")) : to(str(op, "name"));
    if (type == "DeleteModel") return backwards ? to(str(op, "name")) : from(str(op, "name"));
    if (type == "RenameModel") return from(str(op, backwards ? "new_name" : "old_name"));
    if (type == "AlterModelTable") return from(str(op, "name"));
    return from(str(op, "model"));
}

// One operation's DDL between the states before and after it (their metas built on demand,
// once each); backwards swaps them.
void run_operation_json(const Json& op, SchemaEditor& ed, const std::function<const Metas&()>& before_metas,
                   const std::function<const Metas&()>& after_metas, bool backwards, const std::string& alias,
                   const std::string& context) {
    const auto type = str(op, "type");
    if (type == "RunSQL") {
        const char* key = backwards ? "reverse_sql" : "sql";
        if (!op.contains(key)) throw NotSupportedError(context + ": RunSQL has no reverse_sql, so it cannot be unapplied");
        for (const auto& s : statements_of(op[key])) ed.execute(s);
        return;
    }
    if (type == "RunCode") {
        std::string name = str(op, "name");
        if (backwards) {
            if (!op.contains("reverse")) throw NotSupportedError(context + ": RunCode has no \"reverse\", so it cannot be unapplied");
            name = str(op, "reverse");
        }
        if (!ed.connection()) {
            ed.execute("-- RunCode " + name);
            return;
        }
        Context ctx(*ed.connection(), alias);
        registered_code(name, context)(ctx);
        return;
    }
    const Metas& from = backwards ? after_metas() : before_metas();
    const Metas& to = backwards ? before_metas() : after_metas();
    if (router() && !detail::allow_migrate(alias, operation_model(op, type, from, to, backwards))) return;
    if (type == "CreateModel") {
        backwards ? ed.delete_model(from(str(op, "name"))) : ed.create_model(to(str(op, "name")));
    } else if (type == "DeleteModel") {
        backwards ? ed.create_model(to(str(op, "name"))) : ed.delete_model(from(str(op, "name")));
    } else if (type == "RenameModel") {
        const auto a = str(op, "old_name"), b = str(op, "new_name");
        backwards ? ed.rename_table(from(b), to(a)) : ed.rename_table(from(a), to(b));
    } else if (type == "AlterModelTable") {
        ed.rename_table(from(str(op, "name")), to(str(op, "name")));
    } else if (type == "AddField" || type == "RemoveField") {
        const auto model = str(op, "model");
        const auto name = type == "AddField" ? op["field"].at("name").get<std::string>() : str(op, "name");
        if ((type == "AddField") != backwards) ed.add_field(from(model), to(model), name);
        else ed.remove_field(from(model), to(model), name);
    } else if (type == "AlterField") {
        const auto model = str(op, "model");
        const auto name = op["field"].at("name").get<std::string>();
        ed.alter_field(from(model), to(model), name, name);
    } else if (type == "RenameField") {
        const auto model = str(op, "model");
        const auto a = str(op, "old_name"), b = str(op, "new_name");
        backwards ? ed.alter_field(from(model), to(model), b, a) : ed.alter_field(from(model), to(model), a, b);
    } else if (!backwards && type == "AddIndex" && op.value("concurrently", false) &&
               ed.dialect().features().concurrent_indexes) {
        // PostgreSQL builds it without blocking writes (the migration must be "atomic": false)
        std::string sql = detail::index_sql(to(str(op, "model")), Index(op["index"].at("fields").get<std::vector<std::string>>(),
                                                                        op["index"].at("name").get<std::string>()),
                                            ed.dialect());
        ed.execute("CREATE INDEX CONCURRENTLY" + sql.substr(std::string("CREATE INDEX").size()));
    } else if (!backwards && type == "AddConstraint" && op["constraint"].value("not_valid", false) &&
               op["constraint"].value("type", "") == "check" && ed.dialect().features().alter_columns) {
        // checked for new rows only, until VALIDATE CONSTRAINT (PostgreSQL)
        const ModelMeta& m = to(str(op, "model"));
        const Json& c = op["constraint"];
        ed.execute("ALTER TABLE " + ed.dialect().quote(m.table) + " ADD " +
                   detail::constraint_sql(m, CheckConstraint(q_from_json(c.at("condition")), c.at("name")), ed.dialect()) +
                   " NOT VALID");
    } else {  // indexes, constraints, unique_together
        const auto model = str(op, "model");
        ed.alter_options(from(model), to(model));
    }
}

// A malformed operation (a key missing, a value of the wrong JSON type) is the migration
// file's error, named by its context, not nlohmann's exception.
void run_operation(const Json& op, SchemaEditor& ed, const std::function<const Metas&()>& before_metas,
                   const std::function<const Metas&()>& after_metas, bool backwards, const std::string& alias,
                   const std::string& context) {
    try {
        run_operation_json(op, ed, before_metas, after_metas, backwards, alias, context);
    } catch (const Json::exception& e) {
        throw FieldError(context + ": malformed operation " + op.dump().substr(0, 200) + " (" + e.what() + ")");
    }
}

// The states before each operation of m, and after the last.
std::vector<ProjectState> states_through(const Migration& m, ProjectState start) {
    std::vector<ProjectState> states{std::move(start)};
    std::size_t i = 0;
    for (const auto& op : m.operations()) {
        ProjectState next = states.back();
        state_forwards(op, next, m.path + ": operation " + std::to_string(++i));
        states.push_back(std::move(next));
    }
    return states;
}

// Runs m's operations; returns the state after m (forwards) or before it (backwards).
ProjectState run_migration(const Migration& m, ProjectState start, SchemaEditor& ed, bool backwards,
                           const std::string& alias) {
    auto states = states_through(m, std::move(start));
    std::vector<std::unique_ptr<Metas>> metas(states.size());
    auto metas_of = [&](std::size_t i) -> std::function<const Metas&()> {
        return [&, i]() -> const Metas& {
            if (!metas[i]) metas[i] = std::make_unique<Metas>(states[i]);
            return *metas[i];
        };
    };
    const auto& ops = m.operations();
    const std::size_t n = ops.size();
    for (std::size_t k = 0; k < n; ++k) {
        const std::size_t i = backwards ? n - 1 - k : k;
        run_operation(ops[i], ed, metas_of(i), metas_of(i + 1), backwards, alias,
                      m.path + ": operation " + std::to_string(i + 1) + " (" + describe(ops[i]) + ")");
    }
    return backwards ? std::move(states.front()) : std::move(states.back());
}

const ModelMeta& recorder_meta() {
    static const ModelMeta m = [] {
        ModelMeta r;
        r.name = "Migration";
        r.table = "dorm_migrations";
        r.table_given = true;
        auto add = [&](const char* name, ColumnType t, std::optional<std::size_t> len = {}) {
            FieldMeta f;
            f.name = f.column = name;
            f.type = t;
            f.max_length = len;
            r.fields.push_back(std::move(f));
        };
        add("id", ColumnType::BigInt);
        r.fields.back().primary_key = r.fields.back().auto_increment = true;
        add("name", ColumnType::Varchar, 255);
        add("applied", ColumnType::DateTime);
        add("checksum", ColumnType::Varchar, 32);
        detail::finish_meta(r);
        return r;
    }();
    return m;
}

void ensure_recorder(detail::Connection& c) {
    detail::Cursor exists(c, Sql{c.dialect().table_exists_sql(), {Value("dorm_migrations")}});
    if (exists.next()) return;
    for (const auto& s : detail::create_table_sql(recorder_meta(), c.dialect())) c.execute(s);
}

void record(detail::Connection& c, const Migration& m, bool applied) {
    const auto now = std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
    Sql s = applied ? detail::raw_sql("INSERT INTO dorm_migrations (name, applied, checksum) VALUES (%s, %s, %s)",
                                      {Value(m.name), Value(now), Value(m.checksum)}, c.dialect(), m.name)
                    : detail::raw_sql("DELETE FROM dorm_migrations WHERE name = %s", {Value(m.name)}, c.dialect(), m.name);
    detail::Cursor cur(c, std::move(s));
    cur.next();
}

// Ancestors of `name` (itself included).
std::set<std::string> ancestors(const MigrationSet& set, const std::string& name) {
    std::set<std::string> out;
    std::vector<std::string> todo{name};
    while (!todo.empty()) {
        auto n = todo.back();
        todo.pop_back();
        if (!out.insert(n).second) continue;
        if (const Migration* m = set.find(n))
            for (const auto& d : m->dependencies) todo.push_back(d);
    }
    return out;
}

}  // namespace

MigrationSet MigrationSet::load(const std::string& dir) {
    MigrationSet set;
    set.dir_ = dir;
    std::vector<Migration> all;
    if (fs::is_directory(dir))
        for (const auto& e : fs::directory_iterator(dir))
            if (e.is_regular_file() && e.path().extension() == ".json") all.push_back(read_file(e.path()));
    std::sort(all.begin(), all.end(), [](const Migration& a, const Migration& b) { return a.name < b.name; });
    std::set<std::string> names;
    std::map<std::string, std::string> replaced;  // a squash stands for what it replaces
    for (const auto& m : all) names.insert(m.name);
    for (const auto& m : all)
        for (const auto& r : m.replaces) replaced[r] = m.name;
    auto effective = [&](const std::string& n) {
        auto it = replaced.find(n);
        return it == replaced.end() ? n : it->second;
    };
    std::vector<Migration> kept;
    for (auto& m : all) {
        if (replaced.count(m.name)) continue;
        for (auto& d : m.dependencies) {
            if (!names.count(d) && !replaced.count(d))
                throw FieldError(m.path + ": depends on '" + d + "', which is not in " + dir);
            d = effective(d);
        }
        kept.push_back(std::move(m));
    }
    // dependency order, ties by name; what is left over is a cycle
    std::set<std::string> placed;
    while (!kept.empty()) {
        auto ready = std::find_if(kept.begin(), kept.end(), [&](const Migration& m) {
            return std::all_of(m.dependencies.begin(), m.dependencies.end(),
                               [&](const std::string& d) { return placed.count(d) || d == m.name; });
        });
        if (ready == kept.end()) {
            std::string cycle;
            for (const auto& m : kept) cycle += (cycle.empty() ? "" : ", ") + m.name;
            throw FieldError(dir + ": the dependencies of these migrations form a cycle: " + cycle);
        }
        placed.insert(ready->name);
        set.ordered_.push_back(std::move(*ready));
        kept.erase(ready);
    }
    return set;
}

const Migration* MigrationSet::find(const std::string& name) const {
    for (const auto& m : ordered_)
        if (m.name == name) return &m;
    return nullptr;
}

std::vector<std::string> MigrationSet::leaves() const {
    std::set<std::string> parents;
    for (const auto& m : ordered_)
        for (const auto& d : m.dependencies) parents.insert(d);
    std::vector<std::string> out;
    for (const auto& m : ordered_)
        if (!parents.count(m.name)) out.push_back(m.name);
    return out;
}

ProjectState MigrationSet::state_before(const std::string& name) const {
    ProjectState s;
    for (const auto& m : ordered_) {
        if (m.name == name) break;
        std::size_t i = 0;
        for (const auto& op : m.operations()) state_forwards(op, s, m.path + ": operation " + std::to_string(++i));
    }
    return s;
}

std::string MigrationSet::next_number() const {
    int top = 0;
    for (const auto& m : ordered_) top = std::max(top, std::atoi(m.name.c_str()));
    char buf[16];
    std::snprintf(buf, sizeof buf, "%04d", top + 1);
    return buf;
}

std::string write_migration(const std::string& dir, const std::string& name, const Json& json) {
    fs::create_directories(dir);
    const std::string path = (fs::path(dir) / (name + ".json")).string();
    std::ofstream out(path);
    out << json.dump(2) << "\n";
    if (!out) throw ConfigError(path + ": cannot write the file");
    return path;
}

std::map<std::string, std::string> applied_migrations(const std::string& alias) {
    detail::Connection& c = detail::connection(alias);
    ensure_recorder(c);
    std::map<std::string, std::string> out;
    detail::Cursor cur(c, Sql{"SELECT name, checksum FROM dorm_migrations", {}});
    while (cur.next()) out[std::string(cur.row().get_text(0))] = std::string(cur.row().get_text(1));
    return out;
}

std::vector<PlanStep> plan(const MigrationSet& set, const std::string& alias, const std::optional<std::string>& target) {
    auto applied = applied_migrations(alias);
    for (const auto& m : set.ordered()) {
        auto it = applied.find(m.name);
        if (it != applied.end() && it->second != m.checksum)
            throw Error("migration " + m.name + " (" + m.path + ") was edited after it was applied (checksum " +
                        it->second + ", now " + m.checksum + "); put the file back and write a new migration");
        // a squash counts as applied when everything it replaces is
        if (it == applied.end() && !m.replaces.empty()) {
            std::size_t done = 0;
            for (const auto& r : m.replaces) done += applied.count(r);
            if (done == m.replaces.size()) applied[m.name] = m.checksum;
            else if (done)
                throw Error("migration " + m.name + " replaces migrations of which only some are applied; apply "
                            "them with the original files first");
        }
    }
    auto leaves = set.leaves();
    if (leaves.size() > 1) {
        std::string names;
        for (const auto& l : leaves) names += (names.empty() ? "" : " and ") + l;
        throw Error("conflicting migrations: " + names + " both follow the same parent; run makemigrations --merge");
    }
    std::vector<PlanStep> steps;
    if (target && *target != "zero" && !set.find(*target))
        throw Error("no migration named '" + *target + "' in " + set.dir());
    if (!target) {
        for (const auto& m : set.ordered())
            if (!applied.count(m.name)) steps.push_back({&m, false});
    } else if (*target == "zero" || applied.count(*target)) {
        // unapply what depends on the target (everything with zero), newest first
        const auto& ordered = set.ordered();
        for (auto it = ordered.rbegin(); it != ordered.rend(); ++it) {
            if (!applied.count(it->name) || it->name == *target) continue;
            if (*target == "zero" || ancestors(set, it->name).count(*target)) steps.push_back({&*it, true});
        }
    } else {
        const auto wanted = ancestors(set, *target);
        for (const auto& m : set.ordered())
            if (wanted.count(m.name) && !applied.count(m.name)) steps.push_back({&m, false});
    }
    return steps;
}

void run_plan(const MigrationSet& set, const std::vector<PlanStep>& steps, const std::string& alias,
              std::ostream& out, bool fake) {
    detail::Connection& c = detail::connection(alias);
    ensure_recorder(c);
    const auto& d = c.dialect();
    // squashes whose replaced migrations are all applied are recorded as applied too
    auto applied = applied_migrations(alias);
    for (const auto& m : set.ordered()) {
        if (m.replaces.empty() || applied.count(m.name)) continue;
        if (std::all_of(m.replaces.begin(), m.replaces.end(), [&](const auto& r) { return applied.count(r); }))
            record(c, m, true);
    }
    // forward steps continue from the state the previous one left (no replay from the start)
    std::optional<ProjectState> state;
    const Migration* previous = nullptr;
    for (const auto& step : steps) {
        const Migration& m = *step.migration;
        const auto& all = set.ordered();
        const bool continues = state && !step.backwards && previous && &m != &all.front() && (&m - 1) == previous;
        if (!continues) state = set.state_before(m.name);
        previous = step.backwards ? nullptr : &m;
        out << (step.backwards ? "Unapplying " : "Applying ") << m.name << "..." << std::flush;
        const auto start = std::chrono::steady_clock::now();
        for (const auto& s : d.schema_change_begin_sql()) c.execute(s);
        try {
            std::optional<Atomic> tx;
            if (m.atomic) tx.emplace(alias);
            if (fake) {
                state = states_through(m, std::move(*state)).back();
            } else {
                SchemaEditor ed(&c, d);
                state = run_migration(m, std::move(*state), ed, step.backwards, alias);
                if (auto check = d.foreign_key_check_sql(); !check.empty()) {
                    detail::Cursor cur(c, Sql{check, {}});
                    if (cur.next())
                        throw IntegrityError(m.path + ": leaves a foreign key pointing nowhere: table " +
                                             std::string(cur.row().get_text(0)) + ", row " +
                                             cur.row().get_value(1).to_string() + ", to table " +
                                             std::string(cur.row().get_text(2)));
                }
            }
            record(c, m, !step.backwards);
            if (m.replaces.size() && step.backwards)
                for (const auto& r : m.replaces) {
                    Migration replaced;
                    replaced.name = r;
                    record(c, replaced, false);
                }
            if (tx) tx->commit();
        } catch (...) {
            out << " FAILED\n";
            for (const auto& s : d.schema_change_end_sql()) c.execute(s);
            throw;
        }
        for (const auto& s : d.schema_change_end_sql()) c.execute(s);
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        char buf[32];
        std::snprintf(buf, sizeof buf, "%.2fs", secs);
        out << (fake ? " FAKED" : " OK") << " (" << buf << ")\n";
    }
}

std::vector<std::string> migration_sql(const MigrationSet& set, const std::string& name, const std::string& alias,
                                       bool backwards) {
    const Migration* m = set.find(name);
    if (!m) throw Error("no migration named '" + name + "' in " + set.dir());
    SchemaEditor ed(nullptr, detail::connection(alias).dialect());
    run_migration(*m, set.state_before(name), ed, backwards, alias);
    return ed.statements();
}

}  // namespace dorm::migrations
