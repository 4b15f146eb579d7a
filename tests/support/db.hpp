#pragma once
// The database under the integration tests: SQLite by default, or the server named by
// DORM_TEST_POSTGRES when DORM_TEST_BACKEND=postgresql. Each test starts on empty tables.

#include <cstdlib>
#include <string>

#include "models.hpp"

namespace testdb {

inline std::string backend() {
    const char* b = std::getenv("DORM_TEST_BACKEND");
    return b && *b ? b : "sqlite";
}

inline std::string url() {
    if (backend() == "postgresql") {
        const char* pg = std::getenv("DORM_TEST_POSTGRES");
        return std::string("postgresql://") + (pg ? pg : "");
    }
    return "sqlite3://:memory:";
}

/// Connects once, creates the tables once, and empties them for every test.
struct Fresh {
    Fresh() {
        static const bool registered = (testmodels::register_all(), true);
        (void)registered;
        if (!dorm::is_connected()) {
            dorm::connect(url());
            dorm::drop_tables();
        }
        dorm::create_tables();  // idempotent: also after a test that connected elsewhere
        testmodels::Article::objects().erase();
        testmodels::Author::objects().erase();
        testmodels::Tag::objects().erase();
        testmodels::Counter::objects().erase();
    }
};

}  // namespace testdb
