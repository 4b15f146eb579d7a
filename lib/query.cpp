// The query builder's state and the SQL it builds: ordering, limits, the SELECT/UPDATE/
// DELETE trees. Paths and lookups: query_lookups.cpp; expressions: query_expressions.cpp.
#include "query_internal.hpp"

#include "dorm/error.hpp"

namespace dorm {

using namespace query_detail;
using sql::ColumnType;

void Query::set_ordering(std::vector<std::string> fields) {
    Query check = *this;  // names are checked now, joins are made when the SQL is built
    for (const auto& o : fields) {
        std::string_view n = o;
        if (n == "?" || is_order_expression(o)) continue;
        if (!n.empty() && n[0] == '-') n.remove_prefix(1);
        if (find_annotation(n)) continue;
        if (n.find("__") == std::string_view::npos) (void)model_->field(n, o);
        else (void)check.resolve_column(n);
    }
    ordering_ = std::move(fields);
    explicit_ordering_ = true;
}

bool Query::is_ordered() const {
    return explicit_ordering_ ? !ordering_.empty() : !model_->ordering.empty();
}

std::vector<sql::OrderBy> Query::order_terms() const {
    const auto& names = explicit_ordering_ ? ordering_ : model_->ordering;
    std::vector<sql::OrderBy> out;
    out.reserve(names.size());
    for (const auto& o : names) {
        if (o == "?") {
            out.push_back({sql::func("RANDOM", {}), false});
            continue;
        }
        if (is_order_expression(o)) {
            auto e = order_exprs_.at(std::stoul(o.substr(kOrderExprMark.size())));
            out.push_back({e.expr, e.descending != reversed_});
            continue;
        }
        bool desc = !o.empty() && o[0] == '-';
        std::string_view n = desc ? std::string_view(o).substr(1) : std::string_view(o);
        if (n.find("__") != std::string_view::npos) continue;  // added by base_select()
        if (find_annotation(n)) {
            out.push_back({sql::column("", std::string(n), sql::ColumnType::Text), desc != reversed_});
            continue;
        }
        const FieldMeta& f = model_->field(n, o);
        out.push_back({f.column_expr(model_->table), desc != reversed_});
    }
    return out;
}

void Query::apply_slice(std::int64_t low, std::optional<std::int64_t> high) {
    if (low < 0 || (high && *high < 0))
        throw NotSupportedError("negative indexing is not supported");
    if (high) high_ = high_ ? std::min(*high_, low_ + *high) : low_ + *high;
    low_ = high_ ? std::min(*high_, low_ + low) : low_ + low;
}

bool Query::matches_nothing() const {
    return sql::is_never(where_) || (high_ && *high_ <= low_);
}

void Query::set_only(std::vector<std::string> fields) {
    for (const auto& n : fields) (void)model_->field(n, n);
    only_ = std::move(fields);
    defer_.clear();
}

void Query::set_defer(std::vector<std::string> fields) {
    for (const auto& n : fields) (void)model_->field(n, n);
    defer_.insert(defer_.end(), fields.begin(), fields.end());
}

std::vector<const FieldMeta*> Query::loaded_fields() const {
    std::vector<const FieldMeta*> out;
    out.reserve(model_->fields.size());
    auto named = [](const std::vector<std::string>& v, const FieldMeta& f) {
        return std::any_of(v.begin(), v.end(),
                           [&](const std::string& n) { return n == f.name || n == f.column; });
    };
    for (const FieldMeta* f : model_->columns) {
        if (!f->primary_key) {
            if (!only_.empty() && !named(only_, *f)) continue;
            if (named(defer_, *f)) continue;
        }
        out.push_back(f);
    }
    return out;
}

// FROM, joins, WHERE, ORDER BY, limits; columns are the caller's. Ordering across
// relations adds LEFT OUTER joins, as Django does, on a copy.
sql::Select Query::base_select() const {
    const auto& names = explicit_ordering_ ? ordering_ : model_->ordering;
    const bool related_order = std::any_of(names.begin(), names.end(), [](const std::string& o) {
        return o.find("__") != std::string::npos;
    });
    sql::Select s;
    s.from = model_->table;
    s.where = where_;
    s.having = having_;
    s.distinct = distinct_;
    if (high_) s.limit = *high_ - low_;
    s.offset = low_;
    s.for_update = for_update_;
    if (has_aggregates() && !explicit_ordering_) {  // Meta.ordering is not used with GROUP BY
        for (const auto& j : joins_) s.joins.push_back(j.join);
        return s;
    }
    if (!related_order) {
        s.order_by = order_terms();
        for (const auto& j : joins_) s.joins.push_back(j.join);
        return s;
    }
    Query q = *this;
    for (const auto& o : names) {
        if (o == "?") {
            s.order_by.push_back({sql::func("RANDOM", {}), false});
            continue;
        }
        if (is_order_expression(o)) {
            auto e = order_exprs_.at(std::stoul(o.substr(kOrderExprMark.size())));
            s.order_by.push_back({e.expr, e.descending != reversed_});
            continue;
        }
        if (find_annotation(desc_free(o))) {
            s.order_by.push_back({sql::column("", desc_free(o), sql::ColumnType::Text), (o[0] == '-') != reversed_});
            continue;
        }
        bool desc = !o.empty() && o[0] == '-';
        Walk w;
        w.promote = true;
        auto parts = split_path(desc ? std::string_view(o).substr(1) : std::string_view(o));
        q.walk(w, parts, false);
        s.order_by.push_back({w.column, desc != reversed_});
    }
    for (const auto& j : q.joins_) s.joins.push_back(j.join);
    return s;
}

sql::Select Query::select() const {
    sql::Select s = base_select();
    if (loads_all_fields() && related_.empty() && !extra_column_ && annotations_.empty() &&
        combined_.empty() && !window_where_) {
        s.shared_columns = model_->all_columns;
        return s;
    }
    for (const FieldMeta* f : loaded_fields()) s.columns.push_back({f->column_expr(model_->table), {}});
    for (const Related& r : related_)
        for (const FieldMeta* f : r.model->columns) s.columns.push_back({f->column_expr(r.alias), {}});
    for (const auto& a : annotations_) s.columns.push_back({a.expr, a.name});
    if (extra_column_) s.columns.push_back({extra_column_, {}});
    add_grouping(s);
    if (!combined_.empty()) {
        // The members run without ordering or limits; those apply to the combination, by
        // output column name.
        auto tail_order = std::move(s.order_by);
        auto limit = s.limit;
        auto offset = s.offset;
        s.order_by.clear();
        s.limit.reset();
        s.offset = 0;
        for (const auto& [op, other] : combined_) {
            Query q = *other;
            q.ordering_.clear();
            q.explicit_ordering_ = true;
            q.low_ = 0;
            q.high_.reset();
            s.compound.emplace_back(op, std::make_shared<sql::Select>(q.select()));
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
    if (!window_where_) return s;
    // Filtering on a window annotation: SELECT * FROM (the query) "subquery" WHERE ...,
    // with the ordering and the limits moved outside.
    sql::Select outer;
    outer.columns = {{sql::star(), {}}};
    outer.where = window_where_;
    outer.limit = s.limit;
    outer.offset = s.offset;
    for (const auto& o : s.order_by) {
        sql::Expr e = o.expr;
        if (e->kind == sql::Kind::Column && !e->table.empty()) e = sql::column("subquery", e->name, e->type);
        outer.order_by.push_back({e, o.descending});
    }
    s.order_by.clear();
    s.limit.reset();
    s.offset = 0;
    outer.from_subquery = std::make_shared<sql::Select>(std::move(s));
    return outer;
}

// With aggregates, rows are grouped by every selected column that is not one, as Django
// does; values(...).annotate() groups by the values' fields and any ordering field.
void Query::add_grouping(sql::Select& s) const {
    if (!has_aggregates()) return;
    for (const auto& c : s.columns)
        if (!is_aggregate(c.expr)) s.group_by.push_back(c.expr);
    if (grouped_)
        for (const auto& o : s.order_by)
            if (o.expr->kind == sql::Kind::Column && !o.expr->table.empty() &&
                std::none_of(s.group_by.begin(), s.group_by.end(), [&](const sql::Expr& g) {
                    return g->kind == sql::Kind::Column && g->table == o.expr->table && g->name == o.expr->name;
                }))
                s.group_by.push_back(o.expr);
}

sql::Select Query::select_values(const std::vector<std::string>& fields) const {
    Query q = *this;
    std::vector<sql::SelectItem> cols;
    if (fields.empty()) {
        for (const FieldMeta* f : model_->columns) cols.push_back({f->column_expr(model_->table), {}});
        for (const auto& a : annotations_) cols.push_back({a.expr, a.name});
    } else {
        for (const auto& n : fields) {
            const Annotation* a = find_annotation(n);
            cols.push_back({a ? a->expr : q.resolve_column(n), a ? n : std::string()});
        }
    }
    sql::Select s = q.base_select();
    s.columns = std::move(cols);
    q.add_grouping(s);
    return s;
}

sql::Select Query::select_aggregate(const std::vector<std::pair<std::string, const ExpressionNode*>>& aggs) {
    sql::Select s;
    const bool wrap = has_aggregates() || distinct_ || is_sliced();
    if (wrap) {
        // Aggregating over annotations (or a slice): over the annotated query as a subquery.
        sql::Select inner = select();
        inner.order_by.clear();
        s.from_subquery = std::make_shared<sql::Select>(std::move(inner));
        for (const auto& [name, node] : aggs) {
            const std::string& path = node->args[0]->name;
            const Annotation* a = find_annotation(path);
            const FieldMeta* f = a ? a->as_field.get() : (path == "*" ? nullptr : &model_->field(path, path));
            sql::Expr arg = path == "*" ? sql::star() : sql::column("", f->column, f->type);
            ColumnType t = f ? f->type : ColumnType::BigInt;
            if (node->name == "COUNT") t = ColumnType::BigInt;
            else if (node->name == "AVG" || node->name == "STDDEV_POP" || node->name == "VAR_POP") t = ColumnType::Double;
            s.columns.push_back({sql::aggregate(node->name, arg, node->distinct, nullptr, t), name});
        }
        return s;
    }
    std::vector<sql::SelectItem> cols;
    for (const auto& [name, node] : aggs) cols.push_back({resolve(*node), name});
    s = base_select();
    s.order_by.clear();
    s.columns = std::move(cols);
    return s;
}

sql::Select Query::select_count() const {
    sql::Select s;
    s.from = model_->table;
    s.columns.push_back({sql::func("COUNT", {sql::star()}), "__count"});
    if (distinct_ || is_sliced() || has_aggregates() || window_where_ || !combined_.empty()) {
        sql::Select inner = select();
        inner.order_by.clear();
        s.from_subquery = std::make_shared<sql::Select>(std::move(inner));
        return s;
    }
    for (const auto& j : joins_) s.joins.push_back(j.join);
    s.where = where_;
    return s;
}

sql::Select Query::select_exists() const {
    Query q = *this;
    q.apply_slice(0, 1);
    q.related_.clear();
    sql::Select s = q.base_select();
    s.columns = {{sql::param(Value(std::int64_t(1))), "a"}};
    s.order_by.clear();
    return s;
}

sql::Expr Query::write_filter() const {
    if (is_sliced()) throw NotSupportedError("cannot update or delete a sliced QuerySet");
    if (joins_.empty()) return where_;
    // Conditions across relations: `pk IN (SELECT pk ... JOIN ...)`, as Django does.
    Query q = *this;
    q.related_.clear();
    q.ordering_.clear();
    q.explicit_ordering_ = true;
    sql::Select inner = q.base_select();
    inner.columns = {{model_->pk_field().column_expr(model_->table), {}}};
    return sql::lookup("in", model_->pk_field().column_expr(model_->table),
                       sql::subquery(std::make_shared<sql::Select>(std::move(inner))));
}

sql::Update Query::update(const std::vector<Assignment>& set) const {
    sql::Update u;
    u.table = model_->table;
    Query q = *this;  // F() paths may need joins of their own
    for (const auto& a : set) {
        const FieldMeta& f = model_->field(a.field, a.field);
        if (f.primary_key) throw FieldError(model_->name + ": update() cannot change the primary key");
        if (!f.has_column()) throw FieldError(model_->name + "." + f.name + ": update() cannot set a many-to-many relation");
        sql::Expr e;
        switch (a.value.kind()) {
            case Operand::Kind::Value: {
                FieldMeta as = f;
                if (f.relation) as.type = sql::ColumnType::BigInt;
                e = sql::param(clean_value(*model_, as, a.value.value()));
                break;
            }
            case Operand::Kind::Expression: e = q.resolve(*a.value.expression()); break;
            default:
                throw FieldError(model_->name + "." + f.name + ": update() takes a value or an expression");
        }
        u.set.emplace_back(f.column, std::move(e));
    }
    u.where = q.write_filter();
    return u;
}

sql::Delete Query::remove() const {
    sql::Delete d;
    d.table = model_->table;
    d.where = write_filter();
    return d;
}

}  // namespace dorm
