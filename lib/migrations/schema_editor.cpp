#include "schema_editor.hpp"

#include <algorithm>

#include "dorm/database.hpp"
#include "dorm/error.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/schema.hpp"

namespace dorm::migrations {

namespace {

std::vector<const ModelMeta*> link_tables(const ModelMeta& m) {
    std::vector<const ModelMeta*> out;
    for (const FieldMeta* f : m.relations)
        if (f->relation->through) out.push_back(f->relation->through.get());
    return out;
}

std::vector<std::string> constraint_names(const ModelMeta& m) {
    std::vector<std::string> out;
    for (const Constraint& c : m.constraints) out.push_back(std::visit([](const auto& x) { return x.name; }, c));
    return out;
}

const Constraint* constraint_named(const ModelMeta& m, const std::string& name) {
    for (const Constraint& c : m.constraints)
        if (std::visit([](const auto& x) { return x.name; }, c) == name) return &c;
    return nullptr;
}

bool is_partial_unique(const Constraint& c) {
    const auto* u = std::get_if<UniqueConstraint>(&c);
    return u && u->condition;
}

// The statements that describe a constraint or index, to tell whether one changed.
std::string fingerprint(const ModelMeta& m, const Constraint& c, const sql::Dialect& d) {
    return is_partial_unique(c) ? detail::unique_index_sql(m, std::get<UniqueConstraint>(c), d)
                                : detail::constraint_sql(m, c, d);
}

// The name an index or constraint statement of create_table_sql() gives: the first quoted
// name after its verb ("" for other statements).
std::string created_name(const std::string& s) {
    for (const char* verb : {"CREATE INDEX ", "CREATE UNIQUE INDEX ", "ADD CONSTRAINT "}) {
        const auto at = s.find(verb);
        if (at == std::string::npos) continue;
        std::string name;
        for (auto i = s.find('"', at) + 1; i < s.size(); ++i) {  // "" inside is one "
            if (s[i] == '"' && (i + 1 >= s.size() || s[i + 1] != '"')) return name;
            if (s[i] == '"') ++i;
            name += s[i];
        }
        return name;
    }
    return {};
}

}  // namespace

void SchemaEditor::execute(const std::string& sql) {
    statements_.push_back(sql);
    if (!c_) return;
    if (detail::capturing()) detail::capture(sql, {});
    c_->execute(sql);
}

std::string SchemaEditor::column_sql(const FieldMeta& f) const { return detail::column_sql(f, d_); }

void SchemaEditor::create_model(const ModelMeta& m) {
    for (auto& s : detail::create_table_sql(m, d_)) execute(s);
    for (const ModelMeta* link : link_tables(m))
        for (auto& s : detail::create_table_sql(*link, d_)) execute(s);
}

void SchemaEditor::delete_model(const ModelMeta& m) {
    for (const ModelMeta* link : link_tables(m)) execute(d_.drop_table_sql(link->table));
    execute(d_.drop_table_sql(m.table));
}

void SchemaEditor::add_field(const ModelMeta& before, const ModelMeta& after, const std::string& name) {
    const FieldMeta& f = after.field(name);
    if (f.relation && f.relation->through) {  // a ManyToMany: its link table
        for (auto& s : detail::create_table_sql(*f.relation->through, d_)) execute(s);
        return;
    }
    if (f.default_factory && !f.primary_key) {
        add_field_per_row(before, after, f);
        return;
    }
    // A NOT NULL column without a default, or a unique/key one, needs SQLite's rebuild; a
    // PostgreSQL column gets the default for the existing rows, then drops it (Django's way).
    if (!d_.features().alter_columns && (f.primary_key || f.unique || (!f.nullable && !f.default_value) ||
                                         (f.relation && d_.inline_references() && !f.nullable))) {
        remake(before, after);
        return;
    }
    std::string add = "ALTER TABLE " + d_.quote(after.table) + " ADD COLUMN " + column_sql(f);
    const bool with_default = f.default_value && !f.default_value->is_null();
    if (with_default) {
        add += " DEFAULT ";
        d_.literal(add, *f.default_value);
    }
    execute(add);
    if (with_default && d_.features().alter_columns)
        execute("ALTER TABLE " + d_.quote(after.table) + " ALTER COLUMN " + d_.quote(f.column) + " DROP DEFAULT");
    if (f.relation && !d_.inline_references()) execute(detail::foreign_key_sql(after, f, d_));
    for (auto& s : detail::field_index_sql(after, f, d_)) execute(s);
}

void SchemaEditor::add_field_per_row(const ModelMeta& before, const ModelMeta& after, const FieldMeta& f) {
    // One value per existing row from the model's default_factory: the column comes in
    // NULL, each row gets its value, then the column gets its NOT NULL and unique.
    const std::string table = d_.quote(after.table);
    execute("ALTER TABLE " + table + " ADD COLUMN " + d_.quote(f.column) + " " + d_.column_type(detail::column_def(f)) + " NULL");
    if (c_) {
        const FieldMeta& pk = after.pk_field();
        std::vector<Value> keys;
        {
            detail::Cursor cur(*c_, Sql{"SELECT " + d_.quote(pk.column) + " FROM " + table, {}});
            while (cur.next()) keys.push_back(read_typed(cur.row(), 0, pk.key_type()));
        }
        const std::string update = "UPDATE " + table + " SET " + d_.quote(f.column) + " = %s WHERE " + d_.quote(pk.column) + " = %s";
        for (const auto& key : keys) {
            detail::Cursor cur(*c_, detail::raw_sql(update, {f.default_factory(), key}, d_, after.name + "." + f.name));
            cur.next();
        }
    } else {
        execute("-- " + after.name + "." + f.name + ": one value per row from its default_factory");
    }
    if (!d_.features().alter_columns) {
        remake(after, after);  // the rebuild adds NOT NULL, unique and the indexes
        (void)before;
        return;
    }
    if (!f.nullable) execute("ALTER TABLE " + table + " ALTER COLUMN " + d_.quote(f.column) + " SET NOT NULL");
    if (f.unique)
        execute("ALTER TABLE " + table + " ADD CONSTRAINT " + d_.quote(detail::index_name(after.table, {f.column}, "_uniq", d_)) +
                " UNIQUE (" + d_.quote(f.column) + ")");
    if (f.relation && !d_.inline_references()) execute(detail::foreign_key_sql(after, f, d_));
    for (auto& s : detail::field_index_sql(after, f, d_)) execute(s);
}

void SchemaEditor::remove_field(const ModelMeta& before, const ModelMeta& after, const std::string& name) {
    const FieldMeta& f = before.field(name);
    if (f.relation && f.relation->through) {
        execute(d_.drop_table_sql(f.relation->through->table));
        return;
    }
    if (!d_.features().alter_columns) {
        remake(before, after);
        return;
    }
    execute(d_.drop_column_sql(before.table, f.column));
}

void SchemaEditor::alter_field(const ModelMeta& before, const ModelMeta& after, const std::string& old_name,
                               const std::string& new_name) {
    const FieldMeta& from = before.field(old_name);
    const FieldMeta& to = after.field(new_name);
    if (from.relation && from.relation->through) {  // ManyToMany: only its link table's name
        if (from.relation->through->table != to.relation->through->table)
            execute("ALTER TABLE " + d_.quote(from.relation->through->table) + " RENAME TO " +
                    d_.quote(to.relation->through->table));
        return;
    }
    const auto def_from = detail::column_def(from), def_to = detail::column_def(to);
    const bool renamed = from.column != to.column;
    const bool same_otherwise = def_from.type == def_to.type && def_from.max_length == def_to.max_length &&
                                def_from.max_digits == def_to.max_digits &&
                                def_from.decimal_places == def_to.decimal_places &&
                                def_from.nullable == def_to.nullable && from.unique == to.unique &&
                                from.db_index == to.db_index && from.primary_key == to.primary_key &&
                                bool(from.relation) == bool(to.relation);
    if (renamed && same_otherwise) {  // both backends rename a column in place
        execute("ALTER TABLE " + d_.quote(after.table) + " RENAME COLUMN " + d_.quote(from.column) + " TO " +
                d_.quote(to.column));
        return;
    }
    if (same_otherwise) return;  // a default or a Python-side option: nothing in the database
    if (!d_.features().alter_columns) {
        remake(before, after, {{new_name, old_name}});
        return;
    }
    if (renamed)
        execute("ALTER TABLE " + d_.quote(after.table) + " RENAME COLUMN " + d_.quote(from.column) + " TO " +
                d_.quote(to.column));
    // indexes of the old definition go, the new definition's come
    auto old_indexes = detail::field_index_sql(before, from, d_);
    auto new_indexes = detail::field_index_sql(after, to, d_);
    for (const auto& s : old_indexes)
        if (std::find(new_indexes.begin(), new_indexes.end(), s) == new_indexes.end()) {
            auto q = s.find('"');
            execute("DROP INDEX IF EXISTS " + s.substr(q, s.find('"', q + 1) - q + 1));
        }
    if (from.unique && !to.unique)  // inline (PostgreSQL's name) or added later (Django's)
        for (const auto& name : {before.table + "_" + from.column + "_key",
                                 detail::index_name(before.table, {from.column}, "_uniq", d_)})
            execute("ALTER TABLE " + d_.quote(after.table) + " DROP CONSTRAINT IF EXISTS " + d_.quote(name));
    for (auto& s : d_.alter_column_sql(after.table, def_from, def_to)) execute(s);
    if (to.unique && !from.unique)
        execute("ALTER TABLE " + d_.quote(after.table) + " ADD CONSTRAINT " +
                d_.quote(detail::index_name(after.table, {to.column}, "_uniq", d_)) + " UNIQUE (" +
                d_.quote(to.column) + ")");
    for (const auto& s : new_indexes)
        if (std::find(old_indexes.begin(), old_indexes.end(), s) == old_indexes.end()) execute(s);
}

void SchemaEditor::rename_table(const ModelMeta& before, const ModelMeta& after) {
    if (before.table != after.table) {
        execute("ALTER TABLE " + d_.quote(before.table) + " RENAME TO " + d_.quote(after.table));
        rename_derived_names(before, after);
    }
    // link tables named after the model's table follow it, as in Django
    for (const FieldMeta* f : before.relations) {
        if (!f->relation->through) continue;
        const FieldMeta* g = after.find(f->name);
        if (g && g->relation && g->relation->through && g->relation->through->table != f->relation->through->table) {
            execute("ALTER TABLE " + d_.quote(f->relation->through->table) + " RENAME TO " +
                    d_.quote(g->relation->through->table));
            rename_derived_names(*f->relation->through, *g->relation->through);
        }
    }
}

// Generated index and constraint names start with the table's name and hash it, so after a
// rename the ones the table has are not the ones its state names: migrate --check saw them as
// missing and extra, and later operations that find them by name missed them. They follow
// the table: an index is dropped and made again under its new name (SQLite cannot rename
// one), a constraint (PostgreSQL's unique_together and foreign keys) is renamed.
void SchemaEditor::rename_derived_names(const ModelMeta& before, const ModelMeta& after) {
    const auto old_sql = detail::create_table_sql(before, d_), new_sql = detail::create_table_sql(after, d_);
    for (std::size_t i = 1; i < old_sql.size() && i < new_sql.size(); ++i) {  // [0]: CREATE TABLE
        const std::string from = created_name(old_sql[i]), to = created_name(new_sql[i]);
        if (from.empty() || to.empty() || from == to) continue;
        // A foreign key's name also hashes its target's table, which may have been renamed
        // since it was made: its real name is not derivable here, so it keeps it.
        if (new_sql[i].find("FOREIGN KEY") != std::string::npos) continue;
        if (new_sql[i].starts_with("CREATE ")) {
            execute("DROP INDEX IF EXISTS " + d_.quote(from));
            execute(new_sql[i]);
        } else {
            execute("ALTER TABLE " + d_.quote(after.table) + " RENAME CONSTRAINT " + d_.quote(from) + " TO " +
                    d_.quote(to));
        }
    }
}

void SchemaEditor::alter_options(const ModelMeta& before, const ModelMeta& after) {
    // indexes: by name
    for (const Index& i : before.indexes) {
        const std::string name = detail::index_name(before, i);
        bool kept = std::any_of(after.indexes.begin(), after.indexes.end(), [&](const Index& j) {
            return detail::index_name(after, j) == name && detail::index_sql(after, j, d_) == detail::index_sql(before, i, d_);
        });
        if (!kept) execute("DROP INDEX IF EXISTS " + d_.quote(name));
    }
    for (const Index& i : after.indexes) {
        const std::string name = detail::index_name(after, i);
        bool existed = std::any_of(before.indexes.begin(), before.indexes.end(), [&](const Index& j) {
            return detail::index_name(before, j) == name && detail::index_sql(after, i, d_) == detail::index_sql(before, j, d_);
        });
        if (!existed) execute(detail::index_sql(after, i, d_));
    }
    // constraints: by name; SQLite rebuilds for table constraints
    bool rebuild = false;
    std::vector<std::string> drop, add;
    for (const auto& name : constraint_names(before)) {
        const Constraint* now = constraint_named(after, name);
        const Constraint& was = *constraint_named(before, name);
        if (now && fingerprint(after, *now, d_) == fingerprint(before, was, d_)) continue;
        if (is_partial_unique(was)) execute("DROP INDEX IF EXISTS " + d_.quote(name));
        else if (d_.features().alter_columns) execute("ALTER TABLE " + d_.quote(after.table) + " DROP CONSTRAINT " + d_.quote(name));
        else rebuild = true;
    }
    for (const auto& name : constraint_names(after)) {
        const Constraint& now = *constraint_named(after, name);
        const Constraint* was = constraint_named(before, name);
        if (was && fingerprint(after, now, d_) == fingerprint(before, *was, d_)) continue;
        if (is_partial_unique(now)) add.push_back(detail::unique_index_sql(after, std::get<UniqueConstraint>(now), d_));
        else if (d_.features().alter_columns) add.push_back("ALTER TABLE " + d_.quote(after.table) + " ADD " + detail::constraint_sql(after, now, d_));
        else rebuild = true;
    }
    // unique_together
    for (const auto& g : before.unique_together) {
        if (std::find(after.unique_together.begin(), after.unique_together.end(), g) != after.unique_together.end()) continue;
        const std::string name = detail::unique_together_name(before, g, d_);
        if (d_.features().alter_columns) execute("ALTER TABLE " + d_.quote(before.table) + " DROP CONSTRAINT " + d_.quote(name));
        else execute("DROP INDEX IF EXISTS " + d_.quote(name));
    }
    for (const auto& g : after.unique_together)
        if (std::find(before.unique_together.begin(), before.unique_together.end(), g) == before.unique_together.end())
            add.push_back(detail::unique_together_sql(after, g, d_));
    if (rebuild) {
        remake(before, after);  // recreates every index and constraint of `after`
        return;
    }
    for (const auto& s : add) execute(s);
}

void SchemaEditor::remake(const ModelMeta& before, const ModelMeta& after,
                          const std::vector<std::pair<std::string, std::string>>& renamed) {
    // Django's _remake_table: create "new__<table>", copy the rows, drop, rename, indexes.
    auto statements = detail::create_table_sql(after, d_);
    const std::string temp = "new__" + after.table;
    std::string& create = statements.front();
    const std::string prefix = "CREATE TABLE " + d_.quote(after.table) + " (";
    create = "CREATE TABLE " + d_.quote(temp) + " (" + create.substr(prefix.size());
    execute(create);
    std::string columns, values;
    for (const FieldMeta* f : after.columns) {
        std::string source = f->name;
        for (const auto& [now, was] : renamed)
            if (now == f->name) source = was;
        const FieldMeta* old = before.find(source);
        if (old && !old->has_column()) old = nullptr;
        std::string value;
        if (old) {
            value = d_.quote(old->column);
        } else if (f->default_value && !f->default_value->is_null()) {
            d_.literal(value, *f->default_value);
        } else if (f->nullable) {
            value = "NULL";
        } else {
            continue;  // a new key column (auto-filled) or refused earlier by makemigrations
        }
        columns += (columns.empty() ? "" : ", ") + d_.quote(f->column);
        values += (values.empty() ? "" : ", ") + value;
    }
    execute("INSERT INTO " + d_.quote(temp) + " (" + columns + ") SELECT " + values + " FROM " +
            d_.quote(before.table));
    execute("DROP TABLE " + d_.quote(before.table));
    execute("ALTER TABLE " + d_.quote(temp) + " RENAME TO " + d_.quote(after.table));
    for (std::size_t i = 1; i < statements.size(); ++i) execute(statements[i]);
}

}  // namespace dorm::migrations
