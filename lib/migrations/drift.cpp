// migrate --check: the live schema (introspection) against the state the applied
// migrations describe, difference by difference.
#include <algorithm>
#include <set>

#include "dorm/migrations/executor.hpp"
#include "dorm/migrations/introspection.hpp"
#include "dorm/schema.hpp"
#include "../backend.hpp"

namespace dorm::migrations {

namespace {

// What an index or constraint statement is called: the first quoted name after the verb.
std::string statement_name(const std::string& s) {
    for (const char* verb : {"CREATE INDEX ", "CREATE UNIQUE INDEX ", "ADD CONSTRAINT "}) {
        auto at = s.find(verb);
        if (at == std::string::npos) continue;
        auto q = s.find('"', at);
        return s.substr(q + 1, s.find('"', q + 1) - q - 1);
    }
    return {};
}

// The kinds that read back the same however the column was declared.
bool same_kind(ColumnType want, const ColumnInfo& have, const FieldMeta& f) {
    auto integer = [](ColumnType t) { return t == ColumnType::Integer || t == ColumnType::BigInt; };
    if (integer(want) && integer(have.type)) return want == have.type || f.primary_key;
    if (want == ColumnType::Varchar || want == ColumnType::Text)
        return have.type == ColumnType::Varchar || have.type == ColumnType::Text;
    return want == have.type;
}

void compare_table(const ModelMeta& m, const std::string& alias, std::vector<std::string>& out) {
    const TableInfo live = describe_table(m.table, alias);
    const auto& d = detail::connection(alias).dialect();
    std::set<std::string> expected_columns;
    for (const FieldMeta* f : m.columns) {
        expected_columns.insert(f->column);
        auto it = std::find_if(live.columns.begin(), live.columns.end(), [&](const ColumnInfo& c) { return c.name == f->column; });
        if (it == live.columns.end()) {
            out.push_back(m.table + ": missing column " + f->column);
            continue;
        }
        const auto def = detail::column_def(*f);
        if (!same_kind(def.type, *it, *f) ||
            (def.type == ColumnType::Varchar && it->max_length && def.max_length && *it->max_length != *def.max_length))
            out.push_back(m.table + "." + f->column + ": type " + it->db_type + ", the migrations say " + d.column_type(def));
        if (!f->primary_key && it->nullable != f->nullable)
            out.push_back(m.table + "." + f->column + ": " + (it->nullable ? "NULL allowed" : "NOT NULL") +
                          ", the migrations say " + (f->nullable ? "NULL allowed" : "NOT NULL"));
    }
    for (const auto& c : live.columns)
        if (!expected_columns.count(c.name)) out.push_back(m.table + ": extra column " + c.name);
    // indexes and constraints, by name
    std::set<std::string> expected;
    for (const auto& s : detail::create_table_sql(m, d))
        if (auto n = statement_name(s); !n.empty() && s.find("FOREIGN KEY") == std::string::npos) expected.insert(n);
    for (const FieldMeta* f : m.columns) {  // foreign keys: by column and target
        if (!f->relation) continue;
        const ModelMeta& t = f->relation->target();
        const bool found = std::any_of(live.foreign_keys.begin(), live.foreign_keys.end(), [&](const ForeignKeyInfo& k) {
            return k.column == f->column && k.target_table == t.table && k.target_column == t.pk_field().column;
        });
        if (!found) out.push_back(m.table + "." + f->column + ": missing foreign key to " + t.table);
    }
    for (const Constraint& c : m.constraints) expected.insert(std::visit([](const auto& x) { return x.name; }, c));
    std::set<std::string> present;
    for (const auto& i : live.indexes) present.insert(i.name);
    for (const auto& c : live.checks) present.insert(c.name);
    for (const auto& n : expected)
        if (!present.count(n)) out.push_back(m.table + ": missing index or constraint " + n);
    for (const auto& i : live.indexes) {
        if (i.primary_key || expected.count(i.name) || i.name.rfind("sqlite_autoindex_", 0) == 0) continue;
        if (i.unique && i.columns.size() == 1) continue;  // a column's own UNIQUE
        out.push_back(m.table + ": extra index " + i.name);
    }
    for (const auto& c : live.checks)
        if (!c.name.empty() && !expected.count(c.name)) out.push_back(m.table + ": extra constraint " + c.name);
}

}  // namespace

std::vector<std::string> schema_drift(const ProjectState& state, const std::string& alias) {
    std::vector<std::string> out;
    const auto tables = table_names(alias);
    StateMetas metas(state);
    for (const auto& [label, ms] : state.models) {
        const ModelMeta& m = metas.meta(label);
        std::vector<const ModelMeta*> all{&m};
        for (const FieldMeta* f : m.relations)
            if (f->relation->through) all.push_back(f->relation->through.get());
        for (const ModelMeta* t : all) {
            if (!std::binary_search(tables.begin(), tables.end(), t->table)) {
                out.push_back("missing table " + t->table + " (" + label + ")");
                continue;
            }
            compare_table(*t, alias, out);
        }
    }
    return out;
}

}  // namespace dorm::migrations
