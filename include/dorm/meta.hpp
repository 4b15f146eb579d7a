#pragma once
// Models as data: ModelMeta and FieldMeta describe a model's table and columns, and reach
// its members through FieldAccess. Everything below the typed façade works on these.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dorm/row.hpp"
#include "dorm/sql/ast.hpp"
#include "dorm/value.hpp"

namespace dorm {

/// A field validator: throws dorm::ValidationError (or any dorm::Error) to reject a value.
using Validator = std::function<void(const Value&)>;

/// Typed access to one member of a model object, behind a type-erased pointer.
class FieldAccess {
   public:
    virtual ~FieldAccess() = default;
    [[nodiscard]] virtual Value get(const void* obj) const = 0;
    virtual void set(void* obj, const Value& v) const = 0;
    /// Row column -> member, without going through Value (the hot path).
    virtual void read(void* obj, const Row& row, int col) const = 0;
    /// Member -> statement parameter, without going through Value (the hot path).
    virtual void bind(const void* obj, Binder& b, int index) const = 0;
    /// Resets the member to a default-constructed value.
    virtual void clear(void* obj) const = 0;
};

struct FieldMeta {
    std::string name;    ///< the name lookups use
    std::string column;  ///< the database column
    sql::ColumnType type = sql::ColumnType::Text;
    bool nullable = false;
    bool primary_key = false;
    bool auto_increment = false;
    bool unique = false;
    bool db_index = false;
    bool blank = false;
    bool auto_now = false;
    bool auto_now_add = false;
    std::optional<std::size_t> max_length;
    std::optional<Value> default_value;
    std::vector<std::pair<Value, std::string>> choices;
    std::vector<Validator> validators;
    std::shared_ptr<const FieldAccess> access;
    sql::Expr column_ref;  ///< table.column, built once by finish_meta (hot paths reuse it)

    [[nodiscard]] sql::Expr column_expr(const std::string& table) const {
        if (column_ref && column_ref->table == table) return column_ref;
        return sql::column(table, column, type);
    }
};

struct ModelMeta {
    std::string name;   ///< the C++ type's name, for messages: "Entry"
    std::string table;  ///< the table
    std::vector<FieldMeta> fields;
    std::size_t pk = 0;  ///< index of the primary key in fields
    std::vector<std::string> ordering;
    std::vector<std::vector<std::string>> unique_together;
    /// Every field's column, in field order (built once; queries share it).
    std::shared_ptr<const std::vector<sql::SelectItem>> all_columns;

    /// By name, by column, or "pk"; nullptr when unknown.
    [[nodiscard]] const FieldMeta* find(std::string_view name) const;
    /// Like find(), but throws FieldError listing the choices.
    [[nodiscard]] const FieldMeta& field(std::string_view name, std::string_view context = {}) const;
    [[nodiscard]] const FieldMeta& pk_field() const { return fields[pk]; }
    /// "a, b, c": the field names, sorted, for error messages.
    [[nodiscard]] std::string field_names() const;
};

/// Every model registered so far, in registration order.
const std::vector<const ModelMeta*>& registered_models();

namespace detail {
void register_model(const ModelMeta& m);
/// "BlogPost" -> "blog_post".
std::string snake_case(std::string_view name);
/// Checks the model's declarations once built (ordering and unique_together name fields).
void finish_meta(ModelMeta& m);
}  // namespace detail

}  // namespace dorm
