#pragma once
// QuerySet<T> (API.md §4): lazy, chainable, cached. Builders copy and never touch the
// database; evaluation hands the Query to the type-erased engine (queryset_core.hpp).

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "dorm/aggregates.hpp"
#include "dorm/error.hpp"
#include "dorm/model.hpp"
#include "dorm/q.hpp"
#include "dorm/query.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/row_sinks.hpp"
#include "dorm/transaction.hpp"
#include "dorm/values.hpp"

namespace dorm {


template <class T, class Derived>
class QuerySet {
   public:
    using Self = std::conditional_t<std::is_void_v<Derived>, QuerySet<T>, Derived>;
    using value_type = T;

    /// All rows of T.
    QuerySet() : query_(T::model_meta()) {}
    explicit QuerySet(Query q) : query_(std::move(q)) {}

    // ---- builders: each returns a new QuerySet and runs nothing ------------------------
    Self filter(std::string_view path, Operand v) const {
        return with([&](Query& q) { q.add_filter(path, v, false); }, 2);
    }
    Self filter(const Q& q) const {
        return with([&](Query& x) { x.add_filter(q, false); }, 2);
    }
    /// A boolean expression: filter(Exists(Entry::objects().filter("blog", OuterRef("id")))).
    Self filter(const Expression& condition) const {
        return with([&](Query& x) { x.add_filter(condition, false); }, 2);
    }
    Self exclude(const Expression& condition) const {
        return with([&](Query& x) { x.add_filter(condition, true); }, 2);
    }
    Self filter(std::initializer_list<Q> lookups) const {
        return with([&](Query& x) { x.add_filter(all_of(lookups), false); }, 2);
    }
    Self exclude(std::string_view path, Operand v) const {
        return with([&](Query& q) { q.add_filter(path, v, true); }, 2);
    }
    Self exclude(const Q& q) const {
        return with([&](Query& x) { x.add_filter(q, true); }, 2);
    }
    Self exclude(std::initializer_list<Q> lookups) const {
        return with([&](Query& x) { x.add_filter(all_of(lookups), true); }, 2);
    }
    /// order_by("-pub_date", "headline"); order_by() clears the ordering.
    /// order_by("-pub_date", "headline"), order_by(Length(F("name")).desc()); order_by()
    /// clears the ordering.
    template <class... S>
        requires((std::constructible_from<std::string, S> ||
                  std::same_as<std::decay_t<S>, OrderExpression> ||
                  std::derived_from<std::decay_t<S>, Expression>) && ...)
    Self order_by(S&&... fields) const {
        return with([&](Query& q) {
            // (term by term: no std::vector instantiated here, which GCC 12 misjudges at -O2)
            q.clear_ordering();
            (q.add_ordering(order_term(q, std::forward<S>(fields))), ...);
        }, true);
    }
    /// The ordering as data: order_by(std::vector<std::string>{"-pub_date", "headline"}).
    Self order_by(const std::vector<std::string>& fields) const {
        return with([&](Query& q) {
            q.clear_ordering();
            for (const auto& f : fields) q.add_ordering(Query::order_term(f));
        }, true);
    }
    Self reverse() const { return with([](Query& q) { q.reverse(); }, true); }
    Self distinct() const { return with([](Query& q) { q.set_distinct(); }, true); }
    Self none() const { return with([](Query& q) { q.set_empty(); }); }
    Self all() const { return with([](Query&) {}); }
    /// LIMIT/OFFSET: rows [low, high); slice(10) is from 10 on.
    Self slice(std::int64_t low, std::optional<std::int64_t> high = {}) const {
        return with([&](Query& q) { q.apply_slice(low, high); });
    }
    Self select_for_update() const {
        return with([](Query& q) { q.set_for_update(); });
    }
    Self using_db(std::string alias) const {
        return with([&](Query& q) { q.set_alias(std::move(alias)); });
    }
    /// A computed column on every row, read back with annotation<T>(name); aggregates
    /// group the rows: annotate("n", Count("entries")).
    Self annotate(const std::string& name, const Expression& e) const {
        return with([&](Query& q) { q.add_annotation(name, *e.node()); });
    }
    Self annotate(const Aggregate& a) const { return annotate(a.default_name(), a); }
    /// Aggregates over the rows as one JSON object, named "<field>__<aggregate>".
    template <class... A>
        requires(std::same_as<std::decay_t<A>, Aggregate> && ...)
    [[nodiscard]] Json aggregate(const A&... aggs) const {
        std::vector<NamedAggregate> named;
        (named.emplace_back(checked_name(aggs), aggs), ...);
        return detail::aggregate(query_, named);
    }
    [[nodiscard]] Json aggregate(std::initializer_list<NamedAggregate> aggs) const {
        return detail::aggregate(query_, std::vector<NamedAggregate>(aggs));
    }
    struct CombineOptions {
        bool all = false;  ///< keep duplicates (UNION ALL)
    };
    /// Rows of either queryset (UNION; {.all = true}: UNION ALL). The result takes order_by,
    /// slice, count, values; not filter.
    Self union_(const QuerySet& other, CombineOptions o = {}) const {
        return combine(o.all ? "UNION ALL" : "UNION", other);
    }
    Self intersection(const QuerySet& other, CombineOptions o = {}) const {
        return combine(o.all ? "INTERSECT ALL" : "INTERSECT", other);
    }
    Self difference(const QuerySet& other, CombineOptions o = {}) const {
        return combine(o.all ? "EXCEPT ALL" : "EXCEPT", other);
    }
    /// Model instances from hand-written SQL; `%s` placeholders take the values, bound.
    std::vector<T> raw(const std::string& sql, std::vector<Value> params = {}) const {
        std::vector<T> out;
        detail::VectorSink<T> sink(out);
        detail::fetch_raw(T::model_meta(), query_.chosen_alias(), sql, params, sink);
        return out;
    }
    /// Forward relations loaded in the same query (JOIN): select_related("blog__owner").
    template <class... S>
    Self select_related(S&&... paths) const {
        return with([&](Query& q) { (q.add_select_related(std::string(std::forward<S>(paths))), ...); });
    }
    /// Relations loaded by one extra query each: prefetch_related("entries", "entries__authors").
    template <class... S>
    Self prefetch_related(S&&... paths) const {
        return with([&](Query& q) { (q.add_prefetch(std::string(std::forward<S>(paths))), ...); });
    }
    template <class... S>
    Self only(S&&... fields) const {
        return with([&](Query& q) { q.set_only({std::string(std::forward<S>(fields))...}); });
    }
    template <class... S>
    Self defer(S&&... fields) const {
        return with([&](Query& q) { q.set_defer({std::string(std::forward<S>(fields))...}); });
    }

    // ---- evaluation ------------------------------------------------------------------
    // (API.md writes `qs.count();`, `Entry::objects().annotate(...);` and the like as
    // statements, so queries and builders are not [[nodiscard]].)
    auto begin() const { return rows().begin(); }
    auto end() const { return rows().end(); }
    /// Rows in the result (runs the query once and caches it).
    std::size_t size() const { return rows().size(); }
    bool empty() const { return size() == 0; }
    /// SELECT COUNT(*), or the cache's size when filled.
    std::int64_t count() const {
        if (cache_) return std::int64_t(cache_->size());
        if (query_.matches_nothing()) return 0;
        return detail::count(query_);
    }
    bool exists() const {
        if (cache_) return !cache_->empty();
        if (query_.matches_nothing()) return false;
        return detail::exists(query_);
    }
    /// The i-th row: from the cache when filled, else LIMIT 1 OFFSET i.
    T operator[](std::size_t i) const {
        if (cache_) {
            if (i < cache_->size()) return (*cache_)[i];
        } else {
            auto one = slice(std::int64_t(i), std::int64_t(i) + 1).to_vector();
            if (!one.empty()) return std::move(one.front());
        }
        throw typename T::DoesNotExist(T::model_meta().name + " index " + std::to_string(i) +
                                       " is out of range");
    }
    std::optional<T> first() const {
        auto v = (query_.is_ordered() ? all() : order_by("pk")).slice(0, 1).to_vector();
        if (v.empty()) return std::nullopt;
        return std::move(v.front());
    }
    std::optional<T> last() const {
        auto v = (query_.is_ordered() ? reverse() : order_by("-pk")).slice(0, 1).to_vector();
        if (v.empty()) return std::nullopt;
        return std::move(v.front());
    }
    [[nodiscard]] std::vector<T> to_vector() const& { return rows(); }
    /// On a temporary queryset the rows move out instead of being copied.
    [[nodiscard]] std::vector<T> to_vector() && {
        rows();
        if (cache_.use_count() == 1) return std::move(*cache_);
        return *cache_;
    }

    /// Exactly one row, or T::DoesNotExist / T::MultipleObjectsReturned.
    [[nodiscard]] T get() const {
        Query q = query_;
        if (!q.is_sliced()) q.clear_ordering();
        q.apply_slice(0, detail::kMaxGetResults);
        std::vector<T> v;
        if (!q.matches_nothing()) {
            detail::VectorSink<T> sink(v);
            detail::fetch(q, sink);
            prefetch_into(q, v);
        }
        if (v.size() == 1) return std::move(v.front());
        if (v.empty()) throw typename T::DoesNotExist(detail::does_not_exist_message(T::model_meta()));
        throw typename T::MultipleObjectsReturned(detail::multiple_objects_message(T::model_meta(), v.size()));
    }
    [[nodiscard]] T get(std::string_view path, Operand v) const { return filter(path, std::move(v)).get(); }
    [[nodiscard]] T get(const Q& q) const { return filter(q).get(); }
    [[nodiscard]] T get(std::initializer_list<Q> lookups) const { return filter(lookups).get(); }

    /// INSERT of a new object: defaults, then init(obj), then save.
    template <class Init>
    T create(Init&& init) const {
        T obj;
        detail::apply_defaults(T::model_meta(), &obj);
        std::forward<Init>(init)(obj);
        if (const auto& alias = query_.chosen_alias()) obj.set_alias(*alias);
        detail::insert_instance(T::model_meta(), &obj, obj);
        return obj;
    }
    T create() const {
        return create([](T&) {});
    }

    template <class Init>
    std::pair<T, bool> get_or_create(std::initializer_list<Q> lookups, Init&& init) const {
        std::vector<Q> l(lookups);
        // Reads and the insert on the database written to (as Django's _for_write).
        const std::string alias = detail::write_alias(T::model_meta(), query_.chosen_alias());
        auto qs = using_db(alias).filter(all_of(lookups));
        // get(), as Django: several matches are T::MultipleObjectsReturned, not an arbitrary row.
        auto find = [&qs]() -> std::optional<T> {
            try {
                return qs.get();
            } catch (const typename T::DoesNotExist&) {
                return std::nullopt;
            }
        };
        if (auto found = find()) return {std::move(*found), false};
        try {
            return atomic(alias, [&] {
                return std::pair<T, bool>(qs.create([&](T& obj) {
                    detail::assign_lookups(T::model_meta(), &obj, l);
                    init(obj);
                }), true);
            });
        } catch (const IntegrityError&) {
            if (auto found = find()) return {std::move(*found), false};
            throw;
        }
    }
    std::pair<T, bool> get_or_create(std::initializer_list<Q> lookups) const {
        return get_or_create(lookups, [](T&) {});
    }

    template <class Init>
    std::pair<T, bool> update_or_create(std::initializer_list<Q> lookups, Init&& init) const {
        std::vector<Q> l(lookups);
        const std::string alias = detail::write_alias(T::model_meta(), query_.chosen_alias());
        return atomic(alias, [&] {
            auto qs = using_db(alias).filter(all_of(lookups));
            if (detail::connection_supports_for_update(alias)) qs = qs.select_for_update();
            std::optional<T> found;  // get(), as Django: several matches are MultipleObjectsReturned
            try {
                found = qs.get();
            } catch (const typename T::DoesNotExist&) {
            }
            if (found) {
                init(*found);
                found->save();
                return std::pair<T, bool>(std::move(*found), false);
            }
            return std::pair<T, bool>(qs.create([&](T& obj) {
                detail::assign_lookups(T::model_meta(), &obj, l);
                init(obj);
            }), true);
        });
    }
    std::pair<T, bool> update_or_create(std::initializer_list<Q> lookups) const {
        return update_or_create(lookups, [](T&) {});
    }

    /// Objects by primary key.
    [[nodiscard]] std::unordered_map<std::int64_t, T> in_bulk(const std::vector<std::int64_t>& ids) const {
        std::unordered_map<std::int64_t, T> out;
        for (T& obj : filter("pk__in", ids).order_by().to_vector()) {
            auto key = obj.pk().as_int();
            out.emplace(key, std::move(obj));
        }
        return out;
    }
    [[nodiscard]] T earliest(const std::string& field) const { return edge(field); }
    [[nodiscard]] T latest(const std::string& field) const { return edge("-" + field); }
    /// By an expression: earliest(Coalesce(F("mod_date"), F("pub_date"))).
    template <class E>
        requires std::derived_from<E, Expression>
    [[nodiscard]] T earliest(const E& e) const { return edge(e.asc()); }
    template <class E>
        requires std::derived_from<E, Expression>
    [[nodiscard]] T latest(const E& e) const { return edge(e.desc()); }

    /// Streams rows without filling the cache: memory stays flat however many rows there
    /// are (SQLite steps its statement; PostgreSQL fetches chunk_size rows at a time from a
    /// server-side cursor). Annotations and select_related come along; prefetch_related does not.
    [[nodiscard]] detail::Streamed<T> iterator(std::size_t chunk_size = 2000) const {
        return detail::Streamed<T>(query_, chunk_size);
    }

    /// Inserts every object (one prepared statement, in a transaction) and sets their ids.
    void bulk_create(std::vector<T>& objs, std::size_t batch_size = 0) const {
        detail::bulk_create(T::model_meta(), query_.chosen_alias(), detail::span_of(objs), batch_size);
    }
    /// UPDATE of the named fields of every object, by primary key.
    std::int64_t bulk_update(std::vector<T>& objs, const std::vector<std::string>& fields) const {
        return detail::bulk_update(T::model_meta(), query_.chosen_alias(), detail::span_of(objs), fields);
    }
    /// UPDATE of every matching row; returns the rows changed.
    std::int64_t update(std::initializer_list<Assignment> set) const {
        if (query_.matches_nothing()) return 0;
        return detail::update(query_, std::vector<Assignment>(set));
    }
    /// DELETE of every matching row.
    DeleteResult erase() const {
        if (query_.matches_nothing()) return {};
        return detail::erase(query_);
    }

    /// values("a", "b"): rows as JSON objects (all fields when none are named).
    template <class... S>
    ValuesQuerySet values(S&&... fields) const {
        return ValuesQuerySet(query_, {std::string(std::forward<S>(fields))...});
    }
    /// values_list<int64_t>("id") -> vector<int64_t>; with several types, vector<tuple>.
    template <class... Ts, class... S>
        requires(sizeof...(Ts) == sizeof...(S) && sizeof...(Ts) > 0)
    [[nodiscard]] auto values_list(S&&... fields) const {
        auto rows = query_.matches_nothing()
                        ? std::vector<std::vector<Value>>{}
                        : detail::fetch_values(query_, {std::string(std::forward<S>(fields))...});
        return detail::typed_rows<Ts...>(rows);
    }

    /// The SQL and parameters this queryset would run.
    [[nodiscard]] Sql sql() const { return detail::sql_of(query_); }
    /// The database's plan for it.
    [[nodiscard]] std::string explain() const { return detail::explain(query_); }
    [[nodiscard]] const Query& query() const { return query_; }

   private:
    friend struct detail::Access;
    // Reached through detail::Access only.
    /// A queryset whose rows are already known (prefetch caches).
    void prefilled_(std::shared_ptr<std::vector<T>> rows) { cache_ = std::move(rows); }
    /// Narrows to rows linked to `key` through a ManyToMany field.
    [[nodiscard]] Self linked_(const FieldMeta& field, bool rows_are_owners, const Value& key) const {
        return with([&](Query& q) { q.add_link_filter(field, rows_are_owners, {key}); });
    }

   protected:
    std::vector<T>& rows() const {
        if (!cache_) {
            auto v = std::make_shared<std::vector<T>>();
            if (!query_.matches_nothing()) {
                detail::VectorSink<T> sink(*v);
                detail::fetch(query_, sink);
                prefetch_into(query_, *v);
            }
            cache_ = std::move(v);
        }
        return *cache_;
    }

   private:
    // A copy of this queryset (its most derived queryset type) without the cache, changed by fn.
    // needs_unsliced: 1 refuses sliced querysets (order_by & co), 2 also combined ones (filter).
    template <class Fn>
    Self with(Fn&& fn, int needs_unsliced = 0) const {
        if (needs_unsliced) detail::check_chainable(query_, needs_unsliced == 2);
        Self c(static_cast<const Self&>(*this));
        c.cache_.reset();
        fn(c.query_);
        return c;
    }
    static Q all_of(std::initializer_list<Q> lookups) {
        Q all;
        for (const Q& q : lookups) all = all & q;
        return all;
    }
    std::optional<T> first_or_none() const {
        auto v = slice(0, 1).to_vector();
        if (v.empty()) return std::nullopt;
        return std::move(v.front());
    }
    template <class O>
    T edge(const O& order) const {
        auto v = order_by(order).slice(0, 1).to_vector();
        if (v.empty()) throw typename T::DoesNotExist(detail::does_not_exist_message(T::model_meta()));
        return std::move(v.front());
    }
    Self combine(const char* op, const QuerySet& other) const {
        return with([&](Query& q) { q.add_combination(op, other.query_); });
    }
    template <class S>
    static Query::OrderTerm order_term(Query& q, S&& s) {
        if constexpr (std::same_as<std::decay_t<S>, OrderExpression>) return q.order_term(*s.node, s.descending);
        else if constexpr (std::derived_from<std::decay_t<S>, Expression>) return q.order_term(*s.node(), false);
        else return Query::order_term(std::string(std::forward<S>(s)));
    }
    static std::string checked_name(const Aggregate& a) {
        if (a.node()->filter)
            throw FieldError(T::model_meta().name + ": an aggregate with a filter needs a name: aggregate({{\"name\", ...}})");
        return a.default_name();
    }
    static void prefetch_into(const Query& q, std::vector<T>& v) {
        if (q.prefetch().empty() || v.empty()) return;
        std::vector<void*> objs;
        objs.reserve(v.size());
        for (T& t : v) objs.push_back(&t);
        detail::prefetch(q, objs);
    }

    Query query_;
    mutable std::shared_ptr<std::vector<T>> cache_;
};

}  // namespace dorm
