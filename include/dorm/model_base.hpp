#pragma once
// The untyped half of every model instance: where it was loaded from, which fields it
// holds, its annotations. Cheap when unused: one null pointer per object.

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dorm/meta.hpp"
#include "dorm/value.hpp"

namespace dorm {

/// What erase() removed: the total and rows per table.
struct DeleteResult {
    std::int64_t total = 0;
    std::map<std::string, std::int64_t> per_model;
};

namespace detail {

/// dorm's own door to the internal members of relations and querysets (a friend of each),
/// so that user code cannot reach them. Used by field.hpp, manager.hpp and lib/.
struct Access {
    template <class R>
    static auto& site(R& r) {
        return r.site_ref_();
    }
    template <class R>
    static void forget(R& r) {
        r.forget_();
    }
    template <class M2M>
    static auto prefetched(const M2M& r) {
        return r.prefetched_();
    }
    template <class M2M, class V>
    static void set_prefetched(M2M& r, V v) {
        r.set_prefetched_(std::move(v));
    }
    /// A queryset whose rows are already known (prefetch caches).
    template <class QS, class V>
    static void prefill(QS& qs, V rows) {
        qs.prefilled_(std::move(rows));
    }
    /// A queryset narrowed to rows linked to `key` through a ManyToMany field.
    template <class QS>
    static QS linked(const QS& qs, const FieldMeta& field, bool rows_are_owners, const Value& key) {
        return qs.linked_(field, rows_are_owners, key);
    }
};

struct InstanceState {
    // Out of line (lib/model.cpp): every model's copy and destructor would compile them.
    InstanceState();
    InstanceState(const InstanceState&);
    ~InstanceState();

    std::string alias = "default";
    bool pinned = false;  ///< alias chosen with using_db: it wins over the router (API.md §14)
    std::vector<const FieldMeta*> deferred;  ///< fields not loaded (only()/defer())
    /// annotate() values: names shared by every row of a result, values per row
    std::shared_ptr<const std::vector<std::string>> annotation_names;
    std::vector<Value> annotations;
    /// prefetch_related results per relation (keyed by the declaring field): a std::vector<M>
    std::map<const FieldMeta*, std::shared_ptr<void>> prefetched;
};

class ModelBase {
   public:
    ModelBase() = default;
    ModelBase(const ModelBase& o) : state_(o.state_ ? std::make_unique<InstanceState>(*o.state_) : nullptr) {}
    ModelBase(ModelBase&&) noexcept = default;
    ModelBase& operator=(const ModelBase& o) {
        if (this != &o) state_ = o.state_ ? std::make_unique<InstanceState>(*o.state_) : nullptr;
        return *this;
    }
    ModelBase& operator=(ModelBase&&) noexcept = default;
    ~ModelBase() = default;

    /// The alias this instance was loaded from or saved to.
    [[nodiscard]] const std::string& db_alias() const;
    [[nodiscard]] InstanceState& state();
    [[nodiscard]] const InstanceState* state_if() const { return state_.get(); }
    /// Pins the instance to `alias`, as using_db does: its writes and related reads go
    /// there whatever the router says.
    void set_alias(const std::string& alias);
    /// Records where the instance was loaded from or saved to; `pinned`: chosen with using_db.
    void set_loaded_alias(const std::string& alias, bool pinned);
    /// The alias chosen with using_db, or nullopt (its statements are routed).
    [[nodiscard]] std::optional<std::string> pinned_alias() const;

   private:
    std::unique_ptr<InstanceState> state_;
};

// Instance operations on metadata (lib/model.cpp).
void save_instance(const ModelMeta& m, void* obj, ModelBase& base,
                   const std::vector<std::string>* update_fields);
void insert_instance(const ModelMeta& m, void* obj, ModelBase& base);
void refresh_instance(const ModelMeta& m, void* obj, ModelBase& base);
DeleteResult erase_instance(const ModelMeta& m, void* obj, ModelBase& base);
void full_clean_instance(const ModelMeta& m, const void* obj, const ModelBase& base);
void apply_defaults(const ModelMeta& m, void* obj);
Value annotation_of(const ModelBase& base, std::string_view name, const ModelMeta& m);

}  // namespace detail
}  // namespace dorm
