// Page arithmetic, and keyset pages: the cursor (the ordering and the last row's values,
// as base64url JSON) and the condition "after that row" in a total ordering.
#include "dorm/web/pagination.hpp"

#include "../backend.hpp"
#include "../detail/json_values.hpp"
#include "dorm/error.hpp"
#include "dorm/json.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/serialization.hpp"
#include "dorm/sql/dialect.hpp"

namespace dorm::detail {

PageSpan page_span(const ModelMeta&, std::int64_t number, std::int64_t size, std::int64_t count) {
    if (size < 1) throw ValidationError("page_size", "must be at least 1, got " + std::to_string(size));
    const std::int64_t pages = count == 0 ? 1 : (count + size - 1) / size;
    if (number < 1) throw ValidationError("page", "That page number is less than 1");
    if (number > pages)
        throw ValidationError("page", "That page contains no results (page " + std::to_string(number) + " of " +
                                          std::to_string(pages) + ")");
    return {count, pages, (number - 1) * size};
}

namespace {

struct Term {
    const FieldMeta* field;
    bool descending;
};

/// The ordering's fields; FieldError for a term that is not a column of the model.
std::vector<Term> terms_of(const ModelMeta& m, const std::vector<std::string>& ordering) {
    std::vector<Term> out;
    for (const auto& o : ordering) {
        const bool desc = !o.empty() && o[0] == '-';
        const std::string name = desc ? o.substr(1) : o;
        const FieldMeta* f = name.find("__") == std::string::npos ? m.find(name) : nullptr;
        if (!f || !f->has_column())
            throw FieldError(m.name + ": paginate_after orders by fields of the model only, not by '" + o +
                             "' (choices: " + m.field_names() + ")");
        out.push_back({f, desc});
    }
    return out;
}

std::string base64url(std::string_view text) {
    Blob b(text.size());
    for (std::size_t i = 0; i < text.size(); ++i) b[i] = std::byte(text[i]);
    std::string s = base64_encode(b);
    while (!s.empty() && s.back() == '=') s.pop_back();
    for (char& c : s) c = c == '+' ? '-' : c == '/' ? '_' : c;
    return s;
}

std::string from_base64url(std::string_view s) {
    std::string t(s);
    for (char& c : t) {
        if (c == '+' || c == '/' || c == '=') throw ValidationError("cursor", "is not a valid cursor");
        c = c == '-' ? '+' : c == '_' ? '/' : c;
    }
    Blob b;
    try {
        b = base64_decode(t);
    } catch (const Error&) {
        throw ValidationError("cursor", "is not a valid cursor");
    }
    return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

Q equal(const FieldMeta& f, const Value& v) {
    return v.is_null() ? Q(f.name + "__isnull", true) : Q(f.name, v);
}

}  // namespace

KeysetPlan keyset_plan(const Query& q, std::string_view cursor, std::int64_t size) {
    const ModelMeta& m = q.model();
    if (size < 1) throw ValidationError("page_size", "must be at least 1, got " + std::to_string(size));
    KeysetPlan plan{q.ordering_names(), Q()};
    std::vector<Term> terms = terms_of(m, plan.ordering);
    const bool total = !terms.empty() && (terms.back().field->primary_key ||
                                          (terms.back().field->unique && !terms.back().field->nullable));
    if (!total) {
        plan.ordering.push_back("-" + m.pk_field().name);
        terms.push_back({&m.pk_field(), true});
    }
    if (cursor.empty()) return plan;

    Json c;
    try {
        c = Json::parse(from_base64url(cursor));
    } catch (const Json::exception&) {
        throw ValidationError("cursor", "is not a valid cursor");
    }
    if (!c.is_object() || c.value("o", Json()) != Json(plan.ordering) || !c["v"].is_array() ||
        c["v"].size() != terms.size())
        throw ValidationError("cursor", "does not belong to this ordering");
    std::vector<Value> last;
    try {
        for (std::size_t i = 0; i < terms.size(); ++i) last.push_back(field_value(c["v"][i], *terms[i].field));
    } catch (const BadValue&) {
        throw ValidationError("cursor", "is not a valid cursor");
    }

    // Rows after `last`: equal on the first i terms and after it on term i, for some i. NULLs
    // sort as the backend sorts them (lowest on SQLite, highest on PostgreSQL).
    // The dialect of the database the page is read from (its using_db, else the router's).
    const bool nulls_high = connection(read_alias(q)).dialect().features().nulls_sort_high;
    Q after;
    bool any = false;
    Q prefix;
    for (std::size_t i = 0; i < terms.size(); ++i) {
        const FieldMeta& f = *terms[i].field;
        const bool nulls_after = nulls_high != terms[i].descending;  // NULLs follow values this way
        std::optional<Q> beyond;
        if (last[i].is_null()) {
            if (!nulls_after) beyond = Q(f.name + "__isnull", false);
        } else {
            beyond = Q(f.name + (terms[i].descending ? "__lt" : "__gt"), last[i]);
            if (nulls_after && f.nullable) beyond = *beyond | Q(f.name + "__isnull", true);
        }
        if (beyond) {
            after = any ? (after | (prefix & *beyond)) : (prefix & *beyond);
            any = true;
        }
        prefix = prefix & equal(f, last[i]);
    }
    plan.after = any ? after : ~Q("pk__isnull", false);  // nothing is after the very last row
    return plan;
}

std::string keyset_cursor(const ModelMeta& m, const std::vector<std::string>& ordering, const void* obj) {
    Json values = Json::array();
    for (const Term& t : terms_of(m, ordering)) values.push_back(to_json(t.field->access->get(obj)));
    return base64url(Json{{"o", ordering}, {"v", values}}.dump());
}

}  // namespace dorm::detail
