// SLOT (issue 12, item 5): the harness for dorm::FilterSet<T> query strings
// (include/dorm/web/, being written on main). Compiled and runnable, but it checks nothing
// until that API lands; then complete it as follows and drop it from fuzz_slots in
// fuzz/meson.build:
//   * input: a query string ("rating__gte=3&headline__icontains=x&ordering=-pub_date&page=2"),
//     applied by a FilterSet<fz::Entry> declaring a few filters over the fz models;
//   * invariants: only dorm::Error escapes (fuzz::guarded); every key and value follows the
//     token rule of fuzz::check_sql / fuzz::check_value_not_in_sql on the SQL the FilterSet's
//     queryset runs (fuzz::run_captured); SQL that compiled is accepted by SQLite
//     (fuzz::check_database_accepts); a key the FilterSet does not declare is refused or ignored
//     as documented, never turned into a lookup;
//   * seeds: fuzz/corpus/filterset/.

#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)data;
    (void)size;
    return 0;
}
