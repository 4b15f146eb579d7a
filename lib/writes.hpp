#pragma once
// Private to lib/: what single saves and bulk writes share — which columns an INSERT
// names, binding them straight from an object, and the automatic timestamps.

#include <vector>

#include "backend.hpp"
#include "dorm/error.hpp"
#include "dorm/meta.hpp"

namespace dorm::detail {

[[nodiscard]] DateTime now();
/// No key yet: NULL, or 0 for an automatic one.
[[nodiscard]] bool pk_unset(const ModelMeta& m, const void* obj);
/// Gives a new object its key from the key field's default_factory, when it has none.
void fill_key(const ModelMeta& m, void* obj);
/// A ForeignKey that is NOT NULL but unset: IntegrityError before any SQL, naming it. Only
/// the fields about to be written when `written` is given (an UPDATE leaves the others, such
/// as those only()/defer() did not load).
void check_required_relations(const ModelMeta& m, const void* obj,
                              const std::vector<const FieldMeta*>* written = nullptr);
/// Rethrows a constraint error from the database naming the model and, when the object is
/// known, the offending fields' values.
[[noreturn]] void rethrow_integrity(const ModelMeta& m, const void* obj, const IntegrityError& e);
/// Lets the object's relation members find it (after a save or load).
void attach_relations(const ModelMeta& m, void* obj, bool multi_row);
/// Sets auto_now fields (and auto_now_add ones when inserting) to `at`.
void stamp(const FieldMeta& f, void* obj, bool inserting, DateTime at);

/// A single-row INSERT of `columns`, returning the automatic key where needed.
struct InsertPlan {
    std::vector<const FieldMeta*> columns;
    bool returns_pk = false;
    Sql sql;
};
/// with_pk: the key is part of the row (set by hand); otherwise the database assigns it.
/// rows > 1: one statement for that many rows (VALUES (...), (...)).
[[nodiscard]] InsertPlan plan_insert(const ModelMeta& m, const sql::Dialect& d, bool with_pk,
                                     std::size_t rows = 1);

/// Binds `fields` of obj from index `first` on, recording them for CaptureQueries when
/// one is active; returns the next index.
int bind_fields(Statement& st, const std::vector<const FieldMeta*>& fields, const void* obj,
                std::vector<Value>& captured, int first = 0);

}  // namespace dorm::detail
