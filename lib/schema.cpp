#include "dorm/schema.hpp"

#include <algorithm>

#include "backend.hpp"
#include "detail/md5.hpp"
#include "dorm/error.hpp"
#include "dorm/query.hpp"
#include "dorm/routing.hpp"
#include "dorm/sql/compiler.hpp"
#include "dorm/transaction.hpp"

namespace dorm {

namespace detail {

std::string index_name(const std::string& table, const std::vector<std::string>& columns,
                       const std::string& suffix, const sql::Dialect& d) {
    std::vector<std::string_view> parts{table};
    for (const auto& c : columns) parts.push_back(c);
    std::string hash = md5_hex(parts).substr(0, 8) + suffix;
    std::string joined;
    for (const auto& c : columns) joined += (joined.empty() ? "" : "_") + c;
    std::string name = table + "_" + joined + "_" + hash;
    const std::size_t max = d.max_name_length();
    if (name.size() <= max) return name;
    if (hash.size() > max / 3) hash = hash.substr(0, max / 3);
    std::size_t other = (max - hash.size()) / 2 - 1;
    name = table.substr(0, other) + "_" + joined.substr(0, other) + "_" + hash;
    if (name[0] == '_' || std::isdigit(static_cast<unsigned char>(name[0])))
        name = "D" + name.substr(0, name.size() - 1);
    return name;
}

std::string index_name(const ModelMeta& m, const Index& index) {
    if (!index.name.empty()) return index.name;
    // Django's Index.set_name_with_model: <table[:11]>_<column[:7]>_<digest[:6]>_idx
    std::vector<std::string> with_order;
    std::string first;
    for (std::string_view n : index.fields) {
        const bool desc = !n.empty() && n[0] == '-';
        if (desc) n.remove_prefix(1);
        const std::string& column = m.field(n).column;
        if (first.empty()) first = column;
        with_order.push_back((desc ? "-" : "") + column);
    }
    std::vector<std::string_view> parts{m.table};
    for (const auto& c : with_order) parts.push_back(c);
    parts.push_back("idx");
    return m.table.substr(0, 11) + "_" + first.substr(0, 7) + "_" + md5_hex(parts).substr(0, 6) + "_idx";
}

std::string condition_sql(const ModelMeta& m, const Q& condition, const sql::Dialect& d) {
    Query q(m);
    q.add_filter(condition, false);
    sql::Select s = q.build(Selection::rows());
    if (!s.joins.empty())
        throw ConfigError(m.name + ": a constraint's condition cannot span relations");
    return sql::compile_ddl(s.where, d);
}

namespace {
std::string column_list(const ModelMeta& m, const std::vector<std::string>& fields, const sql::Dialect& d) {
    std::string list;
    for (std::string_view n : fields) {
        const bool desc = !n.empty() && n[0] == '-';
        if (desc) n.remove_prefix(1);
        list += (list.empty() ? "" : ", ") + d.quote(m.field(n).column) + (desc ? " DESC" : "");
    }
    return list;
}
}  // namespace

std::string constraint_sql(const ModelMeta& m, const Constraint& c, const sql::Dialect& d) {
    if (const auto* check = std::get_if<CheckConstraint>(&c))
        return "CONSTRAINT " + d.quote(check->name) + " CHECK (" + condition_sql(m, check->check, d) + ")";
    const auto& u = std::get<UniqueConstraint>(c);
    if (!u.condition) return "CONSTRAINT " + d.quote(u.name) + " UNIQUE (" + column_list(m, u.fields, d) + ")";
    return {};  // partial: an index of its own (unique_index_sql)
}

std::string unique_index_sql(const ModelMeta& m, const UniqueConstraint& u, const sql::Dialect& d) {
    return "CREATE UNIQUE INDEX " + d.quote(u.name) + " ON " + d.quote(m.table) + " (" +
           column_list(m, u.fields, d) + ") WHERE " + condition_sql(m, *u.condition, d);
}

std::string index_sql(const ModelMeta& m, const Index& index, const sql::Dialect& d) {
    return "CREATE INDEX " + d.quote(index_name(m, index)) + " ON " + d.quote(m.table) + " (" +
           column_list(m, index.fields, d) + ")";
}

sql::ColumnDef column_def(const FieldMeta& f) {
    return sql::ColumnDef{.name = f.column,
                          .type = f.key_type(),  // a relation: its target's key type
                          .max_length = f.key_max_length(),
                          .max_digits = f.max_digits,
                          .decimal_places = f.decimal_places,
                          .nullable = f.nullable,
                          .primary_key = f.primary_key,
                          .auto_increment = f.auto_increment,
                          .unique = f.unique};
}

std::string column_sql(const FieldMeta& f, const sql::Dialect& d) {
    std::string s = d.quote(f.column) + " " + d.column_definition(column_def(f));
    if (f.relation && d.inline_references()) {
        const ModelMeta& t = f.relation->target();
        s += " " + d.references_sql(t.table, t.pk_field().column);
    }
    return s;
}

std::string unique_together_sql(const ModelMeta& m, const std::vector<std::string>& group, const sql::Dialect& d) {
    std::vector<std::string> cols;
    std::string list;
    for (const auto& n : group) {
        cols.push_back(m.field(n).column);
        list += (list.empty() ? "" : ", ") + d.quote(cols.back());
    }
    return d.unique_together_sql(m.table, index_name(m.table, cols, "_uniq", d), list);
}

std::string unique_together_name(const ModelMeta& m, const std::vector<std::string>& group, const sql::Dialect& d) {
    std::vector<std::string> cols;
    for (const auto& n : group) cols.push_back(m.field(n).column);
    return index_name(m.table, cols, "_uniq", d);
}

std::string foreign_key_sql(const ModelMeta& m, const FieldMeta& f, const sql::Dialect& d) {
    const ModelMeta& target = f.relation->target();
    std::string name = index_name(m.table, {f.column}, "_fk_" + target.table + "_" + target.pk_field().column, d);
    return d.foreign_key_constraint_sql(m.table, name, f.column, target.table, target.pk_field().column);
}

std::vector<std::string> field_index_sql(const ModelMeta& m, const FieldMeta& f, const sql::Dialect& d) {
    std::vector<std::string> out;
    if (f.db_index && !f.unique && !f.primary_key)
        out.push_back("CREATE INDEX " + d.quote(index_name(m.table, {f.column}, "", d)) + " ON " +
                      d.quote(m.table) + " (" + d.quote(f.column) + ")");
    auto opclass = d.like_index_opclass(f.key_type());  // a varchar key too, as Django
    if ((f.db_index || f.unique || f.primary_key) && !opclass.empty())
        out.push_back("CREATE INDEX " + d.quote(index_name(m.table, {f.column}, "_like", d)) + " ON " +
                      d.quote(m.table) + " (" + d.quote(f.column) + " " + std::string(opclass) + ")");
    return out;
}

std::vector<std::string> create_table_sql(const ModelMeta& m, const sql::Dialect& d) {
    std::vector<std::string> out;
    std::string t = "CREATE TABLE " + d.quote(m.table) + " (";
    bool first = true;
    for (const FieldMeta* f : m.columns) {
        t += (first ? "" : ", ") + column_sql(*f, d);
        first = false;
    }
    for (const Constraint& c : m.constraints)
        if (std::string inline_sql = constraint_sql(m, c, d); !inline_sql.empty()) t += ", " + inline_sql;
    t += ")";
    out.push_back(std::move(t));
    // Django's order: unique_together, foreign-key constraints, partial unique constraints,
    // then each field's index and its LIKE index, then Meta.indexes.
    for (const auto& group : m.unique_together) out.push_back(unique_together_sql(m, group, d));
    if (!d.inline_references())
        for (const FieldMeta* f : m.columns)
            if (f->relation) out.push_back(foreign_key_sql(m, *f, d));
    for (const Constraint& c : m.constraints)
        if (const auto* u = std::get_if<UniqueConstraint>(&c); u && u->condition)
            out.push_back(unique_index_sql(m, *u, d));
    for (const FieldMeta* f : m.columns)
        for (auto& s : field_index_sql(m, *f, d)) out.push_back(std::move(s));
    for (const Index& index : m.indexes) out.push_back(index_sql(m, index, d));
    return out;
}

namespace {
bool table_exists(Connection& c, const std::string& table) {
    Cursor cur(c, Sql{c.dialect().table_exists_sql(), {Value(table)}});
    return cur.next();
}
}  // namespace

}  // namespace detail

void create_tables(const std::string& alias) {
    auto& c = detail::connection(alias);
    detail::link_relations();
    Atomic tx(alias);
    // Every table first, then constraints and indexes (they may name tables made later).
    std::vector<std::string> after;
    auto run = [&](const std::string& s) {
        if (detail::capturing()) detail::capture(s, {});
        c.execute(s);
    };
    for (const ModelMeta* m : registered_models()) {
        if (!detail::allow_migrate(alias, *m) || detail::table_exists(c, m->table)) continue;
        auto statements = detail::create_table_sql(*m, c.dialect());
        run(statements.front());
        after.insert(after.end(), statements.begin() + 1, statements.end());
    }
    for (const auto& s : after) run(s);
    tx.commit();
}

void drop_tables(const std::string& alias) {
    auto& c = detail::connection(alias);
    const auto& models = registered_models();
    for (auto it = models.rbegin(); it != models.rend(); ++it)
        c.execute(c.dialect().drop_table_sql((*it)->table));
}

}  // namespace dorm
