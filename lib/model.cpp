// Instance operations (save, refresh, erase, full_clean) on model metadata.
#include <algorithm>

#include "backend.hpp"
#include "detail/utf8.hpp"
#include "writes.hpp"
#include "dorm/database.hpp"
#include "dorm/error.hpp"
#include "dorm/field.hpp"
#include "dorm/model_base.hpp"
#include "dorm/query.hpp"
#include "dorm/routing.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/signals.hpp"
#include "dorm/transaction.hpp"

namespace dorm::detail {

InstanceState::InstanceState() = default;
InstanceState::InstanceState(const InstanceState&) = default;
InstanceState::~InstanceState() = default;

const std::string& ModelBase::db_alias() const {
    static const std::string def = "default";
    return state_ ? state_->alias : def;
}

InstanceState& ModelBase::state() {
    if (!state_) state_ = std::make_unique<InstanceState>();
    return *state_;
}

void ModelBase::set_alias(const std::string& alias) { set_loaded_alias(alias, true); }

void ModelBase::set_loaded_alias(const std::string& alias, bool pinned) {
    if (!state_ && !pinned && alias == "default") return;
    state().alias = alias;
    state_->pinned = pinned;
}

std::optional<std::string> ModelBase::pinned_alias() const {
    if (state_ && state_->pinned) return state_->alias;
    return std::nullopt;
}

namespace {

bool is_deferred(const ModelBase& b, const FieldMeta& f) {
    const InstanceState* s = b.state_if();
    return s && std::find(s->deferred.begin(), s->deferred.end(), &f) != s->deferred.end();
}

}  // namespace

namespace {
void insert_row(const ModelMeta& m, void* obj, ModelBase& base) {
    Connection& c = connection(base.db_alias());
    const DateTime at = now();
    for (const auto& f : m.fields) stamp(f, obj, true, at);
    check_required_relations(m, obj);
    fill_key(m, obj);
    const InsertPlan plan = plan_insert(m, c.dialect(), !pk_unset(m, obj));
    try {
        Cursor cur(c, plan.sql.text);
        std::vector<Value> captured;
        bind_fields(cur.stmt(), plan.columns, obj, captured);
        if (capturing()) capture(plan.sql.text, captured);
        cur.next();
        if (plan.returns_pk) m.pk_field().access->set(obj, Value(cur.stmt().inserted_id()));
    } catch (const IntegrityError& e) {
        rethrow_integrity(m, obj, e);
    }
    attach_relations(m, obj, false);
}

// INSERT or UPDATE; true when it inserted.
bool save_row(const ModelMeta& m, void* obj, ModelBase& base, const std::vector<std::string>* update_fields) {
    if (pk_unset(m, obj)) {
        if (update_fields)
            throw Error(m.name + ": save() with update fields needs a saved instance");
        insert_row(m, obj, base);
        return true;
    }
    std::vector<const FieldMeta*> cols;
    if (update_fields) {
        for (const auto& n : *update_fields) {
            const FieldMeta& f = m.field(n, "save()");
            if (f.primary_key) throw FieldError(m.name + ": save() cannot update the primary key");
            cols.push_back(&f);
        }
    } else {
        for (const auto& f : m.fields)
            if (!f.primary_key && f.has_column() && !is_deferred(base, f)) cols.push_back(&f);
    }
    const DateTime at = now();
    for (const FieldMeta* f : cols) stamp(*f, obj, false, at);
    check_required_relations(m, obj, &cols);
    attach_relations(m, obj, false);
    Connection& c = connection(base.db_alias());
    sql::Update up;
    up.table = m.table;
    for (const FieldMeta* f : cols) up.set.emplace_back(f->column, sql::param(Value()));
    up.where = sql::lookup("exact", m.pk_field().column_expr(m.table), sql::param(Value()));
    std::int64_t changed = 0;
    if (!cols.empty()) {
        Sql sql = sql::compile(up, c.dialect());
        try {
            Cursor cur(c, sql.text);
            std::vector<Value> captured;
            bind_fields(cur.stmt(), {&m.pk_field()}, obj, captured, bind_fields(cur.stmt(), cols, obj, captured));
            if (capturing()) capture(sql.text, captured);
            cur.next();
            changed = cur.stmt().changes();
        } catch (const IntegrityError& e) {
            rethrow_integrity(m, obj, e);
        }
    } else {
        Query q(m);
        q.set_alias(base.db_alias());
        q.add_filter("pk", Operand(m.pk_field().access->get(obj)), false);
        changed = detail::exists(q) ? 1 : 0;
    }
    if (changed) return false;
    if (update_fields)
        throw DoesNotExist(m.name + ": save() with update fields matched no row (pk=" +
                           m.pk_field().access->get(obj).repr() + ")");
    insert_row(m, obj, base);  // a hand-set key with no row yet: INSERT, as Django does
    return true;
}

// pre_save, the write, post_save, in one transaction when anything listens (API.md §12).
template <class Write>
void with_save_signals(const ModelMeta& m, void* obj, ModelBase& base, Write&& write) {
    if (!has_receivers(SignalKind::pre_save, m) && !has_receivers(SignalKind::post_save, m)) {
        write();
        return;
    }
    Atomic tx(base.db_alias());
    send_signal(SignalKind::pre_save, m, obj);
    const bool created = write();
    send_signal(SignalKind::post_save, m, obj, {.created = created});
    tx.commit();
}

// Where an instance's write goes (API.md §14); the instance is then saved there.
const std::string& route_write(const ModelMeta& m, ModelBase& base) {
    const auto pinned = base.pinned_alias();
    base.set_loaded_alias(route(m, Intent::write, pinned, &base.db_alias()), pinned.has_value());
    return base.db_alias();
}
}  // namespace

void insert_instance(const ModelMeta& m, void* obj, ModelBase& base) {
    route_write(m, base);
    with_save_signals(m, obj, base, [&] {
        insert_row(m, obj, base);
        return true;
    });
}

void save_instance(const ModelMeta& m, void* obj, ModelBase& base,
                   const std::vector<std::string>* update_fields) {
    route_write(m, base);
    with_save_signals(m, obj, base, [&] { return save_row(m, obj, base, update_fields); });
}

namespace {
class SelfSink final : public RowSink {
   public:
    SelfSink(void* obj, ModelBase& base) : obj_(obj), base_(base) {}
    void* emplace(ModelBase*& base) override {
        if (used_) throw MultipleObjectsReturned("refresh() matched several rows");
        used_ = true;
        base = &base_;
        return obj_;
    }
    bool used_ = false;

   private:
    void* obj_;
    ModelBase& base_;
};
}  // namespace

void refresh_instance(const ModelMeta& m, void* obj, ModelBase& base) {
    // From where it was loaded or saved, as Django; it stays pinned or not as it was.
    const bool pinned = base.pinned_alias().has_value();
    const std::string alias = base.db_alias();
    Query q(m);
    q.set_alias(alias);
    q.add_filter("pk", Operand(m.pk_field().access->get(obj)), false);
    SelfSink sink(obj, base);
    fetch(q, sink);
    base.set_loaded_alias(alias, pinned);
    if (!sink.used_) throw DoesNotExist(does_not_exist_message(m));
}

DeleteResult erase_instance(const ModelMeta& m, void* obj, ModelBase& base) {
    if (pk_unset(m, obj))
        throw Error(m.name + " object can't be deleted because its " + m.pk_field().name +
                    " attribute is not set");
    Query q(m);
    const std::string& alias = route_write(m, base);
    q.set_alias(alias);
    const Value pk = m.pk_field().access->get(obj);
    q.add_filter("pk", Operand(pk), false);
    DeleteResult r;
    if (has_receivers(SignalKind::pre_delete, m) || has_receivers(SignalKind::post_delete, m)) {
        Atomic tx(alias);
        send_signal(SignalKind::pre_delete, m, obj);
        r = erase(q, &pk);  // the cascades send theirs; this row's are sent here
        send_signal(SignalKind::post_delete, m, obj);
        tx.commit();
    } else {
        r = erase(q, &pk);
    }
    if (m.pk_field().auto_increment) m.pk_field().access->set(obj, Value(std::int64_t(0)));
    return r;
}

namespace {
std::string choices_text(const FieldMeta& f) {
    std::string out;
    for (const auto& [v, label] : f.choices) out += (out.empty() ? "" : ", ") + v.repr();
    return out;
}
}  // namespace

void full_clean_instance(const ModelMeta& m, const void* obj, const ModelBase& base) {
    std::map<std::string, std::vector<std::string>> errors;
    for (const auto& f : m.fields) {
        if (f.primary_key && f.auto_increment) continue;
        if (is_deferred(base, f) || !f.has_column()) continue;
        Value v = f.access->get(obj);
        auto& errs = errors[f.name];
        if (v.is_null()) {
            if (!f.nullable) errs.push_back("This field cannot be null.");
            continue;
        }
        bool text = f.type == sql::ColumnType::Varchar || f.type == sql::ColumnType::Text;
        if (text && v.get<std::string>().empty() && !f.blank) {
            errs.push_back("This field cannot be blank.");
            continue;
        }
        if (v.is<Decimal>())
            for (auto& e : decimal_errors(f, v.get<Decimal>())) errs.push_back(std::move(e));
        if (text && f.max_length && utf8_length(v.get<std::string>()) > *f.max_length)
            errs.push_back("Ensure this value has at most " + std::to_string(*f.max_length) +
                           " characters (it has " + std::to_string(utf8_length(v.get<std::string>())) + ").");
        if (!f.choices.empty() &&
            std::none_of(f.choices.begin(), f.choices.end(), [&](const auto& c) {
                return c.first == v || c.first.to_string() == v.to_string();
            }))
            errs.push_back("Value " + v.repr() + " is not a valid choice (choices: " + choices_text(f) + ").");
        for (const auto& validate : f.validators) {
            try {
                validate(v);
            } catch (const ValidationError& e) {
                for (const auto& [field, msgs] : e.errors) errs.insert(errs.end(), msgs.begin(), msgs.end());
            } catch (const Error& e) {
                errs.push_back(e.what());
            }
        }
    }
    std::erase_if(errors, [](const auto& kv) { return kv.second.empty(); });

    // Uniqueness, as Django's validate_unique: one query per unique field or group.
    auto others = [&](std::vector<std::pair<const FieldMeta*, Value>> lookups) {
        Query q(m);
        q.set_alias(base.pinned_alias());
        for (auto& [f, v] : lookups) q.add_filter(f->name, Operand(v), false);
        if (!pk_unset(m, obj)) q.add_filter("pk", Operand(m.pk_field().access->get(obj)), true);
        return exists(q);
    };
    for (const auto& f : m.fields) {
        if (!f.unique || f.primary_key || errors.count(f.name)) continue;
        Value v = f.access->get(obj);
        if (v.is_null()) continue;
        if (others({{&f, v}}))
            errors[f.name].push_back(m.name + " with this " + f.name + " already exists.");
    }
    std::vector<std::vector<std::string>> groups = m.unique_together;
    for (const Constraint& c : m.constraints)  // Django validates those without a condition
        if (const auto* u = std::get_if<UniqueConstraint>(&c); u && !u->condition) groups.push_back(u->fields);
    for (const auto& group : groups) {
        std::vector<std::pair<const FieldMeta*, Value>> lookups;
        std::string names;
        bool skip = false;
        for (const auto& n : group) {
            const FieldMeta& f = m.field(n);
            Value v = f.access->get(obj);
            skip = skip || v.is_null() || errors.count(f.name);
            lookups.emplace_back(&f, v);
            names += (names.empty() ? "" : " and ") + f.name;
        }
        if (!skip && others(lookups))
            errors["__all__"].push_back(m.name + " with this " + names + " already exists.");
    }
    if (!errors.empty()) throw ValidationError(std::move(errors));
}

void apply_defaults(const ModelMeta& m, void* obj) {
    for (const auto& f : m.fields) {
        if (f.default_factory) f.access->set(obj, f.default_factory());
        else if (f.default_value) f.access->set(obj, *f.default_value);
    }
}

Value annotation_of(const ModelBase& base, std::string_view name, const ModelMeta& m) {
    if (const InstanceState* s = base.state_if()) {
        if (s->annotation_names)
            for (std::size_t i = 0; i < s->annotation_names->size(); ++i)
                if ((*s->annotation_names)[i] == name) return s->annotations[i];
    }
    throw FieldError(m.name + " has no annotation '" + std::string(name) + "'");
}

}  // namespace dorm::detail
