#pragma once
// The dorm exception hierarchy (API.md §8). Knows nothing of models or SQL.

#include <map>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace dorm {

/// Base of every dorm exception.
struct Error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

/// A bad URL, an unknown alias, a model used before register_models().
struct ConfigError : Error {
    using Error::Error;
};

/// A database error that is not the caller's data: lost connection, locked file, bad SQL.
struct OperationalError : Error {
    OperationalError(const std::string& msg, std::string sqlstate_ = {})
        : Error(msg), sqlstate(std::move(sqlstate_)) {}
    std::string sqlstate;  ///< SQLSTATE where the backend gives one
};

/// A constraint violation: unique, not null, foreign key, check.
struct IntegrityError : Error {
    IntegrityError(const std::string& msg, std::string sqlstate_ = {})
        : Error(msg), sqlstate(std::move(sqlstate_)) {}
    std::string sqlstate;
};

/// get() found no row. Each model has its own `T::DoesNotExist` deriving from this.
struct DoesNotExist : Error {
    using Error::Error;
};

/// get() found more than one row.
struct MultipleObjectsReturned : Error {
    using Error::Error;
};

/// An unknown field or lookup, or a value that does not fit the field.
struct FieldError : Error {
    using Error::Error;
};

/// A feature the backend (or dorm) does not offer.
struct NotSupportedError : Error {
    using Error::Error;
};

/// full_clean() failures, per field name.
struct ValidationError : Error {
    explicit ValidationError(std::map<std::string, std::vector<std::string>> errors);
    ValidationError(const std::string& field, const std::string& message);
    std::map<std::string, std::vector<std::string>> errors;  ///< field -> messages
    /// {"headline": ["This field cannot be blank."], ...}: a 400 response body.
    [[nodiscard]] nlohmann::json to_json() const;
};

/// on_delete=Protect stopped a deletion.
struct ProtectedError : Error {
    using Error::Error;
};

/// Misuse of transactions: a query after a failed statement inside atomic, and the like.
struct TransactionManagementError : Error {
    using Error::Error;
};

}  // namespace dorm
