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

// A condition on an aggregate annotation filters groups: HAVING, not WHERE.
void Query::add_filter(const Q& q, bool negate) {
    ++filter_call_;
    aggregate_ref_ = false;
    window_ref_ = false;
    sql::Expr e = resolve_q(q, negate, false);
    if (negate) e = sql::not_(std::move(e));
    sql::Expr& target = window_ref_ ? window_where_ : aggregate_ref_ ? having_ : where_;
    target = target ? sql::and_({target, std::move(e)}) : std::move(e);
}

void Query::add_filter(std::string_view path, const Operand& v, bool negate) {
    ++filter_call_;
    aggregate_ref_ = false;
    window_ref_ = false;
    sql::Expr e = resolve_lookup(path, v, negate, false);
    if (negate) e = sql::not_(std::move(e));
    sql::Expr& target = window_ref_ ? window_where_ : aggregate_ref_ ? having_ : where_;
    target = target ? sql::and_({target, std::move(e)}) : std::move(e);
}

void Query::add_filter(const Expression& condition, bool negate) {
    ++filter_call_;
    aggregate_ref_ = false;
    sql::Expr e = resolve(*condition.node());
    if (negate) e = sql::not_(std::move(e));
    sql::Expr& target = aggregate_ref_ ? having_ : where_;
    target = target ? sql::and_({target, std::move(e)}) : std::move(e);
}

void Query::add_combination(std::string op, const Query& other) {
    if (&other.model() != model_)
        throw FieldError(op + " needs querysets of one model (" + model_->name + " and " + other.model().name + ")");
    combined_.emplace_back(std::move(op), std::make_shared<const Query>(other));
}

const Query::Annotation* Query::find_annotation(std::string_view name) const {
    for (const auto& a : annotations_)
        if (a.name == name) return &a;
    return nullptr;
}

bool Query::has_aggregates() const {
    return std::any_of(annotations_.begin(), annotations_.end(), [](const Annotation& a) { return a.aggregate; });
}

void Query::add_annotation(const std::string& name, const ExpressionNode& e) {
    if (name.empty() || name.find("__") != std::string::npos || name.find('"') != std::string::npos)
        throw FieldError(model_->name + ": '" + name + "' is not a valid annotation name");
    if (model_->find(name) || find_annotation(name))
        throw FieldError("The annotation '" + name + "' conflicts with a field on " + model_->name);
    ++filter_call_;
    Annotation a;
    a.name = name;
    a.expr = resolve(e);
    a.aggregate = e.kind == ExpressionNode::Kind::Aggregate;
    a.window = e.kind == ExpressionNode::Kind::Window;
    a.as_field = std::make_shared<FieldMeta>();
    a.as_field->name = a.as_field->column = name;
    a.as_field->type = a.expr->type;
    a.as_field->nullable = true;
    annotations_.push_back(std::move(a));
}

sql::Expr Query::resolve_q(const Q& q, bool negated, bool in_or) {
    bool neg = negated != q.negated();
    sql::Expr e;
    if (q.kind() == Q::Kind::Leaf) {
        e = resolve_lookup(q.path(), q.value(), neg, in_or);
    } else {
        std::vector<sql::Expr> parts;
        const bool child_or = in_or || (q.kind() == Q::Kind::Or && q.children().size() > 1);
        for (const auto& c : q.children()) parts.push_back(resolve_q(c, neg, child_or));
        e = q.kind() == Q::Kind::And ? sql::and_(std::move(parts)) : sql::or_(std::move(parts));
    }
    return q.negated() ? sql::not_(std::move(e)) : e;
}

// ---- paths across relations --------------------------------------------------------------

struct Query::Walk {
    const ModelMeta* model = nullptr;
    std::string alias;
    const FieldMeta* field = nullptr;  ///< the field whose column ends the path
    sql::Expr column;
    std::size_t next = 0;  ///< first part after the field: transforms and the lookup
    bool multi = false;    ///< crossed a to-many relation
    bool outer = false;    ///< reached through a LEFT OUTER JOIN
    bool promote = false;  ///< joins made here may miss (OR, NOT, isnull): LEFT OUTER
};

std::string Query::join(const std::string& left_alias, const std::string& left_col,
                        const ModelMeta& right, const std::string& right_col, bool multi,
                        bool outer, const std::string& key) {
    for (auto& j : joins_) {
        if (j.key != key || (j.multi && j.filter_call != filter_call_)) continue;
        if (outer) j.join.outer = true;
        return j.join.alias;
    }
    bool taken = right.table == model_->table;
    for (const auto& j : joins_) taken = taken || j.join.alias == right.table;
    std::string alias = taken ? "T" + std::to_string(joins_.size() + 2) : right.table;
    sql::Join jn;
    jn.table = right.table;
    jn.alias = alias;
    jn.outer = outer;
    jn.on = sql::lookup("exact", sql::column(left_alias, left_col, sql::ColumnType::BigInt),
                        sql::column(alias, right_col, sql::ColumnType::BigInt));
    joins_.push_back({std::move(jn), key, multi, filter_call_});
    return alias;
}

namespace {
bool is_operator(std::string_view s) { return is_lookup(s) || is_transform(s); }

std::string path_choices(const ModelMeta& m) {
    std::vector<std::string> names;
    for (const auto& f : m.fields) names.push_back(f.name);
    for (const auto& r : m.reverse)
        if (r.name != "+") names.push_back(r.name);
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}
}  // namespace

void Query::walk(Walk& w, const std::vector<std::string_view>& parts, bool stop_at_lookup) {
    w.model = model_;
    w.alias = model_->table;
    auto whole = [&] {  // for messages only
        std::string path;
        for (auto p : parts) path += (path.empty() ? "" : "__") + std::string(p);
        return path;
    };
    if (const Annotation* a = find_annotation(parts[0])) {
        w.field = a->as_field.get();
        // A window value can be filtered only from outside: the query is wrapped and the
        // condition names the wrapped column.
        w.column = a->window ? sql::column("subquery", a->name, a->expr->type) : a->expr;
        w.next = 1;
        aggregate_ref_ = aggregate_ref_ || a->aggregate;
        window_ref_ = window_ref_ || a->window;
        return;
    }
    for (std::size_t i = 0; i < parts.size(); ++i) {
        const std::string_view name = parts[i];
        const bool ends = i + 1 == parts.size() || (stop_at_lookup && is_operator(parts[i + 1]));
        auto finish = [&](const FieldMeta* f, const std::string& alias, const std::string& col,
                          sql::ColumnType type, std::size_t next) {
            w.field = f;
            w.column = sql::column(alias, col, type);
            w.next = next;
        };
        const FieldMeta* f = w.model->find(name);
        const ReverseRelation* r = f ? nullptr : w.model->find_reverse(name);
        if (f && !f->relation) {
            w.field = f;
            w.column = f->column_expr(w.alias);
            w.next = i + 1;
            return;
        }
        if (f && f->relation->kind != RelationMeta::Kind::ManyToMany) {
            const ModelMeta& t = f->relation->target();
            // blog, blog__id, blog__pk: the key column itself, no join
            if (ends) return finish(f, w.alias, f->column, sql::ColumnType::BigInt, i + 1);
            const bool to_pk = parts[i + 1] == "pk" || parts[i + 1] == t.pk_field().name;
            if (to_pk && (i + 2 == parts.size() || (stop_at_lookup && is_operator(parts[i + 2]))))
                return finish(f, w.alias, f->column, sql::ColumnType::BigInt, i + 2);
            const bool outer = w.outer || (f->nullable && w.promote);
            w.alias = join(w.alias, f->column, t, t.pk_field().column, false, outer, w.alias + "." + f->name);
            w.outer = outer;
            w.model = &t;
            continue;
        }
        if (f || (r && r->field->relation->kind == RelationMeta::Kind::ManyToMany)) {
            // ManyToMany, forward (f) or reverse (r): through the link table
            const RelationMeta& rel = f ? *f->relation : *r->field->relation;
            const FieldMeta* near = f ? rel.through_owner : rel.through_target;
            const FieldMeta* far = f ? rel.through_target : rel.through_owner;
            const ModelMeta& t = f ? rel.target() : *r->owner;
            const bool outer = w.outer || w.promote;
            std::string link = join(w.alias, w.model->pk_field().column, *rel.through, near->column,
                                    true, outer, w.alias + "." + std::string(name));
            w.multi = true;
            w.outer = outer;
            if (ends) return finish(far, link, far->column, sql::ColumnType::BigInt, i + 1);
            w.alias = join(link, far->column, t, t.pk_field().column, false, outer, link + "." + far->name);
            w.model = &t;
            continue;
        }
        if (r) {  // reverse ForeignKey: to-many
            const bool outer = w.outer || w.promote;
            w.alias = join(w.alias, w.model->pk_field().column, *r->owner, r->field->column, true,
                           outer, w.alias + "." + std::string(name));
            w.model = r->owner;
            w.multi = true;
            w.outer = outer;
            if (ends) {
                const FieldMeta& pk = r->owner->pk_field();
                return finish(&pk, w.alias, pk.column, pk.type, i + 1);
            }
            continue;
        }
        std::string msg = w.model->name + " has no field '" + std::string(name) + "'";
        if (whole() != name) msg += " in '" + whole() + "'";
        throw FieldError(msg + " (choices: " + path_choices(*w.model) + ")");
    }
    throw FieldError("'" + whole() + "' names no field");
}

sql::Expr Query::resolve_column(std::string_view path, const FieldMeta** field) {
    Walk w;
    auto parts = split_path(path);
    walk(w, parts, false);
    if (w.next != parts.size())
        throw FieldError(model_->name + ": '" + std::string(path) + "' is not a field path");
    if (field) *field = w.field;
    return w.column;
}

sql::Expr Query::resolve_lookup(std::string_view path, const Operand& v, bool negated, bool in_or) {
    const ModelMeta& m = *model_;
    auto parts = split_path(path);
    if (negated) {
        // Django: excluding across a to-many relation removes every row that has ANY
        // matching related row, so it becomes `pk NOT IN (rows that match)`, not a join.
        Query sub(m);
        sub.alias_ = alias_;
        sql::Expr positive = sub.resolve_lookup(path, v, false, false);
        const bool multi = std::any_of(sub.joins_.begin(), sub.joins_.end(),
                                       [](const JoinState& j) { return j.multi; });
        if (multi) {
            sub.where_ = positive;
            sql::Select inner = sub.base_select();
            inner.columns = {{m.pk_field().column_expr(m.table), {}}};
            return sql::lookup("in", m.pk_field().column_expr(m.table),
                               sql::subquery(std::make_shared<sql::Select>(std::move(inner))));
        }
    }
    Walk w;
    w.promote = in_or || negated ||
                (parts.size() > 1 && parts.back() == "isnull" && v.kind() == Operand::Kind::Value &&
                 v.value().is<bool>() && v.value().get<bool>());
    walk(w, parts, true);
    const FieldMeta& f = *w.field;
    sql::Expr lhs = w.column;
    ColumnType lhs_type = f.relation ? ColumnType::BigInt : f.type;
    std::vector<std::string_view> transforms;
    std::string_view lookup = "exact";
    for (std::size_t i = w.next; i < parts.size(); ++i) {
        bool last = i + 1 == parts.size();
        if (last && is_lookup(parts[i])) {
            lookup = parts[i];
        } else if (is_transform(parts[i]) &&
                   (f.type == ColumnType::Date || f.type == ColumnType::DateTime) &&
                   transforms.empty() && !f.relation) {
            transforms.push_back(parts[i]);
        } else {
            throw FieldError(w.model->name + "." + f.name + " has no lookup '" + std::string(parts[i]) +
                             "' in '" + std::string(path) + "' (choices: " + lookup_choices() +
                             ")");
        }
    }
    const ModelMeta& owner = *w.model;
    if (!transforms.empty()) {
        auto t = transforms.front();
        bool time_part = t == "hour" || t == "minute" || t == "second" || t == "date";
        if (time_part && f.type != ColumnType::DateTime)
            throw FieldError(owner.name + "." + f.name + " is a date: it has no '" + std::string(t) +
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
        if (transforms.empty() && !f.relation) return clean_value(owner, f, x);
        FieldMeta as = f;
        as.type = lhs_type;
        as.relation.reset();
        return clean_value(owner, as, x);
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
    if (negated && (f.nullable || w.outer)) return sql::and_({e, sql::is_null(lhs, true)});
    return e;
}

void Query::add_related_filter(const ReverseRelation& hop, const Value& key) {
    ++filter_call_;
    const RelationMeta& rel = *hop.field->relation;
    sql::Expr cond;
    if (rel.kind == RelationMeta::Kind::ManyToMany) {
        std::string link = join(model_->table, model_->pk_field().column, *rel.through,
                                rel.through_target->column, true, false, "+" + rel.through->table);
        cond = sql::lookup("exact", sql::column(link, rel.through_owner->column, sql::ColumnType::BigInt),
                           sql::param(key));
    } else {
        cond = sql::lookup("exact", hop.field->column_expr(model_->table), sql::param(key));
    }
    where_ = where_ ? sql::and_({where_, cond}) : cond;
}

void Query::add_link_filter(const FieldMeta& field, bool rows_are_owners, const std::vector<Value>& keys) {
    ++filter_call_;
    const RelationMeta& rel = *field.relation;
    // Rows of this query sit on one side of the link table (`near`); `keys` are the other's.
    const FieldMeta* near = rows_are_owners ? rel.through_owner : rel.through_target;
    const FieldMeta* far = rows_are_owners ? rel.through_target : rel.through_owner;
    std::string link = join(model_->table, model_->pk_field().column, *rel.through, near->column,
                            true, false, "+prefetch");
    extra_column_ = sql::column(link, far->column, sql::ColumnType::BigInt);
    sql::Expr cond = sql::lookup("in", extra_column_, sql::param_list(keys));
    where_ = where_ ? sql::and_({where_, cond}) : cond;
}

void Query::add_select_related(const std::string& path) {
    int parent = -1;
    const ModelMeta* m = model_;
    std::string alias = model_->table;
    bool outer = false;
    for (auto part : split_path(path)) {
        const FieldMeta* f = m->find(part);
        if (!f || !f->relation || f->relation->kind == RelationMeta::Kind::ManyToMany) {
            std::string choices;
            for (const auto& x : m->fields)
                if (x.relation && x.relation->kind != RelationMeta::Kind::ManyToMany)
                    choices += (choices.empty() ? "" : ", ") + x.name;
            throw FieldError("Invalid field name '" + std::string(part) + "' in select_related('" + path +
                             "'): " + m->name + " has no forward relation by that name (choices: " +
                             (choices.empty() ? "(none)" : choices) + ")");
        }
        const ModelMeta& t = f->relation->target();
        outer = outer || f->nullable;
        auto found = std::find_if(related_.begin(), related_.end(), [&](const Related& r) {
            return r.parent == parent && r.field == f;
        });
        if (found == related_.end()) {
            std::string a = join(alias, f->column, t, t.pk_field().column, false, outer, alias + "." + f->name);
            related_.push_back({parent, f, &t, a});
            found = related_.end() - 1;
        }
        parent = int(found - related_.begin());
        alias = found->alias;
        m = &t;
    }
}

sql::Expr Query::resolve(const ExpressionNode& e) {
    switch (e.kind) {
        case ExpressionNode::Kind::Field: return resolve_column(e.name);
        case ExpressionNode::Kind::Literal: return sql::param(e.value);
        case ExpressionNode::Kind::Binary: {
            auto lhs = resolve(*e.args[0]);
            auto out = std::const_pointer_cast<sql::Node>(sql::binary(e.name, lhs, resolve(*e.args[1])));
            out->type = lhs->type;
            return out;
        }
        case ExpressionNode::Kind::Aggregate: {
            const std::string& path = e.args[0]->name;
            sql::Expr arg;
            ColumnType type = ColumnType::BigInt;
            if (path == "*") {
                arg = sql::star();
            } else if (const Annotation* a = find_annotation(path)) {
                arg = a->expr;
                type = a->expr->type;
            } else {
                // Aggregates keep rows without related ones (Count of no entries is 0):
                // their joins are LEFT OUTER.
                Walk w;
                w.promote = true;
                auto parts = split_path(path);
                walk(w, parts, false);
                if (w.next != parts.size())
                    throw FieldError(model_->name + ": cannot aggregate over '" + path + "'");
                arg = w.column;
                type = w.field->relation ? ColumnType::BigInt : w.field->type;
            }
            sql::Expr filter;
            if (e.filter) filter = resolve_q(*e.filter, false, true);
            ColumnType out = type;
            if (e.name == "COUNT") out = ColumnType::BigInt;
            else if (e.name == "AVG" || e.name == "STDDEV_POP" || e.name == "VAR_POP") out = ColumnType::Double;
            else if (e.name == "SUM" && type == ColumnType::Integer) out = ColumnType::BigInt;
            return sql::aggregate(e.name, arg, e.distinct, filter, out);
        }
        case ExpressionNode::Kind::Function: {
            std::vector<sql::Expr> args;
            for (const auto& a : e.args) args.push_back(resolve(*a));
            std::string name = checked_function(e.name);
            ColumnType type = args.empty() ? ColumnType::DateTime : args[0]->type;
            if (name == "UPPER" || name == "LOWER" || name == "TRIM" || name == "SUBSTR" || name == "CONCAT")
                type = ColumnType::Text;
            else if (name == "LENGTH" || name == "ROW_NUMBER" || name == "RANK" || name == "DENSE_RANK" || name == "NTILE")
                type = ColumnType::BigInt;
            else if (name == "PERCENT_RANK" || name == "CUME_DIST") type = ColumnType::Double;
            else if (name.rfind("CAST:", 0) == 0) type = cast_type(name.substr(5));
            auto out = std::const_pointer_cast<sql::Node>(sql::func(std::move(name), std::move(args)));
            out->type = type;
            return out;
        }
        case ExpressionNode::Kind::OuterRef: return sql::outer_ref(e.name);
        case ExpressionNode::Kind::Window: {
            auto n = std::make_shared<sql::Node>();
            n->kind = sql::Kind::Window;
            n->args.push_back(resolve(*e.args[0]));
            for (const auto& p : e.fields) n->args.push_back(resolve_column(p));
            for (const auto& o : e.order) {
                bool desc = !o.empty() && o[0] == '-';
                n->window_order.emplace_back(resolve_column(desc ? o.substr(1) : o), desc);
            }
            n->type = n->args[0]->type;
            return n;
        }
        case ExpressionNode::Kind::Subquery:
        case ExpressionNode::Kind::Exists: {
            Query inner = *e.query;
            sql::Select s = e.kind == ExpressionNode::Kind::Exists
                                ? inner.select_exists()
                                : inner.select_values(e.fields);
            // The inner query's OuterRef("x") is this query's column x.
            sql::replace_outer(s, [&](const std::string& path) { return resolve_column(path); });
            if (e.kind == ExpressionNode::Kind::Exists)
                return sql::exists(std::make_shared<sql::Select>(std::move(s)));
            ColumnType type = s.columns.empty() ? ColumnType::Text : s.columns[0].expr->type;
            auto out = std::const_pointer_cast<sql::Node>(sql::subquery(std::make_shared<sql::Select>(std::move(s))));
            out->type = type;
            return out;
        }
        case ExpressionNode::Kind::Case: {
            std::vector<sql::Expr> parts;
            for (std::size_t i = 0; i < e.conditions.size(); ++i) {
                parts.push_back(resolve_q(*e.conditions[i], false, true));
                parts.push_back(resolve(*e.args[i]));
            }
            parts.push_back(resolve(*e.args.back()));
            ColumnType type = parts.size() > 1 ? parts[1]->type : parts.back()->type;
            if (parts.size() > 1 && parts[1]->kind == sql::Kind::Param) {
                const Value& v = parts[1]->value;
                type = v.is<std::string>() ? ColumnType::Text : v.is<double>() ? ColumnType::Double
                       : v.is<bool>() ? ColumnType::Bool : ColumnType::BigInt;
            }
            return sql::case_(std::move(parts), type);
        }
    }
    return nullptr;
}

// Names that reach SQL text are checked here, never quoted blindly: Func names must be
// identifiers, Cast types and Trunc kinds come from fixed lists (Django's CVEs of 2021-22
// were such strings).
std::string Query::checked_function(const std::string& name) {
    static const std::vector<std::string> builtin = {
        "COALESCE", "CONCAT", "GREATEST", "LEAST", "UPPER", "LOWER", "LENGTH", "TRIM", "ABS", "ROUND",
        "SUBSTR", "NOW", "ROW_NUMBER", "RANK", "DENSE_RANK", "PERCENT_RANK", "CUME_DIST", "NTILE",
        "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE", "NTH_VALUE"};
    if (std::find(builtin.begin(), builtin.end(), name) != builtin.end()) return name;
    if (name.rfind("FUNC:", 0) == 0) {
        std::string f = name.substr(5);
        bool ok = !f.empty() && !std::isdigit(static_cast<unsigned char>(f[0]));
        for (char c : f) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
        if (!ok) throw FieldError("Func('" + f + "'): not a valid SQL function name (letters, digits, _)");
        return f;
    }
    if (name.rfind("CAST:", 0) == 0) {
        (void)cast_type(name.substr(5));
        return name;
    }
    if (name.rfind("TRUNC:", 0) == 0) {
        static const std::vector<std::string> kinds = {"year", "quarter", "month", "week", "day"};
        if (std::find(kinds.begin(), kinds.end(), name.substr(6)) == kinds.end())
            throw FieldError("Trunc kind '" + name.substr(6) + "' is not one of year, quarter, month, week, day");
        return name;
    }
    throw FieldError("unknown function '" + name + "'");
}

sql::ColumnType Query::cast_type(const std::string& type) {
    static const std::vector<std::pair<std::string, ColumnType>> types = {
        {"integer", ColumnType::Integer}, {"bigint", ColumnType::BigInt}, {"real", ColumnType::Double},
        {"double", ColumnType::Double},   {"text", ColumnType::Text},     {"date", ColumnType::Date},
        {"datetime", ColumnType::DateTime}, {"boolean", ColumnType::Bool}};
    for (const auto& [n, t] : types)
        if (n == type) return t;
    throw FieldError("Cast type '" + type + "' is not one of integer, bigint, real, double, text, date, datetime, boolean");
}

std::string Query::add_order_expression(const ExpressionNode& e, bool descending) {
    order_exprs_.push_back({resolve(e), descending});
    return std::string(kOrderExprMark) + std::to_string(order_exprs_.size() - 1);
}

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

namespace {
bool is_aggregate(const sql::Expr& e) {
    return e->kind == sql::Kind::Func &&
           (e->name == "COUNT" || e->name == "SUM" || e->name == "AVG" || e->name == "MIN" ||
            e->name == "MAX" || e->name == "STDDEV_POP" || e->name == "VAR_POP");
}
}  // namespace

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
