// Annotations, combinations and expressions (F, aggregates, functions, Case, subqueries,
// windows) resolved into the SQL tree; the names that reach SQL text are checked here.
#include "query_internal.hpp"

#include "dorm/error.hpp"

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

}  // namespace dorm
