#pragma once
// Private to lib/: turns one model's change between two migration states into DDL, as
// Django's schema editor does: direct ALTERs where the dialect has them, else SQLite's table
// rebuild (new table, copy, drop, rename, indexes). Runs the statements on a connection, or
// only collects them (sqlmigrate). DDL text comes from schema.hpp and the dialect.

#include <string>
#include <vector>

#include "../backend.hpp"
#include "dorm/meta.hpp"

namespace dorm::migrations {

class SchemaEditor {
   public:
    /// `c` nullptr: collect only.
    SchemaEditor(detail::Connection* c, const sql::Dialect& d) : c_(c), d_(d) {}

    void create_model(const ModelMeta& m);
    void delete_model(const ModelMeta& m);
    /// `field` exists in `after` only.
    void add_field(const ModelMeta& before, const ModelMeta& after, const std::string& field);
    /// `field` exists in `before` only.
    void remove_field(const ModelMeta& before, const ModelMeta& after, const std::string& field);
    /// Field `old_name` of `before` became `new_name` of `after` (same or renamed).
    void alter_field(const ModelMeta& before, const ModelMeta& after, const std::string& old_name,
                     const std::string& new_name);
    void rename_table(const ModelMeta& before, const ModelMeta& after);
    /// Indexes, constraints and unique_together: whatever differs between before and after.
    void alter_options(const ModelMeta& before, const ModelMeta& after);

    /// Runs (and records) one statement.
    void execute(const std::string& sql);
    [[nodiscard]] const std::vector<std::string>& statements() const { return statements_; }
    [[nodiscard]] const sql::Dialect& dialect() const { return d_; }
    [[nodiscard]] detail::Connection* connection() const { return c_; }

   private:
    /// SQLite's rebuild: `after`'s table filled from `before`'s; `renamed` maps after's
    /// field names to before's.
    void remake(const ModelMeta& before, const ModelMeta& after,
                const std::vector<std::pair<std::string, std::string>>& renamed = {});
    std::string column_sql(const FieldMeta& f) const;
    /// After a table rename: its generated index and constraint names follow the table's.
    void rename_derived_names(const ModelMeta& before, const ModelMeta& after);
    void add_field_per_row(const ModelMeta& before, const ModelMeta& after, const FieldMeta& f);
    detail::Connection* c_;
    const sql::Dialect& d_;
    std::vector<std::string> statements_;
};

}  // namespace dorm::migrations
