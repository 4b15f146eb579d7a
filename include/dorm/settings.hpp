#pragma once
// Process-wide switches (API.md §10).

#include <string>

namespace dorm {

/// What a lazy relation load does on an object that came from a multi-row result (the
/// N+1 pattern): allow it, warn on stderr, or throw.
enum class LazyLoads { allow, warn, raise };

/// The implicit `id` key's type: Django's AutoField (integer, serial) or BigAutoField
/// (bigint, bigserial).
enum class AutoField { Integer, BigInt };

struct Settings {
    LazyLoads lazy_loads = LazyLoads::allow;
    /// For models without s.auto_field(); set before the first use of any model.
    AutoField default_auto_field = AutoField::BigInt;
    /// Where manage() reads and writes migration files (relative to the working directory).
    std::string migrations_dir = "migrations";
};

/// The settings; change them before starting threads.
Settings& settings();

}  // namespace dorm
