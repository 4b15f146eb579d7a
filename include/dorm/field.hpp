#pragma once
// Declaring fields (API.md §2): Schema<T> and FieldBuilder turn `s.field(&T::m, "m")` into
// FieldMeta, with typed access to the member built once per model.

#include <algorithm>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dorm/json_fwd.hpp"
#include "dorm/settings.hpp"
#include "dorm/meta.hpp"
#include "dorm/relations.hpp"
#include "dorm/row.hpp"

namespace dorm {

namespace detail {

/// How a member type maps to a column: its type, and reading/binding without a Value (the
/// hot path). Types of their own reach it through value_traits (API.md §11) alone.
template <class M>
struct field_io;

template <class M>
    requires(std::is_integral_v<M> && !std::is_same_v<M, bool>)
struct field_io<M> {
    static constexpr ColumnType type = sizeof(M) > 4 ? ColumnType::BigInt : ColumnType::Integer;
    static void read(M& m, const Row& r, int c, const FieldMeta&) { m = static_cast<M>(r.get_int64(c)); }
    static void bind(const M& m, Binder& b, int i, const FieldMeta&) { b.bind_int64(i, static_cast<std::int64_t>(m)); }
};
template <>
struct field_io<bool> {
    static constexpr ColumnType type = ColumnType::Boolean;
    static void read(bool& m, const Row& r, int c, const FieldMeta&) { m = r.get_bool(c); }
    static void bind(const bool& m, Binder& b, int i, const FieldMeta&) { b.bind_bool(i, m); }
};
template <class M>
    requires std::is_floating_point_v<M>
struct field_io<M> {
    static constexpr ColumnType type = ColumnType::Real;
    static void read(M& m, const Row& r, int c, const FieldMeta&) { m = static_cast<M>(r.get_double(c)); }
    static void bind(const M& m, Binder& b, int i, const FieldMeta&) { b.bind_double(i, double(m)); }
};
template <>
struct field_io<std::string> {
    static constexpr ColumnType type = ColumnType::Text;
    static void read(std::string& m, const Row& r, int c, const FieldMeta&) { m.assign(r.get_text(c)); }
    static void bind(const std::string& m, Binder& b, int i, const FieldMeta&) { b.bind_text(i, m); }
};
template <>
struct field_io<Date> {
    static constexpr ColumnType type = ColumnType::Date;
    static void read(Date& m, const Row& r, int c, const FieldMeta&) { m = r.get_date(c); }
    static void bind(const Date& m, Binder& b, int i, const FieldMeta&) { b.bind_date(i, m); }
};
template <>
struct field_io<DateTime> {
    static constexpr ColumnType type = ColumnType::DateTime;
    static void read(DateTime& m, const Row& r, int c, const FieldMeta&) { m = r.get_datetime(c); }
    static void bind(const DateTime& m, Binder& b, int i, const FieldMeta&) { b.bind_datetime(i, m); }
};
template <>
struct field_io<Blob> {
    static constexpr ColumnType type = ColumnType::Blob;
    static void read(Blob& m, const Row& r, int c, const FieldMeta&) { m = r.get_blob(c); }
    static void bind(const Blob& m, Binder& b, int i, const FieldMeta&) { b.bind_blob(i, m); }
};
template <>
struct field_io<Json> {
    static constexpr ColumnType type = ColumnType::Json;
    static void read(Json& m, const Row& r, int c, const FieldMeta& f);
    static void bind(const Json& m, Binder& b, int i, const FieldMeta& f);
};
/// Read back quantized to the field's decimal_places (SQLite keeps a REAL); written only
/// when it fits max_digits/decimal_places (and the backend's digits), else ValidationError.
template <>
struct field_io<Decimal> {
    static constexpr ColumnType type = ColumnType::Decimal;
    static void read(Decimal& m, const Row& r, int c, const FieldMeta& f);
    static void bind(const Decimal& m, Binder& b, int i, const FieldMeta& f);
};
template <>
struct field_io<Uuid> {
    static constexpr ColumnType type = ColumnType::Uuid;
    static void read(Uuid& m, const Row& r, int c, const FieldMeta& f);
    static void bind(const Uuid& m, Binder& b, int i, const FieldMeta&) { b.bind_uuid(i, m); }
};

/// What Django's DecimalValidator says of d for field f (empty when it fits); with
/// backend_digits, also a value with more significant digits than the backend keeps.
std::vector<std::string> decimal_errors(const FieldMeta& f, const Decimal& d, int backend_digits = 0);

/// Throws OperationalError: the stored value of f cannot be read as its member type.
[[noreturn]] void throw_unreadable(const FieldMeta& f, const Value& stored, const std::string& why);

/// Any type with `value_traits<M>::column` (enums with enum_traits, users' own types).
template <class M>
    requires requires { value_traits<M>::column; }
struct field_io<M> {
    static constexpr ColumnType type = value_traits<M>::column;
    static void read(M& m, const Row& r, int c, const FieldMeta& f) {
        Value v = read_typed(r, c, type);
        try {
            m = value_traits<M>::from_value(v);
        } catch (const std::exception& e) {
            throw_unreadable(f, v, e.what());
        }
    }
    static void bind(const M& m, Binder& b, int i, const FieldMeta&) { b.bind_copy(i, value_traits<M>::to_value(m)); }
};
template <class M>
struct field_io<std::optional<M>> {
    static constexpr ColumnType type = field_io<M>::type;
    static void read(std::optional<M>& m, const Row& r, int c, const FieldMeta& f) {
        if (r.is_null(c)) m.reset();
        else field_io<M>::read(m.emplace(), r, c, f);
    }
    static void bind(const std::optional<M>& m, Binder& b, int i, const FieldMeta& f) {
        if (m) field_io<M>::bind(*m, b, i, f);
        else b.bind_null(i);
    }
};

}  // namespace detail

template <class M>
inline constexpr bool is_optional_v = false;
template <class M>
inline constexpr bool is_optional_v<std::optional<M>> = true;

namespace detail {
template <class M>
struct unoptional {
    using type = M;
};
template <class M>
struct unoptional<std::optional<M>> {
    using type = M;
};
template <class M>
using unoptional_t = typename unoptional<M>::type;
}  // namespace detail

namespace detail {

// The accessors below reach a member by its offset in the object, so they depend on the
// member's type alone: one instantiation serves every model, and the common types are
// compiled once in lib/field.cpp (the extern templates at the end of this header).

template <class M>
M& member_at(void* o, std::size_t offset) {
    return *reinterpret_cast<M*>(static_cast<char*>(o) + offset);
}
template <class M>
const M& member_at(const void* o, std::size_t offset) {
    return *reinterpret_cast<const M*>(static_cast<const char*>(o) + offset);
}

template <class M>
class MemberAccess final : public FieldAccess {
   public:
    explicit MemberAccess(std::size_t offset) : offset_(offset) {}
    Value get(const void* o) const override { return value_traits<M>::to_value(member_at<M>(o, offset_)); }
    void set(void* o, const Value& v) const override { member_at<M>(o, offset_) = value_traits<M>::from_value(v); }
    void read(void* o, const Row& r, int c) const override { field_io<M>::read(member_at<M>(o, offset_), r, c, *field_); }
    void bind(const void* o, Binder& b, int i) const override {
        field_io<M>::bind(member_at<M>(o, offset_), b, i, *field_);
    }
    void clear(void* o) const override { member_at<M>(o, offset_) = M{}; }

   private:
    std::size_t offset_;
};

/// The accessor of a member of type M at `offset`.
template <class M>
std::shared_ptr<const FieldAccess> member_access(std::size_t offset) {
    return std::make_shared<const MemberAccess<M>>(offset);
}

/// A ForeignKey/OneToOne member: its key is the column (of the type of the target's key);
/// the related object is a cache. One class for every relation (lib/field.cpp).
class ForeignKeyAccess final : public FieldAccess {
   public:
    explicit ForeignKeyAccess(std::size_t offset) : offset_(offset) {}
    Value get(const void* o) const override;
    void set(void* o, const Value& v) const override;
    void read(void* o, const Row& r, int c) const override;
    void bind(const void* o, Binder& b, int i) const override;
    void clear(void* o) const override;
    void attach(void* o, bool multi_row) const override;
    void* cached(void* o, bool create) const override;
    void forget(void* o) const override;

   private:
    std::size_t offset_;
};

/// A ManyToMany member: no column; a prefetch cache.
template <class M>
class ManyToManyAccess final : public FieldAccess {
   public:
    explicit ManyToManyAccess(std::size_t offset) : offset_(offset) {}
    Value get(const void*) const override { return Value(); }
    void set(void*, const Value&) const override {}
    void read(void*, const Row&, int) const override {}
    void bind(const void*, Binder&, int) const override {}
    void clear(void* o) const override { Access::forget(m2m(o)); }
    void attach(void* o, bool multi_row) const override { attach_site(Access::site(m2m(o)), *field_, multi_row); }
    void forget(void* o) const override { Access::forget(m2m(o)); }
    std::shared_ptr<void> prefetched(void* o) const override { return Access::prefetched(m2m(o)); }
    void set_prefetched(void* o, std::shared_ptr<void> v) const override {
        Access::set_prefetched(m2m(o), std::static_pointer_cast<std::vector<M>>(std::move(v)));
    }

   private:
    ManyToMany<M>& m2m(void* o) const { return member_at<ManyToMany<M>>(o, offset_); }
    std::size_t offset_;
};

/// The link table of a ManyToMany: id, <owner>_id, <target>_id (Django's names).
std::shared_ptr<ModelMeta> make_through(const std::string& owner_name, const std::string& field,
                                        std::function<const ModelMeta&()> owner,
                                        const std::string& target_name,
                                        std::function<const ModelMeta&()> target);

/// "Entry" for `Entry` or `app::Entry`, from the signature of type_name<Entry>().
std::string type_name_of(std::string_view pretty_function);
template <class T>
std::string type_name() {
    return type_name_of(__PRETTY_FUNCTION__);
}

}  // namespace detail

class FieldBuilder;

namespace detail {
/// A model's metadata before define(): its name and default table.
ModelMeta start_meta(std::string name);
/// After define(): the implicit key (unless a field is the key), then finish_meta().
void end_meta(ModelMeta& m);
/// Appends a field with a column of `type` (the Schema::field overloads, untyped).
FieldBuilder add_field(ModelMeta& m, std::string name, sql::ColumnType type, bool nullable,
                       std::shared_ptr<const FieldAccess> access);
/// The last field holds an enum stored as text: its choices, max_length the longest.
void set_text_choices(ModelMeta& m, std::vector<std::pair<Value, std::string>> choices);
FieldBuilder add_relation(ModelMeta& m, std::string name, RelationMeta::Kind kind, std::size_t offset,
                          const ModelMeta& (*target)(), std::shared_ptr<const FieldAccess> access);
FieldBuilder add_many_to_many(ModelMeta& m, std::string name, std::size_t offset, const ModelMeta& (*owner)(),
                              const ModelMeta& (*target)(), const std::string& target_name,
                              std::shared_ptr<const FieldAccess> access);
/// Ties a relation member to its field (ForeignKeyAccess/ManyToManyAccess::attach).
void attach_site(RelationSite& site, const FieldMeta& f, bool multi_row);
}  // namespace detail

/// Options of one field, chained: s.field(&Author::name, "name").max_length(100).
class FieldBuilder {
   public:
    FieldBuilder(ModelMeta& m, std::size_t index) : m_(m), i_(index) {}
    FieldBuilder& max_length(std::size_t n);
    FieldBuilder& unique();
    FieldBuilder& db_index();
    FieldBuilder& default_value(Value v);
    FieldBuilder& primary_key();
    FieldBuilder& db_column(std::string name);
    FieldBuilder& choices(std::vector<std::pair<Value, std::string>> c);
    FieldBuilder& blank();
    FieldBuilder& validators(std::vector<Validator> v);
    FieldBuilder& auto_now();
    FieldBuilder& auto_now_add();
    /// NULL allowed (members of std::optional type have it already).
    FieldBuilder& null();
    /// Relations: what erase() of the target does to this row.
    FieldBuilder& on_delete(OnDelete rule);
    /// Relations: the name of the reverse relation on the target ("+": none).
    FieldBuilder& related_name(std::string name);
    /// Relations: the reverse path in lookups, when it differs from related_name.
    FieldBuilder& related_query_name(std::string name);
    /// ManyToMany: the link table's name (default `<table>_<name>`).
    FieldBuilder& db_table(std::string name);
    /// ManyToMany: the link table's owner and target columns (default `<owner>_id`,
    /// `<target>_id`).
    FieldBuilder& link_columns(std::string owner_column, std::string target_column);
    /// Decimal: digits in all, and after the point (Django's DecimalField; both required).
    FieldBuilder& max_digits(int n);
    FieldBuilder& decimal_places(int n);
    /// A new default per object (`create()`, a key left unset at save()); wins over
    /// default_value: `.default_factory([] { return dorm::Uuid::v4(); })`.
    FieldBuilder& default_factory(std::function<Value()> make);
    /// The field's previous name: makemigrations writes RenameField (data kept).
    FieldBuilder& renamed_from(std::string old_name);

   private:
    FieldMeta& f() { return m_.fields[i_]; }
    ModelMeta& m_;
    std::size_t i_;
};

/// What a model's static define() receives.
template <class T>
class Schema {
   public:
    /// `probe`: a default-constructed object, where members' offsets are measured.
    Schema(ModelMeta& m, const T& probe) : m_(m), probe_(probe) {}

    /// The table name (default: the type's name in lower snake case, or
    /// `<app_label>_<model name in lower case>` with an app label).
    void table(std::string name) {
        m_.table = std::move(name);
        m_.table_given = true;
    }
    /// The app the model belongs to: its label becomes `<app>.<model>` (API.md §9).
    void app_label(std::string label) { m_.app_label = std::move(label); }
    /// The model's previous label: makemigrations writes RenameModel (data kept).
    void renamed_from(std::string old_label) { m_.renamed_from = std::move(old_label); }
    /// Django's AutoField (integer / serial) or BigAutoField (bigint / bigserial, the
    /// default) for the implicit `id` key and its ForeignKey columns.
    void auto_field(AutoField kind) { m_.auto_field = kind; }
    /// Indexes beyond db_index: `s.indexes({dorm::Index({"status", "-created"}, "name")})`.
    void indexes(std::vector<Index> list) { m_.indexes = std::move(list); }
    /// CheckConstraint and UniqueConstraint (optionally partial).
    void constraints(std::vector<Constraint> list) { m_.constraints = std::move(list); }

    /// A ForeignKey: column `<name>_id`, indexed, NOT NULL unless .null().
    template <class M, class C>
    FieldBuilder field(ForeignKey<M> C::*member, std::string name) {
        return relation<M>(static_cast<ForeignKey<M> T::*>(member), std::move(name), RelationMeta::Kind::ForeignKey);
    }
    /// A OneToOne: a unique ForeignKey.
    template <class M, class C>
    FieldBuilder field(OneToOne<M> C::*member, std::string name) {
        return relation<M>(static_cast<OneToOne<M> T::*>(member), std::move(name), RelationMeta::Kind::OneToOne);
    }
    /// A ManyToMany: the link table `<table>_<name>`.
    template <class M, class C>
    FieldBuilder field(ManyToMany<M> C::*member, std::string name) {
        std::size_t offset = offset_of(static_cast<ManyToMany<M> T::*>(member));
        return detail::add_many_to_many(m_, std::move(name), offset, &T::model_meta, &M::model_meta,
                                        detail::type_name<M>(),
                                        std::make_shared<const detail::ManyToManyAccess<M>>(offset));
    }

    template <class M, class C>
    FieldBuilder field(M C::*member, std::string name) {
        static_assert(std::is_base_of_v<C, T>, "the member must belong to the model");
        FieldBuilder b = detail::add_field(m_, std::move(name), detail::field_io<M>::type, is_optional_v<M>,
                                           detail::member_access<M>(offset_of(static_cast<M T::*>(member))));
        if constexpr (TextEnum<detail::unoptional_t<M>>) {  // Django's TextChoices
            std::vector<std::pair<Value, std::string>> choices;
            for (const auto& [k, text] : enum_traits<detail::unoptional_t<M>>::values) choices.emplace_back(Value(text), text);
            detail::set_text_choices(m_, std::move(choices));
        }
        return b;
    }

    /// Default ordering: {"-pub_date", "headline"}.
    void ordering(std::vector<std::string> fields) { m_.ordering = std::move(fields); }
    void unique_together(std::vector<std::string> fields) {
        m_.unique_together.push_back(std::move(fields));
    }

   private:
    template <class M, class FK>
    FieldBuilder relation(FK T::*p, std::string name, RelationMeta::Kind kind) {
        const auto* base = static_cast<const detail::ForeignKeyBase*>(&(probe_.*p));
        const std::size_t base_offset = std::size_t(reinterpret_cast<const char*>(base) - reinterpret_cast<const char*>(&probe_));
        return detail::add_relation(m_, std::move(name), kind, offset_of(p), &M::model_meta,
                                    std::make_shared<const detail::ForeignKeyAccess>(base_offset));
    }
    template <class M>
    std::size_t offset_of(M T::*p) const {
        return std::size_t(reinterpret_cast<const char*>(&(probe_.*p)) - reinterpret_cast<const char*>(&probe_));
    }

    ModelMeta& m_;
    const T& probe_;
};

namespace detail {

/// Builds a model's metadata: the implicit `id` key, then T::define().
template <class T>
ModelMeta build_meta() {
    ModelMeta m = start_meta(type_name<T>());
    {
        const T probe{};
        Schema<T> s(m, probe);
        s.field(&T::id, "id");
        T::define(s);
    }
    m.ops.make_vector = [] { return std::static_pointer_cast<void>(std::make_shared<std::vector<T>>()); };
    m.ops.make_object = [] { return std::static_pointer_cast<void>(std::make_shared<T>()); };
    m.ops.emplace = [](void* v, ModelBase*& base) -> void* {
        T& t = static_cast<std::vector<T>*>(v)->emplace_back();
        base = &t;
        return &t;
    };
    m.ops.push_move = [](void* v, void* obj) -> void* {
        return &static_cast<std::vector<T>*>(v)->emplace_back(std::move(*static_cast<T*>(obj)));
    };
    m.ops.size = [](const void* v) { return static_cast<const std::vector<T>*>(v)->size(); };
    m.ops.at = [](void* v, std::size_t i) -> void* { return &(*static_cast<std::vector<T>*>(v))[i]; };
    m.ops.base = [](void* obj) -> ModelBase* { return static_cast<T*>(obj); };
    m.ops.assign = [](void* dst, const void* src) { *static_cast<T*>(dst) = *static_cast<const T*>(src); };
    end_meta(m);
    return m;
}

/// The usual member types (each also as std::optional): their accessors are compiled once,
/// in lib/field.cpp. X(type) for each.
#define DORM_DETAIL_COMMON_MEMBER_TYPES(X) \
    X(bool) X(int) X(long) X(long long) X(double) X(std::string) X(Date) X(DateTime) X(Blob) X(Json) X(Decimal) X(Uuid)
#define DORM_DETAIL_EXTERN_MEMBER(M)                                                      \
    extern template std::shared_ptr<const FieldAccess> member_access<M>(std::size_t); \
    extern template std::shared_ptr<const FieldAccess> member_access<std::optional<M>>(std::size_t);
DORM_DETAIL_COMMON_MEMBER_TYPES(DORM_DETAIL_EXTERN_MEMBER)
#undef DORM_DETAIL_EXTERN_MEMBER

}  // namespace detail
}  // namespace dorm
