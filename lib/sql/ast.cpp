#include "dorm/sql/ast.hpp"

namespace dorm::sql {

namespace {
Expr make(Kind k, std::string name = {}, std::vector<Expr> args = {}) {
    auto n = std::make_shared<Node>();
    n->kind = k;
    n->name = std::move(name);
    n->args = std::move(args);
    return n;
}

// And/Or folding: `never` and `always` absorb or vanish as in boolean algebra, so a
// filter("id__in", {}) can be known to match nothing without asking the database.
Expr fold(Kind k, std::vector<Expr> parts) {
    const Kind absorbing = k == Kind::And ? Kind::Never : Kind::Always;
    const Kind neutral = k == Kind::And ? Kind::Always : Kind::Never;
    std::vector<Expr> kept;
    kept.reserve(parts.size());
    for (auto& p : parts) {
        if (!p || p->kind == neutral) continue;
        if (p->kind == absorbing) return p;
        if (p->kind == k) {  // (a AND b) AND c is a AND b AND c
            kept.insert(kept.end(), p->args.begin(), p->args.end());
            continue;
        }
        kept.push_back(std::move(p));
    }
    if (kept.empty()) return k == Kind::And ? always() : never();
    if (kept.size() == 1) return kept.front();
    return make(k, {}, std::move(kept));
}
}  // namespace

Expr column(std::string table, std::string name, ColumnType type) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Column;
    n->table = std::move(table);
    n->name = std::move(name);
    n->type = type;
    return n;
}

Expr param(Value v) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Param;
    n->value = std::move(v);
    return n;
}

Expr param_list(std::vector<Value> values) {
    std::vector<Expr> args;
    args.reserve(values.size());
    for (auto& v : values) args.push_back(param(std::move(v)));
    return make(Kind::ParamList, {}, std::move(args));
}

Expr star() { return make(Kind::Star); }
Expr binary(std::string op, Expr lhs, Expr rhs) {
    return make(Kind::Binary, std::move(op), {std::move(lhs), std::move(rhs)});
}
Expr and_(std::vector<Expr> parts) { return fold(Kind::And, std::move(parts)); }
Expr or_(std::vector<Expr> parts) { return fold(Kind::Or, std::move(parts)); }

Expr not_(Expr e) {
    if (e->kind == Kind::Never) return always();
    if (e->kind == Kind::Always) return never();
    return make(Kind::Not, {}, {std::move(e)});
}

Expr lookup(std::string name, Expr lhs, Expr rhs, const std::string* sql_template) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Lookup;
    n->name = std::move(name);
    n->args = {std::move(lhs), std::move(rhs)};
    n->sql_template = sql_template;
    return n;
}

Expr transform(std::string name, Expr lhs, ColumnType type, const std::string* sql_template) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Transform;
    n->name = std::move(name);
    n->args = {std::move(lhs)};
    n->type = type;
    n->sql_template = sql_template;
    return n;
}

Expr is_null(Expr e, bool negated) {
    return make(Kind::IsNull, negated ? "not" : "", {std::move(e)});
}
Expr func(std::string name, std::vector<Expr> args) {
    return make(Kind::Func, std::move(name), std::move(args));
}
Expr cast(Expr arg, ColumnType target) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Cast;
    n->args = {std::move(arg)};
    n->type = target;
    return n;
}
Expr trunc(std::string kind, Expr arg) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Trunc;
    n->name = std::move(kind);
    n->type = arg->type;
    n->args = {std::move(arg)};
    return n;
}
Expr random() { return func("RANDOM", {}); }
Expr typed(const Expr& e, ColumnType type) {
    auto n = std::make_shared<Node>(*e);
    n->type = type;
    return n;
}
Expr aggregate(std::string name, Expr arg, bool distinct, Expr filter, ColumnType type) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Func;
    n->name = std::move(name);
    n->args = {std::move(arg)};
    n->distinct = distinct;
    n->aggregate = true;
    n->filter = std::move(filter);
    n->type = type;
    return n;
}

Expr never() {
    static const Expr n = make(Kind::Never);
    return n;
}
Expr always() {
    static const Expr n = make(Kind::Always);
    return n;
}
Expr case_(std::vector<Expr> args, ColumnType type) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Case;
    n->args = std::move(args);
    n->type = type;
    return n;
}

Expr outer_ref(std::string path) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::OuterRef;
    n->name = std::move(path);
    return n;
}

Expr exists(std::shared_ptr<const Select> s) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Exists;
    n->select = std::move(s);
    n->type = ColumnType::Boolean;
    return n;
}

Expr replace_outer(const Expr& e, const std::function<Expr(const std::string&)>& resolve) {
    if (!e) return e;
    if (e->kind == Kind::OuterRef) return resolve(e->name);
    bool changed = false;
    std::vector<Expr> args;
    args.reserve(e->args.size());
    for (const auto& a : e->args) {
        args.push_back(replace_outer(a, resolve));
        changed = changed || args.back() != a;
    }
    Expr filter = replace_outer(e->filter, resolve);
    std::shared_ptr<const Select> sel = e->select;
    if (sel) {
        auto copy = std::make_shared<Select>(*sel);
        replace_outer(*copy, resolve);
        sel = copy;
        changed = true;
    }
    if (!changed && filter == e->filter) return e;
    auto n = std::make_shared<Node>(*e);
    n->args = std::move(args);
    n->filter = std::move(filter);
    n->select = std::move(sel);
    return n;
}

void replace_outer(Select& s, const std::function<Expr(const std::string&)>& resolve) {
    s.where = replace_outer(s.where, resolve);
    s.having = replace_outer(s.having, resolve);
    for (auto& c : s.columns) c.expr = replace_outer(c.expr, resolve);
    if (s.shared_columns) {
        auto cols = *s.shared_columns;
        s.shared_columns.reset();
        s.columns = std::move(cols);
    }
    for (auto& j : s.joins) j.on = replace_outer(j.on, resolve);
    for (auto& o : s.order_by) o.expr = replace_outer(o.expr, resolve);
}

Expr subquery(std::shared_ptr<const Select> s) {
    auto n = std::make_shared<Node>();
    n->kind = Kind::Subquery;
    n->select = std::move(s);
    return n;
}

}  // namespace dorm::sql
