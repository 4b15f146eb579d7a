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

#include "dorm/constraints.hpp"
#include "dorm/row.hpp"
#include "dorm/settings.hpp"
#include "dorm/sql/ast.hpp"
#include "dorm/value.hpp"

namespace dorm {

/// A field validator: throws dorm::ValidationError (or any dorm::Error) to reject a value.
using Validator = std::function<void(const Value&)>;

struct ModelMeta;
struct FieldMeta;
namespace detail {
class ModelBase;
void finish_meta(ModelMeta& m);
}

/// What erase() does to rows that point at a deleted row (Django's on_delete).
enum class OnDelete { Cascade, Protect, Restrict, SetNull, SetDefault, DoNothing };
inline constexpr OnDelete Cascade = OnDelete::Cascade;
inline constexpr OnDelete Protect = OnDelete::Protect;
inline constexpr OnDelete Restrict = OnDelete::Restrict;
inline constexpr OnDelete SetNull = OnDelete::SetNull;
inline constexpr OnDelete SetDefault = OnDelete::SetDefault;
inline constexpr OnDelete DoNothing = OnDelete::DoNothing;

/// A relation field's other side. For ManyToMany, `through` is the link table's model
/// (fields: id, <owner>, <target>), which has no C++ type.
struct RelationMeta {
    enum class Kind { ForeignKey, OneToOne, ManyToMany };
    Kind kind = Kind::ForeignKey;
    std::function<const ModelMeta&()> target;  ///< called lazily (self-references)
    OnDelete on_delete = OnDelete::Cascade;
    std::string related_name;                  ///< "+" hides the reverse relation
    std::string related_query_name;            ///< the reverse path in lookups; empty: as related_name
    std::string through_table;                 ///< ManyToMany: db_table(); empty: <table>_<name>
    std::shared_ptr<ModelMeta> through;        ///< ManyToMany only
    const FieldMeta* through_owner = nullptr;  ///< through's FK to the owner
    const FieldMeta* through_target = nullptr; ///< through's FK to the target
    std::size_t member_offset = 0;             ///< where the member sits in its object
    const ModelMeta* owner = nullptr;          ///< set when the owner is registered
    const FieldMeta* field = nullptr;
};

/// A relation seen from its target: Blog's `entries` for Entry.blog.
struct ReverseRelation {
    std::string name;               ///< related_name, else the owner's name in lower case
    std::string query_name;         ///< related_query_name, else name: the path in lookups
    const ModelMeta* owner;         ///< the model declaring the field (Entry)
    const FieldMeta* field;         ///< Entry.blog; for ManyToMany: Entry.authors
};

/// What lib/ needs to make objects of a model without knowing its type.
struct ObjectOps {
    std::shared_ptr<void> (*make_vector)() = nullptr;             ///< a new std::vector<T>
    std::shared_ptr<void> (*make_object)() = nullptr;             ///< a new T
    void* (*emplace)(void* vec, detail::ModelBase*& base) = nullptr;
    void* (*push_move)(void* vec, void* obj) = nullptr;            ///< moves obj in, returns it
    std::size_t (*size)(const void* vec) = nullptr;
    void* (*at)(void* vec, std::size_t i) = nullptr;
    detail::ModelBase* (*base)(void* obj) = nullptr;
    void (*assign)(void* dst, const void* src) = nullptr;          ///< *dst = *src
};

/// Typed access to one member of a model object, behind a type-erased pointer.
class FieldAccess {
   public:
    virtual ~FieldAccess() = default;
    /// The field this accesses (for its options and messages); set by finish_meta once the
    /// model's fields stop moving.
    [[nodiscard]] const FieldMeta& field() const { return *field_; }
    [[nodiscard]] virtual Value get(const void* obj) const = 0;
    virtual void set(void* obj, const Value& v) const = 0;
    /// Row column -> member, without going through Value (the hot path).
    virtual void read(void* obj, const Row& row, int col) const = 0;
    /// Member -> statement parameter, without going through Value (the hot path).
    virtual void bind(const void* obj, Binder& b, int index) const = 0;
    /// Resets the member to a default-constructed value.
    virtual void clear(void* obj) const = 0;

    // Relation members only (ForeignKey, OneToOne, ManyToMany); the defaults do nothing.
    /// Ties the member to its field, so it can find its owner object (load, save).
    virtual void attach(void* /*obj*/, bool /*multi_row*/) const {}
    /// The related object cached in the member: created empty when `create`; nullptr if none.
    virtual void* cached(void* /*obj*/, bool /*create*/) const { return nullptr; }
    /// Drops the member's cached related object(s).
    virtual void forget(void* /*obj*/) const {}
    /// ManyToMany: stores prefetched objects (a std::vector<Target>) in the member.
    virtual void set_prefetched(void* /*obj*/, std::shared_ptr<void> /*objects*/) const {}
    [[nodiscard]] virtual std::shared_ptr<void> prefetched(void* /*obj*/) const { return nullptr; }

   protected:
    const FieldMeta* field_ = nullptr;

   private:
    friend void detail::finish_meta(ModelMeta& m);
};

struct FieldMeta {
    std::string name;    ///< the name lookups use
    std::string column;  ///< the database column
    sql::ColumnType type = sql::ColumnType::Text;  ///< relations: BigInt; see key_type()
    bool nullable = false;
    bool primary_key = false;
    bool auto_increment = false;
    bool unique = false;
    bool db_index = false;
    bool blank = false;
    bool auto_now = false;
    bool auto_now_add = false;
    std::optional<std::size_t> max_length;
    std::optional<int> max_digits;      ///< Decimal: digits in all
    std::optional<int> decimal_places;  ///< Decimal: digits after the point
    std::optional<Value> default_value;
    std::function<Value()> default_factory;  ///< a new value per object (wins over default_value)
    std::string model_name;  ///< the declaring model's name, for messages
    std::string renamed_from;  ///< the field's previous name (migrations: RenameField)
    std::vector<std::pair<Value, std::string>> choices;
    std::vector<Validator> validators;
    std::shared_ptr<const FieldAccess> access;
    sql::Expr column_ref;  ///< table.column, built once by finish_meta (hot paths reuse it)
    std::shared_ptr<RelationMeta> relation;  ///< ForeignKey, OneToOne, ManyToMany

    /// A ManyToMany field has no column in its model's table.
    [[nodiscard]] bool has_column() const {
        return !relation || relation->kind != RelationMeta::Kind::ManyToMany;
    }

    [[nodiscard]] sql::Expr column_expr(const std::string& table) const {
        if (column_ref && column_ref->table == table) return column_ref;
        return sql::column(table, column, type);
    }

    /// The column type of what this field stores: for a relation (ForeignKey, OneToOne, a
    /// ManyToMany and its link table's columns), the type of the target's primary key, since
    /// `type` cannot know it when the field is declared (the target may not be built yet:
    /// self-references, cycles); else `type`. Call it when querying, never while models are
    /// being built.
    [[nodiscard]] sql::ColumnType key_type() const;
    /// Likewise the max_length of what the field stores (a varchar key's length).
    [[nodiscard]] std::optional<std::size_t> key_max_length() const;
};

struct ModelMeta {
    ModelMeta();
    ModelMeta(ModelMeta&&) noexcept;  // fields keep their addresses: columns points into them
    ~ModelMeta();  // out of line, as the constructors: every model's meta would compile them
    ModelMeta(const ModelMeta&) = delete;
    ModelMeta& operator=(const ModelMeta&) = delete;

    std::string name;   ///< the C++ type's name, for messages: "Entry"
    std::string table;  ///< the table
    std::string app_label;      ///< s.app_label(); empty when none
    std::string renamed_from;   ///< the model's previous label (migrations: RenameModel)
    bool table_given = false;   ///< s.table() was called
    std::optional<AutoField> auto_field;  ///< s.auto_field(); else settings().default_auto_field
    std::vector<Index> indexes;
    std::vector<Constraint> constraints;
    /// "shop.product" with an app label, else "product" (API.md §9).
    [[nodiscard]] std::string label() const;
    std::vector<FieldMeta> fields;
    std::size_t pk = 0;  ///< index of the primary key in fields
    std::vector<std::string> ordering;
    std::vector<std::vector<std::string>> unique_together;
    /// Every field's column, in field order (built once; queries share it).
    std::shared_ptr<const std::vector<sql::SelectItem>> all_columns;
    /// The fields with a column (all but ManyToMany), in field order.
    std::vector<const FieldMeta*> columns;
    /// The relation fields (ForeignKey, OneToOne, ManyToMany).
    std::vector<const FieldMeta*> relations;
    std::size_t pk_column = 0;  ///< the key's index in columns
    /// Relations pointing at this model, known once their models are registered.
    mutable std::vector<ReverseRelation> reverse;
    ObjectOps ops;  ///< empty for a ManyToMany link table
    /// A reverse relation by name (prefetch_related); nullptr when unknown.
    [[nodiscard]] const ReverseRelation* find_reverse(std::string_view name) const;
    /// A reverse relation by its query name (lookups); nullptr when unknown.
    [[nodiscard]] const ReverseRelation* find_reverse_query(std::string_view name) const;
    /// By name, by column, or "pk"; nullptr when unknown.
    [[nodiscard]] const FieldMeta* find(std::string_view name) const;
    /// Like find(), but throws FieldError listing the choices.
    [[nodiscard]] const FieldMeta& field(std::string_view name, std::string_view context = {}) const;
    [[nodiscard]] const FieldMeta& pk_field() const { return fields[pk]; }
    /// "a, b, c": the field names, sorted, for error messages.
    [[nodiscard]] std::string field_names() const;
};

namespace detail {
/// Keys of rows (Values of one column's type) in ordered and hashed containers.
struct KeyLess {
    bool operator()(const Value& a, const Value& b) const;
};
struct KeyHash {
    std::size_t operator()(const Value& v) const;
};
}  // namespace detail

/// Every model registered so far, in registration order.
const std::vector<const ModelMeta*>& registered_models();

namespace detail {
void register_model(const ModelMeta& m);
/// Records every registered relation on its target (Blog gets `entries`); idempotent.
void link_relations();
/// A column of field f as a Value of its type (a decimal quantized to its decimal_places).
Value read_field(const Row& r, int col, const FieldMeta& f);
/// The implicit key's column type: s.auto_field(), else the process default.
ColumnType auto_field_type(const ModelMeta& m);
/// "BlogPost" -> "blogpost", as Django's model_name.
std::string lower_name(std::string_view name);
/// "BlogPost" -> "blog_post".
std::string snake_case(std::string_view name);
/// Checks the model's declarations once built (ordering and unique_together name fields).
void finish_meta(ModelMeta& m);
}  // namespace detail

}  // namespace dorm
