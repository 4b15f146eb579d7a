#include "dorm/query.hpp"

#include <algorithm>
#include <array>

#include "dorm/error.hpp"

namespace dorm {

namespace {

using sql::ColumnType;

constexpr std::array<std::string_view, 18> kLookups = {
    "exact", "iexact",      "contains",  "icontains",   "in",       "gt",
    "gte",   "lt",          "lte",       "startswith",  "istartswith", "endswith",
    "iendswith", "range",   "isnull",    "regex",       "iregex",   "__unused"};
constexpr std::array<std::string_view, 9> kTransforms = {
    "date", "year", "month", "day", "week_day", "quarter", "hour", "minute", "second"};

bool is_lookup(std::string_view s) {
    return s != "__unused" && std::find(kLookups.begin(), kLookups.end(), s) != kLookups.end();
}
bool is_transform(std::string_view s) {
    return std::find(kTransforms.begin(), kTransforms.end(), s) != kTransforms.end();
}
bool is_pattern(std::string_view l) {
    return l == "iexact" || l == "contains" || l == "icontains" || l == "startswith" ||
           l == "istartswith" || l == "endswith" || l == "iendswith" || l == "regex" ||
           l == "iregex";
}

std::vector<std::string_view> split_path(std::string_view path) {
    std::vector<std::string_view> parts;
    std::size_t start = 0;
    while (true) {
        auto pos = path.find("__", start);
        if (pos == std::string_view::npos) {
            parts.push_back(path.substr(start));
            return parts;
        }
        parts.push_back(path.substr(start, pos - start));
        start = pos + 2;
    }
}

std::string lookup_choices() {
    std::string out;
    std::vector<std::string_view> all(kLookups.begin(), kLookups.end() - 1);
    all.insert(all.end(), kTransforms.begin(), kTransforms.end());
    std::sort(all.begin(), all.end());
    for (auto s : all) out += (out.empty() ? "" : ", ") + std::string(s);
    return out;
}

const char* type_label(ColumnType t) {
    switch (t) {
        case ColumnType::Bool: return "a boolean";
        case ColumnType::Integer:
        case ColumnType::BigInt: return "an integer";
        case ColumnType::Double: return "a number";
        case ColumnType::Varchar:
        case ColumnType::Text: return "text";
        case ColumnType::Date: return "a date (YYYY-MM-DD)";
        case ColumnType::DateTime: return "a datetime (YYYY-MM-DD HH:MM:SS)";
        case ColumnType::Json: return "JSON";
        case ColumnType::Blob: return "binary data";
    }
    return "a value";
}

// Django's YearLookup: `__year` on a date column becomes a range of the column itself, so
// an index on it is used and the whole last day (to its last microsecond) is covered.
sql::Expr year_bounds(const sql::Expr& col, ColumnType type, std::string_view lookup,
                      std::int64_t year) {
    using namespace std::chrono;
    Date first{std::chrono::year{int(year)}, January, std::chrono::day{1}};
    Date last{std::chrono::year{int(year)}, December, std::chrono::day{31}};
    Value lo = first, hi = last;
    if (type == ColumnType::DateTime) {
        lo = time_point_cast<microseconds>(sys_days{first});
        hi = time_point_cast<microseconds>(sys_days{last}) + days{1} - microseconds{1};
    }
    if (lookup == "exact")
        return sql::lookup("range", col, sql::param_list({std::move(lo), std::move(hi)}));
    if (lookup == "gt") return sql::lookup("gt", col, sql::param(std::move(hi)));
    if (lookup == "gte") return sql::lookup("gte", col, sql::param(std::move(lo)));
    if (lookup == "lt") return sql::lookup("lt", col, sql::param(std::move(lo)));
    return sql::lookup("lte", col, sql::param(std::move(hi)));
}

}  // namespace

Value Query::clean_value(const ModelMeta& m, const FieldMeta& f, const Value& v) {
    if (v.is_null()) return v;
    auto fail = [&]() -> Value {
        throw FieldError("Field '" + m.name + "." + f.name + "' expected " +
                         type_label(f.type) + " but got " + v.repr() + " (" + v.type_name() +
                         ")");
    };
    try {
        switch (f.type) {
            case ColumnType::Bool:
                if (v.is<bool>()) return v;
                if (v.is<std::int64_t>() && (v.get<std::int64_t>() == 0 || v.get<std::int64_t>() == 1))
                    return Value(v.get<std::int64_t>() == 1);
                return fail();
            case ColumnType::Integer:
            case ColumnType::BigInt:
                if (v.is<std::int64_t>()) return v;
                if (v.is<Date>() || v.is<DateTime>() || v.is<Blob>() || v.is<JsonText>())
                    return fail();
                return Value(v.as_int());
            case ColumnType::Double:
                if (v.is<double>()) return v;
                if (v.is<Date>() || v.is<DateTime>() || v.is<Blob>() || v.is<JsonText>())
                    return fail();
                return Value(v.as_double());
            case ColumnType::Varchar:
            case ColumnType::Text:
                if (v.is<std::string>()) return v;
                if (v.is<Blob>()) return fail();
                return Value(v.to_string());
            case ColumnType::Date: return Value(value_traits<Date>::from_value(v));
            case ColumnType::DateTime: return Value(value_traits<DateTime>::from_value(v));
            case ColumnType::Json:
                if (v.is<JsonText>()) return v;
                return fail();
            case ColumnType::Blob: return Value(value_traits<Blob>::from_value(v));
        }
    } catch (const FieldError&) {
        return fail();
    }
    return v;
}

void Query::add_filter(const Q& q, bool negate) {
    sql::Expr e = resolve_q(q, negate);
    if (negate) e = sql::not_(std::move(e));
    where_ = where_ ? sql::and_({where_, std::move(e)}) : std::move(e);
}

void Query::add_filter(std::string_view path, const Operand& v, bool negate) {
    sql::Expr e = resolve_lookup(path, v, negate);
    if (negate) e = sql::not_(std::move(e));
    where_ = where_ ? sql::and_({where_, std::move(e)}) : std::move(e);
}

sql::Expr Query::resolve_q(const Q& q, bool negated) const {
    bool neg = negated != q.negated();
    sql::Expr e;
    if (q.kind() == Q::Kind::Leaf) {
        e = resolve_lookup(q.path(), q.value(), neg);
    } else {
        std::vector<sql::Expr> parts;
        for (const auto& c : q.children()) parts.push_back(resolve_q(c, neg));
        e = q.kind() == Q::Kind::And ? sql::and_(std::move(parts)) : sql::or_(std::move(parts));
    }
    return q.negated() ? sql::not_(std::move(e)) : e;
}

sql::Expr Query::resolve_lookup(std::string_view path, const Operand& v, bool negated) const {
    const ModelMeta& m = *model_;
    auto parts = split_path(path);
    const FieldMeta& f = m.field(parts[0], path);
    sql::Expr lhs = f.column_expr(m.table);
    ColumnType lhs_type = f.type;
    std::vector<std::string_view> transforms;
    std::string_view lookup = "exact";
    for (std::size_t i = 1; i < parts.size(); ++i) {
        bool last = i + 1 == parts.size();
        if (last && is_lookup(parts[i])) {
            lookup = parts[i];
        } else if (is_transform(parts[i]) &&
                   (f.type == ColumnType::Date || f.type == ColumnType::DateTime) &&
                   transforms.empty()) {
            transforms.push_back(parts[i]);
        } else {
            throw FieldError(m.name + "." + f.name + " has no lookup '" + std::string(parts[i]) +
                             "' in '" + std::string(path) + "' (choices: " + lookup_choices() +
                             ")");
        }
    }
    if (!transforms.empty()) {
        auto t = transforms.front();
        bool time_part = t == "hour" || t == "minute" || t == "second" || t == "date";
        if (time_part && f.type != ColumnType::DateTime)
            throw FieldError(m.name + "." + f.name + " is a date: it has no '" + std::string(t) +
                             "' in '" + std::string(path) + "'");
        if (t == "year" && v.kind() == Operand::Kind::Value && !v.value().is_null() &&
            (lookup == "exact" || lookup == "gt" || lookup == "gte" || lookup == "lt" ||
             lookup == "lte"))
            return year_bounds(lhs, f.type, lookup, v.value().as_int());
        lhs = sql::transform(std::string(t), lhs, f.type);
        lhs_type = t == "date" ? ColumnType::Date : ColumnType::Integer;
    }

    auto clean = [&](const Value& x) -> Value {
        if (is_pattern(lookup)) {
            if (x.is_null())
                throw FieldError("'" + std::string(path) + "' cannot compare with NULL");
            return x.is<std::string>() ? x : Value(x.to_string());
        }
        if (transforms.empty()) return clean_value(m, f, x);
        FieldMeta as = f;
        as.type = lhs_type;
        return clean_value(m, as, x);
    };

    sql::Expr e;
    if (lookup == "isnull") {
        if (v.kind() != Operand::Kind::Value || !v.value().is<bool>())
            throw FieldError("'" + std::string(path) + "' takes true or false, got " +
                             (v.kind() == Operand::Kind::Value ? v.value().repr() : "a list"));
        return sql::is_null(lhs, !v.value().get<bool>());
    }
    switch (v.kind()) {
        case Operand::Kind::Value:
            if (lookup == "in" || lookup == "range")
                throw FieldError("'" + std::string(path) + "' takes a list, got " +
                                 v.value().repr());
            if (v.value().is_null()) {
                if (lookup != "exact")
                    throw FieldError("'" + std::string(path) +
                                     "' cannot compare with NULL (use __isnull)");
                return sql::is_null(lhs);
            }
            e = sql::lookup(std::string(lookup), lhs, sql::param(clean(v.value())));
            break;
        case Operand::Kind::List: {
            if (lookup != "in" && lookup != "range")
                throw FieldError("'" + std::string(path) + "' takes one value, got a list");
            std::vector<Value> vals;
            vals.reserve(v.list().size());
            for (const auto& x : v.list())
                if (!(lookup == "in" && x.is_null())) vals.push_back(clean(x));
            if (lookup == "range" && vals.size() != 2)
                throw FieldError("'" + std::string(path) + "' takes two values, got " +
                                 std::to_string(vals.size()));
            if (vals.empty()) return sql::never();
            e = sql::lookup(std::string(lookup), lhs, sql::param_list(std::move(vals)));
            break;
        }
        case Operand::Kind::Expression:
            e = sql::lookup(std::string(lookup), lhs, resolve(*v.expression()));
            break;
        case Operand::Kind::Subquery: {
            if (lookup != "in")
                throw FieldError("'" + std::string(path) + "': a QuerySet works only with __in");
            auto s = std::make_shared<sql::Select>(v.query()->select_values({"pk"}));
            e = sql::lookup("in", lhs, sql::subquery(std::move(s)));
            break;
        }
    }
    // Django: a negated condition on a nullable column keeps out the NULL rows as well
    // as the matches, since NOT (NULL = x) is NULL, not true.
    if (negated && f.nullable) return sql::and_({e, sql::is_null(lhs, true)});
    return e;
}

sql::Expr Query::resolve(const ExpressionNode& e) const {
    switch (e.kind) {
        case ExpressionNode::Kind::Field:
            return model_->field(e.name, e.name).column_expr(model_->table);
        case ExpressionNode::Kind::Literal: return sql::param(e.value);
        case ExpressionNode::Kind::Binary:
            return sql::binary(e.name, resolve(*e.args[0]), resolve(*e.args[1]));
    }
    return nullptr;
}

void Query::set_ordering(std::vector<std::string> fields) {
    for (const auto& o : fields) {
        std::string_view n = o;
        if (n == "?") continue;
        if (!n.empty() && n[0] == '-') n.remove_prefix(1);
        (void)model_->field(n, o);
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
        bool desc = !o.empty() && o[0] == '-';
        const FieldMeta& f = model_->field(desc ? std::string_view(o).substr(1) : o, o);
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
    for (const auto& f : model_->fields) {
        if (!f.primary_key) {
            if (!only_.empty() && !named(only_, f)) continue;
            if (named(defer_, f)) continue;
        }
        out.push_back(&f);
    }
    return out;
}

sql::Select Query::select() const {
    sql::Select s;
    s.from = model_->table;
    if (loads_all_fields()) s.shared_columns = model_->all_columns;
    else
        for (const FieldMeta* f : loaded_fields()) s.columns.push_back({f->column_expr(model_->table), {}});
    s.where = where_;
    s.distinct = distinct_;
    s.order_by = order_terms();
    if (high_) s.limit = *high_ - low_;
    s.offset = low_;
    s.for_update = for_update_;
    return s;
}

sql::Select Query::select_values(const std::vector<std::string>& fields) const {
    sql::Select s = select();
    s.columns.clear();
    s.shared_columns.reset();
    if (fields.empty()) {
        for (const auto& f : model_->fields) s.columns.push_back({f.column_expr(model_->table), {}});
    } else {
        for (const auto& n : fields)
            s.columns.push_back({model_->field(n, n).column_expr(model_->table), {}});
    }
    return s;
}

sql::Select Query::select_count() const {
    sql::Select s;
    s.from = model_->table;
    s.columns.push_back({sql::func("COUNT", {sql::star()}), "__count"});
    if (distinct_ || is_sliced()) {
        sql::Select inner = select();
        inner.order_by.clear();
        s.from_subquery = std::make_shared<sql::Select>(std::move(inner));
        return s;
    }
    s.where = where_;
    return s;
}

sql::Select Query::select_exists() const {
    Query q = *this;
    q.apply_slice(0, 1);
    sql::Select s = q.select();
    s.shared_columns.reset();
    s.columns = {{sql::param(Value(std::int64_t(1))), "a"}};
    s.order_by.clear();
    return s;
}

sql::Expr Query::write_filter() const {
    if (is_sliced()) throw NotSupportedError("cannot update or delete a sliced QuerySet");
    return where_;
}

sql::Update Query::update(const std::vector<Assignment>& set) const {
    sql::Update u;
    u.table = model_->table;
    for (const auto& a : set) {
        const FieldMeta& f = model_->field(a.field, a.field);
        if (f.primary_key) throw FieldError(model_->name + ": update() cannot change the primary key");
        sql::Expr e;
        switch (a.value.kind()) {
            case Operand::Kind::Value: e = sql::param(clean_value(*model_, f, a.value.value())); break;
            case Operand::Kind::Expression: e = resolve(*a.value.expression()); break;
            default:
                throw FieldError(model_->name + "." + f.name + ": update() takes a value or an expression");
        }
        u.set.emplace_back(f.column, std::move(e));
    }
    u.where = write_filter();
    return u;
}

sql::Delete Query::remove() const {
    sql::Delete d;
    d.table = model_->table;
    d.where = write_filter();
    return d;
}

}  // namespace dorm
