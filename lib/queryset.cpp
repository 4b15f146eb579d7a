// The engine under QuerySet<T>: compiles a Query for the alias's dialect, runs it, and
// hydrates rows straight into members through FieldAccess.
#include "dorm/queryset_core.hpp"

#include <cmath>

#include "backend.hpp"
#include "hydrator.hpp"
#include "writes.hpp"
#include "dorm/error.hpp"
#include "dorm/json.hpp"
#include "dorm/relations.hpp"
#include "dorm/routing.hpp"
#include "dorm/transaction.hpp"

namespace dorm::detail {

std::string read_alias(const Query& q) { return route(q.model(), Intent::read, q.chosen_alias()); }

void check_chainable(const Query& q, bool filtering) {
    if (filtering && q.is_combined())
        throw NotSupportedError("Calling filter() or exclude() after union_()/intersection()/difference() is not supported (" +
                                q.model().name + ")");
    if (q.is_sliced())
        throw NotSupportedError("Cannot filter or reorder a query once a slice has been taken (" + q.model().name + ")");
}

void fetch(const Query& q, RowSink& sink) { fetch(q, sink, nullptr); }

namespace {
// The one loop that turns a query's rows into objects: `make(row, base)` gives each row its
// new object.
template <class Make>
void fetch_rows(const Query& q, Make&& make, std::vector<Value>* extra) {
    const std::string alias = read_alias(q);
    Connection& c = connection(alias);
    Cursor cur(c, sql::compile(q.select(), c.dialect()));
    const Row& row = cur.row();
    const Hydrator hydrator(q, alias);
    void* last = nullptr;
    std::size_t rows = 0;
    while (cur.next()) {
        ModelBase* base = nullptr;
        void* obj = make(hydrator, row, base);
        hydrator.fill(obj, *base, row);
        if (extra) extra->push_back(row.get_value(row.columns() - 1));
        last = obj;
        ++rows;
    }
    if (rows == 1) hydrator.single_row(last);
}
}  // namespace

void fetch(const Query& q, RowSink& sink, std::vector<Value>* extra) {
    fetch_rows(q, [&](const Hydrator&, const Row&, ModelBase*& base) { return sink.emplace(base); }, extra);
}

void fetch_placed(const Query& q, const FieldMeta& key_field,
                  const std::function<void*(const Value& key, ModelBase*& base)>& place) {
    int col = -2;  // found on the first row
    const sql::ColumnType type = key_field.key_type();
    fetch_rows(q, [&](const Hydrator& h, const Row& row, ModelBase*& base) {
        if (col == -2) col = h.column_of(key_field);
        if (col < 0) throw Error(q.model().name + "." + key_field.name + " is not loaded: cannot group the rows by it");
        return place(read_key(row, col, type), base);
    }, nullptr);
}

std::int64_t count(const Query& q) {
    Connection& c = connection(read_alias(q));
    Cursor cur(c, sql::compile(q.build(Selection::count()), c.dialect()));
    return cur.next() ? cur.row().get_int64(0) : 0;
}

bool exists(const Query& q) {
    Connection& c = connection(read_alias(q));
    Cursor cur(c, sql::compile(q.build(Selection::exists()), c.dialect()));
    return cur.next();
}

std::int64_t update(const Query& q, const std::vector<Assignment>& set) {
    sql::Update u = q.update(set);
    for (std::size_t i = 0; i < set.size(); ++i) {
        const FieldMeta& f = q.model().field(set[i].field);
        if (!f.nullable && u.set[i].second->kind == sql::Kind::Param && u.set[i].second->value.is_null())
            throw IntegrityError(q.model().name + "." + f.name + " cannot be NULL (update() with NULL)");
    }
    Connection& c = connection(route(q.model(), Intent::write, q.chosen_alias()));
    try {
        Cursor cur(c, sql::compile(u, c.dialect()));
        cur.next();
        return cur.stmt().changes();
    } catch (const IntegrityError& e) {
        rethrow_integrity(q.model(), nullptr, e);
    }
}

Sql sql_of(const Query& q) { return sql::compile(q.select(), connection(read_alias(q)).dialect()); }

std::string explain(const Query& q) {
    Connection& c = connection(read_alias(q));
    Sql s = sql::compile(q.select(), c.dialect());
    s.text = c.dialect().explain_prefix() + s.text;
    Cursor cur(c, s);
    std::string out;
    while (cur.next()) {
        std::string line;
        for (int i = 0; i < cur.row().columns(); ++i)
            line += (i ? " " : "") + cur.row().get_value(i).to_string();
        out += (out.empty() ? "" : "\n") + line;
    }
    return out;
}

// A column as JSON by its SQL type: booleans as true/false, dates and datetimes as ISO
// text, JSON parsed.
Json column_json(const Row& row, int col, sql::ColumnType type) {
    if (row.is_null(col)) return nullptr;
    switch (type) {
        case sql::ColumnType::Decimal: return row.get_decimal(col).to_string();  // exact, as text
        case sql::ColumnType::Uuid: return row.get_uuid(col).to_string();
        case sql::ColumnType::Boolean: return row.get_bool(col);
        case sql::ColumnType::Integer:
        case sql::ColumnType::BigInt: return row.get_int64(col);
        case sql::ColumnType::Real: return row.get_double(col);
        case sql::ColumnType::Date: return format_date(row.get_date(col));
        case sql::ColumnType::DateTime: return format_datetime(row.get_datetime(col));
        case sql::ColumnType::Json: {
            auto t = row.get_text(col);
            return Json::parse(t.begin(), t.end());
        }
        default: return std::string(row.get_text(col));
    }
}

Json aggregate(const Query& q, const std::vector<NamedAggregate>& aggs) {
    Selection what{Selection::Kind::Aggregate, {}};
    for (const auto& a : aggs) what.aggregates.emplace_back(a.name, a.aggregate.node());
    sql::Select s = q.build(what);
    Connection& c = connection(read_alias(q));
    Json out = Json::object();
    const bool none = q.matches_nothing();
    std::optional<Cursor> cur;
    if (!none) {
        cur.emplace(c, sql::compile(s, c.dialect()));
        if (!cur->next()) cur.reset();
    }
    for (std::size_t i = 0; i < aggs.size(); ++i) {
        const bool count = aggs[i].aggregate.node()->name == "COUNT";
        if (!cur) {
            out[aggs[i].name] = count ? Json(0) : Json(nullptr);
            continue;
        }
        out[aggs[i].name] = column_json(cur->row(), int(i), s.columns[i].expr->type);
    }
    return out;
}

Sql raw_sql(const std::string& text, std::vector<Value> params, const sql::Dialect& d, const std::string& who) {
    // %s -> the dialect's placeholder; %% -> %
    Sql s;
    s.params = std::move(params);
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == 's') {
            d.placeholder(s.text, n++);
            ++i;
        } else if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '%') {
            s.text += '%';
            ++i;
        } else {
            s.text += text[i];
        }
    }
    if (n != s.params.size())
        throw FieldError(who + ": " + std::to_string(n) + " %s placeholders but " +
                         std::to_string(s.params.size()) + " values");
    return s;
}

void fetch_raw(const ModelMeta& m, const std::optional<std::string>& chosen, const std::string& text,
               const std::vector<Value>& params, RowSink& sink) {
    const std::string alias = route(m, Intent::read, chosen);
    Connection& c = connection(alias);
    Sql s = raw_sql(text, params, c.dialect(), m.name + ".raw()");
    Cursor cur(c, std::move(s));
    std::optional<Hydrator> hydrator;  // columns by name, known once the statement has run
    while (cur.next()) {
        if (!hydrator) hydrator.emplace(m, alias, chosen.has_value(), cur.row());
        ModelBase* base = nullptr;
        void* obj = sink.emplace(base);
        hydrator->fill(obj, *base, cur.row());
    }
}

std::vector<std::vector<Value>> fetch_values(const Query& q, const std::vector<std::string>& fields) {
    Query values = q;
    values.set_values(fields);
    Connection& c = connection(read_alias(q));
    Cursor cur(c, sql::compile(values.select(), c.dialect()));
    std::vector<std::vector<Value>> out;
    const std::size_t n = fields.size();  // columns past these only serve DISTINCT ... ORDER BY
    const auto typed = values.value_fields();
    while (cur.next()) {
        auto& r = out.emplace_back();
        r.reserve(n);
        for (std::size_t i = 0; i < n; ++i) r.push_back(read_field(cur.row(), int(i), *typed[i]));
    }
    return out;
}

void assign_lookups(const ModelMeta& m, void* obj, const std::vector<Q>& lookups) {
    for (const Q& q : lookups) {
        if (q.kind() != Q::Kind::Leaf) {
            if (q.kind() == Q::Kind::And && !q.negated()) assign_lookups(m, obj, q.children());
            continue;
        }
        if (q.negated() || q.value().kind() != Operand::Kind::Value) continue;
        std::string_view path = q.path();
        if (path.size() > 7 && path.substr(path.size() - 7) == "__exact") path.remove_suffix(7);
        if (path.find("__") != std::string_view::npos) continue;
        const FieldMeta& f = m.field(path, q.path());
        f.access->set(obj, Query::clean_value(m, f, q.value().value()));
    }
}

bool connection_supports_for_update(const std::string& alias) {
    return connection(alias).dialect().features().select_for_update;
}

std::string write_alias(const ModelMeta& m, const std::optional<std::string>& chosen) {
    return route(m, Intent::write, chosen);
}

std::string does_not_exist_message(const ModelMeta& m) {
    return m.name + " matching query does not exist.";
}

std::string multiple_objects_message(const ModelMeta& m, std::size_t n) {
    return "get() returned more than one " + m.name + " -- it returned " +
           (std::int64_t(n) >= kMaxGetResults ? "more than " + std::to_string(kMaxGetResults - 1)
                                              : std::to_string(n)) +
           "!";
}

// iterator(): rows one at a time. SQLite steps its statement (nothing is buffered); where
// the dialect has server-side cursors (PostgreSQL), rows come chunk_size at a time from a
// cursor declared for the query, so memory stays flat however many rows there are.
struct Stream::Impl {
    Impl(const Query& q, std::size_t chunk) : Impl(q, read_alias(q), chunk) {}
    Impl(const Query& q, const std::string& alias, std::size_t chunk)
        : conn(connection(alias)), hydrator(q, alias), chunk_size(std::max<std::size_t>(1, chunk)) {
        Sql sql = sql::compile(q.select(), conn.dialect());
        // Without prepared statements (a transaction pooler), a cursor held across
        // transactions could be on another server by the next FETCH: outside a
        // transaction the rows come through one statement.
        const bool pooled_autocommit = !conn.prepared_statements && conn.savepoints.empty();
        if (!conn.dialect().features().server_side_cursors || pooled_autocommit) {
            cursor.emplace(conn, std::move(sql));
            return;
        }
        // Names by nesting depth: the same query declares the same text (one prepared statement).
        name = "_dorm_stream_" + std::to_string(depth++);
        const bool hold = conn.savepoints.empty();  // outside a transaction: WITH HOLD
        sql.text = conn.dialect().declare_cursor_sql(name, sql.text, hold);
        Cursor declare(conn, std::move(sql));
        declare.next();
        declared = true;
        fetch_sql = conn.dialect().fetch_cursor_sql(name, chunk_size);
        cursor.emplace(conn, Sql{fetch_sql, {}});
    }
    ~Impl() {
        cursor.reset();
        if (!declared) return;
        --depth;
        try {
            if (conn.alive()) conn.execute(conn.dialect().close_cursor_sql(name));
        } catch (const Error&) {  // the transaction it lived in is gone: so is the cursor
        }
    }
    bool next() {
        if (cursor->next()) {
            ++in_chunk;
            return true;
        }
        if (!declared || in_chunk < chunk_size) return false;  // a short chunk was the last
        in_chunk = 0;
        cursor.emplace(conn, Sql{fetch_sql, {}});
        return next();
    }
    Connection& conn;
    Hydrator hydrator;
    std::size_t chunk_size;
    std::string name, fetch_sql;
    bool declared = false;
    std::size_t in_chunk = 0;
    std::optional<Cursor> cursor;
    static thread_local int depth;
};

thread_local int Stream::Impl::depth = 0;

Stream::Stream(const Query& q, std::size_t chunk_size) : impl_(std::make_unique<Impl>(q, chunk_size)) {}
Stream::~Stream() = default;

bool Stream::next(void* obj, ModelBase& base) {
    if (!impl_->next()) return false;
    impl_->hydrator.fill(obj, base, impl_->cursor->row());
    return true;
}

}  // namespace dorm::detail
