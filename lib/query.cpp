// The query builder's state and the one SELECT builder (build()), plus UPDATE and DELETE.
// Paths and lookups: query_lookups.cpp; expressions: query_expressions.cpp.
#include "query_internal.hpp"

#include "dorm/error.hpp"

namespace dorm {

Query::Query(const Query&) = default;
Query::Query(Query&&) noexcept = default;
Query& Query::operator=(const Query&) = default;
Query& Query::operator=(Query&&) noexcept = default;
Query::~Query() = default;

using namespace query_detail;
using sql::ColumnType;

// ---- ordering -------------------------------------------------------------------------------

void Query::set_ordering(std::vector<std::string> fields) {
    std::vector<OrderTerm> terms;
    terms.reserve(fields.size());
    for (auto& f : fields) terms.push_back(order_term(std::move(f)));
    set_ordering(std::move(terms));
}

void Query::set_ordering(std::vector<OrderTerm> terms) {
    clear_ordering();
    for (auto& t : terms) add_ordering(std::move(t));
}

void Query::add_ordering(OrderTerm t) {
    if (!t.expr && t.path != "?") {  // names are checked now, joins are made when the SQL is built
        std::string_view n = t.path;
        if (!n.empty() && n[0] == '-') n.remove_prefix(1);
        if (!find_annotation(n)) {
            if (n.find("__") == std::string_view::npos) (void)model_->field(n, t.path);
            else (void)Query(*this).resolve_column(n);
        }
    }
    ordering_.push_back(std::move(t));
    explicit_ordering_ = true;
}

Query::OrderTerm Query::order_term(const ExpressionNode& e, bool descending) {
    return {{}, resolve(e), descending};
}

bool Query::is_ordered() const {
    return explicit_ordering_ ? !ordering_.empty() : !model_->ordering.empty();
}

std::vector<std::string> Query::ordering_names() const {
    std::vector<std::string> out;
    auto add = [&](std::string name, bool descending) {
        if (name.empty() || name == "?")
            throw FieldError(model_->name + ": this needs an ordering by field names, not by " +
                             (name.empty() ? "an expression" : "'?'"));
        if (name[0] == '-') {
            name.erase(0, 1);
            descending = !descending;
        }
        out.push_back((descending != reversed_ ? "-" : "") + name);
    };
    if (explicit_ordering_)
        for (const auto& t : ordering_) add(t.expr ? std::string() : t.path, t.descending);
    else
        for (const auto& o : model_->ordering) add(o, false);
    return out;
}

// Ordering across relations adds LEFT OUTER joins and reuses existing ones, as Django does.
// A path ending on a relation ("owner", "-editor") orders by the target's Meta.ordering
// (each term flipped by a "-"), joining the target, as Django's find_ordering_name; a
// target without ordering, or one already expanded on the way (a cycle), orders by the
// key column itself.
std::vector<sql::OrderBy> Query::resolve_ordering() {
    if (has_aggregates() && !explicit_ordering_) return {};  // Meta.ordering is not used with GROUP BY
    std::vector<OrderTerm> defaults;
    if (!explicit_ordering_)
        for (const auto& o : model_->ordering) defaults.push_back(order_term(o));
    const auto& terms = explicit_ordering_ ? ordering_ : defaults;
    std::vector<sql::OrderBy> out;
    out.reserve(terms.size());
    for (const auto& t : terms) {
        if (t.expr) {
            out.push_back({t.expr, t.descending != reversed_});
            continue;
        }
        if (t.path == "?") {
            out.push_back({sql::random(), false});
            continue;
        }
        const bool desc = !t.path.empty() && t.path[0] == '-';
        std::string_view n = desc ? std::string_view(t.path).substr(1) : std::string_view(t.path);
        if (const Annotation* a = find_annotation(n)) {
            out.push_back({sql::column("", a->name, a->expr->type), desc != reversed_});
            continue;
        }
        std::vector<const FieldMeta*> seen;
        auto by_path = [&](auto& self, const std::string& path, bool descending) -> void {
            const FieldMeta* f = nullptr;
            sql::Expr col = resolve_output_path(path, &f);
            const auto parts = split_path(path);
            const std::string_view last = parts.back();
            const ModelMeta* target = f && f->relation ? &f->relation->target() : nullptr;
            const bool on_relation = target && path != "pk" && last != "pk" && last != f->column &&
                                     last != target->pk_field().name;
            if (!on_relation || target->ordering.empty() ||
                std::find(seen.begin(), seen.end(), f) != seen.end()) {
                out.push_back({col, descending != reversed_});
                return;
            }
            seen.push_back(f);
            for (const auto& o : target->ordering) {
                if (o == "?") continue;
                const bool flip = !o.empty() && o[0] == '-';
                self(self, path + "__" + (flip ? o.substr(1) : o), descending != flip);
            }
            seen.pop_back();
        };
        by_path(by_path, std::string(n), desc);
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

// ---- values() ---------------------------------------------------------------------------------

std::vector<std::string> Query::value_names() const {
    if (values_ && !values_->empty()) return *values_;
    std::vector<std::string> names;
    for (const FieldMeta* f : model_->columns) names.push_back(f->name);
    for (const auto& a : annotations_) names.push_back(a.name);
    return names;
}

std::vector<const FieldMeta*> Query::value_fields() const {
    Query q = *this;
    std::vector<const FieldMeta*> out;
    for (const auto& n : value_names()) {
        if (const Annotation* a = find_annotation(n)) {
            out.push_back(a->as_field.get());
            continue;
        }
        const FieldMeta* f = nullptr;
        (void)q.resolve_output_path(n, &f);
        out.push_back(f);
    }
    return out;
}

// ---- the one SELECT builder -------------------------------------------------------------------

// A query whose rows are not plain table rows (distinct, sliced, grouped, filtered on a
// window, combined) is counted, tested and aggregated from a subquery.
bool Query::needs_wrapping() const {
    return distinct_ || is_sliced() || has_aggregates() || window_where_ || !combined_.empty();
}

sql::Select Query::build(const Selection& what) const {
    Query q = *this;  // resolving paths adds joins: on a copy
    switch (what.kind) {
        case Selection::Kind::Rows: return q.rows_select();
        case Selection::Kind::Key: {
            if (!q.values_) q.values_ = std::vector<std::string>{"pk"};
            if (q.values_->size() != 1)
                throw FieldError(model_->name + ": a subquery must select exactly one field (values(\"field\"))");
            if (!q.is_sliced()) q.clear_ordering();
            q.related_.clear();
            return q.rows_select();
        }
        case Selection::Kind::Count: {
            sql::SelectItem count{sql::func("COUNT", {sql::star()}), "__count"};
            count.expr = sql::typed(count.expr, ColumnType::BigInt);
            q.related_.clear();
            q.for_update_ = false;  // no row locks on an aggregate
            if (!needs_wrapping()) {
                q.clear_ordering();
                return q.frame({count});
            }
            sql::Select inner = q.rows_select();
            if (!is_sliced()) inner.order_by.clear();
            sql::Select s;
            s.columns = {count};
            s.from_subquery = std::make_shared<sql::Select>(std::move(inner));
            return s;
        }
        case Selection::Kind::Exists: {
            sql::SelectItem one{sql::param(Value(std::int64_t(1))), "a"};
            q.related_.clear();
            if (has_aggregates() || window_where_ || !combined_.empty()) {
                sql::Select inner = q.rows_select();
                if (!is_sliced()) inner.order_by.clear();
                sql::Select s;
                s.columns = {one};
                s.limit = 1;
                s.from_subquery = std::make_shared<sql::Select>(std::move(inner));
                return s;
            }
            q.apply_slice(0, 1);
            q.clear_ordering();
            q.values_.reset();
            return q.frame({one});
        }
        case Selection::Kind::Aggregate: return q.aggregate_select(what);
    }
    return {};
}

// FROM, joins, WHERE, HAVING, ORDER BY, limits around the given columns. The columns and
// the ordering are resolved first: both may add joins.
sql::Select Query::frame(std::vector<sql::SelectItem> columns) {
    sql::Select s;
    s.columns = std::move(columns);
    s.order_by = resolve_ordering();
    s.from = model_->table;
    s.where = where_;
    s.having = having_;
    s.distinct = distinct_;
    if (high_) s.limit = *high_ - low_;
    s.offset = low_;
    s.for_update = for_update_;
    s.joins.reserve(joins_.size());
    for (const auto& j : joins_) s.joins.push_back(j.join);
    return s;
}

// What a row holds: the values() columns, or the loaded fields, the select_related models'
// columns and the annotations (then a link key, for prefetch).
std::vector<sql::SelectItem> Query::output_columns() {
    std::vector<sql::SelectItem> cols;
    if (values_) {
        for (const auto& n : value_names()) {
            if (const Annotation* a = find_annotation(n)) cols.push_back({a->expr, a->name});
            else cols.push_back({resolve_output_path(n), {}});
        }
        return cols;
    }
    for (const FieldMeta* f : loaded_fields()) cols.push_back({f->column_expr(model_->table), {}});
    for (const Related& r : related_)
        for (const FieldMeta* f : r.model->columns) cols.push_back({f->column_expr(r.alias), {}});
    for (const auto& a : annotations_) cols.push_back({a.expr, a.name});
    if (extra_column_) cols.push_back({extra_column_, {}});
    return cols;
}


sql::Select Query::rows_select() {
    const bool plain = !values_ && loads_all_fields() && related_.empty() && !extra_column_ &&
                       annotations_.empty() && combined_.empty() && !window_where_;
    sql::Select s = frame(output_columns());
    if (distinct_) {
        // SELECT DISTINCT must select what it orders by: Django adds those columns (before
        // a prefetch link key, which stays last).
        const auto at = s.columns.end() - (extra_column_ ? 1 : 0);
        std::vector<sql::SelectItem> extra;
        for (const auto& o : s.order_by) {
            bool selected = std::any_of(s.columns.begin(), s.columns.end(), [&](const sql::SelectItem& c) {
                return same_column(c.expr, o.expr) ||
                       (o.expr->kind == sql::Kind::Column && o.expr->table.empty() && c.alias == o.expr->name);
            });
            if (!selected) extra.push_back({o.expr, {}});
        }
        if (!extra.empty()) {
            s.columns.insert(at, extra.begin(), extra.end());
            s.shared_columns.reset();
        } else if (plain) {
            s.shared_columns = model_->all_columns;
        }
    } else if (plain) {
        s.shared_columns = model_->all_columns;
    }
    if (s.shared_columns) s.columns.clear();
    add_grouping(s);
    if (!combined_.empty()) return wrap_combination(std::move(s));
    if (window_where_) return wrap_window(std::move(s));
    return s;
}

// With aggregates, rows are grouped by every selected column that is not one, as Django
// does; values(...).annotate() groups by the values' fields and any ordering field, and
// annotate(...).values(...) by every column of the model (one row per object) as well.
void Query::add_grouping(sql::Select& s) const {
    if (!has_aggregates()) return;
    auto grouped = [&](const sql::Expr& e) {
        return std::any_of(s.group_by.begin(), s.group_by.end(), [&](const sql::Expr& g) { return same_column(g, e); });
    };
    if (values_ && !grouped_)
        for (const FieldMeta* f : model_->columns) s.group_by.push_back(f->column_expr(model_->table));
    for (const auto& c : s.columns)
        if (!contains_aggregate(c.expr) && !grouped(c.expr)) s.group_by.push_back(c.expr);
    if (grouped_ || values_)
        for (const auto& o : s.order_by)
            if (o.expr->kind == sql::Kind::Column && !o.expr->table.empty() &&
                std::none_of(s.group_by.begin(), s.group_by.end(),
                             [&](const sql::Expr& g) { return same_column(g, o.expr); }))
                s.group_by.push_back(o.expr);
}

// ---- writes -------------------------------------------------------------------------------------

sql::Expr Query::write_filter() const {
    if (is_sliced()) throw NotSupportedError("cannot update or delete a sliced QuerySet");
    if (joins_.empty()) return where_;
    // Conditions across relations: `pk IN (SELECT pk ... JOIN ...)`, as Django does.
    Query q = *this;
    q.values_.reset();
    sql::Select inner = q.build(Selection::key());
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
                if (f.relation) as.type = f.key_type();
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
