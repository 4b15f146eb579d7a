// Diffing two model states into operations.
#include "dorm/migrations/autodetector.hpp"

#include <algorithm>
#include <set>

#include "dorm/migrations/operations.hpp"

namespace dorm::migrations {

namespace {

Json with_type(const char* type, Json j) {
    j["type"] = type;
    return j;
}

// A NOT NULL column that existing rows cannot be given a value for.
void check_addable(const ModelState& m, const FieldState& f) {
    if (f.nullable || f.default_value || f.default_factory || f.auto_increment || f.is_many_to_many()) return;
    throw NeedsAnswer("Cannot add the NOT NULL field '" + f.name + "' to " + m.label +
                      " without a default: existing rows need a value. Either give it one in define() "
                      "(.default_value(v)), or make the member a std::optional (NULL allowed).");
}

Json field_op(const char* type, const std::string& model, const FieldState& f) {
    return {{"type", type}, {"model", model}, {"field", to_json(f)}};
}

const Json* named(const Json& list, const std::string& name) {
    for (const auto& j : list)
        if (j.at("name") == name) return &j;
    return nullptr;
}

}  // namespace

std::vector<Json> autodetect(const ProjectState& from, const ProjectState& to) {
    std::vector<Json> renames, removals, creates, additions, alterations, deferred, options_after, deletes;
    // to-label -> from-label for models present on both sides (declared renames included)
    std::map<std::string, std::string> common;
    std::set<std::string> consumed;
    for (const auto& [label, m] : to.models) {
        if (from.models.count(label)) {
            common[label] = label;
            consumed.insert(label);
        } else if (!m.renamed_from.empty() && from.models.count(m.renamed_from) && !to.models.count(m.renamed_from)) {
            common[label] = m.renamed_from;
            consumed.insert(m.renamed_from);
            renames.push_back({{"type", "RenameModel"}, {"old_name", m.renamed_from}, {"new_name", label},
                               {"model", m.name}, {"table", m.table}});
        }
    }
    // models that go: after everything that pointed at them has changed
    for (const auto& [label, m] : from.models)
        if (!consumed.count(label)) deletes.push_back({{"type", "DeleteModel"}, {"name", label}});
    // new models, targets first; relations to models not yet created become AddFields
    std::set<std::string> exists;
    for (const auto& [label, from_label] : common) exists.insert(label);
    std::vector<std::string> pending;
    for (const auto& [label, m] : to.models)
        if (!common.count(label)) pending.push_back(label);
    while (!pending.empty()) {
        auto ready = std::find_if(pending.begin(), pending.end(), [&](const std::string& label) {
            for (const auto& f : to.models.at(label).fields)
                if (!f.relation.empty() && !f.is_many_to_many() && f.to != label && !exists.count(f.to) &&
                    std::find(pending.begin(), pending.end(), f.to) != pending.end())
                    return false;
            return true;
        });
        if (ready == pending.end()) ready = pending.begin();  // a cycle: its foreign keys wait
        const ModelState& m = to.models.at(*ready);
        ModelState created = m;
        created.fields.clear();
        for (const auto& f : m.fields) {
            const bool target_ready = f.relation.empty() || f.to == m.label || exists.count(f.to);
            if (target_ready && !(f.is_many_to_many() && f.to != m.label && !exists.count(f.to))) created.fields.push_back(f);
            else deferred.push_back(field_op("AddField", m.label, f));
        }
        creates.push_back(with_type("CreateModel", to_json(created)));
        exists.insert(m.label);
        pending.erase(ready);
    }
    // models on both sides
    for (const auto& [label, from_label] : common) {
        const ModelState& a = from.models.at(from_label);
        const ModelState& b = to.models.at(label);
        if (a.table != b.table && from_label == label)
            renames.push_back({{"type", "AlterModelTable"}, {"name", label}, {"table", b.table}});
        // field renames, declared
        std::map<std::string, std::string> field_from;  // b's name -> a's name
        std::set<std::string> a_used;
        for (const auto& f : b.fields) {
            if (a.find(f.name)) {
                field_from[f.name] = f.name;
                a_used.insert(f.name);
            } else if (!f.renamed_from.empty() && a.find(f.renamed_from) && !b.find(f.renamed_from)) {
                field_from[f.name] = f.renamed_from;
                a_used.insert(f.renamed_from);
                renames.push_back({{"type", "RenameField"}, {"model", label}, {"old_name", f.renamed_from},
                                   {"new_name", f.name}, {"column", f.column}});
            }
        }
        // table options that name fields which go must go first
        for (const auto& i : a.indexes) {
            const Json* now = named(b.indexes, i.at("name"));
            if (!now || *now != i) removals.push_back({{"type", "RemoveIndex"}, {"model", label}, {"name", i.at("name")}});
        }
        for (const auto& c : a.constraints) {
            const Json* now = named(b.constraints, c.at("name"));
            if (!now || *now != c) removals.push_back({{"type", "RemoveConstraint"}, {"model", label}, {"name", c.at("name")}});
        }
        std::vector<std::vector<std::string>> renamed_groups = a.unique_together;
        for (auto& g : renamed_groups)
            for (auto& n : g)
                for (const auto& [now, was] : field_from)
                    if (n == was) n = now;
        if (renamed_groups != b.unique_together) {
            Json op = {{"type", "AlterUniqueTogether"}, {"model", label}, {"unique_together", b.unique_together}};
            bool drops_field = false;
            for (const auto& g : a.unique_together)
                for (const auto& n : g) drops_field = drops_field || !a_used.count(n);
            (drops_field ? removals : options_after).push_back(op);
        }
        for (const auto& f : a.fields)
            if (!a_used.count(f.name)) removals.push_back({{"type", "RemoveField"}, {"model", label}, {"name", f.name}});
        for (const auto& f : b.fields) {
            auto it = field_from.find(f.name);
            if (it == field_from.end()) {
                check_addable(b, f);
                additions.push_back(field_op("AddField", label, f));
                continue;
            }
            FieldState was = *a.find(it->second);
            was.name = f.name;
            was.column = f.column;  // the rename carried the column
            if (!(was == f)) {
                if (was.nullable && !f.nullable && !f.default_value && !f.default_factory)
                    throw NeedsAnswer("Cannot make " + label + "." + f.name +
                                      " NOT NULL without a default: existing NULL rows need a value. Give it "
                                      ".default_value(v), or keep the member a std::optional.");
                alterations.push_back(field_op("AlterField", label, f));
            }
        }
        for (const auto& i : b.indexes) {
            const Json* was = named(a.indexes, i.at("name"));
            if (!was || *was != i) options_after.push_back({{"type", "AddIndex"}, {"model", label}, {"index", i}});
        }
        for (const auto& c : b.constraints) {
            const Json* was = named(a.constraints, c.at("name"));
            if (!was || *was != c) options_after.push_back({{"type", "AddConstraint"}, {"model", label}, {"constraint", c}});
        }
    }
    std::vector<Json> out;
    for (auto* part : {&renames, &removals, &creates, &additions, &alterations, &deferred, &options_after, &deletes})
        out.insert(out.end(), part->begin(), part->end());
    return out;
}

std::string suggest_name(const std::vector<Json>& operations, bool initial) {
    if (initial) return "initial";
    if (operations.empty()) return "auto";
    if (operations.size() == 1) return name_fragment(operations[0]);
    std::string joined;
    for (const auto& op : operations) joined += (joined.empty() ? "" : "_") + name_fragment(op);
    return joined.size() <= 52 ? joined : "auto";
}

}  // namespace dorm::migrations
