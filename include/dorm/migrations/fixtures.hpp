#pragma once
// Fixtures in Django's JSON format (API.md §9 `dumpdata` / `loaddata`): registered models'
// rows written out as `[{"model": ..., "pk": ..., "fields": {...}}]` and such files loaded
// back. Library functions only: the command line (arguments, messages, exit codes) is not
// this header's business.

#include <cstddef>
#include <iosfwd>
#include <string>
#include <vector>

#include "dorm/error.hpp"

namespace dorm {

/// What dump_data() writes.
struct DumpOptions {
    /// "app.model" or "model" (a label, API.md §9), or "app" (all its models); empty: every
    /// registered model. Unknown labels throw ConfigError listing the labels known.
    std::vector<std::string> labels;
    int indent = -1;  ///< -1: one line; else pretty-printed with that many spaces per level
    std::string alias = "default";
};

/// Writes the rows of the chosen models as a Django fixture, streamed row by row (memory
/// stays flat on big tables): models in registration order, rows ordered by pk, ForeignKeys
/// as the target's pk, ManyToMany as a list of target pks, values as Django's serializer
/// writes them (dates "2026-01-02", datetimes "2026-01-02T03:04:05.123Z" — milliseconds, as
/// Django's encoder cuts them —, decimals and UUIDs as strings, binary as base64). One SELECT
/// per model, plus one per ManyToMany field per 2,000 rows. Returns the number of objects.
/// ```
/// std::ofstream f("shop.json");
/// dorm::dump_data(f, {.labels = {"shop"}, .indent = 2});
/// ```
std::size_t dump_data(std::ostream& out, const DumpOptions& options = {});

/// What load_data() installed.
struct LoadResult {
    std::size_t objects = 0;   ///< objects saved
    std::size_t fixtures = 0;  ///< files read
};

/// Loads fixture files (Django's JSON format, written by Django or by dump_data) in one
/// transaction on `alias`: rows in any order (foreign keys are checked at commit), pks kept
/// (an existing row is updated, else inserted), ManyToMany fields given as lists of target
/// pks (replacing that object's links), auto_now fields kept as written, and PostgreSQL
/// sequences moved past the loaded keys. "app.model" labels also match a model without an
/// app label by its model name. Anything wrong rolls everything back: a bad row throws
/// FixtureError; a constraint the rows break throws IntegrityError naming the file(s).
/// ```
/// auto r = dorm::load_data({"shop.json"});   // r.objects, r.fixtures
/// ```
LoadResult load_data(const std::vector<std::string>& files, const std::string& alias = "default");

/// A fixture that cannot be loaded (Django's DeserializationError): unreadable or malformed
/// JSON, an unknown model label, an unknown field, a value of the wrong type. The message
/// names the file, the object (index and pk) and the field.
struct FixtureError : Error {
    FixtureError(const std::string& message, std::string file, long object, std::string pk,
                 std::string field)
        : Error(message),
          file(std::move(file)),
          object(object),
          pk(std::move(pk)),
          field(std::move(field)) {}
    std::string file;   ///< the fixture file
    long object = -1;   ///< the object's index in the file's array (from 0); -1: none
    std::string pk;     ///< the object's pk as written in the file ("" when none)
    std::string field;  ///< the field ("" when the object as a whole is wrong)
};

}  // namespace dorm
