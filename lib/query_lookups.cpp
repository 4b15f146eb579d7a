// Resolving field paths, joins and lookups into conditions.
#include "query_internal.hpp"

#include <cmath>

#include "dorm/error.hpp"

namespace dorm {

using namespace query_detail;
using sql::ColumnType;

Value Query::clean_value(const ModelMeta& m, const FieldMeta& f, const Value& v) {
    if (v.is_null()) return v;
    auto fail = [&]() -> Value {
        throw FieldError("Field '" + m.name + "." + f.name + "' expected " +
                         type_label(f.key_type()) + " but got " + v.repr() + " (" + v.type_name() +
                         ")");
    };
    try {
        switch (f.key_type()) {
            case ColumnType::Boolean:
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
            case ColumnType::Real:
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
            case ColumnType::Decimal:
                if (v.is<Decimal>()) return v;
                if (v.is<double>()) return Value(Decimal(Value(v.get<double>()).to_string()));
                if (v.is<Date>() || v.is<DateTime>() || v.is<Blob>() || v.is<JsonText>() || v.is<bool>())
                    return fail();
                return Value(value_traits<Decimal>::from_value(v));
            case ColumnType::Uuid:
                if (v.is<Uuid>()) return v;
                if (!v.is<std::string>()) return fail();
                return Value(value_traits<Uuid>::from_value(v));
        }
    } catch (const FieldError&) {
        return fail();
    }
    return v;
}

// A condition on an aggregate annotation filters groups: HAVING, not WHERE; one on a
// window annotation filters the wrapped query.
void Query::add_condition(sql::Expr e, bool negate) {
    if (negate) e = sql::not_(std::move(e));
    sql::Expr& target = window_ref_ ? window_where_ : aggregate_ref_ ? having_ : where_;
    target = target ? sql::and_({target, std::move(e)}) : std::move(e);
}

void Query::add_filter(const Q& q, bool negate) {
    ++filter_call_;
    aggregate_ref_ = window_ref_ = false;
    add_condition(resolve_q(q, negate, negate, false), negate);
}

void Query::add_filter(std::string_view path, const Operand& v, bool negate) {
    ++filter_call_;
    aggregate_ref_ = window_ref_ = false;
    add_condition(resolve_lookup(path, v, negate, negate, false), negate);
}

void Query::add_filter(const Expression& condition, bool negate) {
    ++filter_call_;
    aggregate_ref_ = window_ref_ = false;
    add_condition(resolve(*condition.node()), negate);
}

sql::Expr Query::resolve_q(const Q& q, bool negated, bool branch_negated, bool in_or) {
    const bool neg = negated != q.negated();
    const bool branch = branch_negated || q.negated();
    sql::Expr e;
    if (q.kind() == Q::Kind::Leaf) {
        e = resolve_lookup(q.path(), q.value(), neg, branch, in_or);
    } else {
        std::vector<sql::Expr> parts;
        const bool child_or = in_or || (q.kind() == Q::Kind::Or && q.children().size() > 1);
        for (const auto& c : q.children()) parts.push_back(resolve_q(c, neg, branch, child_or));
        e = q.kind() == Q::Kind::And ? sql::and_(std::move(parts)) : sql::or_(std::move(parts));
    }
    return q.negated() ? sql::not_(std::move(e)) : e;
}

// ---- paths across relations --------------------------------------------------------------

std::string Query::join(const std::string& left_alias, const std::string& left_col,
                        const ModelMeta& right, const std::string& right_col, bool multi,
                        bool outer, bool reuse_any, const std::string& key) {
    // The most recent matching join: outside filter() (values, ordering, aggregates) a path
    // that several filter() calls joined reuses the last of them, as Django's Query.join().
    for (auto it = joins_.rbegin(); it != joins_.rend(); ++it) {
        JoinState& j = *it;
        if (j.key != key || (j.multi && !reuse_any && j.filter_call != filter_call_)) continue;
        if (outer && !reuse_any) j.join.outer = true;
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
        const ReverseRelation* r = f ? nullptr : w.model->find_reverse_query(name);
        if (f && !f->relation) {
            w.field = f;
            w.column = f->column_expr(w.alias);
            w.next = i + 1;
            return;
        }
        if (f && f->relation->kind != RelationMeta::Kind::ManyToMany) {
            const ModelMeta& t = f->relation->target();
            // blog, blog__id, blog__pk: the key column itself, no join
            if (ends) return finish(f, w.alias, f->column, f->key_type(), i + 1);
            const bool to_pk = parts[i + 1] == "pk" || parts[i + 1] == t.pk_field().name;
            if (to_pk && (i + 2 == parts.size() || (stop_at_lookup && is_operator(parts[i + 2]))))
                return finish(f, w.alias, f->column, f->key_type(), i + 2);
            const bool outer = w.outer || (f->nullable && w.promote);
            w.alias = join(w.alias, f->column, t, t.pk_field().column, false, outer, w.reuse_any, w.alias + "." + f->name);
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
                                    true, outer, w.reuse_any, w.alias + "." + std::string(name));
            w.multi = true;
            w.outer = outer;
            if (ends) return finish(far, link, far->column, far->key_type(), i + 1);
            w.alias = join(link, far->column, t, t.pk_field().column, false, outer, w.reuse_any,
                           link + "." + far->name);
            w.model = &t;
            continue;
        }
        if (r) {  // reverse ForeignKey: to-many
            const bool outer = w.outer || w.promote;
            w.alias = join(w.alias, w.model->pk_field().column, *r->owner, r->field->column, true,
                           outer, w.reuse_any, w.alias + "." + std::string(name));
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
    return resolve_path(path, field, false);
}

sql::Expr Query::resolve_output_path(std::string_view path, const FieldMeta** field) {
    return resolve_path(path, field, true);
}

sql::Expr Query::resolve_path(std::string_view path, const FieldMeta** field, bool output) {
    Walk w;
    w.promote = w.reuse_any = output;
    auto parts = split_path(path);
    walk(w, parts, false);
    if (w.next != parts.size())
        throw FieldError(model_->name + ": '" + std::string(path) + "' is not a field path");
    if (field) *field = w.field;
    return w.column;
}

namespace {
// `exact`/`iexact` with NULL, or `isnull=true`: the row may have no related row, so the
// joins on the way are LEFT OUTER (Django treats `x=None` as `x__isnull=True`).
bool tests_for_null(const std::vector<std::string_view>& parts, const Operand& v) {
    if (v.kind() != Operand::Kind::Value) return false;
    const std::string_view last = parts.size() > 1 ? parts.back() : std::string_view("exact");
    if (last == "isnull") return v.value().is<bool>() && v.value().get<bool>();
    return v.value().is_null() && (last == "exact" || last == "iexact" || !is_lookup(last));
}

// Django 3.2 on an integer field: `gte 2.5` is `>= 3` and `lt 2.5` is `< 3` (rounded up);
// other lookups take int(x), which truncates toward zero. A bound beyond the 64-bit range
// (or NaN) is left as it is, for the field's check to reject by name (Django overflows).
Value integer_bound(std::string_view lookup, const Value& v) {
    if (!v.is<double>()) return v;
    const double d = v.get<double>();
    if (!(d >= -9223372036854775808.0 && d < 9223372036854775808.0)) return v;
    if (lookup == "gte" || lookup == "lt") return Value(std::int64_t(std::ceil(d)));
    return Value(std::int64_t(std::trunc(d)));
}
}  // namespace

sql::Expr Query::resolve_lookup(std::string_view path, const Operand& v, bool negated,
                                bool branch_negated, bool in_or) {
    const ModelMeta& m = *model_;
    auto parts = split_path(path);
    // An F() across a to-many relation under a negation: Django resolves it against a join
    // of the outer query, so the condition is per related row, not a subquery per parent.
    auto crosses_to_many = [&](const Operand& op) {
        if (op.kind() != Operand::Kind::Expression) return false;
        Query scratch(m);
        (void)scratch.resolve(*op.expression());
        return std::any_of(scratch.joins_.begin(), scratch.joins_.end(), [](const JoinState& j) { return j.multi; });
    };
    if (branch_negated && !crosses_to_many(v)) {
        // Django's split_exclude: under a negation, a condition across a to-many relation
        // is `pk IN (rows that match)`, not a join (the negations apply around it).
        Query sub(m);
        sub.alias_ = alias_;
        sql::Expr positive = sub.resolve_lookup(path, v, false, false, false);
        const bool multi = std::any_of(sub.joins_.begin(), sub.joins_.end(),
                                       [](const JoinState& j) { return j.multi; });
        if (multi) {
            sub.where_ = positive;
            return sql::lookup("in", m.pk_field().column_expr(m.table),
                               sql::subquery(std::make_shared<sql::Select>(sub.build(Selection::key()))));
        }
    }
    Walk w;
    w.promote = in_or || negated || tests_for_null(parts, v);
    walk(w, parts, true);
    const FieldMeta& f = *w.field;
    sql::Expr lhs = w.column;
    ColumnType lhs_type = f.key_type();
    // Transforms chain (mod_date__date__year), each taking the type the previous one gave;
    // a lookup may end the path (default: exact).
    const ModelMeta& owner = *w.model;
    bool transformed = false;
    const sql::LookupDef* def = sql::find_lookup("exact");
    std::string_view lookup = "exact";
    std::string_view year_of;  // the path ends in __year: compare the value before it with bounds
    sql::Expr before_year;
    ColumnType before_year_type = lhs_type;
    for (std::size_t i = w.next; i < parts.size(); ++i) {
        const bool last = i + 1 == parts.size();
        if (last && (def = sql::find_lookup(parts[i])) != nullptr) {
            lookup = parts[i];
            break;
        }
        const sql::TransformDef* t = sql::find_transform(parts[i]);
        if (!t) {
            throw FieldError(owner.name + "." + f.name + " has no lookup '" + std::string(parts[i]) +
                             "' in '" + std::string(path) + "' (choices: " + sql::lookup_choices() + ")");
        }
        if (!t->inputs.empty() && std::find(t->inputs.begin(), t->inputs.end(), lhs_type) == t->inputs.end())
            throw FieldError(owner.name + "." + f.name + (transformed ? " transformed" : "") + " is " +
                             type_label(lhs_type) + ": it has no transform '" + std::string(parts[i]) + "' in '" +
                             std::string(path) + "'");
        if (parts[i] == "year" && t->sql_template.empty()) {
            year_of = parts[i];
            before_year = lhs;
            before_year_type = lhs_type;
        } else {
            year_of = {};
        }
        const ColumnType out = t->output.value_or(lhs_type);
        lhs = sql::transform(std::string(parts[i]), lhs, out, t->sql_template.empty() ? nullptr : &t->sql_template);
        lhs_type = out;
        transformed = true;
        if (last) def = sql::find_lookup("exact");
    }
    if (!year_of.empty() && v.kind() == Operand::Kind::Value && !v.value().is_null() &&
        (lookup == "exact" || lookup == "gt" || lookup == "gte" || lookup == "lt" || lookup == "lte"))
        return year_bounds(before_year, before_year_type, lookup, v.value().as_int());
    const std::string* templ = def->sql_template.empty() ? nullptr : &def->sql_template;

    auto clean = [&](const Value& x) -> Value {
        if (def->pattern) {
            if (x.is_null())
                throw FieldError("'" + std::string(path) + "' cannot compare with NULL");
            return x.is<std::string>() ? x : Value(x.to_string());
        }
        if (!transformed && !f.relation) return clean_value(owner, f, x);
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
                if (lookup != "exact" && lookup != "iexact")
                    throw FieldError("'" + std::string(path) +
                                     "' cannot compare with NULL (use __isnull)");
                return sql::is_null(lhs);
            }
            if (lhs_type == ColumnType::Integer || lhs_type == ColumnType::BigInt)
                e = sql::lookup(std::string(lookup), lhs, sql::param(clean(integer_bound(lookup, v.value()))), templ);
            else
                e = sql::lookup(std::string(lookup), lhs, sql::param(clean(v.value())), templ);
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
            e = sql::lookup(std::string(lookup), lhs, resolve(*v.expression()), templ);
            break;
        case Operand::Kind::Subquery: {
            if (lookup != "in")
                throw FieldError("'" + std::string(path) + "': a QuerySet works only with __in");
            auto s = std::make_shared<sql::Select>(v.query()->build(Selection::key()));
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
                                rel.through_target->column, true, false, false, "+" + rel.through->table);
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
                            true, false, false, "+prefetch");
    extra_column_ = sql::column(link, far->column, far->key_type());
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
            std::string a = join(alias, f->column, t, t.pk_field().column, false, outer, true, alias + "." + f->name);
            related_.push_back({parent, f, &t, a});
            found = related_.end() - 1;
        }
        parent = int(found - related_.begin());
        alias = found->alias;
        m = &t;
    }
}

}  // namespace dorm
