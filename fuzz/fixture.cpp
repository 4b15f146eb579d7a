// Fuzzes fixture loading (loaddata): the input is a fixture file's text, loaded with
// dorm::load_data into the in-memory SQLite database of the fz models, inside an outer
// transaction the harness rolls back (so every input starts from the same rows).
// Invariants (fuzz/README.md): only dorm::Error escapes; a fixture that fails leaves the
// database exactly as it was (dump_data before == after); a fixture that loads reaches a fixed
// point: dumping, loading that dump and dumping again gives the same text.

#include <unistd.h>

#include <fstream>
#include <sstream>

#include <dorm/migrations/fixtures.hpp>

#include "common.hpp"

namespace {

std::string dump() {
    std::ostringstream out;
    dorm::dump_data(out, {.labels = {"fz"}});
    return out.str();
}

void write(const std::string& path, const char* data, std::size_t size) {
    std::ofstream(path, std::ios::binary | std::ios::trunc).write(data, std::streamsize(size));
}

const std::string& path() {
    static const std::string p = "/tmp/dorm-fuzz-fixture-" + std::to_string(::getpid()) + ".json";
    return p;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    fuzz::setup_database();
    if (size > 4096) return 0;
    write(path(), reinterpret_cast<const char*>(data), size);
    fuzz::guarded([&] {
        dorm::Atomic outer;
        const std::string before = dump();
        bool loaded = false;
        try {
            (void)dorm::load_data({path()});
            loaded = true;
        } catch (const dorm::Error&) {
            const std::string after = dump();
            if (after != before) fuzz::fail("a fixture that failed changed the database:\n" + before + "\n" + after);
        }
        if (loaded) {
            const std::string first = dump();
            write(path(), first.data(), first.size());
            (void)dorm::load_data({path()});
            const std::string second = dump();
            if (first != second)
                fuzz::fail("dump -> load -> dump is not a fixed point:\n" + first + "\n" + second);
        }
        outer.rollback();
    });
    return 0;
}
