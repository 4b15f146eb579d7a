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
}  // namespace detail

}  // namespace dorm
