#pragma once
// dorm: Django's ORM in C++20. The one header users include (API.md).

#include "dorm/aggregates.hpp"    // IWYU pragma: export
#include "dorm/database.hpp"      // IWYU pragma: export
#include "dorm/error.hpp"         // IWYU pragma: export
#include "dorm/expressions.hpp"   // IWYU pragma: export
#include "dorm/field.hpp"         // IWYU pragma: export
#include "dorm/functions.hpp"     // IWYU pragma: export
#include "dorm/json.hpp"          // IWYU pragma: export
#include "dorm/manage.hpp"        // IWYU pragma: export
#include "dorm/manager.hpp"       // IWYU pragma: export
#include "dorm/migrations/operations.hpp"  // IWYU pragma: export (migration_code)
#include "dorm/model.hpp"         // IWYU pragma: export
#include "dorm/q.hpp"             // IWYU pragma: export
#include "dorm/queryset.hpp"      // IWYU pragma: export
#include "dorm/routing.hpp"       // IWYU pragma: export
#include "dorm/schema.hpp"        // IWYU pragma: export
#include "dorm/serialization.hpp" // IWYU pragma: export
#include "dorm/signals.hpp"       // IWYU pragma: export
#include "dorm/sql/lookups.hpp"   // IWYU pragma: export
#include "dorm/transaction.hpp"   // IWYU pragma: export
#include "dorm/value.hpp"         // IWYU pragma: export
#include "dorm/values.hpp"        // IWYU pragma: export
#include "dorm/web/filterset.hpp" // IWYU pragma: export
#include "dorm/web/json_io.hpp"   // IWYU pragma: export
#include "dorm/web/pagination.hpp" // IWYU pragma: export
