// SLOT (issue 12, item 5): the harness for dorm::from_json<T> request bodies
// (include/dorm/web/, being written on main). Compiled and runnable, but it checks nothing
// until that API lands; then complete it as follows and drop it from fuzz_slots in
// fuzz/meson.build:
//   * input: a JSON body, read by from_json<fz::Entry> (and fz::Tag for a string key);
//   * invariants: only dorm::Error escapes (fuzz::guarded), a bad body is a ValidationError
//     naming the field; a body that reads back saves (full_clean passes or throws
//     ValidationError) and to_json(from_json(body)) read again gives the same object;
//   * seeds: fuzz/corpus/from_json/.

#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    (void)data;
    (void)size;
    return 0;
}
