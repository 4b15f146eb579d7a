#pragma once
// Relation members (API.md §2, §6): ForeignKey<M>, OneToOne<M> and ManyToMany<M>. They hold
// the key (or nothing, for ManyToMany) and a cache of what was loaded; the database work is
// done through the owner's metadata in lib/.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dorm/error.hpp"
#include "dorm/meta.hpp"
#include "dorm/model_base.hpp"
#include "dorm/settings.hpp"

namespace dorm {

template <class T, class Derived>
class QuerySet;

namespace detail {

/// Where a relation member sits: its field and its owner's layout (set when the owner is
/// loaded or saved). Lets a member find its owner object without a pointer per object.
struct RelationSite {
    const RelationMeta* rel = nullptr;
    bool multi_row = false;  ///< the owner came from a multi-row result (N+1 guard)

    [[nodiscard]] const void* owner(const void* member) const {
        return static_cast<const char*>(member) - rel->member_offset;
    }
    [[nodiscard]] void* owner(void* member) const {
        return static_cast<char*>(member) - rel->member_offset;
    }
};

/// Throws (or warns) when a lazy load would be an N+1 query; names the fix.
void guard_lazy_load(const RelationSite& site, const char* how);
/// The alias the owner of a member is pinned to (using_db), or nullopt: its related
/// queries are routed (API.md §14).
[[nodiscard]] std::optional<std::string> owner_alias(const RelationSite& site, const void* member);
/// The owner's key; throws a clear error for an unsaved owner.
Value owner_pk(const RelationSite& site, const void* member, const char* what);
/// ManyToMany link rows: add, remove, clear, set (by target keys).
void m2m_add(const RelationSite& site, const void* member, const std::vector<Value>& ids);
void m2m_remove(const RelationSite& site, const void* member, const std::vector<Value>& ids);
void m2m_clear(const RelationSite& site, const void* member);
/// Links (or, with empty `targets` in unlink, all) rows by key, from the target's side.
void m2m_link(const RelationMeta& rel, const std::optional<std::string>& alias, const std::vector<Value>& owners,
              const Value& target);
void m2m_unlink(const RelationMeta& rel, const std::optional<std::string>& alias, const std::vector<Value>& owners,
                const Value& target);
/// A key as the column of a key of type `t` stores it: integers as integers (0: NULL, no
/// key), text as text; NULL stays NULL.
[[nodiscard]] Value normalize_key(const Value& v, sql::ColumnType t);
/// A key column of type `t` read from a row (NULL: no key).
[[nodiscard]] Value read_key(const Row& r, int col, sql::ColumnType t);
/// ForeignKey::id() of a key that is not an integer: says to use key().
[[noreturn]] void throw_not_integer_key(const std::string& target, const Value& key);
/// The FieldMeta of a relation member, by where it sits in the object.
const FieldMeta& field_of_member_offset(const ModelMeta& m, std::size_t offset);
template <class R, class Member>
const FieldMeta& field_of_member(const ModelMeta& m, Member R::*member) {
    R probe;
    return field_of_member_offset(m, std::size_t(reinterpret_cast<const char*>(&(probe.*member)) -
                                                 reinterpret_cast<const char*>(&probe)));
}

}  // namespace detail

namespace detail {
class ForeignKeyAccess;

/// The untyped state of a ForeignKey/OneToOne member: the key, the related object loaded
/// (a M behind a void pointer) and where the member sits. Read and written by dorm through
/// ForeignKeyAccess alone, one non-template accessor for every relation.
class ForeignKeyBase {
   public:
    /// The key, whatever its type; NULL while unset. Runs no query.
    [[nodiscard]] const Value& key() const { return key_; }
    explicit operator bool() const { return !key_.is_null(); }

   protected:
    friend class ForeignKeyAccess;
    /// A new key: the cached object goes unless it has that key.
    void set_key_(Value key);
    void clear_() {
        key_ = Value();
        cache_.reset();
    }

    Value key_;
    mutable std::shared_ptr<void> cache_;  ///< a M
    RelationSite where_;
};
}  // namespace detail

/// A many-to-one relation: stored as column `<name>_id`, of the type of M's key.
template <class M>
class ForeignKey : public detail::ForeignKeyBase {
   public:
    using target_type = M;

    ForeignKey() = default;
    ForeignKey(const M& obj) { *this = obj; }
    ForeignKey(std::nullptr_t) {}

    ForeignKey& operator=(const M& obj) {
        key_ = normalized(obj.pk());
        cache_ = std::make_shared<M>(obj);
        return *this;
    }
    /// By integer key (0: none); the cached object (if any) is dropped.
    ForeignKey& operator=(std::int64_t id) {
        set_key_(normalized(Value(id)));
        return *this;
    }
    /// By key of any type (a text key: `e.blog = "cooking"`); NULL clears it.
    ForeignKey& operator=(const Value& key) {
        set_key_(normalized(key));
        return *this;
    }
    ForeignKey& operator=(std::nullptr_t) {
        clear_();
        return *this;
    }

    /// The integer key; 0 while unset. Runs no query. A key that is not an integer (a text
    /// primary key) throws dorm::Error: use key().
    [[nodiscard]] std::int64_t id() const {
        if (key_.is_null()) return 0;
        if (key_.is<std::int64_t>()) return key_.get<std::int64_t>();
        detail::throw_not_integer_key(M::model_meta().name, key_);
    }

    /// The related object: loaded once (one query), then cached until the key changes.
    const M& get() const {
        if (key_.is_null()) throw DoesNotExist(std::string(M::model_meta().name) + ": the relation is not set");
        if (!is_cached()) {
            if (where_.rel) detail::guard_lazy_load(where_, "select_related");
            auto q = M::objects();
            if (auto alias = where_.rel ? detail::owner_alias(where_, this) : std::nullopt)
                q = q.using_db(std::move(*alias));
            cache_ = std::make_shared<M>(q.get("pk", key_));
        }
        return *static_cast<const M*>(cache_.get());
    }
    const M* operator->() const { return &get(); }
    M* operator->() { return const_cast<M*>(&get()); }
    /// Whether the related object is cached (select_related, prefetch_related or a load).
    [[nodiscard]] bool is_cached() const { return cache_ && static_cast<const M*>(cache_.get())->pk() == key_; }

   private:
    static Value normalized(const Value& key) {
        return detail::normalize_key(key, M::model_meta().pk_field().type);
    }
};

/// A one-to-one relation: a unique ForeignKey.
template <class M>
class OneToOne : public ForeignKey<M> {
   public:
    using ForeignKey<M>::ForeignKey;
    using ForeignKey<M>::operator=;
};

/// A many-to-many relation through the table `<table>_<name>`.
template <class M>
class ManyToMany {
   public:
    /// Links these objects (saved instances or keys); existing links are kept.
    template <class... A>
    void add(const A&... objs) {
        detail::m2m_add(where_, this, {key(objs)...});
        loaded_.reset();
    }
    template <class... A>
    void remove(const A&... objs) {
        detail::m2m_remove(where_, this, {key(objs)...});
        loaded_.reset();
    }
    void clear() {
        detail::m2m_clear(where_, this);
        loaded_.reset();
    }
    /// Exactly these links afterwards.
    void set(const std::vector<M>& objs) {
        std::vector<Value> ids;
        for (const M& o : objs) ids.push_back(o.pk());
        detail::m2m_clear(where_, this);
        detail::m2m_add(where_, this, ids);
        loaded_.reset();
    }
    void set(std::initializer_list<M> objs) { set(std::vector<M>(objs)); }
    /// The related objects as a QuerySet (from the prefetch cache when filled).
    [[nodiscard]] typename M::queryset_type all() const;

   private:
    friend struct detail::Access;
    // Used through detail::Access by FieldAccess.
    detail::RelationSite& site_ref_() { return where_; }
    void set_prefetched_(std::shared_ptr<std::vector<M>> v) { loaded_ = std::move(v); }
    [[nodiscard]] std::shared_ptr<std::vector<M>> prefetched_() const { return loaded_; }
    void forget_() { loaded_.reset(); }

    static Value key(const M& m) { return m.pk(); }
    static Value key(std::int64_t id) { return Value(id); }
    static Value key(const Value& k) { return k; }
    detail::RelationSite where_;
    std::shared_ptr<std::vector<M>> loaded_;
};

/// A relation member as a filter value: its key (NULL when unset).
template <class M>
struct value_traits<ForeignKey<M>> {
    static Value to_value(const ForeignKey<M>& fk) { return fk.key(); }
};
template <class M>
struct value_traits<OneToOne<M>> {
    static Value to_value(const OneToOne<M>& fk) { return fk.key(); }
};

}  // namespace dorm
