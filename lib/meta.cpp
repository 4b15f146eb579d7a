#include "dorm/meta.hpp"

#include <algorithm>
#include <cctype>
#include <atomic>
#include <mutex>

#include "dorm/error.hpp"

namespace dorm {

ModelMeta::ModelMeta() = default;
ModelMeta::ModelMeta(ModelMeta&&) noexcept = default;
ModelMeta::~ModelMeta() = default;

namespace {
std::recursive_mutex registry_mutex;
std::vector<const ModelMeta*>& registry() {
    static std::vector<const ModelMeta*> r;
    return r;
}
std::size_t linked = 0;  // registry()[0, linked) have their reverse relations recorded
std::atomic<bool> needs_link{false};
}  // namespace

const ReverseRelation* ModelMeta::find_reverse(std::string_view n) const {
    detail::link_relations();
    for (const auto& r : reverse)
        if (r.name == n) return &r;
    return nullptr;
}

const ReverseRelation* ModelMeta::find_reverse_query(std::string_view n) const {
    detail::link_relations();
    for (const auto& r : reverse)
        if (r.query_name == n) return &r;
    return nullptr;
}

std::string ModelMeta::label() const {
    return app_label.empty() ? detail::lower_name(name) : app_label + "." + detail::lower_name(name);
}

const FieldMeta* ModelMeta::find(std::string_view n) const {
    if (n == "pk") return &fields[pk];
    for (const auto& f : fields)
        if (f.name == n) return &f;
    for (const auto& f : fields)
        if (f.column == n) return &f;
    return nullptr;
}

const FieldMeta& ModelMeta::field(std::string_view n, std::string_view context) const {
    if (const FieldMeta* f = find(n)) return *f;
    std::string msg = name + " has no field '" + std::string(n) + "'";
    if (!context.empty() && context != n) msg += " in '" + std::string(context) + "'";
    throw FieldError(msg + " (choices: " + field_names() + ")");
}

std::string ModelMeta::field_names() const {
    std::vector<std::string> names;
    for (const auto& f : fields) names.push_back(f.name);
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

ColumnType FieldMeta::key_type() const {
    if (!relation) return type;
    return relation->target().pk_field().type;
}

std::optional<std::size_t> FieldMeta::key_max_length() const {
    if (!relation) return max_length;
    return relation->target().pk_field().max_length;
}

const std::vector<const ModelMeta*>& registered_models() { return registry(); }

namespace detail {

bool KeyLess::operator()(const Value& a, const Value& b) const {
    if (a.storage().index() != b.storage().index()) return a.storage().index() < b.storage().index();
    if (a.is<std::int64_t>()) return a.get<std::int64_t>() < b.get<std::int64_t>();
    if (a.is<std::string>()) return a.get<std::string>() < b.get<std::string>();
    return a.to_string() < b.to_string();
}

std::size_t KeyHash::operator()(const Value& v) const {
    if (v.is<std::int64_t>()) return std::hash<std::int64_t>()(v.get<std::int64_t>());
    if (v.is<std::string>()) return std::hash<std::string>()(v.get<std::string>());
    return std::hash<std::string>()(v.to_string());
}

void register_model(const ModelMeta& m) {
    std::lock_guard lock(registry_mutex);
    auto& r = registry();
    if (std::find(r.begin(), r.end(), &m) != r.end()) return;
    r.push_back(&m);
    for (const auto& f : m.fields) {
        if (!f.relation) continue;
        f.relation->owner = &m;
        f.relation->field = &f;
        if (f.relation->through) r.push_back(f.relation->through.get());  // after its owner
    }
    needs_link = true;
}

void link_relations() {
    if (!needs_link.load()) return;
    std::lock_guard lock(registry_mutex);
    auto& r = registry();
    for (; linked < r.size(); ++linked) {
        const ModelMeta& m = *r[linked];
        const bool link_table = !m.ops.make_vector;
        for (const auto& f : m.fields) {
            if (!f.relation) continue;
            const ModelMeta& target = f.relation->target();
            std::string name = f.relation->related_name;
            if (name.empty()) name = lower_name(m.name);
            if (link_table) name = "+";  // link rows are reached through the ManyToMany field
            std::string query_name = f.relation->related_query_name;
            if (query_name.empty() || name == "+") query_name = name;
            target.reverse.push_back({name, query_name, &m, &f});
        }
    }
    needs_link = false;
}

std::string lower_name(std::string_view name) {
    std::string out(name);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string snake_case(std::string_view name) {
    std::string out;
    for (std::size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (std::isupper(static_cast<unsigned char>(c))) {
            bool boundary = i > 0 && (std::islower(static_cast<unsigned char>(name[i - 1])) ||
                                      (i + 1 < name.size() &&
                                       std::islower(static_cast<unsigned char>(name[i + 1])) &&
                                       std::isupper(static_cast<unsigned char>(name[i - 1]))));
            if (boundary && out.back() != '_') out += '_';
            out += char(std::tolower(static_cast<unsigned char>(c)));
        } else {
            out += c;
        }
    }
    return out;
}

ColumnType auto_field_type(const ModelMeta& m) {
    return m.auto_field.value_or(settings().default_auto_field) == AutoField::Integer ? ColumnType::Integer
                                                                                     : ColumnType::BigInt;
}

namespace {
// Every field named by an index or constraint exists ("-name": descending).
void check_option_fields(const ModelMeta& m) {
    for (const Index& i : m.indexes) {
        if (i.fields.empty()) throw ConfigError(m.name + ": an Index needs at least one field");
        for (std::string_view n : i.fields) {
            if (!n.empty() && n[0] == '-') n.remove_prefix(1);
            (void)m.field(n, "indexes");
        }
    }
    for (const Constraint& c : m.constraints) {
        const std::string& cname = std::visit([](const auto& x) -> const std::string& { return x.name; }, c);
        if (cname.empty()) throw ConfigError(m.name + ": every constraint needs a name");
        if (const auto* u = std::get_if<UniqueConstraint>(&c)) {
            if (u->fields.empty()) throw ConfigError(m.name + ": UniqueConstraint '" + cname + "' names no field");
            for (const auto& n : u->fields) (void)m.field(n, cname);
        }
    }
}
}  // namespace

void finish_meta(ModelMeta& m) {
    if (!m.app_label.empty() && !m.table_given) m.table = m.app_label + "_" + lower_name(m.name);
    for (auto& f : m.fields) {
        f.model_name = m.name;
        if (f.access) const_cast<FieldAccess&>(*f.access).field_ = &f;  // fields no longer move
        if (f.type == ColumnType::Decimal && (!f.max_digits || !f.decimal_places))
            throw ConfigError(m.name + "." + f.name + ": a Decimal field needs .max_digits(n).decimal_places(n)");
        if (f.max_digits && f.decimal_places && *f.decimal_places > *f.max_digits)
            throw ConfigError(m.name + "." + f.name + ": decimal_places cannot exceed max_digits");
        if (!f.relation || !f.relation->through) continue;
        ModelMeta& link = *f.relation->through;
        link.table = f.relation->through_table.empty() ? m.table + "_" + f.name : f.relation->through_table;
        link.fields.front().type = auto_field_type(m);  // the link's own key, as its owner's
        finish_meta(link);
    }
    auto columns = std::make_shared<std::vector<sql::SelectItem>>();
    m.columns.clear();
    m.relations.clear();
    for (auto& f : m.fields) {
        if (f.relation) m.relations.push_back(&f);
        if (!f.has_column()) continue;
        if (f.primary_key) m.pk_column = m.columns.size();
        f.column_ref = sql::column(m.table, f.column, f.type);
        columns->push_back({f.column_ref, {}});
        m.columns.push_back(&f);
    }
    m.all_columns = std::move(columns);
    std::size_t pks = 0;
    for (std::size_t i = 0; i < m.fields.size(); ++i) {
        if (m.fields[i].primary_key) {
            m.pk = i;
            ++pks;
        }
    }
    if (pks != 1)
        throw ConfigError(m.name + " must have exactly one primary key (it has " +
                          std::to_string(pks) + ")");
    for (const auto& o : m.ordering) {
        std::string_view n = o;
        if (n == "?") continue;
        if (!n.empty() && n[0] == '-') n.remove_prefix(1);
        (void)m.field(n, "ordering");
    }
    for (const auto& group : m.unique_together)
        for (const auto& n : group) (void)m.field(n, "unique_together");
    check_option_fields(m);
}

}  // namespace detail
}  // namespace dorm
