// dorm::from_json<T> request bodies (include/dorm/web/json_io.hpp).
// Input: a JSON body read as an fz::Entry (mode byte even) or an fz::Tag (a string key).
// Invariants (fuzz/README.md): only dorm::Error escapes (a bad body is a ValidationError);
// an object that reads back saves inside a transaction the harness rolls back, or refuses
// with a dorm::Error (IntegrityError for the foreign key to no blog).

#include "common.hpp"

#include <dorm/web/json_io.hpp>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size < 1 || size > 4096) return 0;
    const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
    fuzz::guarded([&] {
        dorm::Atomic outer;
        if (data[0] % 2 == 0) {
            auto e = dorm::from_json<fz::Entry>(body);
            e.save();
        } else {
            auto t = dorm::from_json<fz::Tag>(body);
            t.save();
        }
        outer.rollback();
    });
    return 0;
}
