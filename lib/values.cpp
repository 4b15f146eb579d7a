// values(): a Query that selects named fields, run through the one SELECT builder.
#include "dorm/values.hpp"

#include "backend.hpp"
#include "dorm/error.hpp"
#include "dorm/queryset_core.hpp"

namespace dorm {

ValuesQuerySet::ValuesQuerySet(Query q, std::vector<std::string> fields)
    : q_(std::move(q)), fields_(std::move(fields)) {
    q_.set_values(fields_);
    (void)q_.value_fields();  // unknown names fail here, when values() is called
}

ValuesQuerySet ValuesQuerySet::filter(std::string_view path, Operand v) const {
    return with([&](ValuesQuerySet& c) { c.q_.add_filter(path, v, false); });
}
ValuesQuerySet ValuesQuerySet::filter(const Q& q) const {
    return with([&](ValuesQuerySet& c) { c.q_.add_filter(q, false); });
}
ValuesQuerySet ValuesQuerySet::exclude(std::string_view path, Operand v) const {
    return with([&](ValuesQuerySet& c) { c.q_.add_filter(path, v, true); });
}
ValuesQuerySet ValuesQuerySet::exclude(const Q& q) const {
    return with([&](ValuesQuerySet& c) { c.q_.add_filter(q, true); });
}
ValuesQuerySet ValuesQuerySet::ordered(std::vector<std::string> fields) const {
    return with([&](ValuesQuerySet& c) {
        if (fields.empty()) c.q_.clear_ordering();
        else c.q_.set_ordering(std::move(fields));
    });
}
ValuesQuerySet ValuesQuerySet::slice(std::int64_t low, std::optional<std::int64_t> high) const {
    return with([&](ValuesQuerySet& c) { c.q_.apply_slice(low, high); });
}
ValuesQuerySet ValuesQuerySet::distinct() const {
    return with([](ValuesQuerySet& c) { c.q_.set_distinct(); });
}
ValuesQuerySet ValuesQuerySet::annotate(const std::string& name, const Expression& e) const {
    return with([&](ValuesQuerySet& c) {
        if (c.fields_.empty()) c.fields_ = c.q_.value_names();  // values() then annotate: every field
        c.q_.set_group_by(c.fields_);
        c.q_.add_annotation(name, *e.node());
        c.fields_.push_back(name);
        c.q_.set_values(c.fields_);
    });
}

const Json& ValuesQuerySet::to_json() const {
    if (cache_) return *cache_;
    auto out = std::make_shared<Json>(Json::array());
    if (!q_.matches_nothing()) {
        std::vector<std::string> keys = q_.value_names();
        const auto fields = q_.value_fields();
        if (fields_.empty())
            for (std::size_t i = 0; i < keys.size(); ++i)
                if (fields[i]->relation) keys[i] += "_id";
        auto& c = detail::connection(detail::read_alias(q_));
        detail::Cursor cur(c, sql::compile(q_.select(), c.dialect()));
        while (cur.next()) {
            Json row = Json::object();
            for (std::size_t i = 0; i < keys.size(); ++i)
                row[keys[i]] = fields[i]->key_type() == ColumnType::Decimal
                                   ? dorm::to_json(detail::read_field(cur.row(), int(i), *fields[i]))
                                   : detail::column_json(cur.row(), int(i), fields[i]->key_type());
            out->push_back(std::move(row));
        }
    }
    cache_ = std::move(out);
    return *cache_;
}

ValuesQuerySet ValuesQuerySet::reverse() const {
    return with([](ValuesQuerySet& c) { c.q_.reverse(); });
}

std::string ValuesQuerySet::checked_name(const Aggregate& a) const {
    if (a.node()->filter)
        throw FieldError(q_.model().name + ": an aggregate with a filter needs a name: aggregate({{\"name\", ...}})");
    return a.default_name();
}

Json ValuesQuerySet::aggregate(const std::vector<NamedAggregate>& aggs) const {
    return detail::aggregate(q_, aggs);
}

std::vector<std::vector<Value>> ValuesQuerySet::fetch_list(const std::vector<std::string>& fields) const {
    if (q_.matches_nothing()) return {};
    return detail::fetch_values(q_, fields);
}

std::int64_t ValuesQuerySet::count() const {
    if (cache_) return std::int64_t(cache_->size());
    return q_.matches_nothing() ? 0 : detail::count(q_);
}

bool ValuesQuerySet::exists() const {
    if (cache_) return !cache_->empty();
    return !q_.matches_nothing() && detail::exists(q_);
}

}  // namespace dorm
