// prefetch_related: one query per relation and level; the results go into the caches that
// ForeignKey access, ManyToMany::all() and related() read.
#include <unordered_map>

#include "backend.hpp"
#include "hydrator.hpp"
#include "dorm/error.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/relations.hpp"

namespace dorm::detail {

namespace {

class OpsSink final : public RowSink {
   public:
    OpsSink(const ModelMeta& m, void* vec) : m_(m), vec_(vec) {}
    void* emplace(ModelBase*& base) override { return m_.ops.emplace(vec_, base); }

   private:
    const ModelMeta& m_;
    void* vec_;
};

// A key (a primary key, or the key a relation holds) in one form per type: NULL when unset.
Value key_of(const FieldMeta& f, const void* obj) {
    return normalize_key(f.access->get(obj), f.key_type());
}

using KeySet = std::unordered_map<Value, bool, KeyHash>;

// Where the prefetch queries go: the parent query's using_db, else routed like it; the
// dialect is the one the parents were read from (for the parameter limit).
struct Source {
    std::optional<std::string> chosen;
    const sql::Dialect& dialect;
};

// Rows of `target` matching `narrow` for each batch of keys; `owners` gets each row's
// owner key (the extra column, or the value of `by` on the row).
std::shared_ptr<void> load(const ModelMeta& target, const Source& alias,
                           const std::vector<Value>& keys,
                           const std::function<void(Query&, const std::vector<Value>&)>& narrow,
                           std::vector<Value>* owners) {
    auto vec = target.ops.make_vector();
    const std::size_t batch = std::max<std::size_t>(1, alias.dialect.features().max_params - 10);
    for (std::size_t start = 0; start < keys.size(); start += batch) {
        std::vector<Value> part(keys.begin() + long(start),
                                keys.begin() + long(std::min(keys.size(), start + batch)));
        Query q(target);
        q.set_alias(alias.chosen);
        narrow(q, part);
        OpsSink sink(target, vec.get());
        fetch(q, sink, owners);
    }
    return vec;
}

std::vector<Value> distinct_keys(const std::vector<void*>& objs, const FieldMeta& f) {
    std::vector<Value> out;
    KeySet seen;
    for (void* o : objs)
        if (auto k = key_of(f, o); !k.is_null() && seen.emplace(k, true).second) out.push_back(std::move(k));
    return out;
}

void level(const Source& alias, const ModelMeta& m, const std::vector<void*>& objs,
           const std::vector<std::string>& parts, std::size_t i, const Query* parents) {
    if (objs.empty() || i == parts.size()) return;
    const std::string& name = parts[i];
    const FieldMeta* f = m.find(name);
    const ReverseRelation* r = f ? nullptr : m.find_reverse(name);
    std::vector<void*> next;
    const ModelMeta* target = nullptr;

    if (f && f->relation && f->relation->kind != RelationMeta::Kind::ManyToMany) {
        target = &f->relation->target();
        auto keys = distinct_keys(objs, *f);
        std::vector<void*> pending;
        for (void* o : objs)
            if (f->access->cached(o, false)) next.push_back(f->access->cached(o, false));
            else pending.push_back(o);
        if (!pending.empty() && !keys.empty()) {
            auto vec = load(*target, alias, keys, [&](Query& q, const std::vector<Value>& part) {
                q.add_filter("pk__in", Operand(part), false);
            }, nullptr);
            std::unordered_map<Value, void*, KeyHash> by_key;
            for (std::size_t k = 0; k < target->ops.size(vec.get()); ++k) {
                void* t = target->ops.at(vec.get(), k);
                by_key[key_of(target->pk_field(), t)] = t;
            }
            for (void* o : pending) {
                auto it = by_key.find(key_of(*f, o));
                if (it == by_key.end()) continue;
                void* slot = f->access->cached(o, true);
                target->ops.assign(slot, it->second);
                next.push_back(slot);
            }
        }
    } else if (f || r) {
        // to-many: reverse ForeignKey, ManyToMany forward (f) or reverse (r)
        const bool m2m = f ? f->relation->kind == RelationMeta::Kind::ManyToMany
                           : r->field->relation->kind == RelationMeta::Kind::ManyToMany;
        if (f && !m2m) f = nullptr;
        const FieldMeta& decl = f ? *f : *r->field;
        target = f ? &f->relation->target() : r->owner;
        // Already loaded by an earlier path ("entries" before "entries__authors"): reuse.
        auto existing = [&](void* o) {
            if (f) return f->access->prefetched(o);
            const InstanceState* st = m.ops.base(o)->state_if();
            auto it = st ? st->prefetched.find(r->field) : decltype(st->prefetched.end()){};
            return st && it != st->prefetched.end() ? it->second : std::shared_ptr<void>();
        };
        if (std::all_of(objs.begin(), objs.end(), [&](void* o) { return existing(o) != nullptr; })) {
            for (void* o : objs) {
                auto group = existing(o);
                for (std::size_t k = 0; k < target->ops.size(group.get()); ++k)
                    next.push_back(target->ops.at(group.get(), k));
            }
            return level(alias, *target, next, parts, i + 1, nullptr);
        }
        std::vector<Value> keys;
        for (void* o : objs) keys.push_back(key_of(m.pk_field(), o));
        std::unordered_map<Value, std::shared_ptr<void>, KeyHash> groups;
        for (const Value& k : keys) groups.emplace(k, target->ops.make_vector());
        if (parents && !m2m) {
            // The first level of a reverse ForeignKey: `fk IN (the parents' query)`, one query
            // however many parents, instead of batches of keys. When the parents are the whole
            // table, `fk IS NOT NULL` says the same without a probe per parent (SQLite walks
            // the fk index once per key for the IN and then reads rows out of order: 3x slower
            // over 2,000 parents). Each row is made in its parent's group; rows of parents not
            // loaded go to a vector that is dropped.
            Query q(*target);
            q.set_alias(alias.chosen);
            if (!parents->where() && !parents->is_sliced())
                q.add_filter(decl.name + "__isnull", Operand(Value(false)), false);
            else
                q.add_filter(decl.name + "__in", Operand(std::make_shared<const Query>(*parents)), false);
            std::shared_ptr<void> dropped;
            fetch_placed(q, decl, [&](const Value& owner, ModelBase*& base) {
                auto it = groups.find(owner);
                if (it != groups.end()) return target->ops.emplace(it->second.get(), base);
                if (!dropped) dropped = target->ops.make_vector();
                return target->ops.emplace(dropped.get(), base);
            });
        } else {
            std::vector<Value> owners;
            auto vec = load(*target, alias, keys, [&](Query& q, const std::vector<Value>& part) {
                if (m2m) q.add_link_filter(decl, !f, part);
                else q.add_filter(decl.name + "__in", Operand(part), false);
            }, m2m ? &owners : nullptr);
            const std::size_t n = target->ops.size(vec.get());
            for (std::size_t k = 0; k < n; ++k) {
                void* child = target->ops.at(vec.get(), k);
                const Value owner = m2m ? owners[k] : key_of(decl, child);
                auto it = groups.find(owner);
                if (it != groups.end()) target->ops.push_move(it->second.get(), child);  // vec is dropped
            }
        }
        for (void* o : objs) {
            auto& group = groups[key_of(m.pk_field(), o)];
            for (std::size_t k = 0; k < target->ops.size(group.get()); ++k) next.push_back(target->ops.at(group.get(), k));
            if (f) f->access->set_prefetched(o, group);
            else m.ops.base(o)->state().prefetched[r->field] = group;
        }
    } else {
        throw FieldError("Cannot find '" + name + "' on " + m.name +
                         ": it is not a relation to prefetch_related()");
    }
    level(alias, *target, next, parts, i + 1, nullptr);
}

}  // namespace

void prefetch(const Query& q, const std::vector<void*>& objects) {
    if (objects.empty()) return;
    const Source source{q.chosen_alias(), connection(q.model().ops.base(objects.front())->db_alias()).dialect()};
    for (const auto& path : q.prefetch()) {
        std::vector<std::string> parts;
        std::string_view p = path;
        for (std::size_t pos; (pos = p.find("__")) != std::string_view::npos; p.remove_prefix(pos + 2))
            parts.emplace_back(p.substr(0, pos));
        parts.emplace_back(p);
        // A parent query with its own prefetches or annotations is not reused as a subquery.
        Query parents = q;
        level(source, q.model(), objects, parts, 0,
              q.annotations().empty() && !q.is_combined() ? &parents : nullptr);
    }
}

}  // namespace dorm::detail
