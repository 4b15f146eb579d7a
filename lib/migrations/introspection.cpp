#include "dorm/migrations/introspection.hpp"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string_view>

#include "../backend.hpp"
#include "dorm/error.hpp"
#include "dorm/schema.hpp"

namespace dorm {

namespace {

using detail::Connection;
using detail::Cursor;

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = char(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return std::string(s);
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// ---- SQL text, just enough to read SQLite's stored CREATE statements ---------------------

struct Token {
    enum Kind { Word, Quoted, String, Group, Punct } kind;
    std::string text;  ///< a word; a quoted identifier unquoted; a group's inner text
    std::size_t begin = 0, end = 0;  ///< offsets in the source
};

// Words, quoted identifiers ("x", `x`, [x]), string literals, parenthesised groups (one token
// each, nested ones included) and single punctuation characters.
std::vector<Token> tokenize(std::string_view s) {
    std::vector<Token> out;
    std::size_t i = 0;
    auto skip_quoted = [&](std::size_t j, char close) {  // j at the opening quote; returns past close
        for (++j; j < s.size(); ++j)
            if (s[j] == close) {
                if (close != ']' && j + 1 < s.size() && s[j + 1] == close) ++j;  // doubled
                else return j + 1;
            }
        return s.size();
    };
    while (i < s.size()) {
        const char c = s[i];
        if (std::isspace(static_cast<unsigned char>(c))) {
            ++i;
        } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
            while (i < s.size() && s[i] != '\n') ++i;
        } else if (c == '"' || c == '`' || c == '[') {
            const char close = c == '[' ? ']' : c;
            std::size_t e = skip_quoted(i, close);
            std::string name;  // without its quotes; a doubled quote stands for one
            const std::size_t last = e > i + 1 && s[e - 1] == close ? e - 1 : e;
            for (std::size_t j = i + 1; j < last; ++j) {
                name += s[j];
                if (s[j] == close) ++j;
            }
            out.push_back({Token::Quoted, name, i, e});
            i = e;
        } else if (c == '\'') {
            std::size_t e = skip_quoted(i, '\'');
            out.push_back({Token::String, std::string(s.substr(i, e - i)), i, e});
            i = e;
        } else if (c == '(') {
            int depth = 0;
            std::size_t j = i;
            for (; j < s.size(); ++j) {
                if (s[j] == '\'' || s[j] == '"' || s[j] == '`' || s[j] == '[') {
                    j = skip_quoted(j, s[j] == '[' ? ']' : s[j]) - 1;
                } else if (s[j] == '(') {
                    ++depth;
                } else if (s[j] == ')' && --depth == 0) {
                    break;
                }
            }
            const std::size_t e = std::min(j + 1, s.size());
            out.push_back({Token::Group, std::string(s.substr(i + 1, j - i - 1)), i, e});
            i = e;
        } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
            std::size_t e = i;
            while (e < s.size() && (std::isalnum(static_cast<unsigned char>(s[e])) || s[e] == '_' || s[e] == '$')) ++e;
            out.push_back({Token::Word, std::string(s.substr(i, e - i)), i, e});
            i = e;
        } else {
            out.push_back({Token::Punct, std::string(1, c), i, i + 1});
            ++i;
        }
    }
    return out;
}

bool is_word(const Token& t, std::string_view upper) {
    if (t.kind != Token::Word || t.text.size() != upper.size()) return false;
    for (std::size_t i = 0; i < upper.size(); ++i)
        if (std::toupper(static_cast<unsigned char>(t.text[i])) != upper[i]) return false;
    return true;
}

// The items of a parenthesised list, split at its top-level commas, as source text.
std::vector<std::string> split_list(std::string_view inner) {
    std::vector<std::string> items;
    std::size_t from = 0;
    for (const Token& t : tokenize(inner))
        if (t.kind == Token::Punct && t.text == ",") {
            items.push_back(trim(inner.substr(from, t.begin - from)));
            from = t.end;
        }
    items.push_back(trim(inner.substr(from)));
    return items;
}

std::vector<std::string> column_names(std::string_view list) {
    std::vector<std::string> out;
    for (const auto& item : split_list(list)) {
        auto toks = tokenize(item);
        if (!toks.empty()) out.push_back(toks.front().text);
    }
    return out;
}

// What SQLite's catalog leaves out and its stored CREATE TABLE says: constraint names,
// CHECKs, AUTOINCREMENT, the JSON_VALID checks that make a text column a Json one.
struct ParsedTable {
    std::map<std::string, std::vector<std::string>> named_uniques;  ///< name -> columns
    std::vector<CheckInfo> checks;
    std::set<std::string> autoincrement, json;
};

ParsedTable parse_create_table(std::string_view sql) {
    ParsedTable p;
    auto toks = tokenize(sql);
    auto body = std::find_if(toks.begin(), toks.end(), [](const Token& t) { return t.kind == Token::Group; });
    if (body == toks.end()) return p;
    for (const std::string& item : split_list(body->text)) {
        auto t = tokenize(item);
        if (t.empty()) continue;
        std::string name;
        std::size_t k = 0;
        const bool table_constraint = is_word(t[0], "CONSTRAINT") || is_word(t[0], "CHECK") ||
                                      is_word(t[0], "UNIQUE") || is_word(t[0], "PRIMARY") ||
                                      is_word(t[0], "FOREIGN");
        if (table_constraint) {
            if (is_word(t[0], "CONSTRAINT") && t.size() > 1) name = t[1].text, k = 2;
            if (k + 1 < t.size() && is_word(t[k], "CHECK") && t[k + 1].kind == Token::Group)
                p.checks.push_back({name, trim(t[k + 1].text)});
            else if (k + 1 < t.size() && is_word(t[k], "UNIQUE") && t[k + 1].kind == Token::Group && !name.empty())
                p.named_uniques[name] = column_names(t[k + 1].text);
            continue;
        }
        const std::string column = t[0].text;
        std::string constraint_name;
        for (std::size_t j = 1; j < t.size(); ++j) {
            if (is_word(t[j], "AUTOINCREMENT")) p.autoincrement.insert(column);
            if (is_word(t[j], "CONSTRAINT") && j + 1 < t.size()) constraint_name = t[j + 1].text;
            if (is_word(t[j], "CHECK") && j + 1 < t.size() && t[j + 1].kind == Token::Group) {
                const std::string check = trim(t[j + 1].text);
                if (lower(check).find("json_valid(") != std::string::npos) p.json.insert(column);
                else p.checks.push_back({constraint_name, check});
                constraint_name.clear();
            }
        }
    }
    return p;
}

// The text after a CREATE INDEX's top-level WHERE ("" when it has none).
std::string index_condition(std::string_view sql) {
    for (const Token& t : tokenize(sql))
        if (is_word(t, "WHERE")) return trim(sql.substr(t.end));
    return {};
}

// ---- column types, both ways -------------------------------------------------------------

// The type as dorm's dialects write it: lower case, "varchar" for "character varying",
// "numeric(10, 2)" with one space after the comma.
struct ParsedType {
    std::string base;
    std::vector<long long> args;
    std::string spelled;
};

ParsedType parse_type(std::string_view declared) {
    ParsedType t;
    std::string d = lower(trim(declared));
    std::string rest;
    if (auto open = d.find('('); open != std::string::npos) {
        auto close = d.find(')', open);
        std::string inner = d.substr(open + 1, close == std::string::npos ? std::string::npos : close - open - 1);
        for (const auto& a : split_list(inner))
            if (!a.empty() && std::all_of(a.begin(), a.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); }))
                t.args.push_back(std::stoll(a));
        rest = close == std::string::npos ? std::string() : trim(d.substr(close + 1));
        d = trim(d.substr(0, open));
    }
    static const std::map<std::string, std::string, std::less<>> aliases = {
        {"character varying", "varchar"}, {"character", "char"}, {"timestamptz", "timestamp with time zone"},
        {"int4", "integer"}, {"int8", "bigint"}, {"int2", "smallint"}, {"float8", "double precision"},
        {"float4", "real"}, {"bool", "bool"}};
    if (auto a = aliases.find(d); a != aliases.end()) d = a->second;
    t.base = d;
    t.spelled = d;
    if (!t.args.empty()) {
        t.spelled += "(";
        for (std::size_t i = 0; i < t.args.size(); ++i) t.spelled += (i ? ", " : "") + std::to_string(t.args[i]);
        t.spelled += ")";
    }
    if (!rest.empty()) t.spelled += " " + rest;  // "timestamp(6) with time zone"
    if (!rest.empty()) t.base += " " + rest;
    return t;
}

void set_type(ColumnInfo& c, const std::string& declared, std::string_view vendor) {
    const ParsedType t = parse_type(declared);
    c.db_type = t.spelled;
    const std::string& b = t.base;
    auto arg = [&](std::size_t i) { return i < t.args.size() ? std::optional<long long>(t.args[i]) : std::nullopt; };
    auto one_of = [&](std::initializer_list<std::string_view> names) {
        return std::find(names.begin(), names.end(), b) != names.end();
    };
    if (one_of({"bool", "boolean"})) {
        c.type = ColumnType::Boolean;
    } else if (one_of({"integer", "int", "smallint", "tinyint", "mediumint", "serial", "smallserial",
                       "integer unsigned", "smallint unsigned", "int unsigned"})) {
        c.type = ColumnType::Integer;
    } else if (one_of({"bigint", "bigserial", "bigint unsigned"})) {
        c.type = ColumnType::BigInt;
    } else if (one_of({"real", "double precision", "double", "float"})) {
        c.type = ColumnType::Real;
    } else if (one_of({"decimal", "numeric"})) {
        c.type = ColumnType::Decimal;
        if (auto p = arg(0)) c.max_digits = int(*p);
        if (auto s = arg(1)) c.decimal_places = int(*s);
        else if (c.max_digits) c.decimal_places = 0;
    } else if (one_of({"varchar", "nvarchar", "varying character", "char", "nchar"})) {
        // Django writes char(32) only for a UUIDField on SQLite.
        if (vendor == "sqlite" && b == "char" && arg(0) == 32) {
            c.type = ColumnType::Uuid;
        } else if (auto n = arg(0)) {
            c.type = ColumnType::Varchar;
            c.max_length = std::size_t(*n);
        } else {
            c.type = ColumnType::Text;
        }
    } else if (one_of({"date"})) {
        c.type = ColumnType::Date;
    } else if (one_of({"datetime", "timestamp", "timestamp with time zone", "timestamp without time zone"})) {
        c.type = ColumnType::DateTime;
    } else if (one_of({"json", "jsonb"})) {
        c.type = ColumnType::Json;
    } else if (one_of({"blob", "bytea"})) {
        c.type = ColumnType::Blob;
    } else if (one_of({"uuid"})) {
        c.type = ColumnType::Uuid;
    } else {
        c.type = ColumnType::Text;  // text, clob, and what dorm has no type for
    }
}

bool known_type(const ColumnInfo& c) {
    if (c.type != ColumnType::Text) return true;
    const std::string base = parse_type(c.db_type).base;
    return base == "text" || base == "clob";
}

// ---- the per-vendor catalog reading (to move into lib/sql/dialects/) ---------------------

std::string text(const Cursor& cur, int col) {
    return cur.row().is_null(col) ? std::string() : std::string(cur.row().get_text(col));
}

void finish(TableInfo& t) {
    auto by_name = [](const auto& a, const auto& b) { return a.name < b.name; };
    std::sort(t.indexes.begin(), t.indexes.end(), by_name);
    std::stable_sort(t.checks.begin(), t.checks.end(), by_name);
    auto position = [&](const std::string& column) {
        for (std::size_t i = 0; i < t.columns.size(); ++i)
            if (t.columns[i].name == column) return i;
        return t.columns.size();
    };
    std::stable_sort(t.foreign_keys.begin(), t.foreign_keys.end(),
                     [&](const ForeignKeyInfo& a, const ForeignKeyInfo& b) { return position(a.column) < position(b.column); });
    for (const IndexInfo& i : t.indexes) {
        if (!i.unique || i.primary_key || !i.condition.empty() || i.columns.size() != 1) continue;
        std::string col = i.columns[0];
        for (ColumnInfo& c : t.columns)
            if (c.name == col) c.unique = true;
    }
}

namespace sqlite_catalog {

constexpr const char* tables =
    "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'";
constexpr const char* table_sql = "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?";
constexpr const char* columns = "SELECT name, type, \"notnull\", pk FROM pragma_table_info(?) ORDER BY cid";
constexpr const char* indexes = "SELECT name, \"unique\", origin FROM pragma_index_list(?)";
constexpr const char* index_columns =
    "SELECT name, \"desc\" FROM pragma_index_xinfo(?) WHERE key = 1 ORDER BY seqno";
constexpr const char* index_sql = "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?";
constexpr const char* foreign_keys = "SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?) ORDER BY id, seq";

std::vector<std::string> table_names(Connection& c) {
    std::vector<std::string> out;
    Cursor cur(c, Sql{tables, {}});
    while (cur.next()) out.push_back(text(cur, 0));
    return out;
}

std::vector<std::string> primary_key(Connection& c, const std::string& table) {
    std::vector<std::pair<std::int64_t, std::string>> pk;
    Cursor cur(c, Sql{columns, {Value(table)}});
    while (cur.next())
        if (cur.row().get_int64(3) > 0) pk.emplace_back(cur.row().get_int64(3), text(cur, 0));
    std::sort(pk.begin(), pk.end());
    std::vector<std::string> out;
    for (auto& [n, name] : pk) out.push_back(name);
    return out;
}

TableInfo describe(Connection& c, const std::string& table) {
    TableInfo t;
    t.name = table;
    std::string create;
    {
        Cursor cur(c, Sql{table_sql, {Value(table)}});
        if (!cur.next()) throw OperationalError("no table named '" + table + "' in the database");
        create = text(cur, 0);
    }
    ParsedTable parsed = parse_create_table(create);
    std::vector<std::pair<std::int64_t, std::string>> pk;
    {
        Cursor cur(c, Sql{columns, {Value(table)}});
        while (cur.next()) {
            ColumnInfo col;
            col.name = text(cur, 0);
            set_type(col, text(cur, 1), "sqlite");
            col.nullable = cur.row().get_int64(2) == 0;
            if (const auto n = cur.row().get_int64(3); n > 0) {
                col.primary_key = true;
                pk.emplace_back(n, col.name);
            }
            if (parsed.json.count(col.name) && col.type == ColumnType::Text) col.type = ColumnType::Json;
            t.columns.push_back(std::move(col));
        }
    }
    std::sort(pk.begin(), pk.end());
    if (pk.size() == 1)
        for (ColumnInfo& col : t.columns)
            if (col.name == pk[0].second && (lower(col.db_type) == "integer" || parsed.autoincrement.count(col.name))) {
                col.auto_increment = true;  // a rowid alias: SQLite assigns it
                col.nullable = false;
            }
    if (!pk.empty()) {
        IndexInfo primary{"__primary__", {}, true, true, ""};
        for (auto& [n, name] : pk) primary.columns.push_back(name);
        t.indexes.push_back(std::move(primary));
    }
    struct Listed {
        std::string name, origin;
        bool unique;
    };
    std::vector<Listed> listed;
    {
        Cursor cur(c, Sql{indexes, {Value(table)}});
        while (cur.next()) listed.push_back({text(cur, 0), text(cur, 2), cur.row().get_int64(1) != 0});
    }
    for (const Listed& l : listed) {
        if (l.origin == "pk") continue;  // "__primary__" above
        IndexInfo idx;
        idx.name = l.name;
        idx.unique = l.unique;
        {
            Cursor cur(c, Sql{index_columns, {Value(l.name)}});
            while (cur.next()) idx.columns.push_back((cur.row().get_int64(1) ? "-" : "") + text(cur, 0));
        }
        if (l.origin == "u") {  // an inline UNIQUE: its CONSTRAINT name when it has one
            for (const auto& [name, cols] : parsed.named_uniques)
                if (cols == idx.columns) idx.name = name;
        } else {
            Cursor cur(c, Sql{index_sql, {Value(l.name)}});
            if (cur.next()) idx.condition = index_condition(text(cur, 0));
        }
        t.indexes.push_back(std::move(idx));
    }
    {
        Cursor cur(c, Sql{foreign_keys, {Value(table)}});
        while (cur.next()) t.foreign_keys.push_back({text(cur, 0), text(cur, 1), text(cur, 2)});
    }
    for (ForeignKeyInfo& fk : t.foreign_keys)  // REFERENCES t without a column: its key
        if (fk.target_column.empty()) {
            auto target_pk = primary_key(c, fk.target_table);
            fk.target_column = target_pk.empty() ? "rowid" : target_pk[0];
        }
    t.checks = std::move(parsed.checks);
    return t;
}

}  // namespace sqlite_catalog

namespace postgresql_catalog {

constexpr const char* tables =
    "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND n.nspname = current_schema()";
constexpr const char* columns =
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull, "
    "COALESCE(pg_get_expr(d.adbin, d.adrelid), ''), a.attidentity <> '' "
    "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
    "JOIN pg_namespace n ON n.oid = c.relnamespace "
    "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
    "WHERE c.relname = $1 AND n.nspname = current_schema() AND c.relkind IN ('r', 'p') "
    "AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum";
// One row per index column: name, unique, primary, WHERE, column (or expression), descending.
constexpr const char* indexes =
    "SELECT ic.relname, ix.indisunique, ix.indisprimary, "
    "COALESCE(pg_get_expr(ix.indpred, ix.indrelid), ''), "
    "COALESCE(a.attname, pg_get_indexdef(ix.indexrelid, k.n::int, true)), "
    "(ix.indoption[(k.n - 1)::int]::int & 1) = 1 "
    "FROM pg_index ix JOIN pg_class t ON t.oid = ix.indrelid "
    "JOIN pg_namespace ns ON ns.oid = t.relnamespace "
    "JOIN pg_class ic ON ic.oid = ix.indexrelid "
    "CROSS JOIN LATERAL unnest(ix.indkey::int2[]) WITH ORDINALITY AS k(attnum, n) "
    "LEFT JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum AND k.attnum > 0 "
    "WHERE t.relname = $1 AND ns.nspname = current_schema() AND k.n <= ix.indnkeyatts "
    "ORDER BY ic.relname, k.n";
constexpr const char* foreign_keys =
    "SELECT a.attname, ft.relname, fa.attname FROM pg_constraint c "
    "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace "
    "JOIN pg_class ft ON ft.oid = c.confrelid "
    "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
    "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
    "WHERE c.contype = 'f' AND t.relname = $1 AND ns.nspname = current_schema() "
    "AND array_length(c.conkey, 1) = 1 ORDER BY a.attnum, c.conname";
constexpr const char* checks =
    "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
    "JOIN pg_class t ON t.oid = c.conrelid JOIN pg_namespace ns ON ns.oid = t.relnamespace "
    "WHERE c.contype = 'c' AND t.relname = $1 AND ns.nspname = current_schema()";

std::vector<std::string> table_names(Connection& c) {
    std::vector<std::string> out;
    Cursor cur(c, Sql{tables, {}});
    while (cur.next()) out.push_back(text(cur, 0));
    return out;
}

TableInfo describe(Connection& c, const std::string& table) {
    TableInfo t;
    t.name = table;
    {
        Cursor cur(c, Sql{columns, {Value(table)}});
        while (cur.next()) {
            ColumnInfo col;
            col.name = text(cur, 0);
            set_type(col, text(cur, 1), "postgresql");
            col.nullable = !cur.row().get_bool(2);
            col.auto_increment = cur.row().get_bool(4) || starts_with(text(cur, 3), "nextval(");
            t.columns.push_back(std::move(col));
        }
    }
    if (t.columns.empty()) throw OperationalError("no table named '" + table + "' in the database");
    {
        Cursor cur(c, Sql{indexes, {Value(table)}});
        while (cur.next()) {
            const std::string name = text(cur, 0);
            if (t.indexes.empty() || t.indexes.back().name != name)
                t.indexes.push_back({name, {}, cur.row().get_bool(1), cur.row().get_bool(2), text(cur, 3)});
            t.indexes.back().columns.push_back((cur.row().get_bool(5) ? "-" : "") + text(cur, 4));
        }
    }
    for (const IndexInfo& i : t.indexes)
        if (i.primary_key)
            for (ColumnInfo& col : t.columns)
                if (std::find(i.columns.begin(), i.columns.end(), col.name) != i.columns.end()) col.primary_key = true;
    {
        Cursor cur(c, Sql{foreign_keys, {Value(table)}});
        while (cur.next()) t.foreign_keys.push_back({text(cur, 0), text(cur, 1), text(cur, 2)});
    }
    {
        Cursor cur(c, Sql{checks, {Value(table)}});
        while (cur.next()) {
            std::string def = text(cur, 1);  // CHECK ((x >= 0)) [NOT VALID]
            if (auto toks = tokenize(def); toks.size() >= 2 && is_word(toks[0], "CHECK") && toks[1].kind == Token::Group)
                def = trim(toks[1].text);
            t.checks.push_back({text(cur, 0), def});
        }
    }
    return t;
}

}  // namespace postgresql_catalog

struct Catalog {
    std::string_view vendor;
    std::vector<std::string> (*table_names)(Connection&);
    TableInfo (*describe)(Connection&, const std::string&);
};

constexpr Catalog catalogs[] = {
    {"sqlite", sqlite_catalog::table_names, sqlite_catalog::describe},
    {"postgresql", postgresql_catalog::table_names, postgresql_catalog::describe},
};

const Catalog& catalog(const Connection& c) {
    for (const Catalog& k : catalogs)
        if (k.vendor == c.dialect().vendor()) return k;
    throw ConfigError("no introspection for the database vendor '" + std::string(c.dialect().vendor()) + "'");
}

}  // namespace

std::vector<std::string> table_names(const std::string& alias) {
    Connection& c = detail::connection(alias);
    auto names = catalog(c).table_names(c);
    std::sort(names.begin(), names.end());
    return names;
}

TableInfo describe_table(const std::string& table, const std::string& alias) {
    Connection& c = detail::connection(alias);
    TableInfo t = catalog(c).describe(c, table);
    finish(t);
    return t;
}

// ---- inspectdb -----------------------------------------------------------------------------

namespace {

// Django's table2model: str.title(), then only letters and digits.
std::string struct_name(const std::string& table) {
    std::string out;
    bool after_letter = false;
    for (char ch : table) {
        const auto c = static_cast<unsigned char>(ch);
        if (std::isalpha(c)) {
            out += char(after_letter ? std::tolower(c) : std::toupper(c));
            after_letter = true;
        } else {
            if (std::isdigit(c)) out += ch;
            after_letter = false;
        }
    }
    if (out.empty() || std::isdigit(static_cast<unsigned char>(out[0]))) out = "Table" + out;
    return out;
}

bool reserved(const std::string& name) {
    static const std::set<std::string, std::less<>> words = {
        // C++ keywords and alternative tokens
        "alignas", "alignof", "and", "and_eq", "asm", "auto", "bitand", "bitor", "bool", "break",
        "case", "catch", "char", "char8_t", "char16_t", "char32_t", "class", "compl", "concept",
        "const", "consteval", "constexpr", "constinit", "const_cast", "continue", "co_await",
        "co_return", "co_yield", "decltype", "default", "delete", "do", "double", "dynamic_cast",
        "else", "enum", "explicit", "export", "extern", "false", "float", "for", "friend", "goto",
        "if", "inline", "int", "long", "mutable", "namespace", "new", "noexcept", "not", "not_eq",
        "nullptr", "operator", "or", "or_eq", "private", "protected", "public", "register",
        "reinterpret_cast", "requires", "return", "short", "signed", "sizeof", "static",
        "static_assert", "static_cast", "struct", "switch", "template", "this", "thread_local",
        "throw", "true", "try", "typedef", "typeid", "typename", "union", "unsigned", "using",
        "virtual", "void", "volatile", "wchar_t", "while", "xor", "xor_eq",
        // what dorm::Model<T> declares
        "id", "pk", "save", "refresh", "erase", "full_clean", "related", "annotation", "objects",
        "model_meta", "define", "self", "set_alias", "state_", "DoesNotExist", "manager_type",
        "queryset_type"};
    return words.count(name) > 0;
}

// Django's normalize_col_name, for C++: lower case, identifier characters only, not a
// keyword nor a Model member; a foreign key loses its _id.
std::string member_name(const std::string& column, bool relation, bool key = false) {
    std::string name = lower(column);
    if (relation && name.size() > 3 && name.ends_with("_id")) name.resize(name.size() - 3);
    for (char& c : name)
        if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') c = '_';
    while (name.find("__") != std::string::npos) name.replace(name.find("__"), 2, "_");
    if (name.empty() || std::isdigit(static_cast<unsigned char>(name[0]))) name = "number_" + name;
    if (name.back() == '_') name += "field";
    else if (reserved(name) && !(key && name == "id")) name += "_field";  // a key `id` hides Model's
    return name;
}

std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        out += c;
    }
    return out + "\"";
}

std::string one_line(std::string s) {
    for (char& c : s)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return s;
}

std::string cpp_type(const ColumnInfo& c, std::string_view vendor) {
    switch (c.type) {
        case ColumnType::Boolean: return "bool";
        case ColumnType::Integer: return "int";
        case ColumnType::BigInt: return "std::int64_t";
        case ColumnType::Real: return "double";
        case ColumnType::Decimal: return "dorm::Decimal";
        case ColumnType::Text:
        case ColumnType::Varchar: return "std::string";
        case ColumnType::Date: return "dorm::Date";
        case ColumnType::DateTime: return "dorm::DateTime";
        case ColumnType::Json: return "dorm::Json";
        case ColumnType::Blob: return "dorm::Blob";
        case ColumnType::Uuid: return vendor == "sqlite" ? "std::string" : "dorm::Uuid";  // char(32), as Django
    }
    return "std::string";
}

const char* initializer(const ColumnInfo& c) {
    switch (c.type) {
        case ColumnType::Boolean: return " = false";
        case ColumnType::Integer:
        case ColumnType::BigInt:
        case ColumnType::Real: return " = 0";
        default: return "";
    }
}

std::string column_list(const std::vector<std::string>& fields) {
    std::string out;
    for (const auto& f : fields) out += (out.empty() ? "" : ", ") + quoted(f);
    return "{" + out + "}";
}

struct Writer {
    const sql::Dialect& d;
    std::string_view vendor;
    std::map<std::string, TableInfo> tables;  ///< the inspected ones
    std::map<std::string, std::string> names;  ///< table -> struct
    std::set<std::pair<std::string, std::string>> cycle_edges;  ///< (table, column) left as keys
    std::string out;

    // Each table after the tables its foreign keys name; a key that closes a cycle stays a
    // plain column.
    std::vector<std::string> order() {
        std::vector<std::string> done;
        std::map<std::string, int> state;  // 1 visiting, 2 done
        std::function<void(const std::string&)> visit = [&](const std::string& name) {
            state[name] = 1;
            for (const ForeignKeyInfo& fk : tables.at(name).foreign_keys) {
                if (!tables.count(fk.target_table) || fk.target_table == name) continue;
                if (state[fk.target_table] == 1) cycle_edges.insert({name, fk.column});
                else if (state[fk.target_table] == 0) visit(fk.target_table);
            }
            state[name] = 2;
            done.push_back(name);
        };
        for (const auto& [name, t] : tables)
            if (state[name] == 0) visit(name);
        return done;
    }

    void write_table(const TableInfo& t) {
        const std::string me = names.at(t.name);
        std::map<std::string, const ForeignKeyInfo*> fks;
        std::map<std::string, int> per_target;
        for (const ForeignKeyInfo& fk : t.foreign_keys) {
            fks[fk.column] = &fk;
            if (tables.count(fk.target_table) && !cycle_edges.count({t.name, fk.column})) ++per_target[fk.target_table];
        }
        std::vector<std::string> pk;
        for (const ColumnInfo& c : t.columns)
            if (c.primary_key) pk.push_back(c.name);

        std::vector<std::string> members, lines, notes;
        std::map<std::string, std::string> field_of;  // column -> field name
        std::set<std::string> used;
        std::map<std::string, std::size_t> line_of;  // column -> its s.field line

        if (pk.size() > 1)
            notes.push_back("// The composite primary key (" + [&] {
                std::string s;
                for (const auto& p : pk) s += (s.empty() ? "" : ", ") + p;
                return s;
            }() + ") is not supported: dorm reads this table through `id`, which it lacks.");
        else if (pk.empty())
            notes.push_back("// This table has no primary key: dorm reads it through `id`, which it lacks.");

        std::string auto_field;
        for (const ColumnInfo& c : t.columns) {
            const bool single_pk = c.primary_key && pk.size() == 1;
            if (single_pk && c.auto_increment && c.name == "id" &&
                (c.type == ColumnType::Integer || c.type == ColumnType::BigInt)) {
                auto_field = c.type == ColumnType::Integer ? "Integer" : "BigInt";
                field_of[c.name] = "id";
                continue;
            }
            auto fk_it = fks.find(c.name);
            const ForeignKeyInfo* fk = fk_it == fks.end() ? nullptr : fk_it->second;
            const bool inspected_target = fk && tables.count(fk->target_table);
            const bool relation = inspected_target && !cycle_edges.count({t.name, c.name});
            std::string name = member_name(c.name, relation, single_pk);
            for (int n = 1; used.count(name); ++n) name = member_name(c.name, relation, single_pk) + "_" + std::to_string(n);
            used.insert(name);
            field_of[c.name] = name;

            std::string member, opts, comment;
            if (relation) {
                const bool one_to_one = c.unique && !single_pk;
                const std::string target = names.at(fk->target_table);
                member = std::string(one_to_one ? "dorm::OneToOne<" : "dorm::ForeignKey<") + target + "> " + name + ";";
                if (c.name != name + "_id") opts += ".db_column(" + quoted(c.name) + ")";
                if (single_pk) opts += ".primary_key()";
                opts += ".on_delete(dorm::DoNothing)";
                if (c.nullable) opts += ".null()";
                if (per_target[fk->target_table] > 1 || fk->target_table == t.name) opts += ".related_name(\"+\")";
                const auto& target_pk = tables.at(fk->target_table);
                bool to_pk = false;
                for (const ColumnInfo& tc : target_pk.columns)
                    if (tc.name == fk->target_column && tc.primary_key) to_pk = true;
                if (!to_pk) comment = "  // refers to " + fk->target_table + "." + fk->target_column + ", not its key";
            } else {
                const std::string type = cpp_type(c, vendor);
                member = c.nullable && !c.primary_key ? "std::optional<" + type + "> " + name + ";"
                                                      : type + " " + name + initializer(c) + ";";
                if (c.name != name) opts += ".db_column(" + quoted(c.name) + ")";
                if (c.max_length) opts += ".max_length(" + std::to_string(*c.max_length) + ")";
                else if (c.type == ColumnType::Uuid && vendor == "sqlite") opts += ".max_length(32)";
                if (c.type == ColumnType::Decimal) {
                    opts += ".max_digits(" + std::to_string(c.max_digits.value_or(10)) + ").decimal_places(" +
                            std::to_string(c.decimal_places.value_or(5)) + ")";
                    if (!c.max_digits) comment = "  // max_digits and decimal_places guessed: " + c.db_type + " keeps none";
                }
                if (single_pk) opts += ".primary_key()";
                else if (c.unique) opts += ".unique()";
                if (fk && !inspected_target)
                    comment = "  // a ForeignKey to " + fk->target_table + "." + fk->target_column + " (not inspected)";
                else if (fk)
                    comment = "  // a ForeignKey to " + fk->target_table + "." + fk->target_column +
                              ": a cycle, kept as the key (declare the relation once both types exist)";
                else if (single_pk && c.auto_increment)
                    comment = "  // the database assigns it; dorm numbers only `id` keys";
                else if (!known_type(c))
                    comment = "  // \"" + c.db_type + "\": this field type is a guess";
            }
            members.push_back(member);
            line_of[c.name] = lines.size();
            lines.push_back("s.field(&" + me + "::" + name + ", " + quoted(name) + ")" + opts + ";" + comment);
        }

        // Indexes and constraints, by field name.
        auto fields = [&](const IndexInfo& i, bool& ok) {
            std::vector<std::string> out;
            for (std::string col : i.columns) {
                const bool desc = !col.empty() && col[0] == '-';
                if (desc) col.erase(0, 1);
                auto f = field_of.find(col);
                if (f == field_of.end()) ok = false;
                else out.push_back((desc ? "-" : "") + f->second);
            }
            return out;
        };
        auto spelled = [](const IndexInfo& i) {
            std::string s;
            for (const auto& c : i.columns) s += (s.empty() ? "" : ", ") + c;
            return s;
        };
        std::vector<std::string> index_decls, constraint_decls;
        for (const IndexInfo& i : t.indexes) {
            if (i.primary_key) continue;
            bool ok = true;
            auto f = fields(i, ok);
            if (!i.condition.empty() || !ok) {
                notes.push_back("// " + std::string(i.unique ? "unique " : "") + "index " + quoted(i.name) + " on (" +
                                spelled(i) + ")" + (i.condition.empty() ? "" : " WHERE " + one_line(i.condition)) +
                                ": declare it in s." + (i.unique ? "constraints" : "indexes") + "() with " +
                                (ok ? "a dorm::Q condition" : "the expression's fields"));
                continue;
            }
            const bool single = i.columns.size() == 1 && i.columns[0][0] != '-';
            if (i.unique && single && t.columns.end() != std::find_if(t.columns.begin(), t.columns.end(), [&](const ColumnInfo& c) {
                    return c.name == i.columns[0] && c.unique;
                })) {
                const std::string& col = i.columns[0];
                const bool generated = starts_with(i.name, "sqlite_autoindex_") || i.name == t.name + "_" + col + "_key" ||
                                       i.name == detail::index_name(t.name, {col}, "_uniq", d) ||
                                       (i.name.size() >= d.max_name_length() && starts_with(i.name, t.name.substr(0, 10)) &&
                                        i.name.ends_with("_key"));
                if (!generated && line_of.count(col)) {
                    std::string& line = lines[line_of[col]];
                    if (auto at = line.find(".unique()"); at != std::string::npos) line.erase(at, 9);
                    constraint_decls.push_back("dorm::UniqueConstraint(" + column_list(f) + ", " + quoted(i.name) + ")");
                }
                continue;
            }
            if (i.unique) {
                std::vector<std::string> cols = i.columns;
                if (i.name == detail::index_name(t.name, cols, "_uniq", d))
                    lines.push_back("s.unique_together(" + column_list(f) + ");");
                else
                    constraint_decls.push_back("dorm::UniqueConstraint(" + column_list(f) + ", " + quoted(i.name) + ")");
                continue;
            }
            if (single) {
                const std::string& col = i.columns[0];
                if (i.name == detail::index_name(t.name, {col}, "_like", d)) continue;  // PostgreSQL's LIKE index
                if (i.name == detail::index_name(t.name, {col}, "", d)) {
                    if (fks.count(col) && tables.count(fks[col]->target_table) && !cycle_edges.count({t.name, col}))
                        continue;  // a ForeignKey's own index
                    if (line_of.count(col)) {
                        std::string& line = lines[line_of[col]];
                        if (line.find(".db_index()") == std::string::npos && line.find(".unique()") == std::string::npos &&
                            line.find(".primary_key()") == std::string::npos)
                            line.insert(line.find(';'), ".db_index()");
                        continue;
                    }
                }
            }
            index_decls.push_back("dorm::Index(" + column_list(f) + ", " + quoted(i.name) + ")");
        }
        for (const CheckInfo& c : t.checks)
            notes.push_back("// CHECK " + (c.name.empty() ? std::string() : quoted(c.name) + " ") + "(" + one_line(c.sql) +
                            "): declare it in s.constraints() as a dorm::CheckConstraint");

        out += "struct " + me + " : dorm::Model<" + me + "> {\n";
        for (const auto& m : members) out += "    " + m + "\n";
        if (!members.empty()) out += "\n";
        out += "    static void define(dorm::Schema<" + me + ">& s) {\n";
        out += "        s.table(" + quoted(t.name) + ");\n";
        if (!auto_field.empty()) out += "        s.auto_field(dorm::AutoField::" + auto_field + ");\n";
        for (const auto& l : lines) out += "        " + l + "\n";
        auto list = [&](const char* what, const std::vector<std::string>& decls) {
            if (decls.empty()) return;
            out += std::string("        s.") + what + "({";
            for (std::size_t i = 0; i < decls.size(); ++i)
                out += (i ? ",\n" + std::string(std::char_traits<char>::length(what) + 12, ' ') : "") + decls[i];
            out += "});\n";
        };
        list("indexes", index_decls);
        list("constraints", constraint_decls);
        for (const auto& n : notes) out += "        " + n + "\n";
        out += "    }\n};\n\n";
    }
};

}  // namespace

std::string inspectdb(const std::vector<std::string>& tables, const std::string& alias) {
    Connection& c = detail::connection(alias);
    std::vector<std::string> wanted = tables;
    if (wanted.empty())
        for (auto& n : table_names(alias))
            if (n != "dorm_migrations") wanted.push_back(n);
    Writer w{c.dialect(), c.dialect().vendor(), {}, {}, {}, {}};
    std::set<std::string> struct_names;
    for (const auto& name : wanted) {
        if (w.tables.count(name)) continue;
        w.tables.emplace(name, describe_table(name, alias));
        std::string s = struct_name(name);
        for (int n = 2; struct_names.count(s); ++n) s = struct_name(name) + std::to_string(n);
        struct_names.insert(s);
        w.names[name] = s;
    }
    const auto order = w.order();

    w.out =
        "// Generated by dorm's inspectdb (Django's inspectdb, in C++). Clean it up by hand:\n"
        "//   * each struct names its table; rename the structs and members freely, keep the\n"
        "//     table and column names (s.table, the field names, .db_column);\n"
        "//   * foreign keys are .on_delete(dorm::DoNothing): choose the behaviour you want;\n"
        "//   * dorm::create_tables() creates registered models' missing tables: these exist.\n"
        "#pragma once\n"
        "\n"
        "#include <cstdint>\n"
        "#include <optional>\n"
        "#include <string>\n"
        "\n"
        "#include <dorm/dorm.hpp>\n"
        "\n"
        "namespace inspected {\n"
        "\n";
    for (const auto& name : order) w.write_table(w.tables.at(name));
    w.out += "/// Registers the models above, each after the models it refers to.\n";
    w.out += "inline void register_models() {\n    dorm::register_models<";
    for (std::size_t i = 0; i < order.size(); ++i) w.out += (i ? ", " : "") + w.names.at(order[i]);
    w.out += ">();\n}\n\n}  // namespace inspected\n";
    return w.out;
}

}  // namespace dorm
