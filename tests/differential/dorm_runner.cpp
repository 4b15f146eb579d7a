// The dorm side of the differential test: reads the chains that django_runner.py also
// evaluates, runs each through dorm's public API on the database Django made, and writes
// one result (or error) per chain, with the SQL that ran. The language is in README.md.
//
// usage: dorm_runner DB_PATH CHAINS_JSON OUT_JSON

#include <cstddef>
#include <exception>
#include <fstream>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <dorm/dorm.hpp>

namespace diff {

using dorm::Json;

// ---- the mirrored models (diffapp/models.py): the same tables, never created here ----

struct Author : dorm::Model<Author> {
    std::string name;
    int age = 0;
    std::optional<std::string> email;
    static void define(dorm::Schema<Author>& s) {
        s.table("diff_author");
        s.field(&Author::name, "name").max_length(100);
        s.field(&Author::age, "age").default_value(0);
        s.field(&Author::email, "email").max_length(100);
        s.ordering({"name"});
    }
};

struct Blog : dorm::Model<Blog> {
    std::string name;
    dorm::ForeignKey<Author> owner;
    static void define(dorm::Schema<Blog>& s) {
        s.table("diff_blog");
        s.field(&Blog::name, "name").max_length(100);
        s.field(&Blog::owner, "owner").on_delete(dorm::Cascade).related_name("blogs");
    }
};

struct Entry : dorm::Model<Entry> {
    dorm::ForeignKey<Blog> blog;
    std::string headline;
    std::string body_text;
    dorm::Date pub_date{};
    int rating = 0;
    int n_comments = 0;
    bool published = false;
    dorm::ForeignKey<Author> editor;
    dorm::ManyToMany<Author> authors;
    static void define(dorm::Schema<Entry>& s) {
        s.table("diff_entry");
        s.field(&Entry::blog, "blog").on_delete(dorm::Cascade).related_name("entries");
        s.field(&Entry::headline, "headline").max_length(255);
        s.field(&Entry::body_text, "body_text");
        s.field(&Entry::pub_date, "pub_date");
        s.field(&Entry::rating, "rating");
        s.field(&Entry::n_comments, "n_comments");
        s.field(&Entry::published, "published").default_value(false);
        s.field(&Entry::editor, "editor").null().on_delete(dorm::SetNull).related_name("edited");
        // Default link table and columns on purpose: they must be Django's
        // (diff_entry_authors, entry_id, author_id).
        s.field(&Entry::authors, "authors").related_name("entries");
    }
};

// ---- chain values, conditions, aggregates ---------------------------------------------

dorm::Value scalar(const Json& v) {
    if (v.is_null()) return nullptr;
    if (v.is_boolean()) return v.get<bool>();
    if (v.is_number_integer()) return v.get<std::int64_t>();
    if (v.is_number_float()) return v.get<double>();
    if (v.is_string()) return v.get<std::string>();
    if (v.is_object() && v.contains("date")) {
        auto d = dorm::parse_date(v["date"].get<std::string>());
        if (!d) throw std::runtime_error("bad date in chain: " + v.dump());
        return *d;
    }
    throw std::runtime_error("not a scalar in chain: " + v.dump());
}

dorm::Aggregate aggregate(const Json& a);

dorm::Expression expression(const Json& v) {
    if (v.is_object() && v.contains("F")) return dorm::F(v["F"].get<std::string>());
    if (v.is_object() && v.contains("agg")) return aggregate(v);
    if (v.is_object() && v.contains("expr")) {
        const auto& e = v["expr"];
        const auto op = e[0].get<std::string>();
        auto a = expression(e[1]), b = expression(e[2]);
        if (op == "+") return a + b;
        if (op == "-") return a - b;
        if (op == "*") return a * b;
        if (op == "/") return a / b;
        throw std::runtime_error("unknown operator in chain: " + op);
    }
    return dorm::Expression(scalar(v));
}

dorm::Operand operand(const Json& v) {
    if (v.is_array()) {
        std::vector<dorm::Value> list;
        for (const auto& x : v) list.push_back(scalar(x));
        return list;
    }
    if (v.is_object() && (v.contains("F") || v.contains("expr"))) return expression(v);
    return scalar(v);
}

dorm::Q condition(const Json& c) {
    if (c.is_array()) return dorm::Q(c[0].get<std::string>(), operand(c[1]));
    if (c.contains("not")) return ~condition(c["not"]);
    const bool all = c.contains("and");
    const auto& parts = all ? c["and"] : c["or"];
    dorm::Q out = condition(parts[0]);
    for (std::size_t i = 1; i < parts.size(); ++i)
        out = all ? (out & condition(parts[i])) : (out | condition(parts[i]));
    return out;
}

dorm::Aggregate aggregate(const Json& a) {
    dorm::AggregateOptions o;
    o.distinct = a.value("distinct", false);
    if (a.contains("filter")) o.filter = condition(a["filter"]);
    const auto fn = a["agg"].get<std::string>();
    const auto path = a["path"].get<std::string>();
    if (fn == "Count") return dorm::Count(path, o);
    if (fn == "Sum") return dorm::Sum(path, o);
    if (fn == "Avg") return dorm::Avg(path, o);
    if (fn == "Min") return dorm::Min(path, o);
    if (fn == "Max") return dorm::Max(path, o);
    throw std::runtime_error("unknown aggregate in chain: " + fn);
}

// ---- results as JSON (values through dorm::to_json: dates as ISO text) ----------------

template <class Tuple>
Json tuple_json(const Tuple& t) {
    Json row = Json::array();
    std::apply([&](const auto&... v) { (row.push_back(dorm::to_json(v)), ...); }, t);
    return row;
}

// A call with as many string arguments as the vector holds: order_by, values and
// values_list are variadic, the chain's name lists are known at run time.
template <class Fn>
auto spread(const std::vector<std::string>& v, Fn&& fn) {
    auto call = [&]<std::size_t... I>(std::index_sequence<I...>) { return fn(v[I]...); };
    switch (v.size()) {
        case 0: return call(std::make_index_sequence<0>{});
        case 1: return call(std::make_index_sequence<1>{});
        case 2: return call(std::make_index_sequence<2>{});
        case 3: return call(std::make_index_sequence<3>{});
        case 4: return call(std::make_index_sequence<4>{});
        case 5: return call(std::make_index_sequence<5>{});
        case 6: return call(std::make_index_sequence<6>{});
        default: throw std::runtime_error("more than 6 names in one op");
    }
}

template <class>
using AsValue = dorm::Value;

// ---- one chain ------------------------------------------------------------------------

// The queryset being built: model rows until values(), JSON rows after it.
template <class M>
struct Chain {
    dorm::QuerySet<M> qs = M::objects().all();
    std::optional<dorm::ValuesQuerySet> values;
    std::optional<std::vector<std::string>> values_list;

    void where(const Json& c, bool negate) {
        if (c.is_array()) {  // a leaf goes through filter(path, value), a tree through Q
            const auto path = c[0].get<std::string>();
            if (values) values = negate ? values->exclude(path, operand(c[1])) : values->filter(path, operand(c[1]));
            else qs = negate ? qs.exclude(path, operand(c[1])) : qs.filter(path, operand(c[1]));
            return;
        }
        const auto q = condition(c);
        if (values) values = negate ? values->exclude(q) : values->filter(q);
        else qs = negate ? qs.exclude(q) : qs.filter(q);
    }

    void order_by(const std::vector<std::string>& keys) {
        if (values) values = spread(keys, [&](const auto&... k) { return values->order_by(k...); });
        else qs = spread(keys, [&](const auto&... k) { return qs.order_by(k...); });
    }

    void annotate(const Json& named) {
        for (const auto& [name, e] : named.items()) {
            if (values) values = values->annotate(name, expression(e));
            else qs = qs.annotate(name, expression(e));
        }
    }

    void slice(const Json& low, const Json& high) {
        std::optional<std::int64_t> h;
        if (!high.is_null()) h = high.get<std::int64_t>();
        if (values) values = values->slice(low.get<std::int64_t>(), h);
        else qs = qs.slice(low.get<std::int64_t>(), h);
    }

    void apply(const Json& op) {
        const auto name = op[0].get<std::string>();
        if (values_list) throw std::runtime_error("runner: values_list must be the last op");
        if (name == "filter" || name == "exclude") where(op[1], name == "exclude");
        else if (name == "order_by") order_by(op[1].get<std::vector<std::string>>());
        else if (name == "distinct") values ? void(values = values->distinct()) : void(qs = qs.distinct());
        else if (name == "reverse") values ? void(values = values->reverse()) : void(qs = qs.reverse()); else if (name == "slice") slice(op[1], op[2]);
        else if (name == "annotate") annotate(op[1]);
        else if (name == "values") {
            if (values) throw dorm::NotSupportedError("runner: ValuesQuerySet has no values()");
            values = spread(op[1].get<std::vector<std::string>>(),
                            [&](const auto&... f) { return qs.values(f...); });
        } else if (name == "values_list") values_list = op[1].get<std::vector<std::string>>();
        else throw std::runtime_error("unknown op in chain: " + name);
    }

    Json list_rows() const {
        if (values) throw dorm::NotSupportedError("runner: ValuesQuerySet has no values_list()");
        return spread(*values_list, [&](const auto&... f) -> Json {
            if constexpr (sizeof...(f) == 0) {
                throw dorm::NotSupportedError("runner: values_list() needs names in dorm");
            } else {
                Json rows = Json::array();
                auto got = qs.template values_list<AsValue<decltype(f)>...>(f...);
                for (const auto& r : got) {
                    if constexpr (sizeof...(f) == 1) rows.push_back(Json::array({dorm::to_json(r)}));
                    else rows.push_back(tuple_json(r));
                }
                return rows;
            }
        });
    }

    Json model_rows(const Json& read) const {
        Json rows = Json::array();
        for (const M& o : qs) {
            Json row = Json::array({o.id});
            for (const auto& n : read) row.push_back(dorm::to_json(o.template annotation<dorm::Value>(n.get<std::string>())));
            rows.push_back(std::move(row));
        }
        return rows;
    }

    Json aggregate_of(const Json& spec) const {
        std::vector<dorm::NamedAggregate> a;
        for (const auto& [name, e] : spec.items()) a.emplace_back(name, aggregate(e));
        if (values) return values->aggregate(a);
        switch (a.size()) {  // aggregate() takes a braced list
            case 1: return qs.aggregate({a[0]});
            case 2: return qs.aggregate({a[0], a[1]});
            case 3: return qs.aggregate({a[0], a[1], a[2]});
            case 4: return qs.aggregate({a[0], a[1], a[2], a[3]});
            default: throw std::runtime_error("runner: 1 to 4 aggregates");
        }
    }

    Json edge(bool last) const {
        if (values) throw dorm::NotSupportedError("runner: ValuesQuerySet has no first()/last()");
        auto o = last ? qs.last() : qs.first();
        return o ? Json(o->id) : Json(nullptr);
    }

    Json evaluate(const Json& chain) const {
        const auto kind = chain["eval"].get<std::string>();
        if (kind == "values") return values ? values->to_json() : qs.values().to_json();
        if (kind == "values_list") return list_rows();
        if (kind == "count") return values ? values->count() : qs.count();
        if (kind == "exists") return values ? values->exists() : qs.exists();
        if (kind == "aggregate") return aggregate_of(chain["aggregate"]);
        if (values) throw dorm::NotSupportedError("runner: ValuesQuerySet has no " + kind + "()");
        if (kind == "pks") return model_rows(chain.value("read", Json::array()));
        if (kind == "first" || kind == "last") return edge(kind == "last");
        throw std::runtime_error("unknown eval in chain: " + kind);
    }

    // What would run, for a chain that failed before running anything.
    std::string planned_sql() const {
        try {
            return values ? std::string("(values) ") + dorm::detail::sql_of(values->query()).text : qs.sql().text;
        } catch (const std::exception& e) {
            return std::string("(no SQL: ") + e.what() + ")";
        }
    }
};

std::string with_params(const dorm::CaptureQueries::Query& q) {
    if (q.params.empty()) return q.sql;
    std::string out = q.sql + "  -- params:";
    for (const auto& p : q.params) out += " " + p.repr();
    return out;
}

template <class M>
Json run(const Json& chain) {
    Json out = Json::object();
    Chain<M> c;
    dorm::CaptureQueries captured;
    try {
        for (const auto& op : chain["ops"]) c.apply(op);
        out["result"] = c.evaluate(chain);
    } catch (const std::exception& e) {  // a refused chain is a result too: the error
        out["error"] = e.what();
    }
    Json sql = Json::array();
    for (const auto& q : captured.queries()) sql.push_back(with_params(q));
    if (sql.empty()) sql.push_back("(not run) " + c.planned_sql());
    out["sql"] = std::move(sql);
    return out;
}

Json run_any(const Json& chain) {
    const auto model = chain["model"].get<std::string>();
    if (model == "Author") return run<Author>(chain);
    if (model == "Blog") return run<Blog>(chain);
    if (model == "Entry") return run<Entry>(chain);
    return Json{{"error", "runner: unknown model " + model}, {"sql", Json::array()}};
}

}  // namespace diff

int main(int argc, char** argv) {
    if (argc != 4) {
        std::cerr << "usage: dorm_runner DB_PATH CHAINS_JSON OUT_JSON\n";
        return 2;
    }
    try {
        dorm::connect(std::string("sqlite3://") + argv[1]);
        dorm::register_models<diff::Author, diff::Blog, diff::Entry>();
        std::ifstream in(argv[2]);
        const auto chains = diff::Json::parse(in);
        diff::Json results = diff::Json::object();
        for (const auto& chain : chains) results[chain["id"].get<std::string>()] = diff::run_any(chain);
        std::ofstream(argv[3]) << results.dump(0, ' ', false, diff::Json::error_handler_t::replace);
    } catch (const std::exception& e) {
        std::cerr << "dorm_runner: " << e.what() << "\n";
        return 1;
    }
    return 0;
}
