#include "dorm/values.hpp"

#include "backend.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/error.hpp"

namespace dorm {

ValuesQuerySet::ValuesQuerySet(Query q, std::vector<std::string> fields)
    : q_(std::move(q)), fields_(std::move(fields)) {
    (void)metas();  // unknown names fail here, when values() is called
}

ValuesQuerySet ValuesQuerySet::filter(std::string_view path, Operand v) const {
    ValuesQuerySet c = *this;
    c.q_.add_filter(path, v, false);
    return c;
}
ValuesQuerySet ValuesQuerySet::filter(const Q& q) const {
    ValuesQuerySet c = *this;
    c.q_.add_filter(q, false);
    return c;
}
ValuesQuerySet ValuesQuerySet::exclude(std::string_view path, Operand v) const {
    ValuesQuerySet c = *this;
    c.q_.add_filter(path, v, true);
    return c;
}
ValuesQuerySet ValuesQuerySet::exclude(const Q& q) const {
    ValuesQuerySet c = *this;
    c.q_.add_filter(q, true);
    return c;
}
ValuesQuerySet ValuesQuerySet::ordered(std::vector<std::string> fields) const {
    ValuesQuerySet c = *this;
    if (fields.empty()) c.q_.clear_ordering();
    else c.q_.set_ordering(std::move(fields));
    return c;
}
ValuesQuerySet ValuesQuerySet::slice(std::int64_t low, std::optional<std::int64_t> high) const {
    ValuesQuerySet c = *this;
    c.q_.apply_slice(low, high);
    return c;
}
ValuesQuerySet ValuesQuerySet::annotate(const std::string& name, const Expression& e) const {
    ValuesQuerySet c = *this;
    c.q_.set_group_by(c.fields_);
    c.q_.add_annotation(name, *e.node());
    c.fields_.push_back(name);
    return c;
}

ValuesQuerySet ValuesQuerySet::distinct() const {
    ValuesQuerySet c = *this;
    c.q_.set_distinct();
    return c;
}

// How each named field (or annotation) reads back: its FieldMeta, across relations too.
std::vector<const FieldMeta*> ValuesQuerySet::metas() const {
    std::vector<const FieldMeta*> out;
    Query q = q_;
    auto one = [&](const std::string& n) {
        for (const auto& a : q_.annotations())
            if (a.name == n) return static_cast<const FieldMeta*>(a.as_field.get());
        const FieldMeta* f = nullptr;
        (void)q.resolve_column(n, &f);
        return f;
    };
    if (fields_.empty()) {
        for (const FieldMeta* f : q_.model().columns) out.push_back(f);
        for (const auto& a : q_.annotations()) out.push_back(a.as_field.get());
    }
    for (const auto& n : fields_) out.push_back(one(n));
    return out;
}

Json ValuesQuerySet::to_json() const {
    Json out = Json::array();
    if (q_.matches_nothing()) return out;
    std::vector<std::string> names = fields_;
    if (names.empty()) {
        for (const FieldMeta* f : q_.model().columns) names.push_back(f->name);
        for (const auto& a : q_.annotations()) names.push_back(a.name);
    }
    const auto metas = this->metas();
    auto& c = detail::connection(q_.alias());
    detail::Cursor cur(c, sql::compile(q_.select_values(names), c.dialect()));
    while (cur.next()) {
        Json row = Json::object();
        for (std::size_t i = 0; i < names.size(); ++i)
            row[names[i]] = detail::column_json(cur.row(), int(i), metas[i]->type);
        out.push_back(std::move(row));
    }
    return out;
}

}  // namespace dorm
