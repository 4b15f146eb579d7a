#pragma once
// The model state migrations work on (Django's ProjectState): what each model's table looks
// like, as plain data that replays from migration files with no database and no C++ model
// types, and turns into ModelMeta for the DDL in schema.hpp. Knows nothing of files or SQL.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "dorm/json.hpp"
#include "dorm/meta.hpp"

namespace dorm::migrations {

/// One column (or ManyToMany) of a model, as a migration file spells it.
struct FieldState {
    std::string name, column;
    ColumnType type = ColumnType::Text;
    bool nullable = false, primary_key = false, auto_increment = false, unique = false, db_index = false;
    std::optional<std::size_t> max_length;
    std::optional<int> max_digits, decimal_places;
    std::optional<Value> default_value;
    bool default_factory = false;  ///< the program's model gives one value per row
    // Relations: "ForeignKey", "OneToOne", "ManyToMany"; the target's label.
    std::string relation, to, on_delete;
    std::string through_table, owner_column, target_column;  ///< ManyToMany, when named
    std::string renamed_from;  ///< autodetector input only: never written to files

    [[nodiscard]] bool is_many_to_many() const { return relation == "ManyToMany"; }
    bool operator==(const FieldState&) const;
};

/// One model: its label ("shop.product"), table and fields, and its table-level options.
struct ModelState {
    std::string label, name, table;
    std::vector<FieldState> fields;
    std::vector<std::vector<std::string>> unique_together;
    Json indexes = Json::array();      ///< [{"name", "fields"}]
    Json constraints = Json::array();  ///< [{"type": "check"|"unique", "name", "condition", "fields"}]
    std::string renamed_from;          ///< autodetector input only

    [[nodiscard]] const FieldState* find(const std::string& name) const;
    [[nodiscard]] FieldState& field(const std::string& name);
};

/// Every model, by label.
struct ProjectState {
    std::map<std::string, ModelState> models;
    [[nodiscard]] ModelState& model(const std::string& label);
    [[nodiscard]] const ModelState& model(const std::string& label) const;
};

/// The registered models as state (what makemigrations compares with the files).
ProjectState state_of_registered_models();
ModelState state_of(const ModelMeta& m);

Json to_json(const FieldState& f);
FieldState field_from_json(const Json& j, const std::string& context);
Json to_json(const ModelState& m);
ModelState model_from_json(const Json& j, const std::string& context);

/// Q as JSON ({"path", "value"} leaves, {"and"|"or": [...]}, {"not": q}) and back.
Json q_to_json(const Q& q);
Q q_from_json(const Json& j);

/// ModelMeta built from a state, for the DDL in schema.hpp (relations resolved within the
/// same state; no member access).
class StateMetas {
   public:
    explicit StateMetas(const ProjectState& state);
    [[nodiscard]] const ModelMeta& meta(const std::string& label) const;

   private:
    std::map<std::string, std::shared_ptr<ModelMeta>> metas_;
};

}  // namespace dorm::migrations
