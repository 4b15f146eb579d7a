// The test runner. For the PostgreSQL suite a server is required: without
// DORM_TEST_POSTGRES the suite is skipped (exit 77), except in CI, where that is a failure.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>
#include <cstdlib>
#include <string>

int main(int argc, char** argv) {
    const char* backend = std::getenv("DORM_TEST_BACKEND");
    const char* server = std::getenv("DORM_TEST_POSTGRES");
    if (backend && std::string(backend) == "postgresql" && !(server && *server)) {
        const char* ci = std::getenv("CI");
        if (ci && *ci) {
            std::fprintf(stderr, "CI: DORM_TEST_POSTGRES is not set, the PostgreSQL suite cannot run\n");
            return 1;
        }
        std::fprintf(stderr, "DORM_TEST_POSTGRES is not set: PostgreSQL suite skipped\n");
        return 77;
    }
    doctest::Context context(argc, argv);
    return context.run();
}
