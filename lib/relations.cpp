// Relation members' database work: lazy loads and their N+1 guard, ManyToMany links, and
// the link tables' metadata.
#include "dorm/relations.hpp"

#include <iostream>

#include "backend.hpp"
#include "dorm/field.hpp"
#include "dorm/query.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/signals.hpp"
#include "dorm/transaction.hpp"

namespace dorm {

Settings& settings() {
    static Settings s;
    return s;
}

FieldBuilder& FieldBuilder::on_delete(OnDelete rule) {
    if (!f().relation) throw ConfigError(m_.name + "." + f().name + ": on_delete() is for relations");
    f().relation->on_delete = rule;
    return *this;
}

FieldBuilder& FieldBuilder::related_name(std::string name) {
    if (!f().relation) throw ConfigError(m_.name + "." + f().name + ": related_name() is for relations");
    f().relation->related_name = std::move(name);
    return *this;
}

FieldBuilder& FieldBuilder::related_query_name(std::string name) {
    if (!f().relation) throw ConfigError(m_.name + "." + f().name + ": related_query_name() is for relations");
    f().relation->related_query_name = std::move(name);
    return *this;
}

FieldBuilder& FieldBuilder::db_table(std::string name) {
    if (!f().relation || !f().relation->through)
        throw ConfigError(m_.name + "." + f().name + ": db_table() is for ManyToMany fields (use s.table() for a model)");
    f().relation->through_table = std::move(name);
    return *this;
}

FieldBuilder& FieldBuilder::link_columns(std::string owner_column, std::string target_column) {
    if (!f().relation || !f().relation->through)
        throw ConfigError(m_.name + "." + f().name + ": link_columns() is for ManyToMany fields");
    auto& link = f().relation->through->fields;
    link[1].column = std::move(owner_column);
    link[2].column = std::move(target_column);
    return *this;
}

namespace detail {

std::shared_ptr<ModelMeta> make_through(const std::string& owner_name, const std::string& field,
                                        std::function<const ModelMeta&()> owner,
                                        const std::string& target_name,
                                        std::function<const ModelMeta&()> target) {
    auto m = std::make_shared<ModelMeta>();
    m->name = owner_name + "_" + field;
    std::string from = lower_name(owner_name), to = lower_name(target_name);
    if (from == to) {  // a ManyToMany to its own model: Django's from_/to_ names
        from = "from_" + from;
        to = "to_" + to;
    }
    FieldMeta id;
    id.name = id.column = "id";
    id.type = sql::ColumnType::BigInt;
    id.primary_key = id.auto_increment = true;
    m->fields.push_back(std::move(id));
    for (auto [name, fn] : {std::pair{from, owner}, std::pair{to, target}}) {
        FieldMeta f;
        f.name = name;
        f.column = name + "_id";
        f.type = sql::ColumnType::BigInt;
        f.db_index = true;
        f.relation = std::make_shared<RelationMeta>();
        f.relation->target = fn;
        f.relation->related_name = "+";
        m->fields.push_back(std::move(f));
    }
    m->unique_together.push_back({from, to});
    return m;
}

void guard_lazy_load(const RelationSite& site, const char* how) {
    if (!site.multi_row || settings().lazy_loads == LazyLoads::allow) return;
    const std::string owner = site.rel->owner ? site.rel->owner->name : "?";
    const std::string field = site.rel->field ? site.rel->field->name : "?";
    std::string msg = "N+1 query: lazy load of " + owner + "." + field + " on an " + owner +
                      " from a multi-row result; load it with " + how + "(\"" + field +
                      "\") (or prefetch_related(\"" + field + "\"))";
    if (settings().lazy_loads == LazyLoads::raise) throw Error(msg);
    std::cerr << "dorm warning: " << msg << "\n";
}

std::optional<std::string> owner_alias(const RelationSite& site, const void* member) {
    const void* owner = site.owner(member);
    return site.rel->owner->ops.base(const_cast<void*>(owner))->pinned_alias();
}

Value owner_pk(const RelationSite& site, const void* member, const char* what) {
    if (!site.rel)
        throw Error(std::string("cannot use ") + what +
                    " of an unsaved instance: save() it (or load it) first");
    const ModelMeta& m = *site.rel->owner;
    Value pk = normalize_key(m.pk_field().access->get(site.owner(member)), m.pk_field().type);
    if (pk.is_null())
        throw Error(m.name + "." + site.rel->field->name + ": cannot use " + what +
                    " of an unsaved " + m.name + ": save() it first");
    return pk;
}

Value normalize_key(const Value& v, sql::ColumnType t) {
    if (v.is_null()) return v;
    switch (t) {
        case sql::ColumnType::Integer:
        case sql::ColumnType::BigInt: {
            const std::int64_t i = v.is<std::int64_t>() ? v.get<std::int64_t>() : v.as_int();
            return i ? Value(i) : Value();
        }
        case sql::ColumnType::Varchar:
        case sql::ColumnType::Text: return v.is<std::string>() ? v : Value(v.to_string());
        case sql::ColumnType::Uuid: {
            const Uuid u = value_traits<Uuid>::from_value(v);
            return u.is_nil() ? Value() : Value(u);
        }
        default: return v;
    }
}

Value read_key(const Row& r, int col, sql::ColumnType t) {
    if (r.is_null(col)) return Value();
    switch (t) {
        case sql::ColumnType::Integer:
        case sql::ColumnType::BigInt: {
            const std::int64_t i = r.get_int64(col);
            return i ? Value(i) : Value();
        }
        default: return read_typed(r, col, t);
    }
}

void throw_not_integer_key(const std::string& target, const Value& key) {
    throw Error("ForeignKey to " + target + ": the key " + key.repr() +
                " is not an integer; use key() for a key of any type");
}

namespace {

using Link = std::pair<Value, Value>;  // (owner key, target key)

// Link rows (owner, target) not there yet, inserted in one transaction.
void insert_links(const RelationMeta& rel, const std::optional<std::string>& chosen, const std::vector<Link>& pairs) {
    if (pairs.empty()) return;
    const std::string alias = write_alias(*rel.through, chosen);
    std::vector<Value> owners;
    for (const auto& p : pairs) owners.push_back(p.first);
    Query have(*rel.through);
    have.set_alias(alias);
    have.add_filter(rel.through_owner->name + "__in", Operand(owners), false);
    const sql::ColumnType owner_type = rel.through_owner->key_type();
    const sql::ColumnType target_type = rel.through_target->key_type();
    std::vector<Link> existing;
    for (auto& row : fetch_values(have, {rel.through_owner->name, rel.through_target->name}))
        existing.emplace_back(normalize_key(row[0], owner_type), normalize_key(row[1], target_type));
    Connection& c = connection(alias);
    Atomic tx(alias);
    for (const auto& p : pairs) {
        if (std::find(existing.begin(), existing.end(), p) != existing.end()) continue;
        existing.push_back(p);
        sql::Insert ins;
        ins.table = rel.through->table;
        ins.columns = {rel.through_owner->column, rel.through_target->column};
        ins.rows.push_back({sql::param(p.first), sql::param(p.second)});
        Cursor cur(c, sql::compile(ins, c.dialect()));
        cur.next();
    }
    tx.commit();
}

void delete_links(const RelationMeta& rel, const std::optional<std::string>& alias, const FieldMeta& fixed,
                  const Value& key, const FieldMeta& other, const std::vector<Value>& others,
                  bool all_others) {
    if (!all_others && others.empty()) return;
    Query q(*rel.through);
    q.set_alias(alias);
    q.add_filter(fixed.name, Operand(key), false);
    if (!all_others) q.add_filter(other.name + "__in", Operand(others), false);
    (void)erase(q);
}

}  // namespace

namespace {
// m2m_changed around a change of the owner's links, in one transaction when anything listens.
template <class Change>
void with_m2m_signals(const RelationSite& site, const void* member, M2MAction pre, const std::vector<Value>& ids,
                      Change&& change) {
    const ModelMeta* owner = site.rel->owner;
    if (!owner || !has_receivers(SignalKind::m2m_changed, *owner, site.rel->field)) {
        change();
        return;
    }
    std::vector<std::int64_t> keys;
    for (const auto& id : ids)
        if (id.is<std::int64_t>()) keys.push_back(id.get<std::int64_t>());
    void* obj = const_cast<void*>(site.owner(member));  // the caller's own, non-const object
    Atomic tx(write_alias(*site.rel->through, owner_alias(site, member)));
    send_signal(SignalKind::m2m_changed, *owner, obj, {.action = pre, .ids = &keys}, site.rel->field);
    change();
    send_signal(SignalKind::m2m_changed, *owner, obj, {.action = M2MAction(int(pre) + 1), .ids = &keys}, site.rel->field);
    tx.commit();
}
}  // namespace

void m2m_add(const RelationSite& site, const void* member, const std::vector<Value>& ids) {
    const Value owner = owner_pk(site, member, "a many-to-many relation");
    const sql::ColumnType t = site.rel->through_target->key_type();
    std::vector<Link> pairs;
    std::vector<Value> keys;
    for (const auto& id : ids) {
        keys.push_back(normalize_key(id, t));
        pairs.emplace_back(owner, keys.back());
    }
    with_m2m_signals(site, member, M2MAction::pre_add, keys,
                     [&] { insert_links(*site.rel, owner_alias(site, member), pairs); });
}

void m2m_remove(const RelationSite& site, const void* member, const std::vector<Value>& ids) {
    const Value owner = owner_pk(site, member, "a many-to-many relation");
    std::vector<Value> keys;
    for (const auto& id : ids) keys.push_back(normalize_key(id, site.rel->through_target->key_type()));
    with_m2m_signals(site, member, M2MAction::pre_remove, keys, [&] {
        delete_links(*site.rel, owner_alias(site, member), *site.rel->through_owner, owner,
                     *site.rel->through_target, ids, false);
    });
}

void m2m_clear(const RelationSite& site, const void* member) {
    const Value owner = owner_pk(site, member, "a many-to-many relation");
    with_m2m_signals(site, member, M2MAction::pre_clear, {}, [&] {
        delete_links(*site.rel, owner_alias(site, member), *site.rel->through_owner, owner,
                     *site.rel->through_target, {}, true);
    });
}

void m2m_link(const RelationMeta& rel, const std::optional<std::string>& alias, const std::vector<Value>& owners,
              const Value& target) {
    const sql::ColumnType owner_type = rel.through_owner->key_type();
    const Value t = normalize_key(target, rel.through_target->key_type());
    std::vector<Link> pairs;
    for (const auto& o : owners) pairs.emplace_back(normalize_key(o, owner_type), t);
    insert_links(rel, alias, pairs);
}

void m2m_unlink(const RelationMeta& rel, const std::optional<std::string>& alias, const std::vector<Value>& owners,
                const Value& target) {
    delete_links(rel, alias, *rel.through_target, target, *rel.through_owner, owners, owners.empty());
}

const FieldMeta& field_of_member_offset(const ModelMeta& m, std::size_t offset) {
    for (const FieldMeta* f : m.relations)
        if (f->relation->member_offset == offset) return *f;
    throw FieldError(m.name + ": that member is not a declared relation field");
}

}  // namespace detail
}  // namespace dorm
