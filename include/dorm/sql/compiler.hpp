#pragma once
// Renders the SQL tree with a dialect into text and parameters. Knows tables and columns,
// never models.

#include <string>
#include <vector>

#include "dorm/sql/ast.hpp"
#include "dorm/sql/dialect.hpp"

namespace dorm {

/// A statement ready to run: SQL text and its parameters, apart (API.md §10).
struct Sql {
    std::string text;
    std::vector<Value> params;
};

namespace sql {

Sql compile(const Select& s, const Dialect& d);
Sql compile(const Insert& s, const Dialect& d);
Sql compile(const Update& s, const Dialect& d);
Sql compile(const Delete& s, const Dialect& d);
/// An expression alone (for golden tests and DDL defaults).
Sql compile(const Expr& e, const Dialect& d);
/// A condition inside DDL (CHECK, a partial index's WHERE): columns unqualified and values
/// written as literals (Dialect::literal), as Django's schema editor writes them.
std::string compile_ddl(const Expr& condition, const Dialect& d);

}  // namespace sql
}  // namespace dorm
