#pragma once
// The untyped half of every model instance: where it was loaded from, which fields it
// holds, its annotations. Cheap when unused: one null pointer per object.

#include <cstdint>
#include <map>
#include <memory>
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

struct InstanceState {
    std::string alias = "default";
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
    void set_alias(const std::string& alias);

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
