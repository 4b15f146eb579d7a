// The management command line: argument parsing, the database to use, and each command.
#include "dorm/manage.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <sstream>

#include <unistd.h>

#include "backend.hpp"
#include "dorm/database.hpp"
#include "dorm/error.hpp"
#include "dorm/migrations/autodetector.hpp"
#include "dorm/migrations/executor.hpp"
#include "dorm/migrations/fixtures.hpp"
#include "dorm/migrations/introspection.hpp"
#include "dorm/migrations/lint.hpp"
#include "dorm/migrations/operations.hpp"
#include "dorm/settings.hpp"

namespace dorm {

namespace {

using migrations::MigrationSet;

constexpr const char* kUsage = R"(usage: <program> COMMAND [options]

commands:
  makemigrations [--name N] [--dry-run] [--check] [--merge] [--empty]
  migrate [TARGET | zero] [--fake] [--plan] [--check]
  showmigrations
  sqlmigrate NAME [--backwards]
  lint [NAME...]
  squashmigrations FROM TO
  dumpdata [LABEL...] [--indent N] [--output FILE]
  loaddata FILE...
  inspectdb [TABLE...]
  dbshell
  check
  help

options for every command:
  --database ALIAS      an alias the program connected
  --database-url URL    else this URL
  --migrations DIR      the migration files (default: settings().migrations_dir)
the database is otherwise the "default" alias, else DATABASE_URL, else sqlite3://db.sqlite3
)";

struct UsageError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Exit 1 without being an exception of the library (a check that found something).
struct Failed : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct Args {
    std::string command;
    std::vector<std::string> positional;
    std::map<std::string, std::string> values;  // --name N
    std::set<std::string> flags;                // --dry-run
    [[nodiscard]] bool flag(const std::string& f) const { return flags.count(f) > 0; }
    [[nodiscard]] std::string value(const std::string& k, std::string def = {}) const {
        auto it = values.find(k);
        return it == values.end() ? def : it->second;
    }
};

const std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>>& commands() {
    // command -> (boolean flags, flags with a value)
    static const std::map<std::string, std::pair<std::set<std::string>, std::set<std::string>>> c = {
        {"makemigrations", {{"--dry-run", "--check", "--merge", "--empty"}, {"--name"}}},
        {"migrate", {{"--fake", "--plan", "--check"}, {}}},
        {"showmigrations", {{}, {}}},
        {"sqlmigrate", {{"--backwards"}, {}}},
        {"lint", {{}, {}}},
        {"squashmigrations", {{}, {"--name"}}},
        {"dumpdata", {{}, {"--indent", "--output"}}},
        {"loaddata", {{}, {}}},
        {"inspectdb", {{}, {}}},
        {"dbshell", {{}, {}}},
        {"check", {{}, {}}},
        {"help", {{}, {}}},
    };
    return c;
}

Args parse(const std::vector<std::string>& argv) {
    Args a;
    for (std::size_t i = 0; i < argv.size(); ++i) {
        const std::string& s = argv[i];
        if (s == "--help" || s == "-h") {
            a.command = "help";
            return a;
        }
        if (s.rfind("--", 0) != 0) {
            if (a.command.empty()) a.command = s;
            else a.positional.push_back(s);
            continue;
        }
        if (a.command.empty()) a.command = "";
        std::string key = s, val;
        bool has_val = false;
        if (auto eq = s.find('='); eq != std::string::npos) {
            key = s.substr(0, eq);
            val = s.substr(eq + 1);
            has_val = true;
        }
        static const std::set<std::string> global = {"--database", "--database-url", "--migrations"};
        auto cmd = commands().find(a.command);
        const bool takes_value = global.count(key) || (cmd != commands().end() && cmd->second.second.count(key));
        const bool boolean = cmd != commands().end() && cmd->second.first.count(key);
        if (takes_value) {
            if (!has_val) {
                if (i + 1 >= argv.size()) throw UsageError(key + " needs a value");
                val = argv[++i];
            }
            a.values[key] = val;
        } else if (boolean && !has_val) {
            a.flags.insert(key);
        } else {
            throw UsageError("unknown option " + s + (a.command.empty() ? "" : " for " + a.command));
        }
    }
    if (a.command.empty()) throw UsageError("no command given");
    if (!commands().count(a.command)) throw UsageError("unknown command '" + a.command + "'");
    return a;
}

// The alias the command works on, connecting one when the program has not.
std::string database(const Args& a) {
    if (auto alias = a.value("--database"); !alias.empty()) {
        if (!is_connected(alias)) throw ConfigError("no database connected as '" + alias + "'");
        return alias;
    }
    if (auto url = a.value("--database-url"); !url.empty()) {
        const std::string alias = "manage";
        if (is_connected(alias)) disconnect(alias);
        connect(url, {.alias = alias});
        return alias;
    }
    if (!is_connected("default")) {
        const char* env = std::getenv("DATABASE_URL");
        connect(env && *env ? env : "sqlite3://db.sqlite3");
    }
    return "default";
}

std::string migrations_dir(const Args& a) { return a.value("--migrations", settings().migrations_dir); }

std::string join(const std::vector<std::string>& v, const char* sep) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : sep) + s;
    return out;
}

// ---- makemigrations ---------------------------------------------------------------------

int makemigrations(const Args& a, std::ostream& out) {
    const auto set = MigrationSet::load(migrations_dir(a));
    const auto leaves = set.leaves();
    if (a.flag("--merge")) {
        if (leaves.size() < 2) {
            out << "No conflicts detected to merge.\n";
            return 0;
        }
        std::string name = set.next_number() + "_merge";
        for (const auto& l : leaves) name += "_" + l.substr(0, 4);
        Json j = {{"dependencies", leaves}, {"operations", Json::array()}, {"atomic", true}};
        if (a.flag("--dry-run")) {
            out << "Would write " << name << ".json\n";
            return 0;
        }
        out << "Created " << migrations::write_migration(set.dir(), name, j) << "\n";
        return 0;
    }
    if (leaves.size() > 1)
        throw Error("conflicting migrations: " + join(leaves, " and ") +
                    " both follow the same parent; run makemigrations --merge");
    std::vector<Json> ops;
    if (!a.flag("--empty")) ops = migrations::autodetect(set.state_before(), migrations::state_of_registered_models());
    if (ops.empty() && !a.flag("--empty")) {
        out << "No changes detected\n";
        return 0;
    }
    if (a.flag("--check")) {
        out << "Changes not in any migration:\n";
        for (const auto& op : ops) out << "  - " << migrations::describe(op) << "\n";
        throw Failed("the models have changes that no migration has (run makemigrations)");
    }
    const std::string suffix = a.value("--name").empty() ? migrations::suggest_name(ops, set.ordered().empty())
                                                          : a.value("--name");
    const std::string name = set.next_number() + "_" + suffix;
    Json j = {{"dependencies", leaves}, {"operations", ops}, {"atomic", true}};
    out << "Migration " << name << ":\n";
    for (const auto& op : ops) out << "  - " << migrations::describe(op) << "\n";
    if (a.flag("--dry-run")) return 0;
    out << "Created " << migrations::write_migration(set.dir(), name, j) << "\n";
    return 0;
}

// ---- migrate, showmigrations, sqlmigrate --------------------------------------------------

int migrate(const Args& a, std::ostream& out) {
    const auto set = MigrationSet::load(migrations_dir(a));
    const std::string alias = database(a);
    std::optional<std::string> target;
    if (!a.positional.empty()) target = a.positional[0];
    if (a.positional.size() > 1) throw UsageError("migrate takes one target");
    if (a.flag("--check")) {
        auto steps = migrations::plan(set, alias, std::nullopt);
        for (const auto& s : steps) out << "unapplied: " << s.migration->name << "\n";
        // the schema the applied migrations describe, against the live one
        const auto applied = migrations::applied_migrations(alias);
        migrations::ProjectState state;
        for (const auto& m : set.ordered()) {
            if (!applied.count(m.name)) continue;
            state = set.state_before(m.name);
            std::size_t i = 0;
            for (const auto& op : m.operations()) migrations::state_forwards(op, state, m.path + ": operation " + std::to_string(++i));
        }
        const auto drift = migrations::schema_drift(state, alias);
        for (const auto& d : drift) out << "drift: " << d << "\n";
        if (!steps.empty() || !drift.empty())
            throw Failed(std::to_string(steps.size()) + " migration(s) not applied, " + std::to_string(drift.size()) +
                         " difference(s) between the database and the migrations");
        out << "All migrations applied; the schema matches them.\n";
        return 0;
    }
    auto steps = migrations::plan(set, alias, target);
    if (a.flag("--plan")) {
        if (steps.empty()) out << "  No planned migration operations.\n";
        for (const auto& s : steps) {
            out << (s.backwards ? "Unapply " : "Apply ") << s.migration->name << "\n";
            for (const auto& op : s.migration->operations()) out << "    " << migrations::describe(op) << "\n";
        }
        return 0;
    }
    migrations::run_plan(set, steps, alias, out, a.flag("--fake"));  // also records squashes
    if (steps.empty()) out << "No migrations to apply.\n";
    return 0;
}

int showmigrations(const Args& a, std::ostream& out) {
    const auto set = MigrationSet::load(migrations_dir(a));
    const auto applied = migrations::applied_migrations(database(a));
    if (set.ordered().empty()) out << "(no migrations)\n";
    for (const auto& m : set.ordered()) {
        // a squash is applied when what it replaces is
        const bool done = applied.count(m.name) ||
                          (!m.replaces.empty() && std::all_of(m.replaces.begin(), m.replaces.end(),
                                                              [&](const auto& r) { return applied.count(r) > 0; }));
        out << (done ? "[X] " : "[ ] ") << m.name << "\n";
    }
    return 0;
}

int sqlmigrate(const Args& a, std::ostream& out) {
    if (a.positional.size() != 1) throw UsageError("sqlmigrate takes one migration name");
    const auto set = MigrationSet::load(migrations_dir(a));
    for (const auto& s : migrations::migration_sql(set, a.positional[0], database(a), a.flag("--backwards")))
        out << s << ";\n";
    return 0;
}

// ---- lint ---------------------------------------------------------------------------------

int lint(const Args& a, std::ostream& out) {
    const auto set = MigrationSet::load(migrations_dir(a));
    const std::string alias = database(a);
    std::vector<const migrations::Migration*> which;
    if (a.positional.empty()) {
        const auto applied = migrations::applied_migrations(alias);
        for (const auto& m : set.ordered())
            if (!applied.count(m.name)) which.push_back(&m);
    } else {
        for (const auto& n : a.positional) {
            const auto* m = set.find(n);
            if (!m) throw Error("no migration named '" + n + "' in " + set.dir());
            which.push_back(m);
        }
    }
    const bool pg = vendor(alias) == "postgresql";
    std::size_t errors = 0;
    for (const auto* m : which)
        for (const auto& h : migrations::lint_migration(set, *m, pg)) {
            out << m->name << ": " << h.where << ": " << h.level << ": " << h.what << "\n";
            errors += h.level == "error";
        }
    if (errors) throw Failed(std::to_string(errors) + " error(s) in the migrations reviewed");
    return 0;
}

// ---- squashmigrations -----------------------------------------------------------------------

// The schema of an in-memory SQLite database after a migration history, as SQLite keeps it.
std::string replayed_schema(const MigrationSet& set, const std::string& target, const std::string& alias) {
    connect("sqlite3://:memory:", {.alias = alias});
    std::ostringstream ignored;
    migrations::run_plan(set, migrations::plan(set, alias, target), alias, ignored);
    std::string schema;
    {
        detail::Cursor cur(detail::connection(alias),
                           Sql{"SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name NOT LIKE 'sqlite_%' "
                               "AND tbl_name <> 'dorm_migrations' ORDER BY type, name",
                               {}});
        while (cur.next())
            for (int c = 0; c < 4; ++c) schema += std::string(cur.row().get_text(c)) + (c == 3 ? "\n" : "|");
    }
    disconnect(alias);
    return schema;
}

int squashmigrations(const Args& a, std::ostream& out) {
    if (a.positional.size() != 2) throw UsageError("squashmigrations takes FROM and TO");
    namespace fs = std::filesystem;
    const auto set = MigrationSet::load(migrations_dir(a));
    const auto& ordered = set.ordered();
    auto pos = [&](const std::string& n) {
        for (std::size_t i = 0; i < ordered.size(); ++i)
            if (ordered[i].name == n) return i;
        throw Error("no migration named '" + n + "' in " + set.dir());
    };
    const std::size_t from = pos(a.positional[0]), to = pos(a.positional[1]);
    if (from > to) throw Error(a.positional[0] + " comes after " + a.positional[1]);
    std::vector<std::string> replaces;
    Json ops = Json::array();
    bool atomic = true;
    for (std::size_t i = from; i <= to; ++i) {
        replaces.push_back(ordered[i].name);
        for (const auto& op : ordered[i].operations()) ops.push_back(op);
        atomic = atomic && ordered[i].atomic;
    }
    std::vector<std::string> deps;
    for (const auto& d : ordered[from].dependencies)
        if (std::find(replaces.begin(), replaces.end(), d) == replaces.end()) deps.push_back(d);
    const std::string name = a.value("--name").empty()
                                 ? ordered[from].name.substr(0, 4) + "_squashed_" + ordered[to].name
                                 : ordered[from].name.substr(0, 4) + "_" + a.value("--name");
    Json squash = {{"dependencies", deps}, {"operations", ops}, {"replaces", replaces}, {"atomic", atomic}};
    // the proof: both histories replayed into in-memory SQLite give the same schema
    const fs::path scratch = fs::temp_directory_path() / ("dorm-squash-" + std::to_string(::getpid()));
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    for (const auto& m : ordered) fs::copy_file(m.path, scratch / (m.name + ".json"));
    migrations::write_migration(scratch.string(), name, squash);
    const auto with_squash = MigrationSet::load(scratch.string());
    std::string old_schema, new_schema;
    try {
        old_schema = replayed_schema(set, ordered[to].name, "squash_old");
        new_schema = replayed_schema(with_squash, name, "squash_new");
    } catch (...) {
        fs::remove_all(scratch);
        throw;
    }
    fs::remove_all(scratch);
    if (old_schema != new_schema)
        throw Failed("the squashed migration does not give the schema the originals give; nothing written");
    out << "Squashed " << replaces.size() << " migrations into " << name
        << " (same schema on in-memory SQLite)\nCreated " << migrations::write_migration(set.dir(), name, squash) << "\n";
    return 0;
}

// ---- dumpdata, loaddata, inspectdb ------------------------------------------------------------

int dumpdata(const Args& a, std::ostream& out) {
    DumpOptions o;
    o.labels = a.positional;
    o.alias = database(a);
    if (auto n = a.value("--indent"); !n.empty()) {
        try {
            o.indent = std::stoi(n);
        } catch (const std::exception&) {
            throw UsageError("--indent takes a number, not '" + n + "'");
        }
    }
    if (auto path = a.value("--output"); !path.empty()) {
        std::ofstream file(path);
        if (!file) throw ConfigError(path + ": cannot write the file");
        dump_data(file, o);
        file << "\n";
        return 0;
    }
    dump_data(out, o);
    out << "\n";
    return 0;
}

int loaddata(const Args& a, std::ostream& out) {
    if (a.positional.empty()) throw UsageError("loaddata takes at least one fixture file");
    const auto r = load_data(a.positional, database(a));
    out << "Installed " << r.objects << " object(s) from " << r.fixtures << " fixture(s)\n";
    return 0;
}

int inspect(const Args& a, std::ostream& out) {
    out << inspectdb(a.positional, database(a));
    return 0;
}

// ---- check, dbshell --------------------------------------------------------------------------

int check_models(std::ostream& out) {
    const auto issues = migrations::check_models();
    for (const auto& i : issues) out << i << "\n";
    if (issues.empty()) {
        out << "System check identified no issues.\n";
        return 0;
    }
    throw Failed("System check identified " + std::to_string(issues.size()) + " issue(s).");
}

std::string shell_quote(const std::string& s) {
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

int dbshell(const Args& a) {
    const auto [vendor, target] = detail::alias_target(database(a));
    const std::string cmd = vendor == "sqlite" ? "sqlite3 " + shell_quote(target) : "psql " + shell_quote(target);
    const int rc = std::system(cmd.c_str());
    return rc == 0 ? 0 : 1;
}

}  // namespace

int manage(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
    Args a;
    try {
        a = parse(argv);
    } catch (const UsageError& e) {
        err << "error: " << e.what() << "\n\n" << kUsage;
        return 2;
    }
    try {
        if (a.command == "help") {
            out << kUsage;
            return 0;
        }
        if (a.command == "makemigrations") return makemigrations(a, out);
        if (a.command == "migrate") return migrate(a, out);
        if (a.command == "showmigrations") return showmigrations(a, out);
        if (a.command == "sqlmigrate") return sqlmigrate(a, out);
        if (a.command == "lint") return lint(a, out);
        if (a.command == "squashmigrations") return squashmigrations(a, out);
        if (a.command == "check") return check_models(out);
        if (a.command == "dumpdata") return dumpdata(a, out);
        if (a.command == "loaddata") return loaddata(a, out);
        if (a.command == "inspectdb") return inspect(a, out);
        if (a.command == "dbshell") return dbshell(a);
        throw UsageError("unknown command '" + a.command + "'");
    } catch (const UsageError& e) {
        err << "error: " << e.what() << "\n\n" << kUsage;
        return 2;
    } catch (const migrations::NeedsAnswer& e) {
        err << "error: " << e.what() << "\n";
        return 3;
    } catch (const Failed& e) {
        err << e.what() << "\n";
        return 1;
    } catch (const std::exception& e) {
        err << "error: " << e.what() << "\n";
        return 1;
    }
}

int manage(const std::vector<std::string>& args) { return manage(args, std::cout, std::cerr); }

int manage(int argc, char** argv) {
    std::vector<std::string> args;
    for (int i = 1; i < argc; ++i) args.emplace_back(argv[i]);
    return manage(args);
}

}  // namespace dorm
