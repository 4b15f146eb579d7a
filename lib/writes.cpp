#include "writes.hpp"

#include <algorithm>
#include <optional>

#include "dorm/error.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/transaction.hpp"

namespace dorm::detail {

DateTime now() {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

bool pk_unset(const ModelMeta& m, const void* obj) {
    Value pk = m.pk_field().access->get(obj);
    return pk.is_null() || (m.pk_field().auto_increment && pk.as_int() == 0) ||
           (pk.is<Uuid>() && pk.get<Uuid>().is_nil());
}

void fill_key(const ModelMeta& m, void* obj) {
    const FieldMeta& pk = m.pk_field();
    if (pk.default_factory && pk_unset(m, obj)) pk.access->set(obj, pk.default_factory());
}

void check_required_relations(const ModelMeta& m, const void* obj,
                              const std::vector<const FieldMeta*>* written) {
    for (const FieldMeta* f : m.relations) {
        if (!f->has_column() || f->nullable) continue;
        if (written && std::find(written->begin(), written->end(), f) == written->end()) continue;
        if (f->access->get(obj).is_null())
            throw IntegrityError(m.name + "." + f->name + " is not set, and it does not allow NULL (" +
                                 m.table + "." + f->column + ")");
    }
}

namespace {
// SQLite names the columns of a failed UNIQUE, not the constraint: find the model's
// UniqueConstraint on exactly those columns ("" when none).
std::string unique_constraint_named(const ModelMeta& m, std::string_view what) {
    constexpr std::string_view prefix = "UNIQUE constraint failed: ";
    auto at = what.find(prefix);
    if (at == std::string_view::npos) return {};
    std::string_view list = what.substr(at + prefix.size());
    list = list.substr(0, list.find(" ["));
    std::vector<std::string> columns;
    while (!list.empty()) {
        auto comma = list.find(", ");
        std::string_view item = list.substr(0, comma);
        if (auto dot = item.rfind('.'); dot != std::string_view::npos) item.remove_prefix(dot + 1);
        columns.emplace_back(item);
        if (comma == std::string_view::npos) break;
        list.remove_prefix(comma + 2);
    }
    std::sort(columns.begin(), columns.end());
    for (const Constraint& c : m.constraints) {
        const auto* u = std::get_if<UniqueConstraint>(&c);
        if (!u) continue;
        std::vector<std::string> mine;
        for (const auto& n : u->fields) mine.push_back(m.field(n).column);
        std::sort(mine.begin(), mine.end());
        if (mine == columns) return u->name;
    }
    return {};
}
}  // namespace

void rethrow_integrity(const ModelMeta& m, const void* obj, const IntegrityError& e) {
    std::string msg = m.name + ": " + e.what();
    if (std::string name = unique_constraint_named(m, e.what()); !name.empty()) msg += " [constraint " + name + "]";
    std::string values;
    std::string_view what = e.what();
    for (const FieldMeta* f : m.columns) {
        if (!obj || !f->access) break;
        if (what.find(m.table + "." + f->column) == std::string_view::npos &&
            what.find("(" + f->column + ")") == std::string_view::npos)
            continue;
        values += (values.empty() ? "" : ", ") + f->name + "=" + f->access->get(obj).repr();
    }
    if (!values.empty()) msg += " (" + values + ")";
    throw IntegrityError(msg, e.sqlstate);
}

void attach_relations(const ModelMeta& m, void* obj, bool multi_row) {
    for (const FieldMeta* f : m.relations) f->access->attach(obj, multi_row);
}

void stamp(const FieldMeta& f, void* obj, bool inserting, DateTime at) {
    if (!(f.auto_now || (f.auto_now_add && inserting))) return;
    if (f.type == sql::ColumnType::Date)
        f.access->set(obj, Value(Date{std::chrono::floor<std::chrono::days>(at)}));
    else
        f.access->set(obj, Value(at));
}

InsertPlan plan_insert(const ModelMeta& m, const sql::Dialect& d, bool with_pk, std::size_t rows) {
    InsertPlan p;
    p.returns_pk = m.pk_field().auto_increment && !with_pk;
    sql::Insert ins;
    ins.table = m.table;
    for (const auto& f : m.fields) {
        if ((f.primary_key && p.returns_pk) || !f.has_column()) continue;
        p.columns.push_back(&f);
        ins.columns.push_back(f.column);
    }
    const sql::Expr placeholder = sql::param(Value());
    ins.rows.assign(rows, std::vector<sql::Expr>(p.columns.size(), placeholder));
    if (p.returns_pk) ins.returning = m.pk_field().column;
    p.sql = sql::compile(ins, d);
    return p;
}

int bind_fields(Statement& st, const std::vector<const FieldMeta*>& fields, const void* obj,
                std::vector<Value>& captured, int first) {
    const bool record = capturing();
    for (const FieldMeta* f : fields) {
        f->access->bind(obj, st, first++);
        if (record) captured.push_back(f->access->get(obj));
    }
    return first;
}

namespace {

// Many rows per INSERT (VALUES (...), (...)): fewer statements to run and, on a server, far
// fewer round trips. A new automatic key comes back through RETURNING, in the order of the
// rows; without RETURNING (SQLite), from the statement's last rowid: an AUTOINCREMENT key
// gives the rows of one statement consecutive rowids in VALUES order, checked by the count
// of rows it changed. The statement of a whole batch is compiled and prepared once.
void insert_batches(Connection& c, const ModelMeta& m, const ObjectSpan& objs,
                    const std::vector<std::size_t>& which, bool with_pk, std::size_t batch) {
    const bool returning = c.dialect().features().returning;
    std::optional<InsertPlan> full, last;
    for (std::size_t start = 0; start < which.size(); start += batch) {
        const std::size_t n = std::min(batch, which.size() - start);
        std::optional<InsertPlan>& slot = n == batch ? full : last;
        if (!slot) slot = plan_insert(m, c.dialect(), with_pk, n);
        const InsertPlan& plan = *slot;
        Cursor cur(c, plan.sql.text);
        std::vector<Value> captured;
        int index = 0;
        for (std::size_t k = 0; k < n; ++k)
            index = bind_fields(cur.stmt(), plan.columns, objs.at(which[start + k]), captured, index);
        try {
            if (capturing()) capture(plan.sql.text, captured);
            if (returning) {
                for (std::size_t k = 0; k < n && cur.next(); ++k)
                    if (plan.returns_pk)
                        m.pk_field().access->set(objs.at(which[start + k]), Value(cur.row().get_int64(0)));
            } else {
                cur.next();
                if (!plan.returns_pk) continue;
                if (cur.stmt().changes() != std::int64_t(n))
                    throw OperationalError(m.name + ": bulk_create() inserted " +
                                           std::to_string(cur.stmt().changes()) + " of " +
                                           std::to_string(n) + " rows; their keys are unknown");
                const std::int64_t first = cur.stmt().inserted_id() - std::int64_t(n) + 1;
                for (std::size_t k = 0; k < n; ++k)
                    m.pk_field().access->set(objs.at(which[start + k]), Value(first + std::int64_t(k)));
            }
        } catch (const IntegrityError& e) {
            rethrow_integrity(m, nullptr, e);
        }
    }
}

// One prepared single-row INSERT, reused: batch_size 1, or rows with no column to bind.
void insert_rows(Connection& c, const ModelMeta& m, const ObjectSpan& objs,
                 const std::vector<std::size_t>& which, bool with_pk) {
    const InsertPlan plan = plan_insert(m, c.dialect(), with_pk);
    std::optional<Cursor> cur;
    for (std::size_t k : which) {
        void* obj = objs.at(k);
        if (!cur) cur.emplace(c, plan.sql.text);
        else cur->rearm();
        std::vector<Value> captured;
        bind_fields(cur->stmt(), plan.columns, obj, captured);
        try {
            if (capturing()) capture(plan.sql.text, captured);
            cur->next();
        } catch (const IntegrityError& e) {
            rethrow_integrity(m, obj, e);
        }
        if (plan.returns_pk) m.pk_field().access->set(obj, Value(cur->stmt().inserted_id()));
    }
}

// Rows per INSERT: batch_size (0: up to 1000), within the backend's limit on bound
// parameters. Multi-row statements win on SQLite too: 100k rows of 5 columns in one
// transaction took 115 ms one prepared row at a time and 30-35 ms in batches of 50 to 199
// rows (README, bulk_create).
std::size_t rows_per_insert(const ModelMeta& m, const sql::Dialect& d, bool with_pk,
                            std::size_t batch_size) {
    const std::size_t per_row = plan_insert(m, d, with_pk).columns.size();
    if (per_row == 0) return 1;  // DEFAULT VALUES: one row per statement
    // 0: the backend's fastest way — many rows per statement where keys come back with
    // RETURNING (a server: round trips), one prepared row at a time otherwise.
    if (batch_size == 0 && !d.features().returning) return 1;
    const std::size_t want = batch_size ? batch_size : 1000;
    return std::max<std::size_t>(1, std::min(want, d.features().max_params / per_row));
}

}  // namespace

void bulk_create(const ModelMeta& m, const std::optional<std::string>& chosen, const ObjectSpan& objs,
                 std::size_t batch_size) {
    if (objs.size == 0) return;
    const std::string alias = write_alias(m, chosen);
    Connection& c = connection(alias);
    const DateTime at = now();
    std::vector<std::size_t> with_key, without_key;
    for (std::size_t k = 0; k < objs.size; ++k) {
        void* obj = objs.at(k);
        check_required_relations(m, obj);
        fill_key(m, obj);
        (pk_unset(m, obj) ? without_key : with_key).push_back(k);
        attach_relations(m, obj, false);
        for (const auto& f : m.fields) stamp(f, obj, true, at);
        ModelBase& base = *objs.base(obj);
        if (chosen || alias != "default" || base.state_if()) base.set_loaded_alias(alias, chosen.has_value());
    }
    Atomic tx(alias);
    for (bool with_pk : {false, true}) {
        const auto& which = with_pk ? with_key : without_key;
        if (which.empty()) continue;
        const std::size_t rows = rows_per_insert(m, c.dialect(), with_pk, batch_size);
        if (rows > 1) insert_batches(c, m, objs, which, with_pk, rows);
        else insert_rows(c, m, objs, which, with_pk);
    }
    tx.commit();
}

std::int64_t bulk_update(const ModelMeta& m, const std::optional<std::string>& chosen, const ObjectSpan& objs,
                         const std::vector<std::string>& fields) {
    if (objs.size == 0) return 0;
    const std::string alias = write_alias(m, chosen);
    std::vector<const FieldMeta*> cols;
    for (const auto& n : fields) {
        const FieldMeta& f = m.field(n, "bulk_update()");
        if (f.primary_key) throw FieldError(m.name + ": bulk_update() cannot change the primary key");
        cols.push_back(&f);
    }
    if (cols.empty()) throw FieldError(m.name + ": bulk_update() needs at least one field");
    Connection& c = connection(alias);
    sql::Update up;
    up.table = m.table;
    for (const FieldMeta* f : cols) up.set.emplace_back(f->column, sql::param(Value()));
    up.where = sql::lookup("exact", m.pk_field().column_expr(m.table), sql::param(Value()));
    const Sql sql = sql::compile(up, c.dialect());
    std::int64_t total = 0;
    Atomic tx(alias);
    std::optional<Cursor> cur;
    for (std::size_t k = 0; k < objs.size; ++k) {
        void* obj = objs.at(k);
        if (pk_unset(m, obj)) throw Error(m.name + ": bulk_update() needs saved objects");
        if (!cur) cur.emplace(c, sql.text);
        else cur->rearm();
        std::vector<Value> captured;
        bind_fields(cur->stmt(), {&m.pk_field()}, obj, captured, bind_fields(cur->stmt(), cols, obj, captured));
        if (capturing()) capture(sql.text, captured);
        try {
            cur->next();
        } catch (const IntegrityError& e) {
            rethrow_integrity(m, nullptr, e);
        }
        total += cur->stmt().changes();
    }
    cur.reset();
    tx.commit();
    return total;
}

}  // namespace dorm::detail
