#pragma once
// The type-erased engine under QuerySet<T>: runs a Query and hydrates objects through a
// sink, counts, updates, deletes, inserts in bulk. Compiled once in lib/; the templates
// above only adapt T to it.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dorm/aggregates.hpp"
#include "dorm/json_fwd.hpp"
#include "dorm/model_base.hpp"
#include "dorm/query.hpp"
#include "dorm/sql/compiler.hpp"

namespace dorm::detail {

/// Where fetched rows go: one new object per row.
class RowSink {
   public:
    virtual ~RowSink() = default;
    /// A new default object; sets `base` to its ModelBase.
    virtual void* emplace(ModelBase*& base) = 0;
};

/// A contiguous array of model objects (a std::vector<T>'s storage).
struct ObjectSpan {
    void* data;
    std::size_t stride;
    std::size_t size;
    ModelBase* (*base)(void*);
    [[nodiscard]] void* at(std::size_t i) const { return static_cast<char*>(data) + i * stride; }
};

/// NotSupportedError when q is sliced (filter, order_by and the like), or combined and
/// `filtering` (filter, exclude).
void check_chainable(const Query& q, bool filtering);
void fetch(const Query& q, RowSink& sink);
/// Also collects the query's extra last column (a link table key) per row.
void fetch(const Query& q, RowSink& sink, std::vector<Value>* extra);
/// prefetch_related: fills the relation caches of `objects` (of q's model), one query per
/// relation and level, in batches within the backend's parameter limit.
void prefetch(const Query& q, const std::vector<void*>& objects);
[[nodiscard]] std::int64_t count(const Query& q);
[[nodiscard]] bool exists(const Query& q);
std::int64_t update(const Query& q, const std::vector<Assignment>& set);
/// DELETE with every on_delete rule; rows reached through the Collector get their
/// pre/post_delete signals, except the one `signalled_pk` names (its caller sends those).
DeleteResult erase(const Query& q, const Value* signalled_pk = nullptr);
[[nodiscard]] Sql sql_of(const Query& q);
[[nodiscard]] std::string explain(const Query& q);
/// `alias`: the queryset's using_db, else routed as a write (objects remember where they went).
void bulk_create(const ModelMeta& m, const std::optional<std::string>& alias, const ObjectSpan& objs,
                 std::size_t batch_size);
std::int64_t bulk_update(const ModelMeta& m, const std::optional<std::string>& alias, const ObjectSpan& objs,
                         const std::vector<std::string>& fields);
/// A result column as JSON, by its SQL type (values(), aggregate()).
/// SQL with %s placeholders (%% a literal %) in the dialect's spelling; `who` names the
/// caller in the error when the count of values differs.
[[nodiscard]] Sql raw_sql(const std::string& text, std::vector<Value> params, const sql::Dialect& d,
                          const std::string& who);
[[nodiscard]] Json column_json(const Row& row, int col, sql::ColumnType type);
/// aggregate(): one JSON object, values typed by each aggregate (Count of nothing is 0).
[[nodiscard]] Json aggregate(const Query& q, const std::vector<NamedAggregate>& aggs);
/// raw(): hand-written SQL with %s placeholders, columns matched to fields by name.
void fetch_raw(const ModelMeta& m, const std::optional<std::string>& alias, const std::string& sql,
               const std::vector<Value>& params, RowSink& sink);
/// Rows of named fields as Values (values_list).
[[nodiscard]] std::vector<std::vector<Value>> fetch_values(const Query& q,
                                                           const std::vector<std::string>& fields);
/// Sets fields of a new object from exact lookups (get_or_create).
void assign_lookups(const ModelMeta& m, void* obj, const std::vector<Q>& lookups);

/// The alias a read of q goes to: its using_db, else the router's (API.md §14).
[[nodiscard]] std::string read_alias(const Query& q);
/// The alias a write of `m` goes to: `chosen` (using_db) or the router's (API.md §14).
[[nodiscard]] std::string write_alias(const ModelMeta& m, const std::optional<std::string>& chosen);
/// Whether the alias's backend has SELECT ... FOR UPDATE.
[[nodiscard]] bool connection_supports_for_update(const std::string& alias);

[[nodiscard]] std::string does_not_exist_message(const ModelMeta& m);
[[nodiscard]] std::string multiple_objects_message(const ModelMeta& m, std::size_t n);
/// get() fetches at most this many rows to say how many matched.
inline constexpr std::int64_t kMaxGetResults = 21;

/// Rows streamed one at a time without a result cache (iterator()).
class Stream {
   public:
    /// chunk_size: rows per round trip where the backend fetches in chunks.
    Stream(const Query& q, std::size_t chunk_size);
    ~Stream();
    Stream(const Stream&) = delete;
    Stream& operator=(const Stream&) = delete;
    /// Hydrates the next row into obj; false at the end.
    bool next(void* obj, ModelBase& base);

   private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

}  // namespace dorm::detail
