// Signals (API.md §12): what sends them and what does not, receivers inside the write's
// transaction, cascades, ManyToMany changes, disconnecting, threads. Both backends.
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "support/db.hpp"
#include "support/relations.hpp"

using namespace dorm;
using rel::Person, rel::Site, rel::Post;

namespace {
struct Fresh {
    Fresh() {
        testdb::Fresh fresh;
        rel::fresh_tables();
    }
};
Person person(const char* name) {
    return Person::objects().create([&](Person& p) { p.name = name; });
}
}  // namespace

TEST_CASE_FIXTURE(Fresh, "pre_save and post_save: save(), create() and a hand-set key send them; update() and bulk_create() do not") {
    std::vector<std::pair<std::string, bool>> saved;
    ScopedSignalConnection pre = pre_save<Person>().connect([](Person& p) { p.name += "!"; });
    ScopedSignalConnection post = post_save<Person>().connect([&](Person& p, bool created) { saved.emplace_back(p.name, created); });
    Person ann;
    ann.name = "Ann";
    ann.save();
    CHECK(Person::objects().get("pk", ann.id).name == "Ann!");  // the pre_save change is written
    ann.age = 3;
    ann.save();
    auto bob = person("Bob");
    CHECK(saved == std::vector<std::pair<std::string, bool>>{{"Ann!", true}, {"Ann!!", false}, {"Bob!", true}});
    saved.clear();
    Person::objects().filter("pk", ann.id).update({{"age", 4}});
    std::vector<Person> many(3);
    for (auto& p : many) p.name = "x";
    Person::objects().bulk_create(many);
    CHECK(saved.empty());
    CHECK(Person::objects().count() == 5);
}

TEST_CASE_FIXTURE(Fresh, "an exception from pre_save stops the write; from post_save it rolls the write back") {
    {
        ScopedSignalConnection c = pre_save<Person>().connect([](Person& p) {
            if (p.name == "bad") throw ValidationError("name", "no");
        });
        Person p;
        p.name = "bad";
        CaptureQueries q;
        CHECK_THROWS_AS(p.save(), ValidationError);
        CHECK(Person::objects().count() == 0);
    }
    {
        ScopedSignalConnection c = post_save<Person>().connect([](Person&, bool) { throw Error("receiver failed"); });
        Person p;
        p.name = "ok";
        CHECK_THROWS_WITH_AS(p.save(), "receiver failed", Error);
    }
    CHECK(Person::objects().count() == 0);  // the INSERT went with the transaction
    auto p = person("after");  // and nothing is left connected
    CHECK(Person::objects().count() == 1);
}

TEST_CASE_FIXTURE(Fresh, "erase() sends pre/post_delete for the instance and for every row a cascade reaches, once each") {
    auto ann = person("Ann");
    auto site = Site::objects().create([&](Site& s) { s.name = "s", s.owner = ann; });
    for (const char* h : {"a", "b"}) Post::objects().create([&](Post& p) { p.headline = h, p.site = site; });
    std::vector<std::string> events;
    ScopedSignalConnection c1 = pre_delete<Person>().connect([&](const Person& p) {
        events.push_back("pre person " + p.name);
        CHECK(Person::objects().filter("pk", p.id).exists());  // still there
    });
    ScopedSignalConnection c2 = post_delete<Person>().connect([&](const Person& p) { events.push_back("post person " + p.name); });
    ScopedSignalConnection c3 = pre_delete<Post>().connect([&](const Post& p) { events.push_back("pre post " + p.headline); });
    ScopedSignalConnection c4 = post_delete<Post>().connect([&](const Post& p) {
        events.push_back("post post " + p.headline);
        CHECK_FALSE(Post::objects().filter("pk", p.id).exists());  // gone by now
    });
    auto r = ann.erase();
    CHECK(r.total == 4);
    std::sort(events.begin(), events.end());
    CHECK(events == std::vector<std::string>{"post person Ann", "post post a", "post post b", "pre person Ann",
                                             "pre post a", "pre post b"});
    // a queryset erase without cascades sends nothing (Post has no rows pointing at it here)
    events.clear();
    auto s2 = Site::objects().create([&](Site& s) { s.name = "t", s.owner = person("Bob"); });
    Post::objects().create([&](Post& p) { p.headline = "c", p.site = s2; });
    ScopedSignalConnection c5 = pre_delete<Site>().connect([&](const Site& s) { events.push_back("pre site " + s.name); });
    CHECK(Site::objects().filter("name", "t").erase().total == 2);  // the cascade to Post sends for both
    std::sort(events.begin(), events.end());
    CHECK(events == std::vector<std::string>{"post post c", "pre post c", "pre site t"});
}

TEST_CASE_FIXTURE(Fresh, "m2m_changed: add, remove, clear and set, with the keys, inside the transaction") {
    auto ann = person("Ann"), bob = person("Bob");
    auto post = Post::objects().create([&](Post& p) {
        p.headline = "h";
        p.site = Site::objects().create([&](Site& s) { s.name = "s", s.owner = ann; });
    });
    std::vector<std::pair<M2MAction, std::vector<std::int64_t>>> events;
    ScopedSignalConnection c = m2m_changed<Post>(&Post::authors).connect(
        [&](Post& p, M2MAction a, const std::vector<std::int64_t>& ids) {
            CHECK(p.id == post.id);
            events.emplace_back(a, ids);
        });
    post.authors.add(ann, bob);
    post.authors.remove(bob);
    post.authors.clear();
    using A = M2MAction;
    CHECK(events == std::vector<std::pair<M2MAction, std::vector<std::int64_t>>>{
                        {A::pre_add, {ann.id, bob.id}}, {A::post_add, {ann.id, bob.id}},
                        {A::pre_remove, {bob.id}},       {A::post_remove, {bob.id}},
                        {A::pre_clear, {}},              {A::post_clear, {}}});
    ScopedSignalConnection veto = m2m_changed<Post>(&Post::authors).connect([](Post&, M2MAction a, const auto&) {
        if (a == M2MAction::post_add) throw Error("no");
    });
    CHECK_THROWS_AS(post.authors.add(ann), Error);
    CHECK(post.authors.all().count() == 0);  // rolled back with the receiver's error
}

TEST_CASE_FIXTURE(Fresh, "disconnect() and scoped connections stop receivers") {
    int calls = 0;
    SignalConnection c = post_save<Person>().connect([&](Person&, bool) { ++calls; });
    person("a");
    c.disconnect();
    person("b");
    {
        ScopedSignalConnection s = post_save<Person>().connect([&](Person&, bool) { ++calls; });
        person("c");
    }
    person("d");
    CHECK(calls == 2);
    c.disconnect();  // twice is fine
}

TEST_CASE_FIXTURE(Fresh, "connect and disconnect from other threads while threads save") {
    std::atomic<int> calls{0};
    std::atomic<bool> stop{false};
    std::thread churn([&] {
        while (!stop) {
            ScopedSignalConnection s = post_save<Person>().connect([&](Person&, bool) { ++calls; });
            std::this_thread::yield();
        }
    });
    std::vector<std::thread> savers;
    for (int t = 0; t < 4; ++t)
        savers.emplace_back([&, t] {
            for (int i = 0; i < 25; ++i) person(("t" + std::to_string(t)).c_str());
        });
    for (auto& s : savers) s.join();
    stop = true;
    churn.join();
    CHECK(Person::objects().count() == 100);
    CHECK(calls <= 100);
    calls = 0;
    ScopedSignalConnection s = post_save<Person>().connect([&](Person&, bool) { ++calls; });
    std::vector<std::thread> more;
    for (int t = 0; t < 4; ++t)
        more.emplace_back([&] {
            for (int i = 0; i < 10; ++i) person("m");
        });
    for (auto& t : more) t.join();
    CHECK(calls == 40);
}
