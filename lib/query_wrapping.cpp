// The SELECTs that wrap a query: combinations (UNION ...), filters on window annotations,
// and aggregate() over a query whose rows are not plain table rows. Part of the one
// builder (query.cpp).
#include "query_internal.hpp"

#include "dorm/error.hpp"

namespace dorm {

using namespace query_detail;
using sql::ColumnType;

// The members run without ordering or limits (the values() fields of the first apply to
// all); ordering and limits apply to the combination, by output column name.
sql::Select Query::wrap_combination(sql::Select s) const {
    auto tail_order = std::move(s.order_by);
    auto limit = s.limit;
    auto offset = s.offset;
    s.order_by.clear();
    s.limit.reset();
    s.offset = 0;
    for (const auto& [op, other] : combined_) {
        Query q = *other;
        if (values_ && !q.values_) q.values_ = values_;
        q.clear_ordering();
        q.low_ = 0;
        q.high_.reset();
        s.compound.emplace_back(op, std::make_shared<sql::Select>(q.rows_select()));
    }
    for (auto& o : tail_order) {
        sql::Expr e = o.expr;
        if (e->kind == sql::Kind::Column) e = sql::column("", e->name, e->type);
        s.order_by.push_back({e, o.descending});
    }
    s.limit = limit;
    s.offset = offset;
    return s;
}

// Filtering on a window annotation: SELECT the columns FROM (the query, which also selects
// the window values) "subquery" WHERE ..., with the ordering and the limits moved outside.
// Inner columns get names ("__colN") so the outside can name each one.
sql::Select Query::wrap_window(sql::Select s) const {
    sql::Select outer;
    outer.where = window_where_;
    outer.limit = s.limit;
    outer.offset = s.offset;
    for (std::size_t i = 0; i < s.columns.size(); ++i) {
        auto& c = s.columns[i];
        if (c.alias.empty()) c.alias = "__col" + std::to_string(i + 1);
        outer.columns.push_back({sql::column("subquery", c.alias, c.expr->type), c.alias});
    }
    auto selected = [&](std::string_view name) {
        return std::any_of(s.columns.begin(), s.columns.end(), [&](const sql::SelectItem& c) { return c.alias == name; });
    };
    for (const auto& a : annotations_)
        if (a.window && !selected(a.name)) s.columns.push_back({a.expr, a.name});
    for (const auto& o : s.order_by) {
        sql::Expr e = o.expr;
        if (e->kind == sql::Kind::Column && e->table.empty()) {
            e = sql::column("subquery", e->name, e->type);  // an annotation, by name
        } else {
            auto it = std::find_if(s.columns.begin(), s.columns.end(),
                                   [&](const sql::SelectItem& c) { return same_column(c.expr, e); });
            std::string name = it != s.columns.end() ? it->alias : "__order" + std::to_string(s.columns.size() + 1);
            if (it == s.columns.end()) s.columns.push_back({e, name});
            e = sql::column("subquery", name, e->type);
        }
        outer.order_by.push_back({e, o.descending});
    }
    s.order_by.clear();
    s.limit.reset();
    s.offset = 0;
    outer.from_subquery = std::make_shared<sql::Select>(std::move(s));
    return outer;
}

// aggregate(): over the query itself, or — when its rows are not plain table rows — over
// it as a subquery that also selects each aggregate's source as "__colN" (resolved, with
// its joins, inside), as Django's get_aggregation() does.
sql::Select Query::aggregate_select(const Selection& what) {
    related_.clear();
    for_update_ = false;
    if (!needs_wrapping()) {
        std::vector<sql::SelectItem> cols;
        for (const auto& [name, node] : what.aggregates) cols.push_back({resolve(*node), name});
        clear_ordering();
        return frame(std::move(cols));
    }
    if (!is_sliced()) clear_ordering();
    const bool combined = !combined_.empty();
    std::vector<sql::SelectItem> inner_cols;
    if (values_ || distinct_ || combined) inner_cols = output_columns();
    else
        for (const auto& a : annotations_) inner_cols.push_back({a.expr, a.name});
    auto inner_column = [&](sql::Expr e, ColumnType type) {
        std::string name = "__col" + std::to_string(inner_cols.size() + 1);
        inner_cols.push_back({std::move(e), name});
        return sql::column("", name, type);
    };
    sql::Select outer;
    for (const auto& [name, node] : what.aggregates) {
        const std::string& path = node->args[0]->name;
        sql::Expr arg;
        ColumnType type = ColumnType::BigInt;
        if (path == "*") {
            arg = sql::star();
        } else if (const Annotation* a = find_annotation(path)) {
            type = a->expr->type;
            arg = sql::column("", a->name, type);
        } else if (combined) {
            const FieldMeta& f = model_->field(path, path);
            type = f.key_type();
            arg = sql::column("", f.column, type);
        } else {
            const FieldMeta* f = nullptr;
            sql::Expr col = resolve_output_path(path, &f);
            type = f->key_type();
            arg = inner_column(col, type);
        }
        sql::Expr filter;
        if (node->filter) {
            if (combined) throw NotSupportedError(model_->name + ": an aggregate with a filter over a combined queryset");
            filter = inner_column(resolve_q(*node->filter, false, false, true), ColumnType::Boolean);
        }
        outer.columns.push_back(
            {sql::aggregate(node->name, arg, node->distinct, filter, aggregate_type(node->name, type)), name});
    }
    if (inner_cols.empty()) inner_cols.push_back({model_->pk_field().column_expr(model_->table), {}});
    sql::Select inner;
    if (combined) {
        inner = rows_select();
    } else {
        inner = frame(std::move(inner_cols));
        if (has_aggregates() && !values_ && !distinct_) inner.group_by = {model_->pk_field().column_expr(model_->table)};
        else add_grouping(inner);
        if (window_where_) inner = wrap_window(std::move(inner));
    }
    outer.from_subquery = std::make_shared<sql::Select>(std::move(inner));
    return outer;
}

}  // namespace dorm
