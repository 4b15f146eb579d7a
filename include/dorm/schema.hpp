#pragma once
// DDL from model metadata: CREATE TABLE / INDEX exactly as Django emits them.

#include <string>
#include <vector>

#include "dorm/meta.hpp"
#include "dorm/sql/dialect.hpp"

namespace dorm {

/// Creates every registered model's table and indexes that do not exist yet.
void create_tables(const std::string& alias = "default");
/// Drops every registered model's table (children first).
void drop_tables(const std::string& alias = "default");

namespace detail {
/// CREATE TABLE and CREATE INDEX statements for one model.
std::vector<std::string> create_table_sql(const ModelMeta& m, const sql::Dialect& d);
/// Django's index name: <table>_<columns>_<md5 digest><suffix>, cut to the dialect's limit.
std::string index_name(const std::string& table, const std::vector<std::string>& columns,
                       const std::string& suffix, const sql::Dialect& d);
/// An Index's name: its own, else Django's `<table[:11]>_<column[:7]>_<digest>_idx`.
std::string index_name(const ModelMeta& m, const Index& index);
/// CREATE INDEX for one of s.indexes().
std::string index_sql(const ModelMeta& m, const Index& index, const sql::Dialect& d);
/// The part of CREATE TABLE for a CheckConstraint or an unconditional UniqueConstraint
/// (`CONSTRAINT "name" CHECK (...)`); "" for a partial UniqueConstraint.
std::string constraint_sql(const ModelMeta& m, const Constraint& c, const sql::Dialect& d);
/// A partial UniqueConstraint: CREATE UNIQUE INDEX ... WHERE condition.
std::string unique_index_sql(const ModelMeta& m, const UniqueConstraint& u, const sql::Dialect& d);
/// One column's definition in CREATE TABLE / ADD COLUMN (with SQLite's inline REFERENCES).
std::string column_sql(const FieldMeta& f, const sql::Dialect& d);
sql::ColumnDef column_def(const FieldMeta& f);
/// A unique_together group: its unique index (SQLite) or constraint (PostgreSQL), and name.
std::string unique_together_sql(const ModelMeta& m, const std::vector<std::string>& group, const sql::Dialect& d);
std::string unique_together_name(const ModelMeta& m, const std::vector<std::string>& group, const sql::Dialect& d);
/// ALTER TABLE ... ADD CONSTRAINT ... FOREIGN KEY (dialects without inline references).
std::string foreign_key_sql(const ModelMeta& m, const FieldMeta& f, const sql::Dialect& d);
/// A field's own indexes: db_index, and PostgreSQL's LIKE index.
std::vector<std::string> field_index_sql(const ModelMeta& m, const FieldMeta& f, const sql::Dialect& d);
/// A Q as DDL text: local columns only, values as literals.
std::string condition_sql(const ModelMeta& m, const Q& condition, const sql::Dialect& d);
}  // namespace detail

}  // namespace dorm
