#include "dorm/sql/compiler.hpp"

#include <unordered_map>

#include "dorm/error.hpp"
#include "dorm/sql/lookups.hpp"

namespace dorm::sql {

namespace {

class Renderer {
   public:
    explicit Renderer(const Dialect& d, bool ddl = false) : d_(d), ddl_(ddl) { out_.reserve(256); }
    Sql take() { return {std::move(out_), std::move(params_)}; }

    void select(const Select& s) {
        out_ += "SELECT ";
        if (s.distinct) out_ += "DISTINCT ";
        if (s.shared_columns) shared_columns(*s.shared_columns);
        else columns(s.columns);
        out_ += " FROM ";
        if (s.from_subquery) {
            out_ += '(';
            select(*s.from_subquery);
            out_ += ") ";
            d_.quote_to(out_, "subquery");
        } else {
            d_.quote_to(out_, s.from);
        }
        for (const Join& j : s.joins) {
            out_ += j.outer ? " LEFT OUTER JOIN " : " INNER JOIN ";
            d_.quote_to(out_, j.table);
            if (j.alias != j.table) {
                out_ += ' ';
                d_.quote_to(out_, j.alias);
            }
            out_ += " ON (";
            expr(j.on);
            out_ += ')';
        }
        where(s.where);
        if (!s.group_by.empty()) {
            out_ += " GROUP BY ";
            list(s.group_by);
        }
        if (s.having) {
            out_ += " HAVING ";
            expr(s.having);
        }
        for (const auto& [op, member] : s.compound) {
            if (op.ends_with(" ALL") && op != "UNION ALL" && !d_.features().intersect_except_all)
                throw NotSupportedError(op + " is not supported on " + std::string(d_.vendor()) +
                                        " (use intersection()/difference() without {.all = true})");
            out_ += ' ';
            out_ += op;
            out_ += ' ';
            select(*member);
        }
        if (!s.order_by.empty()) {
            out_ += " ORDER BY ";
            for (std::size_t i = 0; i < s.order_by.size(); ++i) {
                if (i) out_ += ", ";
                expr(s.order_by[i].expr);
                out_ += s.order_by[i].descending ? " DESC" : " ASC";
            }
        }
        if (s.limit || s.offset) d_.limit_offset(out_, s.limit, s.offset);
        // As Django: where the backend has no row locks (SQLite locks the whole database
        // for a write anyway), select_for_update() has no effect.
        if (s.for_update && d_.features().select_for_update) out_ += " FOR UPDATE";
    }

    void insert(const Insert& s) {
        out_ += "INSERT INTO ";
        d_.quote_to(out_, s.table);
        if (s.columns.empty()) {
            out_ += " DEFAULT VALUES";
        } else {
            out_ += " (";
            for (std::size_t i = 0; i < s.columns.size(); ++i) {
                if (i) out_ += ", ";
                d_.quote_to(out_, s.columns[i]);
            }
            out_ += ") VALUES ";
            for (std::size_t r = 0; r < s.rows.size(); ++r) {
                if (r) out_ += ", ";
                out_ += '(';
                list(s.rows[r]);
                out_ += ')';
            }
        }
        if (!s.returning.empty() && d_.features().returning) {
            out_ += " RETURNING ";
            d_.quote_to(out_, s.returning);
        }
    }

    void update(const Update& s) {
        out_ += "UPDATE ";
        d_.quote_to(out_, s.table);
        out_ += " SET ";
        for (std::size_t i = 0; i < s.set.size(); ++i) {
            if (i) out_ += ", ";
            d_.quote_to(out_, s.set[i].first);
            out_ += " = ";
            expr(s.set[i].second);
        }
        where(s.where);
    }

    /// A condition as WHERE renders it (AND/OR groups in parentheses).
    void condition(const Expr& e) { nested(e); }

    void remove(const Delete& s) {
        out_ += "DELETE FROM ";
        d_.quote_to(out_, s.table);
        where(s.where);
    }

    void expr(const Expr& e) {
        switch (e->kind) {
            case Kind::Column:
                if (!e->table.empty() && !ddl_) {
                    d_.quote_to(out_, e->table);
                    out_ += '.';
                }
                d_.quote_to(out_, e->name);
                break;
            case Kind::Param:
                bind(e->value);
                break;
            case Kind::ParamList:
                out_ += '(';
                list(e->args);
                out_ += ')';
                break;
            case Kind::Star:
                out_ += '*';
                break;
            case Kind::Binary:
                out_ += '(';
                expr(e->args[0]);
                out_ += ' ';
                out_ += e->name;
                out_ += ' ';
                expr(e->args[1]);
                out_ += ')';
                break;
            case Kind::And:
            case Kind::Or:
                for (std::size_t i = 0; i < e->args.size(); ++i) {
                    if (i) out_ += e->kind == Kind::And ? " AND " : " OR ";
                    nested(e->args[i]);
                }
                break;
            case Kind::Not:
                out_ += "NOT (";
                expr(e->args[0]);
                out_ += ')';
                break;
            case Kind::Lookup:
                lookup(*e);
                break;
            case Kind::Transform: {
                std::string lhs = sub(e->args[0]);
                if (e->sql_template) out_ += render_template(*e->sql_template, lhs, {});
                else d_.transform(out_, e->name, lhs, e->args[0]->type);
                break;
            }
            case Kind::IsNull:
                expr(e->args[0]);
                out_ += e->name.empty() ? " IS NULL" : " IS NOT NULL";
                break;
            case Kind::Window:
                expr(e->args[0]);
                out_ += " OVER (";
                if (e->args.size() > 1) {
                    out_ += "PARTITION BY ";
                    for (std::size_t i = 1; i < e->args.size(); ++i) {
                        if (i > 1) out_ += ", ";
                        expr(e->args[i]);
                    }
                }
                if (!e->window_order.empty()) {
                    out_ += e->args.size() > 1 ? " ORDER BY " : "ORDER BY ";
                    for (std::size_t i = 0; i < e->window_order.size(); ++i) {
                        if (i) out_ += ", ";
                        expr(e->window_order[i].first);
                        out_ += e->window_order[i].second ? " DESC" : " ASC";
                    }
                }
                out_ += ')';
                break;
            case Kind::OuterRef:
                throw FieldError("OuterRef('" + e->name + "') is only valid inside a Subquery or Exists");
            case Kind::Exists:
                out_ += "EXISTS(";
                select(*e->select);
                out_ += ')';
                break;
            case Kind::Case:
                out_ += "CASE";
                for (std::size_t i = 0; i + 1 < e->args.size(); i += 2) {
                    out_ += " WHEN ";
                    expr(e->args[i]);
                    out_ += " THEN ";
                    expr(e->args[i + 1]);
                }
                out_ += " ELSE ";
                expr(e->args.back());
                out_ += " END";
                break;
            case Kind::Cast:
                d_.cast(out_, sub(e->args[0]), e->type);
                break;
            case Kind::Trunc:
                d_.trunc(out_, e->name, sub(e->args[0]), e->type);
                break;
            case Kind::Func: {
                if (!e->filter && !e->distinct) {
                    std::vector<std::string> args;
                    for (const auto& a : e->args) args.push_back(sub(a));
                    if (d_.function(out_, e->name, args, e->type)) break;
                    out_ += e->name;
                    out_ += '(';
                    for (std::size_t i = 0; i < args.size(); ++i) out_ += (i ? ", " : "") + args[i];
                    out_ += ')';
                    break;
                }
                out_ += e->name;
                out_ += '(';
                if (e->distinct) out_ += "DISTINCT ";
                list(e->args);
                out_ += ')';
                if (e->filter) {
                    if (d_.features().filter_clause) {
                        out_ += " FILTER (WHERE ";
                        expr(e->filter);
                        out_ += ')';
                    }
                }
                break;
            }
            case Kind::Never:
                out_ += "0 = 1";
                break;
            case Kind::Always:
                out_ += "1 = 1";
                break;
            case Kind::Subquery:
                out_ += '(';
                select(*e->select);
                out_ += ')';
                break;
        }
    }

   private:
    void columns(const std::vector<SelectItem>& items) {
        for (std::size_t i = 0; i < items.size(); ++i) {
            if (i) out_ += ", ";
            expr(items[i].expr);
            if (!items[i].alias.empty()) {
                out_ += " AS ";
                d_.quote_to(out_, items[i].alias);
            }
        }
    }

    // A shared list holds plain columns (no parameters), so its text can be kept.
    void shared_columns(const std::vector<SelectItem>& items) {
        using Key = std::pair<const void*, const Dialect*>;
        struct KeyHash {
            std::size_t operator()(const Key& k) const {
                return std::hash<const void*>()(k.first) ^ std::hash<const void*>()(k.second);
            }
        };
        thread_local std::unordered_map<Key, std::string, KeyHash> rendered;
        auto [it, fresh] = rendered.try_emplace(Key{&items, &d_});
        if (fresh) {
            std::string saved = std::move(out_);
            out_.clear();
            columns(items);
            it->second = std::move(out_);
            out_ = std::move(saved);
        }
        out_ += it->second;
    }

    void where(const Expr& w) {
        if (!w || w->kind == Kind::Always) return;
        out_ += " WHERE ";
        nested(w);
    }

    void nested(const Expr& e) {
        bool group = e->kind == Kind::And || e->kind == Kind::Or;
        if (group) out_ += '(';
        expr(e);
        if (group) out_ += ')';
    }

    void list(const std::vector<Expr>& v) {
        for (std::size_t i = 0; i < v.size(); ++i) {
            if (i) out_ += ", ";
            expr(v[i]);
        }
    }

    void bind(Value v) {
        if (ddl_) {
            d_.literal(out_, v);
            return;
        }
        d_.placeholder(out_, params_.size());
        params_.push_back(std::move(v));
    }

    // Renders e into a separate string (keeping parameter order), for dialect templates.
    std::string sub(const Expr& e) {
        std::string saved = std::move(out_);
        out_.clear();
        expr(e);
        std::string piece = std::move(out_);
        out_ = std::move(saved);
        return piece;
    }

    void lookup(const Node& e) {
        std::string lhs = sub(e.args[0]);
        const Expr& rhs = e.args[1];
        std::string r;
        if (e.name == "range") {
            std::string saved = std::move(out_);
            out_.clear();
            expr(rhs->args[0]);
            out_ += " AND ";
            expr(rhs->args[1]);
            r = std::move(out_);
            out_ = std::move(saved);
        } else if (rhs->kind == Kind::Param) {
            std::string saved = std::move(out_);
            out_.clear();
            bind(d_.lookup_value(e.name, rhs->value));
            r = std::move(out_);
            out_ = std::move(saved);
        } else {
            r = sub(rhs);
        }
        if (e.sql_template) out_ += render_template(*e.sql_template, lhs, r);
        else d_.lookup(out_, e.name, lhs, r);
    }

    const Dialect& d_;
    const bool ddl_;  // columns unqualified, values as literals
    std::string out_;
    std::vector<Value> params_;
};

}  // namespace

Sql compile(const Select& s, const Dialect& d) {
    Renderer r(d);
    r.select(s);
    return r.take();
}
Sql compile(const Insert& s, const Dialect& d) {
    Renderer r(d);
    r.insert(s);
    return r.take();
}
Sql compile(const Update& s, const Dialect& d) {
    Renderer r(d);
    r.update(s);
    return r.take();
}
Sql compile(const Delete& s, const Dialect& d) {
    Renderer r(d);
    r.remove(s);
    return r.take();
}
Sql compile(const Expr& e, const Dialect& d) {
    Renderer r(d);
    r.expr(e);
    return r.take();
}

std::string compile_ddl(const Expr& condition, const Dialect& d) {
    Renderer r(d, true);
    r.condition(condition);
    return r.take().text;
}

}  // namespace dorm::sql
