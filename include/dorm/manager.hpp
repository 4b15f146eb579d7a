#pragma once
// Manager<M, QS> (API.md §6): makes a model's first QuerySet. It is that QuerySet, so every
// method, custom ones too, is on it; a custom manager says where its querysets start.

#include "dorm/model.hpp"
#include "dorm/queryset.hpp"

namespace dorm {

template <class M, class QS = typename M::queryset_type>
class Manager : public QS {
   public:
    /// All rows.
    Manager() = default;
    /// Querysets start from `start`.
    Manager(QS start) : QS(std::move(start)) {}
    /// The queryset this manager starts from, as in Django.
    [[nodiscard]] QS get_queryset() const { return static_cast<const QS&>(*this).all(); }
};

template <class T, class QS>
typename Model<T, QS>::manager_type Model<T, QS>::objects() {
    return {};
}

/// The rows of R that point at one object (API.md §6): a QuerySet of them, plus the
/// changes Django's related managers make — add, create, remove, clear, set.
template <class R, class QS = typename R::queryset_type>
class RelatedManager : public QS {
   public:
    /// `alias`: the owner's using_db alias, or nullopt (routed, API.md §14).
    RelatedManager(QS rows, const FieldMeta& field, Value owner, std::optional<std::string> alias)
        : QS(std::move(rows)), field_(&field), owner_(std::move(owner)), alias_(std::move(alias)) {}

    /// Points these objects at the owner and saves them (ManyToMany: links them).
    template <class... A>
    void add(A&... objs) {
        if (m2m()) {
            detail::m2m_link(*field_->relation, alias_, {objs.pk()...}, owner_);
            return;
        }
        (point(objs), ...);
    }
    /// A new R pointing at the owner (ManyToMany: created, then linked).
    template <class Init>
    R create(Init&& init) const {
        typename R::queryset_type rows = R::objects();
        if (alias_) rows = rows.using_db(*alias_);
        R obj = rows.create([&](R& x) {
            if (!m2m()) field_->access->set(&x, owner_);
            init(x);
        });
        if (m2m()) detail::m2m_link(*field_->relation, alias_, {obj.pk()}, owner_);
        return obj;
    }
    R create() const {
        return create([](R&) {});
    }
    /// Unlinks (ManyToMany) or sets the key to NULL (a nullable ForeignKey only).
    template <class... A>
    void remove(A&... objs) {
        if (m2m()) {
            detail::m2m_unlink(*field_->relation, alias_, {objs.pk()...}, owner_);
            return;
        }
        require_nullable("remove");
        (unpoint(objs), ...);
    }
    void clear() {
        if (m2m()) {
            detail::m2m_unlink(*field_->relation, alias_, {}, owner_);
            return;
        }
        require_nullable("clear");
        static_cast<const QS&>(*this).all().update({{field_->name, nullptr}});
    }
    /// Exactly these objects afterwards.
    void set(std::vector<R> objs) {
        clear();
        for (R& o : objs) add(o);
    }

   private:
    [[nodiscard]] bool m2m() const { return field_->relation->kind == RelationMeta::Kind::ManyToMany; }
    void point(R& obj) const {
        field_->access->set(&obj, owner_);
        obj.save();
    }
    void unpoint(R& obj) const {
        field_->access->set(&obj, Value());
        obj.save();
    }
    void require_nullable(const char* what) const {
        if (!field_->nullable)
            throw IntegrityError(R::model_meta().name + "." + field_->name + " does not allow NULL: " +
                                 what + "() would orphan rows (erase() them instead)");
    }
    const FieldMeta* field_;
    Value owner_;
    std::optional<std::string> alias_;
};

template <class T, class QS>
template <class R, class Member>
RelatedManager<R, typename R::queryset_type> Model<T, QS>::related(Member R::*member) const {
    const FieldMeta& field = detail::field_of_member(R::model_meta(), member);
    if (!field.relation || &field.relation->target() != &model_meta())
        throw FieldError(R::model_meta().name + "." + field.name + " is not a relation to " +
                         model_meta().name);
    const Value key = pk();
    if (key.is_null() || (model_meta().pk_field().auto_increment && key.as_int() == 0))
        throw Error("cannot use related() of an unsaved " + model_meta().name + ": save() it first");
    typename R::queryset_type rows = R::objects().filter(field.name, key);
    if (auto alias = pinned_alias()) rows = rows.using_db(std::move(*alias));
    if (const auto* st = state_if()) {
        auto it = st->prefetched.find(&field);
        if (it != st->prefetched.end()) detail::Access::prefill(rows, std::static_pointer_cast<std::vector<R>>(it->second));
    }
    return RelatedManager<R, typename R::queryset_type>(std::move(rows), field, key, pinned_alias());
}

template <class M>
typename M::queryset_type ManyToMany<M>::all() const {
    typename M::queryset_type rows = M::objects();
    if (loaded_) {
        detail::Access::prefill(rows, loaded_);
        return rows;
    }
    const Value owner = detail::owner_pk(where_, this, "a many-to-many relation");
    detail::guard_lazy_load(where_, "prefetch_related");
    if (auto alias = detail::owner_alias(where_, this)) rows = rows.using_db(std::move(*alias));
    return detail::Access::linked(rows, *where_.rel->field, false, owner);
}

}  // namespace dorm
