#pragma once
// Relation members (API.md §2, §6): ForeignKey<M>, OneToOne<M> and ManyToMany<M>. They hold
// the key (or nothing, for ManyToMany) and a cache of what was loaded; the database work is
// done through the owner's metadata in lib/.

#include <cstdint>
#include <initializer_list>
#include <memory>
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
/// The alias the owner of a member was loaded from.
const std::string& owner_alias(const RelationSite& site, const void* member);
/// The owner's key; throws a clear error for an unsaved owner.
std::int64_t owner_pk(const RelationSite& site, const void* member, const char* what);
/// ManyToMany link rows: add, remove, clear, set (by target keys).
void m2m_add(const RelationSite& site, const void* member, const std::vector<std::int64_t>& ids);
void m2m_remove(const RelationSite& site, const void* member, const std::vector<std::int64_t>& ids);
void m2m_clear(const RelationSite& site, const void* member);
/// Links (or, with empty `targets` in unlink, all) rows by key, from the target's side.
void m2m_link(const RelationMeta& rel, const std::string& alias, const std::vector<std::int64_t>& owners,
              std::int64_t target);
void m2m_unlink(const RelationMeta& rel, const std::string& alias, const std::vector<std::int64_t>& owners,
                std::int64_t target);
/// The FieldMeta of a relation member, by where it sits in the object.
const FieldMeta& field_of_member_offset(const ModelMeta& m, std::size_t offset);
template <class R, class Member>
const FieldMeta& field_of_member(const ModelMeta& m, Member R::*member) {
    R probe;
    return field_of_member_offset(m, std::size_t(reinterpret_cast<const char*>(&(probe.*member)) -
                                                 reinterpret_cast<const char*>(&probe)));
}

}  // namespace detail

/// A many-to-one relation: stored as column `<name>_id`.
template <class M>
class ForeignKey {
   public:
    ForeignKey() = default;
    ForeignKey(const M& obj) { *this = obj; }
    ForeignKey(std::nullptr_t) {}

    ForeignKey& operator=(const M& obj) {
        id_ = obj.pk().as_int();
        cache_ = std::make_shared<M>(obj);
        return *this;
    }
    /// By key; the cached object (if any) is dropped.
    ForeignKey& operator=(std::int64_t id) {
        if (id != id_) cache_.reset();
        id_ = id;
        return *this;
    }
    ForeignKey& operator=(std::nullptr_t) {
        id_ = 0;
        cache_.reset();
        return *this;
    }

    /// The key; 0 while unset. Runs no query.
    [[nodiscard]] std::int64_t id() const { return id_; }
    explicit operator bool() const { return id_ != 0; }

    /// The related object: loaded once (one query), then cached until the key changes.
    const M& get() const {
        if (!id_) throw DoesNotExist(std::string(M::model_meta().name) + ": the relation is not set");
        if (!cache_ || cache_->pk().as_int() != id_) {
            if (where_.rel) detail::guard_lazy_load(where_, "select_related");
            auto q = M::objects();
            if (where_.rel) q = q.using_db(detail::owner_alias(where_, this));
            cache_ = std::make_shared<M>(q.get("pk", id_));
        }
        return *cache_;
    }
    const M* operator->() const { return &get(); }
    M* operator->() { return const_cast<M*>(&get()); }
    /// Whether the related object is cached (select_related, prefetch_related or a load).
    [[nodiscard]] bool is_cached() const { return cache_ && cache_->pk().as_int() == id_; }

    // Used through FieldAccess by lib/.
    void set_id_(std::int64_t id) {
        if (id != id_) cache_.reset();
        id_ = id;
    }
    detail::RelationSite& site_ref_() { return where_; }
    M* cache_object_(bool create) {
        if (create) cache_ = std::make_shared<M>();
        return cache_.get();
    }
    void forget_() { cache_.reset(); }

   private:
    std::int64_t id_ = 0;
    mutable std::shared_ptr<M> cache_;
    detail::RelationSite where_;
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
        std::vector<std::int64_t> ids;
        for (const M& o : objs) ids.push_back(o.pk().as_int());
        detail::m2m_clear(where_, this);
        detail::m2m_add(where_, this, ids);
        loaded_.reset();
    }
    void set(std::initializer_list<M> objs) { set(std::vector<M>(objs)); }
    /// The related objects as a QuerySet (from the prefetch cache when filled).
    [[nodiscard]] typename M::queryset_type all() const;

    // Used through FieldAccess by lib/.
    detail::RelationSite& site_ref_() { return where_; }
    void set_prefetched_(std::shared_ptr<std::vector<M>> v) { loaded_ = std::move(v); }
    [[nodiscard]] std::shared_ptr<std::vector<M>> prefetched_() const { return loaded_; }
    void forget_() { loaded_.reset(); }

   private:
    static std::int64_t key(const M& m) { return m.pk().as_int(); }
    static std::int64_t key(std::int64_t id) { return id; }
    detail::RelationSite where_;
    std::shared_ptr<std::vector<M>> loaded_;
};

/// A relation member as a filter value: its key (NULL when unset).
template <class M>
struct value_traits<ForeignKey<M>> {
    static Value to_value(const ForeignKey<M>& fk) { return fk.id() ? Value(fk.id()) : Value(); }
};
template <class M>
struct value_traits<OneToOne<M>> {
    static Value to_value(const OneToOne<M>& fk) { return fk.id() ? Value(fk.id()) : Value(); }
};

}  // namespace dorm
