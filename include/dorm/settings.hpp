#pragma once
// Process-wide switches (API.md §10).

namespace dorm {

/// What a lazy relation load does on an object that came from a multi-row result (the
/// N+1 pattern): allow it, warn on stderr, or throw.
enum class LazyLoads { allow, warn, raise };

struct Settings {
    LazyLoads lazy_loads = LazyLoads::allow;
};

/// The settings; change them before starting threads.
Settings& settings();

}  // namespace dorm
