// The PostgreSQL backend (issue 3): until it lands, a postgresql:// URL fails clearly.
#include "../backend.hpp"
#include "dorm/database.hpp"
#include "dorm/error.hpp"

namespace dorm::detail {

std::unique_ptr<Connection> open_postgresql(const std::string& conninfo) {
    throw ConfigError("PostgreSQL is not available in this build yet (" + mask_url(conninfo) + ")");
}

}  // namespace dorm::detail
