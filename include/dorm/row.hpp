#pragma once
// The two narrow interfaces between typed members and a backend statement: reading a
// result column and binding a parameter. Backends implement them; fields call them.

#include <cstdint>
#include <string>
#include <string_view>

#include "dorm/value.hpp"

namespace dorm {

/// The current row of a running statement. Columns are 0-based.
class Row {
   public:
    virtual ~Row() = default;
    [[nodiscard]] virtual int columns() const = 0;
    [[nodiscard]] virtual std::string_view column_name(int col) const = 0;
    [[nodiscard]] virtual bool is_null(int col) const = 0;
    [[nodiscard]] virtual std::int64_t get_int64(int col) const = 0;
    [[nodiscard]] virtual double get_double(int col) const = 0;
    [[nodiscard]] virtual bool get_bool(int col) const = 0;
    /// Text without a copy; valid until the next step.
    [[nodiscard]] virtual std::string_view get_text(int col) const = 0;
    [[nodiscard]] virtual Date get_date(int col) const = 0;
    [[nodiscard]] virtual DateTime get_datetime(int col) const = 0;
    [[nodiscard]] virtual Blob get_blob(int col) const = 0;
    /// A decimal column: exact where the database keeps it exactly (PostgreSQL's numeric),
    /// else as Django reads SQLite's REAL (15 significant digits); not yet quantized.
    [[nodiscard]] Decimal get_decimal(int col) const;
    /// A UUID column (hex or dashed text).
    [[nodiscard]] Uuid get_uuid(int col) const;
    /// The column as whatever type the database reports (the generic, slower path).
    [[nodiscard]] virtual Value get_value(int col) const = 0;
};

/// Parameters of a statement about to run. Indexes are 0-based.
class Binder {
   public:
    virtual ~Binder() = default;
    virtual void bind_null(int i) = 0;
    virtual void bind_bool(int i, bool v) = 0;
    virtual void bind_int64(int i, std::int64_t v) = 0;
    virtual void bind_double(int i, double v) = 0;
    /// The bytes must stay alive until the statement has run.
    virtual void bind_text(int i, std::string_view v) = 0;
    /// The bytes are copied first (a temporary's); the backends that always copy keep these.
    virtual void bind_text_copy(int i, std::string_view v) { bind_text(i, v); }
    virtual void bind_blob_copy(int i, const Blob& v) { bind_blob(i, v); }
    virtual void bind_date(int i, const Date& v) = 0;
    virtual void bind_datetime(int i, const DateTime& v) = 0;
    virtual void bind_blob(int i, const Blob& v) = 0;
    virtual void bind_json(int i, std::string_view text) = 0;
    /// A decimal, as its text (as Django binds it; SQLite's decimal column stores a REAL).
    virtual void bind_decimal(int i, const Decimal& v) = 0;
    /// A UUID as the backend stores it: 32 hex digits (SQLite), dashed text (PostgreSQL).
    virtual void bind_uuid(int i, const Uuid& v) = 0;
    /// How many significant digits a decimal may have here (SQLite: 15); 0 when unlimited.
    [[nodiscard]] virtual int decimal_digits() const { return 0; }
    /// Binds any Value by its type (kept alive by the caller).
    void bind(int i, const Value& v);
    /// Binds a Value that is gone before the statement runs (a conversion's result): its
    /// text or bytes are copied.
    void bind_copy(int i, const Value& v);
};

/// A column as the Value of its declared type (a decimal as Decimal, a UUID as Uuid,
/// booleans and dates typed on SQLite too); NULL as a null Value.
Value read_typed(const Row& r, int col, ColumnType type);

}  // namespace dorm
