#pragma once
// Private to lib/: the one hydrator. It turns result rows into model objects — the loaded
// fields, the select_related models, the annotations and the per-row bookkeeping — for
// every consumer: iteration, to_vector(), get(), iterator(), prefetch and raw().

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "dorm/model_base.hpp"
#include "dorm/query.hpp"
#include "dorm/row.hpp"

namespace dorm::detail {

class Hydrator {
   public:
    /// For rows as Query::build(Selection::rows()) selects them, read from `alias` (the
    /// objects remember it, pinned when the query chose it with using_db).
    Hydrator(const Query& q, const std::string& alias);
    /// For raw(): columns matched to fields by name (other columns are left out).
    Hydrator(const ModelMeta& m, const std::string& alias, bool pinned, const Row& row);

    /// Fills obj (a new default object) from the current row.
    void fill(void* obj, ModelBase& base, const Row& row) const;
    /// A result of one row is not an N+1 pattern: its relations may load lazily.
    void single_row(void* obj) const;
    /// The row's column holding field f, or -1 when it is not loaded.
    [[nodiscard]] int column_of(const FieldMeta& f) const;

   private:
    struct Column {
        const FieldMeta* field;
        int index;
    };
    void fill_related(void* obj, const Row& row) const;

    const ModelMeta& model_;
    void remember_alias(ModelBase& base) const;

    std::string alias_;
    bool pinned_ = false;
    std::vector<Column> columns_;
    std::vector<const FieldMeta*> deferred_;
    std::vector<Query::Related> related_;
    int related_at_ = 0;     ///< first select_related column
    int annotations_at_ = 0; ///< first annotation column
    std::shared_ptr<const std::vector<std::string>> annotation_names_;
};

/// fetch() with each object made where `place` says, given the row's value of `key_field`
/// (normalized as a key) before the row is read: prefetch puts each child straight into its
/// parent's group, with no second vector to copy from.
void fetch_placed(const Query& q, const FieldMeta& key_field,
                  const std::function<void*(const Value& key, ModelBase*& base)>& place);

}  // namespace dorm::detail
