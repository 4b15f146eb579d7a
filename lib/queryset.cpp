// The engine under QuerySet<T>: compiles a Query for the alias's dialect, runs it, and
// hydrates rows straight into members through FieldAccess.
#include "dorm/queryset_core.hpp"

#include <cmath>

#include "backend.hpp"
#include "writes.hpp"
#include "dorm/error.hpp"
#include "dorm/transaction.hpp"

namespace dorm::detail {

namespace {

std::vector<const FieldMeta*> deferred_of(const ModelMeta& m,
                                          const std::vector<const FieldMeta*>& loaded) {
    std::vector<const FieldMeta*> out;
    if (loaded.size() == m.columns.size()) return out;
    for (const FieldMeta* f : m.columns)
        if (std::find(loaded.begin(), loaded.end(), f) == loaded.end()) out.push_back(f);
    return out;
}

// Per-row bookkeeping beyond the members, only when there is any.
void mark(ModelBase& base, const std::string& alias, const std::vector<const FieldMeta*>& deferred) {
    if (alias != "default") base.set_alias(alias);
    if (!deferred.empty()) base.state().deferred = deferred;
}

}  // namespace

namespace {

// select_related: the joined models' columns follow the main ones; each goes into the
// cache of the relation member on its parent. A NULL key means no related row.
void hydrate_related(const Query& q, void* obj, const Row& row, int col) {
    const auto& related = q.related();
    void* made[16] = {};
    std::vector<void*> more(related.size() > 16 ? related.size() : 0);
    void** objs = related.size() > 16 ? more.data() : made;
    for (std::size_t i = 0; i < related.size(); ++i) {
        const Query::Related& r = related[i];
        const int n = int(r.model->columns.size());
        void* parent = r.parent < 0 ? obj : objs[r.parent];
        objs[i] = nullptr;
        if (parent && !row.is_null(col + int(r.model->pk_column))) {
            void* child = r.field->access->cached(parent, true);
            for (int j = 0; j < n; ++j) r.model->columns[std::size_t(j)]->access->read(child, row, col + j);
            for (const FieldMeta* f : r.model->relations) f->access->attach(child, true);
            if (q.alias() != "default") r.model->ops.base(child)->set_alias(q.alias());
            objs[i] = child;
        }
        col += n;
    }
}

}  // namespace

void fetch(const Query& q, RowSink& sink) { fetch(q, sink, nullptr); }

void fetch(const Query& q, RowSink& sink, std::vector<std::int64_t>* extra) {
    Connection& c = connection(q.alias());
    const ModelMeta& m = q.model();
    Cursor cur(c, sql::compile(q.select(), c.dialect()));
    const Row& row = cur.row();
    const bool plain = q.alias() == "default";
    const bool all = q.loads_all_fields();
    const std::vector<const FieldMeta*> chosen = all ? std::vector<const FieldMeta*>{} : q.loaded_fields();
    const auto& fields = all ? m.columns : chosen;
    const auto deferred = all ? std::vector<const FieldMeta*>{} : deferred_of(m, fields);
    const int n = int(fields.size());
    const bool related = !q.related().empty();
    void* last = nullptr;
    std::size_t rows = 0;
    std::shared_ptr<const std::vector<std::string>> annotation_names;
    if (!q.annotations().empty()) {
        auto names = std::make_shared<std::vector<std::string>>();
        for (const auto& a : q.annotations()) names->push_back(a.name);
        annotation_names = std::move(names);
    }
    while (cur.next()) {
        ModelBase* base = nullptr;
        void* obj = sink.emplace(base);
        for (int i = 0; i < n; ++i) fields[std::size_t(i)]->access->read(obj, row, i);
        if (!plain || !deferred.empty()) mark(*base, q.alias(), deferred);
        for (const FieldMeta* f : m.relations) f->access->attach(obj, true);
        if (related) hydrate_related(q, obj, row, n);
        if (!q.annotations().empty()) {
            int col = n;
            for (const auto& r : q.related()) col += int(r.model->columns.size());
            auto& st = base->state();
            st.annotation_names = annotation_names;
            st.annotations.reserve(q.annotations().size());
            for (std::size_t k = 0; k < q.annotations().size(); ++k) st.annotations.push_back(row.get_value(col++));
        }
        if (extra) extra->push_back(row.get_int64(row.columns() - 1));
        last = obj;
        ++rows;
    }
    // One row is not an N+1 pattern: its relations may load lazily without a warning.
    if (rows == 1)
        for (const FieldMeta* f : m.relations) f->access->attach(last, false);
}

std::int64_t count(const Query& q) {
    Connection& c = connection(q.alias());
    Cursor cur(c, sql::compile(q.select_count(), c.dialect()));
    return cur.next() ? cur.row().get_int64(0) : 0;
}

bool exists(const Query& q) {
    Connection& c = connection(q.alias());
    Cursor cur(c, sql::compile(q.select_exists(), c.dialect()));
    return cur.next();
}

std::int64_t update(const Query& q, const std::vector<Assignment>& set) {
    sql::Update u = q.update(set);
    for (std::size_t i = 0; i < set.size(); ++i) {
        const FieldMeta& f = q.model().field(set[i].field);
        if (!f.nullable && u.set[i].second->kind == sql::Kind::Param && u.set[i].second->value.is_null())
            throw IntegrityError(q.model().name + "." + f.name + " cannot be NULL (update() with NULL)");
    }
    Connection& c = connection(q.alias());
    try {
        Cursor cur(c, sql::compile(u, c.dialect()));
        cur.next();
        return cur.stmt().changes();
    } catch (const IntegrityError& e) {
        rethrow_integrity(q.model(), nullptr, e);
    }
}

Sql sql_of(const Query& q) { return sql::compile(q.select(), connection(q.alias()).dialect()); }

std::string explain(const Query& q) {
    Connection& c = connection(q.alias());
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
        case sql::ColumnType::Bool: return row.get_bool(col);
        case sql::ColumnType::Integer:
        case sql::ColumnType::BigInt: return row.get_int64(col);
        case sql::ColumnType::Double: return row.get_double(col);
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
    Query copy = q;
    std::vector<std::pair<std::string, const ExpressionNode*>> nodes;
    for (const auto& a : aggs) nodes.emplace_back(a.name, a.aggregate.node().get());
    sql::Select s = copy.select_aggregate(nodes);
    Connection& c = connection(q.alias());
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

void fetch_raw(const ModelMeta& m, const std::string& alias, const std::string& text,
               const std::vector<Value>& params, RowSink& sink) {
    Connection& c = connection(alias);
    // %s -> the dialect's placeholder; %% -> %
    Sql s;
    s.params = params;
    std::size_t n = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == 's') {
            c.dialect().placeholder(s.text, n++);
            ++i;
        } else if (text[i] == '%' && i + 1 < text.size() && text[i + 1] == '%') {
            s.text += '%';
            ++i;
        } else {
            s.text += text[i];
        }
    }
    if (n != params.size())
        throw FieldError(m.name + ".raw(): " + std::to_string(n) + " %s placeholders but " +
                         std::to_string(params.size()) + " values");
    Cursor cur(c, std::move(s));
    std::vector<const FieldMeta*> fields;
    bool mapped = false;
    while (cur.next()) {
        if (!mapped) {  // columns by name: unknown ones are left out, as Django keeps them aside
            for (int i = 0; i < cur.row().columns(); ++i) fields.push_back(m.find(cur.row().column_name(i)));
            if (std::none_of(fields.begin(), fields.end(), [&](const FieldMeta* f) { return f && f->primary_key; }))
                throw FieldError(m.name + ".raw(): the query must select the primary key (" + m.pk_field().column + ")");
            mapped = true;
        }
        ModelBase* base = nullptr;
        void* obj = sink.emplace(base);
        for (std::size_t i = 0; i < fields.size(); ++i)
            if (fields[i] && fields[i]->has_column()) fields[i]->access->read(obj, cur.row(), int(i));
        for (const FieldMeta* f : m.relations) f->access->attach(obj, true);
        if (alias != "default") base->set_alias(alias);
    }
}

std::vector<std::vector<Value>> fetch_values(const Query& q, const std::vector<std::string>& fields) {
    Connection& c = connection(q.alias());
    Cursor cur(c, sql::compile(q.select_values(fields), c.dialect()));
    std::vector<std::vector<Value>> out;
    while (cur.next()) {
        const int n = cur.row().columns();  // known once the statement has run
        auto& r = out.emplace_back();
        r.reserve(std::size_t(n));
        for (int i = 0; i < n; ++i) r.push_back(cur.row().get_value(i));
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

std::string does_not_exist_message(const ModelMeta& m) {
    return m.name + " matching query does not exist.";
}

std::string multiple_objects_message(const ModelMeta& m, std::size_t n) {
    return "get() returned more than one " + m.name + " -- it returned " +
           (std::int64_t(n) >= kMaxGetResults ? "more than " + std::to_string(kMaxGetResults - 1)
                                              : std::to_string(n)) +
           "!";
}

struct Stream::Impl {
    Impl(const Query& q)
        : query(q),
          conn(connection(q.alias())),
          fields(q.loaded_fields()),
          deferred(deferred_of(q.model(), fields)),
          cursor(conn, sql::compile(q.select(), conn.dialect())) {}
    Query query;
    Connection& conn;
    std::vector<const FieldMeta*> fields;
    std::vector<const FieldMeta*> deferred;
    Cursor cursor;
};

Stream::Stream(const Query& q) : impl_(std::make_unique<Impl>(q)) {}
Stream::~Stream() = default;

bool Stream::next(void* obj, ModelBase& base) {
    if (!impl_->cursor.next()) return false;
    for (std::size_t i = 0; i < impl_->fields.size(); ++i)
        impl_->fields[i]->access->read(obj, impl_->cursor.row(), int(i));
    mark(base, impl_->query.alias(), impl_->deferred);
    attach_relations(impl_->query.model(), obj, true);
    return true;
}

}  // namespace dorm::detail
