// Migration operations on the model state.
#include "dorm/migrations/operations.hpp"

#include <algorithm>
#include <map>
#include <mutex>

#include "dorm/error.hpp"

namespace dorm {

namespace {
std::mutex code_mutex;
std::map<std::string, std::function<void(MigrationContext&)>>& code_registry() {
    static std::map<std::string, std::function<void(MigrationContext&)>> r;
    return r;
}
}  // namespace

void migration_code(const std::string& name, std::function<void(MigrationContext&)> fn) {
    std::lock_guard lock(code_mutex);
    code_registry()[name] = std::move(fn);
}

namespace migrations {

namespace {

// Required keys per type.
const std::map<std::string, std::vector<const char*>>& shapes() {
    static const std::map<std::string, std::vector<const char*>> s = {
        {"CreateModel", {"name", "table", "fields"}},
        {"DeleteModel", {"name"}},
        {"RenameModel", {"old_name", "new_name", "table"}},
        {"AlterModelTable", {"name", "table"}},
        {"AddField", {"model", "field"}},
        {"RemoveField", {"model", "name"}},
        {"AlterField", {"model", "field"}},
        {"RenameField", {"model", "old_name", "new_name"}},
        {"AddIndex", {"model", "index"}},
        {"RemoveIndex", {"model", "name"}},
        {"AddConstraint", {"model", "constraint"}},
        {"RemoveConstraint", {"model", "name"}},
        {"AlterUniqueTogether", {"model", "unique_together"}},
        {"RunSQL", {"sql"}},
        {"RunCode", {"name"}},
    };
    return s;
}

std::string str(const Json& op, const char* key) { return op.at(key).get<std::string>(); }

template <class List>
void erase_named(List& list, const std::string& name, const std::string& what, const std::string& context) {
    auto it = std::find_if(list.begin(), list.end(), [&](const Json& j) { return j.at("name") == name; });
    if (it == list.end()) throw FieldError(context + ": no " + what + " named '" + name + "'");
    list.erase(it);
}

std::string model_part(const std::string& label) { return label.substr(label.rfind('.') + 1); }

}  // namespace

const std::vector<std::string>& operation_types() {
    static const std::vector<std::string> types = [] {
        std::vector<std::string> t;
        for (const auto& [k, v] : shapes()) t.push_back(k);
        return t;
    }();
    return types;
}

void check_operation(const Json& op, const std::string& context) {
    if (!op.is_object() || !op.contains("type") || !op["type"].is_string())
        throw FieldError(context + ": an operation needs a \"type\": " + op.dump().substr(0, 200));
    const auto type = op["type"].get<std::string>();
    auto it = shapes().find(type);
    if (it == shapes().end()) {
        std::string choices;
        for (const auto& t : operation_types()) choices += (choices.empty() ? "" : ", ") + t;
        throw FieldError(context + ": unknown operation type '" + type + "' (choices: " + choices + ")");
    }
    for (const char* key : it->second)
        if (!op.contains(key)) throw FieldError(context + ": " + type + " needs \"" + key + "\"");
}

void state_forwards(const Json& op, ProjectState& state, const std::string& context) {
    check_operation(op, context);
    const auto type = str(op, "type");
    const std::string where = context + ": " + type;
    try {
        if (type == "CreateModel") {
            ModelState m = model_from_json(op, where);
            if (state.models.count(m.label)) throw FieldError(where + ": model " + m.label + " exists already");
            state.models.emplace(m.label, std::move(m));
        } else if (type == "DeleteModel") {
            const auto label = str(op, "name");
            (void)state.model(label);
            state.models.erase(label);
        } else if (type == "RenameModel") {
            const auto from = str(op, "old_name"), to = str(op, "new_name");
            ModelState m = state.model(from);
            state.models.erase(from);
            m.label = to;
            m.name = op.value("model", model_part(to));
            m.table = str(op, "table");
            state.models.emplace(to, std::move(m));
            for (auto& [label, other] : state.models)
                for (auto& f : other.fields)
                    if (f.to == from) f.to = to;
        } else if (type == "AlterModelTable") {
            state.model(str(op, "name")).table = str(op, "table");
        } else if (type == "AddField") {
            ModelState& m = state.model(str(op, "model"));
            FieldState f = field_from_json(op["field"], where);
            if (m.find(f.name)) throw FieldError(where + ": " + m.label + "." + f.name + " exists already");
            m.fields.push_back(std::move(f));
        } else if (type == "RemoveField") {
            ModelState& m = state.model(str(op, "model"));
            const auto name = str(op, "name");
            (void)m.field(name);
            std::erase_if(m.fields, [&](const FieldState& f) { return f.name == name; });
        } else if (type == "AlterField") {
            ModelState& m = state.model(str(op, "model"));
            FieldState f = field_from_json(op["field"], where);
            m.field(f.name) = std::move(f);
        } else if (type == "RenameField") {
            ModelState& m = state.model(str(op, "model"));
            const auto from = str(op, "old_name"), to = str(op, "new_name");
            FieldState& f = m.field(from);
            f.name = to;
            f.column = op.value("column", f.relation.empty() ? to : to + "_id");
            for (auto& group : m.unique_together) std::replace(group.begin(), group.end(), from, to);
            for (auto& i : m.indexes)
                for (auto& n : i["fields"]) {
                    const auto s = n.get<std::string>();
                    if (s == from) n = to;
                    else if (s == "-" + from) n = "-" + to;
                }
            for (auto& c : m.constraints)
                if (c.contains("fields"))
                    for (auto& n : c["fields"])
                        if (n == from) n = to;
        } else if (type == "AddIndex") {
            state.model(str(op, "model")).indexes.push_back(op["index"]);
        } else if (type == "RemoveIndex") {
            erase_named(state.model(str(op, "model")).indexes, str(op, "name"), "index", where);
        } else if (type == "AddConstraint") {
            state.model(str(op, "model")).constraints.push_back(op["constraint"]);
        } else if (type == "RemoveConstraint") {
            erase_named(state.model(str(op, "model")).constraints, str(op, "name"), "constraint", where);
        } else if (type == "AlterUniqueTogether") {
            state.model(str(op, "model")).unique_together =
                op["unique_together"].get<std::vector<std::vector<std::string>>>();
        }
        // RunSQL and RunCode leave the state as it is.
    } catch (const Json::exception& e) {
        throw FieldError(where + ": malformed operation " + op.dump().substr(0, 200) + " (" + e.what() + ")");
    }
}

namespace {
std::string describe_json(const Json& op);
}  // namespace

// For messages: never throws on a malformed operation (the message is about it).
std::string describe(const Json& op) {
    try {
        return describe_json(op);
    } catch (const Json::exception&) {
        return op.is_object() && op.contains("type") && op["type"].is_string() ? op["type"].get<std::string>()
                                                                                 : "malformed operation";
    }
}

namespace {
std::string describe_json(const Json& op) {
    const auto type = op.value("type", "");
    if (type == "CreateModel") return "Create model " + str(op, "name");
    if (type == "DeleteModel") return "Delete model " + str(op, "name");
    if (type == "RenameModel") return "Rename model " + str(op, "old_name") + " to " + str(op, "new_name");
    if (type == "AlterModelTable") return "Rename table for " + str(op, "name") + " to " + str(op, "table");
    if (type == "AddField") return "Add field " + op["field"].value("name", "?") + " to " + str(op, "model");
    if (type == "RemoveField") return "Remove field " + str(op, "name") + " from " + str(op, "model");
    if (type == "AlterField") return "Alter field " + op["field"].value("name", "?") + " on " + str(op, "model");
    if (type == "RenameField")
        return "Rename field " + str(op, "old_name") + " on " + str(op, "model") + " to " + str(op, "new_name");
    if (type == "AddIndex") return "Create index " + op["index"].value("name", "?") + " on " + str(op, "model");
    if (type == "RemoveIndex") return "Remove index " + str(op, "name") + " from " + str(op, "model");
    if (type == "AddConstraint") return "Create constraint " + op["constraint"].value("name", "?") + " on " + str(op, "model");
    if (type == "RemoveConstraint") return "Remove constraint " + str(op, "name") + " from " + str(op, "model");
    if (type == "AlterUniqueTogether") return "Alter unique_together for " + str(op, "model");
    if (type == "RunSQL") return "Raw SQL operation";
    if (type == "RunCode") return "Run code " + str(op, "name");
    return type;
}
}  // namespace

std::string name_fragment(const Json& op) {
    const auto type = op.value("type", "");
    auto m = [&](const char* key) { return model_part(str(op, key)); };
    if (type == "CreateModel") return m("name");
    if (type == "DeleteModel") return "delete_" + m("name");
    if (type == "RenameModel") return "rename_" + m("old_name") + "_" + m("new_name");
    if (type == "AlterModelTable") return "alter_" + m("name") + "_table";
    if (type == "AddField") return m("model") + "_" + op["field"].value("name", "");
    if (type == "RemoveField") return "remove_" + m("model") + "_" + str(op, "name");
    if (type == "AlterField") return "alter_" + m("model") + "_" + op["field"].value("name", "");
    if (type == "RenameField") return "rename_" + str(op, "old_name") + "_" + m("model") + "_" + str(op, "new_name");
    if (type == "AddIndex") return m("model") + "_" + op["index"].value("name", "");
    if (type == "RemoveIndex") return "remove_" + m("model") + "_" + str(op, "name");
    if (type == "AddConstraint") return m("model") + "_" + op["constraint"].value("name", "");
    if (type == "RemoveConstraint") return "remove_" + m("model") + "_" + str(op, "name");
    if (type == "AlterUniqueTogether") return "alter_" + m("model") + "_unique_together";
    return "auto";
}

const std::function<void(MigrationContext&)>& registered_code(const std::string& name, const std::string& context) {
    std::lock_guard lock(code_mutex);
    auto it = code_registry().find(name);
    if (it == code_registry().end())
        throw ConfigError(context + ": RunCode '" + name + "' is not registered (dorm::migration_code(\"" + name +
                          "\", ...))");
    return it->second;
}

}  // namespace migrations
}  // namespace dorm
