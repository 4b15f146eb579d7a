#pragma once
// Model options that protect data (API.md §11): indexes and constraints, as declared in
// define() with s.indexes({...}) and s.constraints({...}). Plain data; create_tables() and
// migrations render them as Django does.

#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "dorm/q.hpp"

namespace dorm {

/// An index on one or more fields, "-name" for descending:
/// `dorm::Index({"status", "-created"}, "shop_product_status_created")`.
/// Without a name, Django's: `<table[:11]>_<first column[:7]>_<hash>_idx`.
struct Index {
    Index(std::vector<std::string> fields, std::string name = {})
        : fields(std::move(fields)), name(std::move(name)) {}
    std::vector<std::string> fields;
    std::string name;
};

/// A CHECK constraint: rows must satisfy `check`; a violation is an IntegrityError naming it.
struct CheckConstraint {
    CheckConstraint(Q check, std::string name) : check(std::move(check)), name(std::move(name)) {}
    Q check;
    std::string name;
};

/// Rows unique on `fields`; with a `condition`, only among the rows matching it (a partial
/// unique index).
struct UniqueConstraint {
    UniqueConstraint(std::vector<std::string> fields, std::string name,
                     std::optional<Q> condition = std::nullopt)
        : fields(std::move(fields)), name(std::move(name)), condition(std::move(condition)) {}
    std::vector<std::string> fields;
    std::string name;
    std::optional<Q> condition;
};

using Constraint = std::variant<CheckConstraint, UniqueConstraint>;

}  // namespace dorm
