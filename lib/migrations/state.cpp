// Model state: from registered models, to and from migration JSON, and back into ModelMeta.
#include "dorm/migrations/state.hpp"

#include <algorithm>

#include "dorm/error.hpp"
#include "dorm/field.hpp"
#include "dorm/schema.hpp"

namespace dorm::migrations {

namespace {

constexpr std::pair<ColumnType, const char*> kTypes[] = {
    {ColumnType::Boolean, "boolean"}, {ColumnType::Integer, "integer"}, {ColumnType::BigInt, "bigint"},
    {ColumnType::Real, "real"},       {ColumnType::Decimal, "decimal"}, {ColumnType::Text, "text"},
    {ColumnType::Varchar, "varchar"}, {ColumnType::Date, "date"},       {ColumnType::DateTime, "datetime"},
    {ColumnType::Json, "json"},       {ColumnType::Blob, "blob"},       {ColumnType::Uuid, "uuid"}};

constexpr std::pair<OnDelete, const char*> kOnDelete[] = {
    {OnDelete::Cascade, "CASCADE"},   {OnDelete::Protect, "PROTECT"},        {OnDelete::Restrict, "RESTRICT"},
    {OnDelete::SetNull, "SET_NULL"}, {OnDelete::SetDefault, "SET_DEFAULT"}, {OnDelete::DoNothing, "DO_NOTHING"}};

const char* type_name(ColumnType t) {
    for (auto [k, n] : kTypes)
        if (k == t) return n;
    return "text";
}

ColumnType type_named(const std::string& n, const std::string& context) {
    for (auto [k, name] : kTypes)
        if (n == name) return k;
    throw FieldError(context + ": unknown column type '" + n + "'");
}

const char* relation_name(RelationMeta::Kind k) {
    switch (k) {
        case RelationMeta::Kind::ForeignKey: return "ForeignKey";
        case RelationMeta::Kind::OneToOne: return "OneToOne";
        case RelationMeta::Kind::ManyToMany: return "ManyToMany";
    }
    return "";
}

Value value_from_json(const Json& j) {
    if (j.is_null()) return Value();
    if (j.is_boolean()) return Value(j.get<bool>());
    if (j.is_number_integer()) return Value(j.get<std::int64_t>());
    if (j.is_number()) return Value(j.get<double>());
    if (j.is_string()) return Value(j.get<std::string>());
    return Value(JsonText{j.dump()});
}

// The options FieldMeta and FieldState share, from one to the other.
template <class From, class To>
void copy_column_options(const From& from, To& to) {
    to.name = from.name;
    to.column = from.column;
    to.type = from.type;
    to.nullable = from.nullable;
    to.primary_key = from.primary_key;
    to.auto_increment = from.auto_increment;
    to.unique = from.unique;
    to.db_index = from.db_index;
    to.max_length = from.max_length;
    to.max_digits = from.max_digits;
    to.decimal_places = from.decimal_places;
    to.default_value = from.default_value;
}

// The program's own default_factory for a field the files say has one (a function cannot
// be written into a file); throws when the program's models no longer have it.
std::function<Value()> registered_factory(const std::string& label, const std::string& field) {
    for (const ModelMeta* m : registered_models())
        if (m->label() == label)
            if (const FieldMeta* f = m->find(field); f && f->default_factory) return f->default_factory;
    return [label, field]() -> Value {
        throw ConfigError(label + "." + field + " needs its default_factory for the existing rows, but the "
                          "program's models do not declare one (register the model, or give a default_value)");
    };
}

}  // namespace

bool FieldState::operator==(const FieldState& o) const {
    return to_json(*this) == to_json(o);
}

const FieldState* ModelState::find(const std::string& n) const {
    for (const auto& f : fields)
        if (f.name == n) return &f;
    return nullptr;
}

FieldState& ModelState::field(const std::string& n) {
    for (auto& f : fields)
        if (f.name == n) return f;
    throw FieldError(label + " has no field '" + n + "' in the migration state");
}

ModelState& ProjectState::model(const std::string& label) {
    auto it = models.find(label);
    if (it == models.end()) throw FieldError("no model '" + label + "' in the migration state");
    return it->second;
}

const ModelState& ProjectState::model(const std::string& label) const {
    return const_cast<ProjectState&>(*this).model(label);
}

ModelState state_of(const ModelMeta& m) {
    ModelState s;
    s.label = m.label();
    s.name = m.name;
    s.table = m.table;
    s.renamed_from = m.renamed_from;
    for (const auto& f : m.fields) {
        FieldState fs;
        copy_column_options(f, fs);
        fs.default_factory = bool(f.default_factory);
        fs.renamed_from = f.renamed_from;
        if (f.relation) {
            fs.relation = relation_name(f.relation->kind);
            fs.to = f.relation->target().label();
            for (auto [k, n] : kOnDelete)
                if (k == f.relation->on_delete && !fs.is_many_to_many()) fs.on_delete = n;
            if (const auto& link = f.relation->through) {
                fs.through_table = link->table;
                fs.owner_column = f.relation->through_owner->column;
                fs.target_column = f.relation->through_target->column;
            }
            fs.type = ColumnType::BigInt;  // the target's key decides (StateMetas)
            fs.max_length.reset();
        }
        s.fields.push_back(std::move(fs));
    }
    s.unique_together = m.unique_together;
    for (const Index& i : m.indexes)
        s.indexes.push_back({{"name", detail::index_name(m, i)}, {"fields", i.fields}});
    for (const Constraint& c : m.constraints) {
        if (const auto* check = std::get_if<CheckConstraint>(&c)) {
            s.constraints.push_back({{"type", "check"}, {"name", check->name}, {"condition", q_to_json(check->check)}});
        } else {
            const auto& u = std::get<UniqueConstraint>(c);
            Json j = {{"type", "unique"}, {"name", u.name}, {"fields", u.fields}};
            if (u.condition) j["condition"] = q_to_json(*u.condition);
            s.constraints.push_back(std::move(j));
        }
    }
    return s;
}

ProjectState state_of_registered_models() {
    detail::link_relations();
    ProjectState p;
    for (const ModelMeta* m : registered_models()) {
        if (!m->ops.make_vector) continue;  // ManyToMany link tables belong to their field
        auto s = state_of(*m);
        if (p.models.count(s.label))
            throw ConfigError("two registered models have the label '" + s.label + "': give one an s.app_label()");
        p.models.emplace(s.label, std::move(s));
    }
    return p;
}

Json to_json(const FieldState& f) {
    Json j = {{"name", f.name}, {"column", f.column}};
    if (f.relation.empty()) j["type"] = type_name(f.type);
    else j["relation"] = f.relation, j["to"] = f.to;
    if (!f.on_delete.empty()) j["on_delete"] = f.on_delete;
    if (f.nullable) j["null"] = true;
    if (f.primary_key) j["primary_key"] = true;
    if (f.auto_increment) j["auto_increment"] = true;
    if (f.unique) j["unique"] = true;
    if (f.db_index) j["db_index"] = true;
    if (f.max_length) j["max_length"] = *f.max_length;
    if (f.max_digits) j["max_digits"] = *f.max_digits;
    if (f.decimal_places) j["decimal_places"] = *f.decimal_places;
    if (f.default_value) j["default"] = dorm::to_json(*f.default_value);
    if (f.default_factory) j["default_factory"] = true;
    if (!f.through_table.empty()) {
        j["through_table"] = f.through_table;
        j["owner_column"] = f.owner_column;
        j["target_column"] = f.target_column;
    }
    return j;
}

FieldState field_from_json(const Json& j, const std::string& context) {
    if (!j.is_object() || !j.contains("name")) throw FieldError(context + ": a field needs a \"name\"");
    FieldState f;
    try {
        f.name = j.at("name").get<std::string>();
        const std::string where = context + " field '" + f.name + "'";
        f.column = j.value("column", f.name);
        f.relation = j.value("relation", "");
        if (f.relation.empty()) f.type = type_named(j.value("type", "text"), where);
        else if (f.relation != "ForeignKey" && f.relation != "OneToOne" && f.relation != "ManyToMany")
            throw FieldError(where + ": unknown relation '" + f.relation + "'");
        else f.type = ColumnType::BigInt;
        f.to = j.value("to", "");
        if (!f.relation.empty() && f.to.empty()) throw FieldError(where + ": a relation needs \"to\"");
        f.on_delete = j.value("on_delete", "");
        f.nullable = j.value("null", false);
        f.primary_key = j.value("primary_key", false);
        f.auto_increment = j.value("auto_increment", false);
        f.unique = j.value("unique", false);
        f.db_index = j.value("db_index", false);
        if (j.contains("max_length")) f.max_length = j["max_length"].get<std::size_t>();
        if (j.contains("max_digits")) f.max_digits = j["max_digits"].get<int>();
        if (j.contains("decimal_places")) f.decimal_places = j["decimal_places"].get<int>();
        if (j.contains("default")) f.default_value = value_from_json(j["default"]);
        f.default_factory = j.value("default_factory", false);
        f.through_table = j.value("through_table", "");
        f.owner_column = j.value("owner_column", "");
        f.target_column = j.value("target_column", "");
    } catch (const Json::exception& e) {
        throw FieldError(context + ": malformed field " + j.dump() + " (" + e.what() + ")");
    }
    return f;
}

Json to_json(const ModelState& m) {
    Json fields = Json::array();
    for (const auto& f : m.fields) fields.push_back(to_json(f));
    Json j = {{"name", m.label}, {"model", m.name}, {"table", m.table}, {"fields", fields}};
    if (!m.unique_together.empty()) j["unique_together"] = m.unique_together;
    if (!m.indexes.empty()) j["indexes"] = m.indexes;
    if (!m.constraints.empty()) j["constraints"] = m.constraints;
    return j;
}

ModelState model_from_json(const Json& j, const std::string& context) {
    ModelState m;
    try {
        m.label = j.at("name").get<std::string>();
        m.name = j.value("model", m.label.substr(m.label.rfind('.') + 1));
        m.table = j.at("table").get<std::string>();
        for (const auto& f : j.at("fields")) m.fields.push_back(field_from_json(f, context + " " + m.label));
        if (j.contains("unique_together")) m.unique_together = j["unique_together"].get<std::vector<std::vector<std::string>>>();
        if (j.contains("indexes")) m.indexes = j["indexes"];
        if (j.contains("constraints")) m.constraints = j["constraints"];
    } catch (const Json::exception& e) {
        throw FieldError(context + ": malformed model " + j.dump().substr(0, 200) + " (" + e.what() + ")");
    }
    return m;
}

Json q_to_json(const Q& q) {
    Json j;
    if (q.kind() == Q::Kind::Leaf) {
        const Operand& v = q.value();
        if (v.kind() == Operand::Kind::Value) {
            j = {{"path", q.path()}, {"value", dorm::to_json(v.value())}};
        } else if (v.kind() == Operand::Kind::List) {
            Json list = Json::array();
            for (const auto& x : v.list()) list.push_back(dorm::to_json(x));
            j = {{"path", q.path()}, {"values", list}};
        } else {
            throw NotSupportedError("a constraint's condition may only compare fields with values ('" + q.path() + "')");
        }
    } else {
        Json children = Json::array();
        for (const auto& c : q.children()) children.push_back(q_to_json(c));
        j = {{q.kind() == Q::Kind::And ? "and" : "or", children}};
    }
    return q.negated() ? Json{{"not", j}} : j;
}

Q q_from_json(const Json& j) {
    if (!j.is_object()) throw FieldError("malformed condition " + j.dump());
    if (j.contains("not")) return ~q_from_json(j["not"]);
    if (j.contains("path")) {
        const auto path = j["path"].get<std::string>();
        if (j.contains("values")) {
            std::vector<Value> list;
            for (const auto& x : j["values"]) list.push_back(value_from_json(x));
            return Q(path, Operand(list));
        }
        return Q(path, Operand(value_from_json(j.at("value"))));
    }
    for (const char* op : {"and", "or"}) {
        if (!j.contains(op)) continue;
        Q out;
        bool first = true;
        for (const auto& c : j[op]) {
            Q child = q_from_json(c);
            out = first ? child : (std::string(op) == "and" ? out & child : out | child);
            first = false;
        }
        return out;
    }
    throw FieldError("malformed condition " + j.dump());
}

StateMetas::StateMetas(const ProjectState& state) {
    for (const auto& [label, ms] : state.models) metas_[label] = std::make_shared<ModelMeta>();
    auto target = [this](const std::string& label) -> std::function<const ModelMeta&()> {
        return [this, label]() -> const ModelMeta& { return meta(label); };
    };
    for (const auto& [label, ms] : state.models) {
        ModelMeta& m = *metas_[label];
        m.name = ms.name;
        m.table = ms.table;
        m.table_given = true;
        auto dot = label.find('.');
        if (dot != std::string::npos) m.app_label = label.substr(0, dot);
        for (const auto& fs : ms.fields) {
            FieldMeta f;
            copy_column_options(fs, f);
            if (fs.default_factory) f.default_factory = registered_factory(label, fs.name);
            if (!fs.relation.empty()) {
                if (!metas_.count(fs.to))
                    throw FieldError(label + "." + fs.name + " points at '" + fs.to + "', which the migrations do not define");
                auto rel = std::make_shared<RelationMeta>();
                rel->kind = fs.relation == "ForeignKey"   ? RelationMeta::Kind::ForeignKey
                            : fs.relation == "OneToOne" ? RelationMeta::Kind::OneToOne
                                                        : RelationMeta::Kind::ManyToMany;
                rel->target = target(fs.to);
                for (auto [k, n] : kOnDelete)
                    if (fs.on_delete == n) rel->on_delete = k;
                if (fs.is_many_to_many()) {
                    rel->through = detail::make_through(ms.name, fs.name, target(label), state.models.at(fs.to).name, rel->target);
                    rel->through_table = fs.through_table;
                    if (!fs.owner_column.empty()) rel->through->fields[1].column = fs.owner_column;
                    if (!fs.target_column.empty()) rel->through->fields[2].column = fs.target_column;
                    rel->through_owner = &rel->through->fields[1];
                    rel->through_target = &rel->through->fields[2];
                }
                f.relation = rel;
            }
            m.fields.push_back(std::move(f));
        }
        // the link tables' own keys, as their owner's implicit key
        const FieldState* pk = nullptr;
        for (const auto& fs : ms.fields)
            if (fs.primary_key) pk = &fs;
        m.auto_field = pk && pk->auto_increment && pk->type == ColumnType::Integer ? AutoField::Integer : AutoField::BigInt;
        m.unique_together = ms.unique_together;
        // indexes and constraints are kept as the migration files wrote them: a malformed one
        // is the file's error (FieldError), not nlohmann's
        const Json* current = nullptr;
        try {
            for (const auto& i : ms.indexes) {
                current = &i;
                m.indexes.emplace_back(i.at("fields").get<std::vector<std::string>>(), i.at("name").get<std::string>());
            }
            for (const auto& c : ms.constraints) {
                current = &c;
                const auto name = c.at("name").get<std::string>();
                if (c.at("type") == "check") {
                    m.constraints.emplace_back(CheckConstraint(q_from_json(c.at("condition")), name));
                } else {
                    std::optional<Q> cond;
                    if (c.contains("condition")) cond = q_from_json(c["condition"]);
                    m.constraints.emplace_back(UniqueConstraint(c.at("fields").get<std::vector<std::string>>(), name, cond));
                }
            }
        } catch (const Json::exception& e) {
            throw FieldError("migration state of " + label + ": malformed index or constraint " +
                             current->dump().substr(0, 200) + " (" + e.what() + ")");
        }
    }
    for (auto& [label, m] : metas_) {
        try {
            detail::finish_meta(*m);
        } catch (const Error& e) {
            throw FieldError("migration state of " + label + ": " + e.what());
        }
    }
}

const ModelMeta& StateMetas::meta(const std::string& label) const {
    auto it = metas_.find(label);
    if (it == metas_.end()) throw FieldError("no model '" + label + "' in the migration state");
    return *it->second;
}

}  // namespace dorm::migrations
