// Annotations, combinations and expressions (F, aggregates, functions, Cast, Trunc, Case,
// subqueries, windows) resolved into the SQL tree. Names that reach SQL text were checked
// when the expression nodes were built (lib/expressions.cpp).
#include "query_internal.hpp"

#include "dorm/error.hpp"
#include "dorm/functions.hpp"

namespace dorm {

using namespace query_detail;
using sql::ColumnType;

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
                // their joins are LEFT OUTER, and they reuse the joins filters made.
                const FieldMeta* f = nullptr;
                arg = resolve_output_path(path, &f);
                type = f->key_type();
            }
            sql::Expr filter;
            if (e.filter) filter = resolve_q(*e.filter, false, false, true);
            return sql::aggregate(e.name, arg, e.distinct, filter, aggregate_type(e.name, type));
        }
        case ExpressionNode::Kind::Function: {
            // Checked when the node was built; again here for nodes made by hand.
            detail::check_function_name(e.name, e.user_function);
            std::vector<sql::Expr> args;
            for (const auto& a : e.args) args.push_back(resolve(*a));
            const std::string& name = e.name;
            ColumnType type = args.empty() ? ColumnType::DateTime : args[0]->type;
            if (name == "UPPER" || name == "LOWER" || name == "TRIM" || name == "SUBSTR" || name == "CONCAT")
                type = ColumnType::Text;
            else if (name == "LENGTH" || name == "ROW_NUMBER" || name == "RANK" || name == "DENSE_RANK" || name == "NTILE")
                type = ColumnType::BigInt;
            else if (name == "PERCENT_RANK" || name == "CUME_DIST") type = ColumnType::Real;
            auto out = std::const_pointer_cast<sql::Node>(sql::func(name, std::move(args)));
            out->type = type;
            return out;
        }
        case ExpressionNode::Kind::Cast: return sql::cast(resolve(*e.args[0]), e.cast_to);
        case ExpressionNode::Kind::Trunc: return sql::trunc(e.name, resolve(*e.args[0]));
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
            if (e.kind == ExpressionNode::Kind::Subquery && !e.fields.empty()) inner.set_values(e.fields);
            sql::Select s = inner.build(e.kind == ExpressionNode::Kind::Exists ? Selection::exists()
                                                                              : Selection::key());
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
                parts.push_back(resolve_q(*e.conditions[i], false, false, true));
                parts.push_back(resolve(*e.args[i]));
            }
            parts.push_back(resolve(*e.args.back()));
            ColumnType type = parts.size() > 1 ? parts[1]->type : parts.back()->type;
            if (parts.size() > 1 && parts[1]->kind == sql::Kind::Param) {
                const Value& v = parts[1]->value;
                type = v.is<std::string>() ? ColumnType::Text : v.is<double>() ? ColumnType::Real
                       : v.is<bool>() ? ColumnType::Boolean : ColumnType::BigInt;
            }
            return sql::case_(std::move(parts), type);
        }
    }
    return nullptr;
}

}  // namespace dorm
