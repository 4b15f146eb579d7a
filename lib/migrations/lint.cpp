// Reviews that change nothing: lint of migration files (the hazards of API.md §9, per
// backend) and the model checks of `manage check` (Django's system checks).
#include "dorm/migrations/lint.hpp"

#include <algorithm>
#include <map>
#include <set>

#include "dorm/migrations/operations.hpp"

namespace dorm::migrations {

std::vector<Hazard> lint_migration(const MigrationSet& set, const Migration& m, bool postgresql) {
    std::vector<Hazard> out;
    ProjectState state = set.state_before(m.name);
    std::map<std::string, std::set<std::string>> removed, added;  // per model: a rename undeclared?
    std::size_t i = 0;
    for (const auto& op : m.operations()) {
        ProjectState after = state;
        state_forwards(op, after, m.path + ": operation " + std::to_string(++i));
        const std::string type = op.at("type");
        const std::string model = op.value("model", op.value("name", std::string()));
        auto add = [&](const std::string& subject, const char* level, const std::string& what) {
            out.push_back({type + " " + subject, level, what});
        };
        if (type == "RemoveField") {
            add(model + "." + op.at("name").get<std::string>(), "error", "drops data");
            removed[model].insert(op.at("name"));
        } else if (type == "DeleteModel") {
            add(model, "error", "drops data");
        } else if (type == "RenameField") {
            add(model + "." + op.at("old_name").get<std::string>(), "error", "breaks code still running the old models");
        } else if (type == "RenameModel") {
            add(op.at("old_name"), "error", "breaks code still running the old models");
        } else if (type == "AddField") {
            const auto f = field_from_json(op.at("field"), m.path);
            added[model].insert(f.name);
            const std::string subject = model + "." + f.name;
            if (!f.nullable && !f.default_value && !f.default_factory && !f.is_many_to_many() && !f.auto_increment)
                add(subject, "error", "fails on existing rows (NOT NULL without a default)");
            if (f.unique) add(subject, "error", "fails on existing rows (a new unique constraint)");
        } else if (type == "AlterField") {
            const auto f = field_from_json(op.at("field"), m.path);
            const FieldState* was = state.model(model).find(f.name);
            const std::string subject = model + "." + f.name;
            if (was) {
                const bool type_changed = was->type != f.type || was->relation != f.relation;
                const bool narrower = (was->max_length && (!f.max_length || *f.max_length < *was->max_length) &&
                                       f.type != ColumnType::Text) ||
                                      (was->max_digits && f.max_digits && *f.max_digits < *was->max_digits) ||
                                      (was->decimal_places && f.decimal_places && *f.decimal_places < *was->decimal_places);
                if (type_changed || narrower) add(subject, "error", "drops data (a narrowing change)");
                if (was->nullable && !f.nullable) add(subject, "error", "fails on existing rows (NULLs made NOT NULL)");
                if (!was->unique && f.unique) add(subject, "error", "fails on existing rows (a new unique constraint)");
                if (postgresql && (type_changed || narrower || (was->max_length != f.max_length)))
                    add(subject, "warning", "rewrites the table under a lock that blocks writes");
            }
        } else if (type == "AddConstraint") {
            const Json& c = op.at("constraint");
            add(model + "." + c.value("name", "?"), "error", "fails on existing rows (a new " + c.value("type", std::string()) + " constraint)");
            if (postgresql && !c.value("not_valid", false))
                add(model + "." + c.value("name", "?"), "warning", "takes a lock that blocks writes (\"not_valid\": true avoids it)");
        } else if (type == "AddIndex") {
            if (postgresql && !op.value("concurrently", false))
                add(model + "." + op.at("index").value("name", "?"), "warning",
                    "takes a lock that blocks writes (\"concurrently\": true avoids it)");
        }
        state = std::move(after);
    }
    for (const auto& [model, names] : removed)
        if (added.count(model))
            for (const auto& n : names)
                out.push_back({"RemoveField " + model + "." + n, "warning",
                               "a remove plus an add on the same model: if this is a rename, declare "
                               ".renamed_from(\"" + n + "\") and the data is kept"});
    return out;
}

std::vector<std::string> check_models() {
    std::vector<std::string> issues;
    const std::vector<const ModelMeta*> known = registered_models();
    auto is_known = [&](const ModelMeta* m) { return std::find(known.begin(), known.end(), m) != known.end(); };
    std::map<std::pair<const ModelMeta*, std::string>, std::string> reverse_names;
    for (const ModelMeta* m : known) {
        if (!m->ops.make_vector) continue;  // link tables
        std::map<std::string, std::string> columns;
        for (const auto& f : m->fields) {
            const std::string where = m->label() + "." + f.name;
            if (f.has_column()) {
                if (auto [it, fresh] = columns.emplace(f.column, f.name); !fresh)
                    issues.push_back(where + ": the column '" + f.column + "' is also the column of " + it->second);
            }
            if (f.default_value && !f.choices.empty() &&
                std::none_of(f.choices.begin(), f.choices.end(), [&](const auto& c) { return c.first == *f.default_value; }))
                issues.push_back(where + ": the default " + f.default_value->repr() + " is not one of the choices");
            if (!f.relation) continue;
            const ModelMeta& target = f.relation->target();
            if (!is_known(&target)) {
                issues.push_back(where + ": points at " + target.name + ", which is not registered (add it to dorm::register_models)");
                continue;
            }
            std::string rname = f.relation->related_query_name.empty() ? f.relation->related_name : f.relation->related_query_name;
            if (rname == "+") continue;
            if (rname.empty()) rname = detail::lower_name(m->name);
            if (auto [it, fresh] = reverse_names.emplace(std::pair{&target, rname}, where); !fresh)
                issues.push_back(where + ": the reverse name '" + rname + "' on " + target.label() + " clashes with " +
                                 it->second + " (give one a related_name)");
            if (target.find(rname))
                issues.push_back(where + ": the reverse name '" + rname + "' clashes with the field " + target.label() +
                                 "." + rname + " (give it a related_name)");
        }
    }
    return issues;
}

}  // namespace dorm::migrations
