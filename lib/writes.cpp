#include "writes.hpp"

#include "dorm/error.hpp"

namespace dorm::detail {

DateTime now() {
    return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

bool pk_unset(const ModelMeta& m, const void* obj) {
    Value pk = m.pk_field().access->get(obj);
    return pk.is_null() || (m.pk_field().auto_increment && pk.as_int() == 0);
}

void check_required_relations(const ModelMeta& m, const void* obj) {
    for (const FieldMeta* f : m.relations) {
        if (!f->has_column() || f->nullable) continue;
        if (f->access->get(obj).is_null())
            throw IntegrityError(m.name + "." + f->name + " is not set, and it does not allow NULL (" +
                                 m.table + "." + f->column + ")");
    }
}

void rethrow_integrity(const ModelMeta& m, const void* obj, const IntegrityError& e) {
    std::string msg = m.name + ": " + e.what();
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

}  // namespace dorm::detail
