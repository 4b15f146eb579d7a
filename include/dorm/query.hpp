#pragma once
// The ORM query builder: resolves `field__transform__lookup` paths, F expressions and Q
// trees against a ModelMeta into the SQL tree, and holds ordering, limits and the rest of
// a QuerySet's state. Knows models as data (ModelMeta), never as C++ types.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dorm/meta.hpp"
#include "dorm/q.hpp"
#include "dorm/sql/ast.hpp"

namespace dorm {

/// What a SELECT returns. Query::build() makes every SELECT — rows, values, count,
/// exists, aggregates, `IN` subqueries, each member of a combination — from one of these.
struct Selection {
    enum class Kind {
        Rows,       ///< the model's columns (+ select_related, annotations), or values() columns
        Count,      ///< COUNT(*) of those rows
        Exists,     ///< one row if there is any
        Aggregate,  ///< aggregates over those rows
        Key,        ///< one column for `IN (subquery)`: the values() field, else the pk
    };
    Kind kind = Kind::Rows;
    /// Aggregate: (name, aggregate expression).
    std::vector<std::pair<std::string, std::shared_ptr<const ExpressionNode>>> aggregates;

    static Selection rows() { return {}; }
    static Selection count() { return {Kind::Count, {}}; }
    static Selection exists() { return {Kind::Exists, {}}; }
    static Selection key() { return {Kind::Key, {}}; }
};

class Query {
   public:
    explicit Query(const ModelMeta& m) : model_(&m) {}
    // Out of line (lib/query.cpp): every QuerySet builder copies a Query.
    Query(const Query&);
    Query(Query&&) noexcept;
    Query& operator=(const Query&);
    Query& operator=(Query&&) noexcept;
    ~Query();

    [[nodiscard]] const ModelMeta& model() const { return *model_; }

    // ---- building ----------------------------------------------------------------------
    void add_filter(const Q& q, bool negate);
    void add_filter(std::string_view path, const Operand& v, bool negate);
    /// A boolean expression as the condition: filter(Exists(...)).
    void add_filter(const Expression& condition, bool negate);
    /// One ORDER BY term: a field path or annotation ("-pub_date", "?" for random), or an
    /// expression resolved when order_by() was called.
    struct OrderTerm {
        std::string path;
        sql::Expr expr;
        bool descending = false;
    };
    /// Replaces the ordering ("-field", "field", "?" for random, "pk").
    void set_ordering(std::vector<std::string> fields);
    void set_ordering(std::vector<OrderTerm> terms);
    /// Appends one term to an explicit ordering (after clear_ordering()), checking its name.
    void add_ordering(OrderTerm term);
    /// order_by(Length(F("name")).desc()): the term for an expression (joins added now).
    [[nodiscard]] OrderTerm order_term(const ExpressionNode& e, bool descending);
    [[nodiscard]] static OrderTerm order_term(std::string path) { return {std::move(path), nullptr, false}; }
    void clear_ordering() { ordering_.clear(); explicit_ordering_ = true; }
    void reverse() { reversed_ = !reversed_; }
    void set_distinct() { distinct_ = true; }
    void set_empty() { where_ = sql::never(); }
    /// Narrows the current slice to [low, high) relative to itself, as Python slicing does.
    void apply_slice(std::int64_t low, std::optional<std::int64_t> high);
    void set_for_update() { for_update_ = true; }
    void set_only(std::vector<std::string> fields);
    void set_defer(std::vector<std::string> fields);
    /// using_db(alias): the alias every statement of this query goes to; nullopt: routed
    /// (detail::route, API.md §14).
    void set_alias(std::optional<std::string> alias) { alias_ = std::move(alias); }
    /// select_related("blog__owner"): forward relations loaded in the same query.
    void add_select_related(const std::string& path);
    /// Rows whose `hop` relation points at `key` (the ManyToMany/reverse managers).
    void add_related_filter(const ReverseRelation& hop, const Value& key);
    /// annotate(name, expression): a computed column on every row (aggregates group rows).
    void add_annotation(const std::string& name, const ExpressionNode& e);
    /// values("a", "b").annotate(...): one row per distinct (a, b).
    void set_group_by(std::vector<std::string> fields) { group_values_ = std::move(fields); grouped_ = true; }
    struct Annotation {
        std::string name;
        sql::Expr expr;
        bool aggregate = false;
        bool window = false;
        std::shared_ptr<FieldMeta> as_field;  ///< how filters and values() see it
    };
    [[nodiscard]] const std::vector<Annotation>& annotations() const { return annotations_; }
    /// union_/intersection/difference: "UNION", "UNION ALL", "INTERSECT", "EXCEPT".
    void add_combination(std::string op, const Query& other);
    [[nodiscard]] bool is_combined() const { return !combined_.empty(); }
    /// prefetch_related("entries__authors"): paths loaded by one extra query per level.
    void add_prefetch(std::string path) { prefetch_.push_back(std::move(path)); }
    [[nodiscard]] const std::vector<std::string>& prefetch() const { return prefetch_; }
    /// Only rows linked to one of `keys` through the ManyToMany `field`'s link table (rows
    /// on its owner side when rows_are_owners), with that key as an extra last column.
    void add_link_filter(const FieldMeta& field, bool rows_are_owners, const std::vector<Value>& keys);

    // ---- state ------------------------------------------------------------------------
    [[nodiscard]] bool is_sliced() const { return low_ != 0 || high_.has_value(); }
    [[nodiscard]] bool matches_nothing() const;
    /// The alias chosen with using_db, or nullopt (the router decides per statement).
    [[nodiscard]] const std::optional<std::string>& chosen_alias() const { return alias_; }
    [[nodiscard]] bool is_ordered() const;
    /// The ordering in effect as names ("-pub_date"; Meta.ordering when none was given, with
    /// reverse() applied); FieldError when a term is an expression or random.
    [[nodiscard]] std::vector<std::string> ordering_names() const;
    [[nodiscard]] std::int64_t low() const { return low_; }
    [[nodiscard]] std::optional<std::int64_t> high() const { return high_; }
    [[nodiscard]] const sql::Expr& where() const { return where_; }
    /// The model's fields this query loads (all, unless only()/defer()).
    [[nodiscard]] std::vector<const FieldMeta*> loaded_fields() const;
    [[nodiscard]] bool loads_all_fields() const { return only_.empty() && defer_.empty(); }

    // ---- the SQL tree -----------------------------------------------------------------
    /// The one SELECT builder: every evaluation asks it for the rows, a count, an
    /// existence test, aggregates or a subquery column.
    [[nodiscard]] sql::Select build(const Selection& what) const;
    [[nodiscard]] sql::Select select() const { return build(Selection::rows()); }

    /// values("a", "b") / values_list(...): rows are these fields (paths, annotations);
    /// empty: every column and annotation.
    void set_values(std::vector<std::string> fields) { values_ = std::move(fields); }
    [[nodiscard]] bool is_values() const { return values_.has_value(); }
    /// The values() names in output order (every column and annotation when none were named).
    [[nodiscard]] std::vector<std::string> value_names() const;
    /// How each values() column reads back (its field, across relations too).
    [[nodiscard]] std::vector<const FieldMeta*> value_fields() const;

    /// One model loaded by select_related: its columns follow the main model's.
    struct Related {
        int parent;                ///< -1: the main model; else an index in related()
        const FieldMeta* field;    ///< the forward relation on the parent
        const ModelMeta* model;    ///< its target
        std::string alias;         ///< its table's alias in the query
    };
    [[nodiscard]] const std::vector<Related>& related() const { return related_; }
    /// UPDATE of every matching row; values are resolved and checked against the fields.
    [[nodiscard]] sql::Update update(const std::vector<Assignment>& set) const;
    /// DELETE of every matching row.
    [[nodiscard]] sql::Delete remove() const;
    /// The WHERE for a write: sliced queries become `pk IN (SELECT ...)`.
    [[nodiscard]] sql::Expr write_filter() const;

    /// A value checked and converted for a field (wrong types throw FieldError).
    [[nodiscard]] static Value clean_value(const ModelMeta& m, const FieldMeta& f, const Value& v);
    /// Resolves an expression (F, values, arithmetic) to SQL, adding joins F() paths need.
    [[nodiscard]] sql::Expr resolve(const ExpressionNode& e);

    /// A field path ("blog__owner__name") to its column, adding the joins it needs.
    [[nodiscard]] sql::Expr resolve_column(std::string_view path, const FieldMeta** field = nullptr);

   private:
    struct JoinState {
        sql::Join join;
        std::string key;   ///< parent alias + relation: joins with the same key are shared
        bool multi;        ///< to-many: shared only within one filter() call
        int filter_call;
    };
    struct Walk;  // path resolution state (query.cpp)

    /// `branch_negated`: some enclosing Q or exclude() is negated (to-many paths then
    /// become `pk IN (subquery)`, as Django's split_exclude); `negated`: the parity.
    sql::Expr resolve_q(const Q& q, bool negated, bool branch_negated, bool in_or);
    sql::Expr resolve_lookup(std::string_view path, const Operand& v, bool negated,
                             bool branch_negated, bool in_or);
    void add_condition(sql::Expr e, bool negate);
    void walk(Walk& w, const std::vector<std::string_view>& parts, bool stop_at_lookup);
    std::string join(const std::string& left_alias, const std::string& left_col,
                     const ModelMeta& right, const std::string& right_col, bool multi,
                     bool outer, bool reuse_any, const std::string& key);
    /// A path outside filter(): values(), order_by(), aggregates. Reuses any join and
    /// makes new ones LEFT OUTER where a row could miss (nullable or to-many), as Django.
    sql::Expr resolve_output_path(std::string_view path, const FieldMeta** field = nullptr);
    sql::Expr resolve_path(std::string_view path, const FieldMeta** field, bool output);

    // The builder's steps, on a copy of the query (resolving adds joins).
    [[nodiscard]] bool needs_wrapping() const;
    std::vector<sql::SelectItem> output_columns();
    std::vector<sql::OrderBy> resolve_ordering();
    sql::Select frame(std::vector<sql::SelectItem> columns);
    sql::Select rows_select();
    sql::Select aggregate_select(const Selection& what);
    sql::Select wrap_combination(sql::Select s) const;
    sql::Select wrap_window(sql::Select s) const;

    [[nodiscard]] const Annotation* find_annotation(std::string_view name) const;
    [[nodiscard]] bool has_aggregates() const;
    void add_grouping(sql::Select& s) const;

    std::vector<JoinState> joins_;
    std::vector<Annotation> annotations_;
    std::vector<std::string> group_values_;
    bool grouped_ = false;
    bool aggregate_ref_ = false;  ///< the filter being resolved names an aggregate annotation
    sql::Expr having_;
    sql::Expr window_where_;      ///< conditions on window annotations (the query is wrapped)
    bool window_ref_ = false;
    std::vector<std::string> prefetch_;
    std::vector<std::pair<std::string, std::shared_ptr<const Query>>> combined_;
    sql::Expr extra_column_;
    std::vector<Related> related_;
    int filter_call_ = 0;

    const ModelMeta* model_;
    sql::Expr where_;
    std::vector<OrderTerm> ordering_;
    std::optional<std::vector<std::string>> values_;
    bool explicit_ordering_ = false;
    bool reversed_ = false;
    bool distinct_ = false;
    bool for_update_ = false;
    std::int64_t low_ = 0;
    std::optional<std::int64_t> high_;
    std::vector<std::string> only_, defer_;
    std::optional<std::string> alias_;
};

}  // namespace dorm
