// atomic blocks: commit, rollback, savepoints, on_commit, the broken-transaction guard.
#include <doctest/doctest.h>

#include "support/db.hpp"

using namespace dorm;
using testmodels::Author;
using testmodels::Counter;

namespace {
Counter add(const char* name) {
    return Counter::objects().create([&](Counter& c) { c.name = name; });
}
}  // namespace

TEST_CASE_FIXTURE(testdb::Fresh, "atomic commits, and rolls back everything on an exception") {
    atomic([] { add("a"); add("b"); });
    CHECK(Counter::objects().count() == 2);
    CHECK_THROWS_AS(atomic([] {
                        add("c");
                        throw std::runtime_error("boom");
                    }),
                    std::runtime_error);
    CHECK(Counter::objects().count() == 2);
    {
        Atomic tx;
        add("d");
    }
    CHECK(Counter::objects().count() == 3);
    try {
        Atomic tx;
        add("e");
        throw std::runtime_error("unwind");
    } catch (const std::runtime_error&) {
    }
    CHECK(Counter::objects().count() == 3);
}

TEST_CASE_FIXTURE(testdb::Fresh, "an exception inside a nested atomic leaves exactly the outer block's writes") {
    atomic([] {
        add("outer");
        try {
            atomic([] {
                add("inner");
                throw std::runtime_error("inner fails");
            });
        } catch (const std::runtime_error&) {
        }
        add("outer again");
    });
    CHECK(Counter::objects().order_by("id").values_list<std::string>("name") ==
          std::vector<std::string>{"outer", "outer again"});
}

TEST_CASE_FIXTURE(testdb::Fresh, "on_commit runs after the outermost commit, in order, never on rollback") {
    std::vector<int> ran;
    atomic([&] {
        on_commit([&] { ran.push_back(1); });
        atomic([&] { on_commit([&] { ran.push_back(2); }); });
        try {
            atomic([&] {
                on_commit([&] { ran.push_back(3); });
                throw std::runtime_error("drop 3");
            });
        } catch (const std::runtime_error&) {
        }
        CHECK(ran.empty());
    });
    CHECK(ran == std::vector<int>{1, 2});
    try {
        atomic([&] {
            on_commit([&] { ran.push_back(4); });
            throw std::runtime_error("rollback");
        });
    } catch (const std::runtime_error&) {
    }
    CHECK(ran == std::vector<int>{1, 2});
    on_commit([&] { ran.push_back(5); });  // outside a block: at once
    CHECK(ran == std::vector<int>{1, 2, 5});
}

TEST_CASE_FIXTURE(testdb::Fresh, "after a caught database error inside atomic, queries are refused until rollback") {
    Author a = Author::objects().create([](Author& x) { x.name = "A"; x.email = "a@x"; });
    atomic([&] {
        CHECK_THROWS_AS(Author::objects().create([](Author& x) { x.name = "B"; x.email = "a@x"; }), IntegrityError);
        CHECK_THROWS_AS((void)Author::objects().count(), TransactionManagementError);
    });
    CHECK(Author::objects().count() == 1);
    CHECK_FALSE(in_atomic_block());
}

TEST_CASE_FIXTURE(testdb::Fresh, "a failed bulk_create writes nothing") {
    Author::objects().create([](Author& x) { x.name = "A"; x.email = "dup@x"; });
    std::vector<Author> v(3);
    v[0].name = "x";
    v[1].name = "y";
    v[2].name = "z";
    v[2].email = "dup@x";
    CHECK_THROWS_AS(Author::objects().bulk_create(v), IntegrityError);
    CHECK(Author::objects().count() == 1);
}
