// The deletion Collector: erase() of rows applies every on_delete rule pointing at them
// (Cascade, Protect, Restrict, SetNull, SetDefault, DoNothing), link rows included, in
// one transaction, and counts what it removed per table.
#include <algorithm>
#include <map>
#include <set>

#include "backend.hpp"
#include "writes.hpp"
#include "dorm/error.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/signals.hpp"
#include "dorm/transaction.hpp"

namespace dorm::detail {

namespace {

// Rows as objects of their model (for signal receivers).
class ObjectsSink final : public RowSink {
   public:
    ObjectsSink(const ModelMeta& m, void* vec) : m_(m), vec_(vec) {}
    void* emplace(ModelBase*& base) override { return m_.ops.emplace(vec_, base); }

   private:
    const ModelMeta& m_;
    void* vec_;
};

class Collector {
   public:
    Collector(std::string alias, const ModelMeta* root, const Value* root_pk)
        : alias_(std::move(alias)), root_(root), root_pk_(root_pk) {}

    void collect(const ModelMeta& m, const std::vector<Value>& ids) {
        auto& have = doomed_[&m];
        std::vector<Value> fresh;
        for (const auto& id : ids)
            if (have.insert(id).second) fresh.push_back(id);
        if (fresh.empty()) return;
        if (std::find(order_.begin(), order_.end(), &m) == order_.end()) order_.push_back(&m);
        link_relations();
        for (const ReverseRelation& r : m.reverse) {
            const RelationMeta& rel = *r.field->relation;
            if (rel.kind == RelationMeta::Kind::ManyToMany) continue;  // link rows: the "+" relations
            std::vector<Value> children = referencing(r, fresh);
            if (children.empty()) continue;
            switch (rel.on_delete) {
                case OnDelete::Cascade: collect(*r.owner, children); break;
                case OnDelete::Protect:
                    throw ProtectedError("Cannot delete some instances of " + m.name +
                                         " because they are referenced through the protected "
                                         "foreign key '" + r.owner->name + "." + r.field->name +
                                         "' (" + std::to_string(children.size()) + " rows)");
                case OnDelete::Restrict: restricted_.push_back({&r, children}); break;
                case OnDelete::SetNull:
                case OnDelete::SetDefault: updates_.push_back({&r, fresh}); break;
                case OnDelete::DoNothing: break;
            }
        }
    }

    DeleteResult run() {
        // Restrict, as Django: allowed only when the referencing rows go too.
        for (const auto& [r, children] : restricted_) {
            const auto& gone = doomed_[r->owner];
            for (const auto& id : children)
                if (!gone.count(id))
                    throw ProtectedError("Cannot delete some instances of " +
                                         r->field->relation->target().name +
                                         " because they are referenced through the restricted "
                                         "foreign key '" + r->owner->name + "." + r->field->name + "'");
        }
        Connection& c = connection(alias_);
        // pre_delete for every row that goes, as objects, before anything changes
        std::vector<std::pair<const ModelMeta*, std::shared_ptr<void>>> signalled;
        for (const ModelMeta* m : order_) {
            if (!has_receivers(SignalKind::pre_delete, *m) && !has_receivers(SignalKind::post_delete, *m)) continue;
            std::vector<Value> ids;
            for (const auto& id : doomed_[m])
                if (!(m == root_ && root_pk_ && normalize_key(*root_pk_, m->pk_field().key_type()) == id)) ids.push_back(id);
            if (ids.empty()) continue;
            auto vec = m->ops.make_vector();
            Query q(*m);
            q.set_alias(alias_);
            q.add_filter("pk__in", Operand(ids), false);
            ObjectsSink sink(*m, vec.get());
            fetch(q, sink);
            for (std::size_t i = 0; i < m->ops.size(vec.get()); ++i)
                send_signal(SignalKind::pre_delete, *m, m->ops.at(vec.get(), i));
            signalled.emplace_back(m, std::move(vec));
        }
        for (const auto& [r, ids] : updates_) {
            Query q(*r->owner);
            q.set_alias(alias_);
            q.add_filter(r->field->name + "__in", Operand(std::vector<Value>(ids.begin(), ids.end())), false);
            Value v;
            if (r->field->relation->on_delete == OnDelete::SetDefault && r->field->default_value)
                v = *r->field->default_value;
            else if (!r->field->nullable && r->field->relation->on_delete == OnDelete::SetNull)
                throw IntegrityError(r->owner->name + "." + r->field->name +
                                     " is on_delete(SetNull) but does not allow NULL");
            Cursor cur(c, sql::compile(q.update({Assignment(r->field->name, Operand(v))}), c.dialect()));
            cur.next();
        }
        DeleteResult result;
        // Children were collected after their parents: delete in reverse.
        for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
            const ModelMeta& m = **it;
            const auto& ids = doomed_[&m];
            std::vector<Value> all(ids.begin(), ids.end());
            const std::size_t batch = c.dialect().features().max_params;
            std::int64_t n = 0;
            for (std::size_t start = 0; start < all.size(); start += batch) {
                sql::Delete d;
                d.table = m.table;
                d.where = sql::lookup("in", m.pk_field().column_expr(m.table),
                                      sql::param_list(std::vector<Value>(
                                          all.begin() + long(start),
                                          all.begin() + long(std::min(all.size(), start + batch)))));
                Cursor cur(c, sql::compile(d, c.dialect()));
                cur.next();
                n += cur.stmt().changes();
            }
            if (n) {
                result.per_model[m.table] += n;
                result.total += n;
            }
        }
        for (const auto& [m, vec] : signalled)
            for (std::size_t i = 0; i < m->ops.size(vec.get()); ++i)
                send_signal(SignalKind::post_delete, *m, m->ops.at(vec.get(), i));
        return result;
    }

   private:
    std::vector<Value> referencing(const ReverseRelation& r, const std::vector<Value>& ids) {
        std::vector<Value> out;
        Connection& c = connection(alias_);
        const std::size_t batch = c.dialect().features().max_params;
        for (std::size_t start = 0; start < ids.size(); start += batch) {
            Query q(*r.owner);
            q.set_alias(alias_);
            q.clear_ordering();
            std::vector<Value> part(ids.begin() + long(start), ids.begin() + long(std::min(ids.size(), start + batch)));
            q.add_filter(r.field->name + "__in", Operand(part), false);
            for (auto& row : fetch_values(q, {"pk"})) out.push_back(std::move(row[0]));
        }
        return out;
    }

    std::string alias_;
    const ModelMeta* root_;
    const Value* root_pk_;  // its signals are its caller's
    std::map<const ModelMeta*, std::set<Value, KeyLess>> doomed_;
    std::vector<const ModelMeta*> order_;
    std::vector<std::pair<const ReverseRelation*, std::vector<Value>>> restricted_;
    std::vector<std::pair<const ReverseRelation*, std::vector<Value>>> updates_;
};

}  // namespace

DeleteResult erase(const Query& q, const Value* signalled_pk) {
    const ModelMeta& m = q.model();
    if (q.is_sliced()) throw NotSupportedError("Cannot use 'limit' or 'offset' with erase() (" + m.name + ")");
    link_relations();
    const std::string alias = write_alias(m, q.chosen_alias());
    Connection& c = connection(alias);
    if (m.reverse.empty()) {  // nothing points here: one DELETE
        try {
            Cursor cur(c, sql::compile(q.remove(), c.dialect()));
            cur.next();
            DeleteResult r;
            r.total = cur.stmt().changes();
            if (r.total) r.per_model[m.table] = r.total;
            return r;
        } catch (const IntegrityError& e) {
            rethrow_integrity(m, nullptr, e);
        }
    }
    Atomic tx(alias);
    Query ids_query = q;
    ids_query.set_alias(alias);
    ids_query.clear_ordering();
    std::vector<Value> ids;
    for (auto& row : fetch_values(ids_query, {"pk"})) ids.push_back(std::move(row[0]));
    Collector collector(alias, &m, signalled_pk);
    collector.collect(m, ids);
    DeleteResult r = collector.run();
    tx.commit();
    return r;
}

}  // namespace dorm::detail
