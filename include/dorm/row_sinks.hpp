#pragma once
// Typed adapters between QuerySet<T> and the type-erased engine: where fetched rows go
// (a std::vector<T>), a vector's objects as a span, and the streaming range of iterator().

#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

#include "dorm/queryset_core.hpp"

namespace dorm {

namespace detail {
template <class T>
class VectorSink final : public RowSink {
   public:
    explicit VectorSink(std::vector<T>& v) : v_(v) {}
    void* emplace(ModelBase*& base) override {
        T& t = v_.emplace_back();
        base = &t;
        return &t;
    }

   private:
    std::vector<T>& v_;
};

template <class T>
ObjectSpan span_of(std::vector<T>& v) {
    return {v.data(), sizeof(T), v.size(), [](void* p) -> ModelBase* { return static_cast<T*>(p); }};
}

/// The input range iterator() returns: one object at a time, no cache.
template <class T>
class Streamed {
   public:
    Streamed(const Query& q, std::size_t chunk_size) : q_(q), chunk_size_(chunk_size) {}
    class iterator {
       public:
        using iterator_category = std::input_iterator_tag;
        using value_type = T;
        using difference_type = std::ptrdiff_t;
        using pointer = T*;
        using reference = T&;
        iterator() = default;
        iterator(const Query& q, std::size_t chunk_size) : s_(std::make_shared<Stream>(q, chunk_size)) { ++*this; }
        T& operator*() { return obj_; }
        T* operator->() { return &obj_; }
        iterator& operator++() {
            obj_ = T{};
            if (!s_->next(&obj_, obj_)) s_.reset();
            return *this;
        }
        bool operator==(const iterator& o) const { return s_ == o.s_; }

       private:
        std::shared_ptr<Stream> s_;
        T obj_;
    };
    iterator begin() const { return q_.matches_nothing() ? iterator() : iterator(q_, chunk_size_); }
    iterator end() const { return iterator(); }

   private:
    Query q_;
    std::size_t chunk_size_;
};
}  // namespace detail

}  // namespace dorm
