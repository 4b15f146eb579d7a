// dumpdata / loaddata (API.md §9): rows as Django's JSON fixtures and back. Reads go through
// the one SELECT builder and hydrator (detail::Stream, fetch_values), writes through the
// instance save path, the query builder's UPDATE/DELETE and sql::Insert.
#include "dorm/migrations/fixtures.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <ostream>
#include <set>
#include <unordered_map>

#include "../backend.hpp"
#include "../detail/json_values.hpp"
#include "dorm/json.hpp"
#include "dorm/model_base.hpp"
#include "dorm/query.hpp"
#include "dorm/queryset_core.hpp"
#include "dorm/relations.hpp"
#include "dorm/serialization.hpp"
#include "dorm/transaction.hpp"

namespace dorm {

namespace {

using detail::BadValue;
using detail::field_value;
using detail::typed_value;
using OJson = nlohmann::ordered_json;  // keys in the order Django writes them

/// Rows per round trip of the streamed SELECT, and owners per ManyToMany query.
constexpr std::size_t kChunk = 2000;

bool is_m2m(const FieldMeta& f) {
    return f.relation && f.relation->kind == RelationMeta::Kind::ManyToMany;
}

// ---- labels ----------------------------------------------------------------------------

std::string known_labels() {
    std::vector<std::string> names;
    for (const ModelMeta* m : registered_models()) names.push_back(m->label());
    std::sort(names.begin(), names.end());
    std::string out;
    for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
}

/// By label; "app.model" also matches a model without an app label by its model name.
const ModelMeta* find_model(const std::string& label) {
    for (const ModelMeta* m : registered_models())
        if (m->label() == label) return m;
    const auto dot = label.find('.');
    if (dot == std::string::npos) return nullptr;
    const std::string app = label.substr(0, dot), name = detail::lower_name(label.substr(dot + 1));
    for (const ModelMeta* m : registered_models())
        if (m->app_label == app && detail::lower_name(m->name) == name) return m;
    for (const ModelMeta* m : registered_models())
        if (m->app_label.empty() && m->label() == name) return m;
    return nullptr;
}

std::vector<const ModelMeta*> chosen_models(const std::vector<std::string>& labels) {
    const auto& all = registered_models();
    if (labels.empty()) return all;
    std::set<const ModelMeta*> want;
    for (const auto& label : labels) {
        if (const ModelMeta* m = find_model(label)) {
            want.insert(m);
            continue;
        }
        bool app = false;
        if (label.find('.') == std::string::npos)
            for (const ModelMeta* m : all)
                if (m->app_label == label) {
                    want.insert(m);
                    app = true;
                }
        if (!app)
            throw ConfigError("dumpdata: unknown model or app label '" + label +
                              "' (models: " + known_labels() + ")");
    }
    std::vector<const ModelMeta*> out;
    for (const ModelMeta* m : all)
        if (want.count(m)) out.push_back(m);
    return out;
}

// ---- values as Django's serializer writes them ------------------------------------------

std::string iso_datetime(const DateTime& t) {
    std::string s = format_datetime(t);  // YYYY-MM-DD HH:MM:SS[.ffffff]
    s[10] = 'T';
    if (s.size() > 23) s.resize(23);  // DjangoJSONEncoder keeps milliseconds
    return s + 'Z';
}

OJson value_json(const Value& v, const FieldMeta& f) {
    if (v.is_null()) return nullptr;
    switch (f.key_type()) {
        case ColumnType::Boolean: return v.is<bool>() ? v.get<bool>() : v.as_int() != 0;
        case ColumnType::Integer:
        case ColumnType::BigInt: return v.as_int();
        case ColumnType::Real: return v.as_double();
        case ColumnType::Decimal: return value_traits<Decimal>::from_value(v).to_string();
        case ColumnType::Uuid: return value_traits<Uuid>::from_value(v).to_string();
        case ColumnType::Date:
            return v.is<Date>() ? format_date(v.get<Date>()) : v.to_string();
        case ColumnType::DateTime:
            return v.is<DateTime>() ? iso_datetime(v.get<DateTime>()) : v.to_string();
        case ColumnType::Blob:
            return v.is<Blob>() ? detail::base64_encode(v.get<Blob>()) : v.to_string();
        case ColumnType::Json:
            if (v.is<JsonText>()) return OJson::parse(v.get<JsonText>().text);
            return OJson::parse(to_json(v).dump());
        default: return v.to_string();
    }
}

// Python's json.dump: ", " and ": " on one line; with an indent, one item per line.
void write_json(std::string& out, const OJson& j, int indent, int level) {
    const bool pretty = indent >= 0;
    auto newline = [&](int lv) {
        if (!pretty) return;
        out += '\n';
        out.append(std::size_t(lv) * std::size_t(indent), ' ');
    };
    if ((j.is_array() || j.is_object()) && !j.empty()) {
        const bool obj = j.is_object();
        out += obj ? '{' : '[';
        bool first = true;
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!first) out += pretty ? "," : ", ";
            first = false;
            newline(level + 1);
            if (obj) {
                out += OJson(it.key()).dump(-1, ' ', false, OJson::error_handler_t::replace);
                out += ": ";
            }
            write_json(out, *it, indent, level + 1);
        }
        newline(level);
        out += obj ? '}' : ']';
        return;
    }
    out += j.dump(-1, ' ', false, OJson::error_handler_t::replace);
}

class FixtureWriter {
   public:
    FixtureWriter(std::ostream& os, int indent) : os_(os), indent_(indent) { os_ << '['; }
    void object(const OJson& row) {
        buf_.clear();
        if (count_++) buf_ += indent_ >= 0 ? "," : ", ";
        if (indent_ >= 0) buf_ += '\n';
        write_json(buf_, row, indent_, 0);
        os_.write(buf_.data(), std::streamsize(buf_.size()));
    }
    void end() { os_ << (indent_ >= 0 ? "\n]\n" : "]"); }
    [[nodiscard]] std::size_t count() const { return count_; }

   private:
    std::ostream& os_;
    int indent_;
    std::string buf_;
    std::size_t count_ = 0;
};

void dump_model(const ModelMeta& m, const std::string& alias, FixtureWriter& w) {
    std::vector<const FieldMeta*> links;
    for (const FieldMeta* f : m.relations)
        if (is_m2m(*f)) links.push_back(f);
    const FieldMeta& pkf = m.pk_field();
    const std::string label = m.label();

    std::vector<std::pair<Value, OJson>> pending;  // rows waiting for their ManyToMany lists
    auto flush = [&] {
        if (pending.empty()) return;
        std::unordered_map<Value, std::size_t, detail::KeyHash> at;
        for (std::size_t i = 0; i < pending.size(); ++i) at.emplace(pending[i].first, i);
        for (const FieldMeta* f : links) {
            const RelationMeta& rel = *f->relation;
            const std::string& owner = rel.through_owner->name;
            Query q(*rel.through);
            q.set_alias(alias);
            // The chunk's owners are consecutive in the database's own key order.
            q.add_filter(owner + "__gte", Operand(pending.front().first), false);
            q.add_filter(owner + "__lte", Operand(pending.back().first), false);
            q.set_ordering(std::vector<std::string>{"id"});
            const ColumnType owner_type = rel.through_owner->key_type();
            for (auto& row : detail::fetch_values(q, {owner, rel.through_target->name})) {
                auto it = at.find(detail::normalize_key(row[0], owner_type));
                if (it == at.end()) continue;
                pending[it->second].second["fields"][f->name].push_back(
                    value_json(row[1], *rel.through_target));
            }
        }
        for (auto& [pk, row] : pending) w.object(row);
        pending.clear();
    };

    Query q(m);
    q.set_alias(alias);
    q.set_ordering(std::vector<std::string>{"pk"});
    auto objects = m.ops.make_vector();
    detail::ModelBase* base = nullptr;
    void* obj = m.ops.emplace(objects.get(), base);
    detail::Stream rows(q, kChunk);
    while (rows.next(obj, *base)) {
        const Value pk = detail::normalize_key(pkf.access->get(obj), pkf.key_type());
        OJson row = OJson::object();
        row["model"] = label;
        row["pk"] = value_json(pk, pkf);
        OJson& fields = row["fields"] = OJson::object();
        for (const FieldMeta* f : m.columns)
            if (!f->primary_key) fields[f->name] = value_json(f->access->get(obj), *f);
        for (const FieldMeta* f : links) fields[f->name] = OJson::array();
        if (links.empty()) {
            w.object(row);
            continue;
        }
        pending.emplace_back(pk, std::move(row));
        if (pending.size() == kChunk) flush();
    }
    flush();
}

// ---- loading -----------------------------------------------------------------------------

std::string shown(const Json& v) {
    std::string s = v.dump(-1, ' ', false, Json::error_handler_t::replace);
    if (s.size() > 80) s = s.substr(0, 77) + "...";
    return s;
}

/// Where a bad row is, for messages.
struct Place {
    const std::string& file;
    long index = -1;
    std::string model, pk;
    [[nodiscard]] std::string text() const {
        std::string s = "Problem installing fixture '" + file + "'";
        if (index >= 0) {
            s += ": object [" + std::to_string(index) + "]";
            if (!model.empty() || !pk.empty())
                s += " (" + model + (pk.empty() ? "" : (model.empty() ? "pk=" : " pk=") + pk) + ")";
        }
        return s;
    }
    [[noreturn]] void fail(const std::string& field, const std::string& why) const {
        throw FixtureError(text() + (field.empty() ? "" : ", field '" + field + "'") + ": " + why,
                           file, index, pk, field);
    }
};

Json read_fixture(const std::string& file) {
    std::ifstream in(file, std::ios::binary);
    const Place at{file, -1, {}, {}};
    if (!in) at.fail("", "cannot open the file");
    try {
        return Json::parse(in);
    } catch (const Json::exception& e) {
        at.fail("", std::string("malformed JSON: ") + e.what());
    }
}

/// Replaces the owner's links of one ManyToMany field with `targets`.
void set_links(detail::Connection& c, const std::string& alias, const RelationMeta& rel,
               const Value& owner, const std::vector<Value>& targets) {
    Query q(*rel.through);
    q.set_alias(alias);
    q.add_filter(rel.through_owner->name, Operand(owner), false);
    (void)detail::erase(q);
    const std::size_t per = std::max<std::size_t>(1, c.dialect().features().max_params / 2);
    for (std::size_t i = 0; i < targets.size(); i += per) {
        sql::Insert ins;
        ins.table = rel.through->table;
        ins.columns = {rel.through_owner->column, rel.through_target->column};
        for (std::size_t k = i; k < std::min(targets.size(), i + per); ++k)
            ins.rows.push_back({sql::param(owner), sql::param(targets[k])});
        detail::Cursor cur(c, sql::compile(ins, c.dialect()));
        cur.next();
    }
}

void load_object(detail::Connection& c, const std::string& alias, const Json& o, Place& at,
                 std::set<const ModelMeta*>& touched) {
    if (!o.is_object())
        at.fail("", "expected an object {\"model\": ..., \"pk\": ..., \"fields\": {...}}, got " + shown(o));
    const auto pk_it = o.find("pk");
    if (pk_it != o.end() && !pk_it->is_null())
        at.pk = pk_it->is_string() ? pk_it->get<std::string>() : shown(*pk_it);
    const auto model_it = o.find("model");
    if (model_it == o.end() || !model_it->is_string()) at.fail("", "no \"model\" label");
    at.model = model_it->get<std::string>();
    const ModelMeta* mp = find_model(at.model);
    if (!mp) at.fail("", "unknown model '" + at.model + "' (models: " + known_labels() + ")");
    const ModelMeta& m = *mp;
    const auto fields_it = o.find("fields");
    if (fields_it != o.end() && !fields_it->is_object())
        at.fail("", "\"fields\" must be an object, got " + shown(*fields_it));

    auto objects = m.ops.make_vector();
    detail::ModelBase* base = nullptr;
    void* obj = m.ops.emplace(objects.get(), base);
    base->set_alias(alias);
    detail::apply_defaults(m, obj);

    const FieldMeta& pkf = m.pk_field();
    auto set = [&](const FieldMeta& f, const Json& v, const std::string& name) {
        try {
            f.access->set(obj, field_value(v, f));
        } catch (const BadValue& e) {
            at.fail(name, e.why + ", got " + shown(v));
        } catch (const Error& e) {
            at.fail(name, std::string(e.what()) + ", got " + shown(v));
        }
    };
    if (pk_it != o.end() && !pk_it->is_null()) set(pkf, *pk_it, "pk");

    std::vector<std::pair<const FieldMeta*, std::vector<Value>>> links;
    std::vector<std::pair<const FieldMeta*, Value>> kept;  // auto_now(_add) values as written
    if (fields_it != o.end())
        for (const auto& [key, v] : fields_it->items()) {
            const FieldMeta* f = key == "pk" ? nullptr : m.find(key);
            if (!f) at.fail(key, "unknown field of " + m.label() + " (fields: " + m.field_names() + ")");
            if (is_m2m(*f)) {
                if (!v.is_array()) at.fail(key, "expected a list of keys, got " + shown(v));
                auto& targets = links.emplace_back(f, std::vector<Value>{}).second;
                const FieldMeta& tf = *f->relation->through_target;
                for (const Json& k : v) {
                    try {
                        if (k.is_null()) throw BadValue{"cannot be null"};
                        Value t = detail::normalize_key(typed_value(k, tf.key_type()), tf.key_type());
                        if (std::find(targets.begin(), targets.end(), t) == targets.end())
                            targets.push_back(std::move(t));
                    } catch (const BadValue& e) {
                        at.fail(key, e.why + " in the list, got " + shown(k));
                    }
                }
                continue;
            }
            set(*f, v, key);
            if (f->auto_now || f->auto_now_add) kept.emplace_back(f, f->access->get(obj));
        }

    try {
        detail::save_instance(m, obj, *base, nullptr);
        const Value pk = pkf.access->get(obj);
        if (!kept.empty()) {  // as Django's raw save: the fixture's timestamps, not now()
            std::vector<Assignment> a;
            for (auto& [f, v] : kept) a.emplace_back(f->name, Operand(v));
            Query q(m);
            q.set_alias(alias);
            q.add_filter("pk", Operand(pk), false);
            (void)detail::update(q, a);
        }
        const Value owner = detail::normalize_key(pk, pkf.key_type());
        for (const auto& [f, targets] : links) set_links(c, alias, *f->relation, owner, targets);
    } catch (const IntegrityError& e) {
        throw IntegrityError(at.text() + ": " + e.what(), e.sqlstate);
    } catch (const FixtureError&) {
        throw;
    } catch (const Error& e) {
        at.fail("", e.what());
    }
    touched.insert(&m);
}

/// PostgreSQL: each auto-increment key's sequence past the largest key (Django's
/// sequence_reset_sql). Names travel as parameters; only quoted identifiers are in the text.
void reset_sequences(detail::Connection& c, const std::set<const ModelMeta*>& touched) {
    const sql::Dialect& d = c.dialect();
    for (const ModelMeta* m : registered_models()) {
        if (!touched.count(m) || !m->pk_field().auto_increment) continue;
        std::string text = d.sequence_reset_sql(m->table, m->pk_field().column);
        if (text.empty()) return;  // keys follow MAX() by themselves (SQLite)
        detail::Cursor cur(c, Sql{std::move(text), {Value(d.quote(m->table)), Value(m->pk_field().column)}});
        cur.next();
    }
}

/// "Installed 1200 object(s)" on stderr when a load runs longer than a second on a terminal.
class Progress {
   public:
    void tick(std::size_t n) {
        if (n % 500 || !isatty(STDERR_FILENO)) return;
        if (std::chrono::steady_clock::now() - start_ < std::chrono::seconds(1)) return;
        std::cerr << "\rloaddata: " << n << " object(s)" << std::flush;
        shown_ = true;
    }
    ~Progress() {
        if (shown_) std::cerr << "\n";
    }

   private:
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    bool shown_ = false;
};

}  // namespace

std::size_t dump_data(std::ostream& out, const DumpOptions& options) {
    const auto models = chosen_models(options.labels);
    FixtureWriter w(out, options.indent);
    for (const ModelMeta* m : models) dump_model(*m, options.alias, w);
    w.end();
    return w.count();
}

LoadResult load_data(const std::vector<std::string>& files, const std::string& alias) {
    LoadResult r;
    detail::Connection& c = detail::connection(alias);
    std::set<const ModelMeta*> touched;
    Progress progress;
    Atomic tx(alias);
    for (const std::string& file : files) {
        const Json doc = read_fixture(file);
        if (!doc.is_array()) Place{file, -1, {}, {}}.fail("", "expected a JSON array of objects, got " + shown(doc));
        for (std::size_t i = 0; i < doc.size(); ++i) {
            Place at{file, long(i), {}, {}};
            load_object(c, alias, doc[i], at, touched);
            progress.tick(++r.objects);
        }
        ++r.fixtures;
    }
    reset_sequences(c, touched);
    try {
        tx.commit();
    } catch (const IntegrityError& e) {
        std::string names;
        for (const auto& f : files) names += (names.empty() ? "'" : ", '") + f + "'";
        throw IntegrityError("Problem installing fixture(s) " + names + ": " + e.what(), e.sqlstate);
    }
    return r;
}

}  // namespace dorm
