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

}  // namespace dorm
