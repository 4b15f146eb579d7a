#pragma once
// The lookups (`exact`, `contains`, ...) and transforms (`year`, `date`, ...) that may end a
// filter path, by name: built-in ones are rendered by the dialect, registered ones from SQL
// templates the program wrote. Knows nothing of models.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dorm/sql/ast.hpp"

namespace dorm::sql {

struct LookupDef {
    enum class Operand {
        One,   ///< one value (or an expression)
        List,  ///< `in`: a list or a subquery
        Pair,  ///< `range`: two values
        Bool,  ///< `isnull`: true or false
    };
    std::string name;
    Operand operand = Operand::One;
    bool pattern = false;           ///< binds text: LIKE/GLOB/regex patterns
    std::string sql_template;       ///< "{lhs} <> {rhs}"; empty: built in, the dialect renders it
};

struct TransformDef {
    std::string name;
    std::vector<ColumnType> inputs;     ///< the value types it applies to (empty: any)
    std::optional<ColumnType> output;   ///< the type it yields (none: its input's)
    std::string sql_template;           ///< "LOWER({lhs})"; empty: built in
};

/// The lookup or transform of that name, or nullptr. Definitions live as long as the
/// program (pointers stay valid).
[[nodiscard]] const LookupDef* find_lookup(std::string_view name);
[[nodiscard]] const TransformDef* find_transform(std::string_view name);
/// Adds a lookup/transform; the name must be an identifier that is not taken (FieldError).
void add_lookup(LookupDef def);
void add_transform(TransformDef def);
/// Every lookup and transform name, sorted and comma-separated (for error messages).
[[nodiscard]] std::string lookup_choices();
/// A registered template with {lhs} and {rhs} replaced.
[[nodiscard]] std::string render_template(std::string_view sql_template, std::string_view lhs,
                                          std::string_view rhs);

}  // namespace dorm::sql

namespace dorm {

/// filter("rating__ne", 3) after register_lookup("ne", "{lhs} <> {rhs}"): SQL written by the
/// program (never by its users); {lhs} is the column, {rhs} the bound parameter.
void register_lookup(const std::string& name, const std::string& sql_template);
/// filter("name__lower__startswith", "ann") after register_transform("lower", "LOWER({lhs})").
void register_transform(const std::string& name, const std::string& sql_template);

}  // namespace dorm
