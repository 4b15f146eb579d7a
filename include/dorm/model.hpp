#pragma once
// The CRTP model base (API.md §2-§3): `struct Entry : dorm::Model<Entry> {...}` gets an
// `id` key, save/refresh/erase/full_clean, objects() and its own DoesNotExist.

#include <initializer_list>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "dorm/error.hpp"
#include "dorm/field.hpp"
#include "dorm/model_base.hpp"

namespace dorm {

template <class T, class Derived = void>
class QuerySet;
template <class M, class QS>
class Manager;
template <class R, class QS>
class RelatedManager;

template <class T, class QS = void>
class Model : public detail::ModelBase {
   public:
    using queryset_type = std::conditional_t<std::is_void_v<QS>, QuerySet<T>, QS>;
    using manager_type = Manager<T, queryset_type>;

    /// Thrown by get() on this model; catch it or dorm::DoesNotExist.
    struct DoesNotExist : dorm::DoesNotExist {
        using dorm::DoesNotExist::DoesNotExist;
    };
    struct MultipleObjectsReturned : dorm::MultipleObjectsReturned {
        using dorm::MultipleObjectsReturned::MultipleObjectsReturned;
    };

    /// The automatic primary key (unless a field is declared .primary_key()).
    std::int64_t id = 0;

    /// The model's manager: a QuerySet of all rows.
    static manager_type objects();

    /// The model's metadata, built from T::define() on first use.
    static const ModelMeta& model_meta() {
        static const ModelMeta m = detail::build_meta<T>();
        static const bool registered = (detail::register_model(m), true);
        (void)registered;
        return m;
    }

    /// The primary key as a Value.
    [[nodiscard]] Value pk() const { return model_meta().pk_field().access->get(self()); }

    /// INSERT when new (no key), else UPDATE (INSERT if the row is gone).
    void save() { detail::save_instance(model_meta(), self(), *this, nullptr); }
    /// UPDATE of only these fields.
    void save(std::initializer_list<std::string> fields) {
        std::vector<std::string> v(fields);
        detail::save_instance(model_meta(), self(), *this, &v);
    }
    void save(const std::vector<std::string>& fields) {
        detail::save_instance(model_meta(), self(), *this, &fields);
    }
    /// Reloads every field from the database (DoesNotExist if the row is gone).
    void refresh() {
        try {
            detail::refresh_instance(model_meta(), self(), *this);
        } catch (const DoesNotExist&) {
            throw;
        } catch (const dorm::DoesNotExist& e) {
            throw DoesNotExist(e.what());
        }
    }
    /// DELETE of this row.
    DeleteResult erase() { return detail::erase_instance(model_meta(), self(), *this); }
    /// Validates every field; throws ValidationError listing every problem.
    void full_clean() const { detail::full_clean_instance(model_meta(), self(), *this); }

    /// The rows of R pointing at this object through `member` (a ForeignKey, OneToOne or
    /// ManyToMany of R): b.related(&Entry::blog), a.related(&Entry::authors).
    template <class R, class Member>
    [[nodiscard]] RelatedManager<R, typename R::queryset_type> related(Member R::*member) const;

    /// An annotation (annotate()) read off this instance.
    template <class V>
    [[nodiscard]] V annotation(std::string_view name) const {
        return value_as<V>(detail::annotation_of(*this, name, model_meta()));
    }

   private:
    T* self() { return static_cast<T*>(this); }
    const T* self() const { return static_cast<const T*>(this); }
};

/// A saved instance as a filter value: its primary key.
template <class M>
    requires std::derived_from<M, detail::ModelBase>
struct value_traits<M> {
    static Value to_value(const M& m) { return m.pk(); }
};

/// Registers models (in dependency order) so create_tables() knows them.
template <class... Ms>
void register_models() {
    (Ms::model_meta(), ...);
}

}  // namespace dorm
