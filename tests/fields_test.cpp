// Field types, model options and extension points (API.md §11): Decimal, Uuid, enums,
// users' own types, app labels, abstract bases, default_factory, indexes and constraints,
// AutoField, a ManyToMany mapped onto Django's auth tables. Both backends; the DDL is
// compared with Django's own (tests/golden, written by Django 3.2).
#include <doctest/doctest.h>

#include <algorithm>
#include <fstream>
#include <map>

#include "dorm/schema.hpp"
#include "support/db.hpp"

// ---- the models of API.md §11, as written there ------------------------------------------

enum class Status { draft, live, archived };
template <>
struct dorm::enum_traits<Status> {
    static constexpr std::pair<Status, const char*> values[] = {
        {Status::draft, "draft"}, {Status::live, "live"}, {Status::archived, "archived"}};
};
struct Money {
    std::int64_t cents = 0;
};
template <>
struct dorm::value_traits<Money> {
    static constexpr dorm::ColumnType column = dorm::ColumnType::BigInt;
    static dorm::Value to_value(const Money& m) { return m.cents; }
    static Money from_value(const dorm::Value& v) { return {v.as_int()}; }
};

namespace shop {

struct Timestamped {
    dorm::DateTime created, modified;
    template <class T>
    static void define_timestamps(dorm::Schema<T>& s) {
        s.field(&T::created, "created").auto_now_add();
        s.field(&T::modified, "modified").auto_now();
    }
};

struct Product : dorm::Model<Product>, Timestamped {
    dorm::Uuid id;
    std::string sku;
    dorm::Decimal price;
    std::optional<dorm::Decimal> discount;
    Status status = Status::draft;
    Money cost;
    static void define(dorm::Schema<Product>& s) {
        s.app_label("shop");
        s.field(&Product::id, "id").primary_key().default_factory([] { return dorm::Uuid::v4(); });
        define_timestamps(s);  // after the key: columns in the order of tests/golden
        s.field(&Product::sku, "sku").max_length(32).unique();
        s.field(&Product::price, "price").max_digits(10).decimal_places(2);
        s.field(&Product::discount, "discount").max_digits(10).decimal_places(2);
        s.field(&Product::status, "status").max_length(10).db_index();
        s.field(&Product::cost, "cost").default_value(0);
        s.indexes({dorm::Index({"status", "-created"}, "shop_product_status_created")});
        s.constraints({dorm::CheckConstraint(dorm::Q("price__gte", 0), "price_nonnegative"),
                       dorm::UniqueConstraint({"sku", "status"}, "sku_live_uniq", dorm::Q("status", "live"))});
    }
};

struct Review : dorm::Model<Review> {  // a ForeignKey to a UUID key
    dorm::ForeignKey<Product> product;
    int score = 0;
    static void define(dorm::Schema<Review>& s) {
        s.app_label("shop");
        s.field(&Review::product, "product").on_delete(dorm::Cascade).related_name("reviews");
        s.field(&Review::score, "score");
        s.constraints({dorm::UniqueConstraint({"product", "score"}, "review_product_score_uniq"),
                       dorm::CheckConstraint(dorm::Q("score__gte", 1) & dorm::Q("score__lte", 5), "score_range")});
        s.indexes({dorm::Index({"-score"}, "review_score_desc"),
                   dorm::Index({"product", "score"}, "review_product_score_idx")});
    }
};

struct Tag : dorm::Model<Tag> {  // a text key
    std::string slug;
    std::string label;
    static void define(dorm::Schema<Tag>& s) {
        s.app_label("shop");
        s.field(&Tag::slug, "slug").max_length(50).primary_key();
        s.field(&Tag::label, "label").max_length(100);
    }
};

struct Tagging : dorm::Model<Tagging> {
    dorm::ForeignKey<Tag> tag;
    dorm::ForeignKey<Product> product;
    static void define(dorm::Schema<Tagging>& s) {
        s.app_label("shop");
        s.field(&Tagging::tag, "tag").on_delete(dorm::Cascade);
        s.field(&Tagging::product, "product").on_delete(dorm::Cascade);
    }
};

struct Shelf : dorm::Model<Shelf> {  // ManyToMany to text and UUID keys
    dorm::ManyToMany<Tag> tags;
    dorm::ManyToMany<Product> products;
    static void define(dorm::Schema<Shelf>& s) {
        s.app_label("shop");
        s.field(&Shelf::tags, "tags");
        s.field(&Shelf::products, "products");
    }
};

struct Measure : dorm::Model<Measure> {
    dorm::Decimal value;
    double ratio = 0;
    std::optional<dorm::Uuid> ident;
    static void define(dorm::Schema<Measure>& s) {
        s.app_label("shop");
        s.field(&Measure::value, "value").max_digits(20).decimal_places(5);
        s.field(&Measure::ratio, "ratio");
        s.field(&Measure::ident, "ident").unique();
        s.constraints({dorm::CheckConstraint(dorm::Q("ratio__lt", 1.5) | dorm::Q("value__isnull", true), "ratio_small"),
                       dorm::UniqueConstraint({"ratio"}, "ratio_uniq")});
    }
};

}  // namespace shop

namespace legacy {

struct Group : dorm::Model<Group> {
    std::string name;
    static void define(dorm::Schema<Group>& s) {
        s.table("auth_group");
        s.auto_field(dorm::AutoField::Integer);
        s.field(&Group::name, "name").max_length(150).unique();
    }
};
struct User : dorm::Model<User> {  // mapping a schema Django made
    std::string username;
    dorm::ManyToMany<Group> groups;
    static void define(dorm::Schema<User>& s) {
        s.table("auth_user");
        s.auto_field(dorm::AutoField::Integer);
        s.field(&User::username, "username").max_length(150).unique();
        s.field(&User::groups, "groups").db_table("auth_user_groups")
            .link_columns("user_id", "group_id")
            .related_name("user_set").related_query_name("user");
    }
};

}  // namespace legacy

using shop::Product, shop::Review, shop::Tag, shop::Tagging, shop::Shelf, shop::Measure;
using legacy::Group, legacy::User;
using dorm::Decimal, dorm::Uuid;

namespace {

// Registered before the first test connects, so that connecting drops stale tables too.
const bool registered = (dorm::register_models<Product, Review, Tag, Tagging, Shelf, Measure, Group, User>(), true);

struct Shop {
    Shop() {
        (void)registered;
        testdb::Fresh fresh;
        for (auto erase : {+[] { Review::objects().erase(); }, +[] { Tagging::objects().erase(); },
                           +[] { Shelf::objects().erase(); }, +[] { Product::objects().erase(); },
                           +[] { Tag::objects().erase(); }, +[] { Measure::objects().erase(); },
                           +[] { User::objects().erase(); }, +[] { Group::objects().erase(); }})
            erase();
    }
    static Product product(const std::string& sku, const char* price, Status status = Status::live) {
        return Product::objects().create([&](Product& p) {
            p.sku = sku;
            p.price = Decimal(price);
            p.status = status;
        });
    }
};

const bool pg = testdb::backend() == "postgresql";

// Django's statements per model, from tests/golden/django_ddl_<vendor>.txt.
std::map<std::string, std::vector<std::string>> django_ddl(const std::string& vendor) {
    std::ifstream in(std::string(DORM_SOURCE_DIR) + "/tests/golden/django_ddl_" + vendor + ".txt");
    REQUIRE(in.good());
    std::map<std::string, std::vector<std::string>> out;
    std::string line, model;
    while (std::getline(in, line)) {
        if (line.rfind("-- ", 0) == 0) model = line.substr(3);
        else if (!line.empty()) out[model].push_back(line);
    }
    return out;
}

// dorm's statements for a model and its ManyToMany link tables.
std::vector<std::string> ddl(const dorm::ModelMeta& m, const dorm::sql::Dialect& d) {
    auto out = dorm::detail::create_table_sql(m, d);
    for (const dorm::FieldMeta* f : m.relations)
        if (f->relation->through)
            for (auto& s : dorm::detail::create_table_sql(*f->relation->through, d)) out.push_back(s);
    return out;
}

// One statement per line (doctest prints strings, not vectors); sorted when `as_set`.
std::string lines(std::vector<std::string> v, bool as_set = false) {
    if (as_set) std::sort(v.begin(), v.end());
    std::string out;
    for (const auto& s : v) out += s + "\n";
    return out;
}

}  // namespace

TEST_CASE("DDL for Decimal, Uuid, enums, user types, indexes and constraints is Django's, byte for byte") {
    (void)registered;
    for (const char* vendor : {"sqlite", "postgresql"}) {
        CAPTURE(vendor);
        const auto& d = dorm::sql::dialect_for(vendor);
        auto django = django_ddl(vendor);
        // Product's statements in Django's order exactly; the others as sets (Django interleaves
        // a model's and its link tables' deferred statements).
        CHECK(lines(ddl(Product::model_meta(), d)) == lines(django["Product"]));
        CHECK(lines(ddl(Review::model_meta(), d)) == lines(django["Review"]));
        CHECK(lines(ddl(Tag::model_meta(), d)) == lines(django["Tag"]));
        CHECK(lines(ddl(Tagging::model_meta(), d)) == lines(django["Tagging"]));
        CHECK(lines(ddl(Shelf::model_meta(), d), true) == lines(django["Shelf"], true));
        CHECK(lines(ddl(Measure::model_meta(), d)) == lines(django["Measure"]));
        CHECK(lines(ddl(Group::model_meta(), d)) == lines(django["Group"]));
        CHECK(lines(ddl(User::model_meta(), d), true) == lines(django["User"], true));
    }
}

TEST_CASE("model options: app label, table, abstract base fields, AutoField choice") {
    CHECK(Product::model_meta().label() == "shop.product");
    CHECK(Product::model_meta().table == "shop_product");
    CHECK(Group::model_meta().table == "auth_group");  // s.table() wins over a label
    CHECK(Group::model_meta().label() == "group");
    CHECK(Product::model_meta().find("created"));  // from the abstract base
    CHECK(Product::model_meta().find("created")->auto_now_add);
    CHECK(Product::model_meta().pk_field().type == dorm::ColumnType::Uuid);
    CHECK(Group::model_meta().pk_field().type == dorm::ColumnType::Integer);
    CHECK(Review::model_meta().pk_field().type == dorm::ColumnType::BigInt);
    CHECK(Review::model_meta().find("product")->key_type() == dorm::ColumnType::Uuid);
    // The enum's texts are its choices, checked by full_clean().
    CHECK(Product::model_meta().find("status")->choices.size() == 3);
}

TEST_CASE("the process-wide default AutoField applies to models built after it is set") {
    struct Later : dorm::Model<Later> {
        std::string name;
        static void define(dorm::Schema<Later>& s) { s.field(&Later::name, "name"); }
    };
    dorm::settings().default_auto_field = dorm::AutoField::Integer;
    const auto type = Later::model_meta().pk_field().type;
    dorm::settings().default_auto_field = dorm::AutoField::BigInt;
    CHECK(type == dorm::ColumnType::Integer);
    CHECK(dorm::detail::create_table_sql(Later::model_meta(), dorm::sql::dialect_for("postgresql"))[0] ==
          R"(CREATE TABLE "later" ("id" serial NOT NULL PRIMARY KEY, "name" text NOT NULL))");
}

TEST_CASE_FIXTURE(Shop, "a Product round-trips: UUID key from default_factory, exact decimals, enum, user type") {
    auto p = Product::objects().create([](Product& p) {
        p.sku = "tea";
        p.price = Decimal("12.30");
        p.discount = Decimal("0.5");
        p.status = Status::live;
        p.cost = Money{250};
    });
    CHECK(p.id.version() == 4);
    CHECK(p.pk() == dorm::Value(p.id));
    auto back = Product::objects().get("pk", p.id);
    CHECK(back.price.to_string() == "12.30");
    CHECK(back.discount->to_string() == "0.50");  // quantized to decimal_places
    CHECK(back.status == Status::live);
    CHECK(back.cost.cents == 250);
    CHECK(back.created == p.created);
    // the same key through its text forms
    CHECK(Product::objects().filter("id", p.id.to_string()).count() == 1);
    CHECK(Product::objects().filter("id", p.id.hex()).count() == 1);
    // a plain save() of a new object gets a key too
    Product q;
    q.sku = "mug";
    q.price = Decimal("3");
    q.save();
    CHECK_FALSE(q.id.is_nil());
    CHECK(Product::objects().get("sku", "mug").price.to_string() == "3.00");
}

TEST_CASE_FIXTURE(Shop, "filters take Decimals, enumerators and user types, through every entry point") {
    product("a", "9.98"), product("b", "9.99"), product("c", "10.00"), product("d", "1.50", Status::draft);
    auto cheap_live = Product::objects().filter("status", Status::live).filter("price__lt", Decimal("9.99"));
    CHECK(cheap_live.count() == 1);
    CHECK(cheap_live.exists());
    CHECK(cheap_live.to_vector().at(0).sku == "a");
    std::vector<std::string> it;
    for (const auto& p : cheap_live.iterator()) it.push_back(p.sku);
    CHECK(it == std::vector<std::string>{"a"});
    CHECK(Product::objects().filter("price__gte", 10).count() == 1);           // an int for a decimal
    CHECK(Product::objects().filter("price", "9.99").count() == 1);            // decimal text
    CHECK(Product::objects().filter("price__in", {Decimal("1.5"), Decimal("10")}).count() == 2);
    auto prices = Product::objects().order_by("price").values_list<Decimal>("price");
    REQUIRE(prices.size() == 4);
    CHECK(prices[0].to_string() == "1.50");
    CHECK(prices[3].to_string() == "10.00");
    auto statuses = Product::objects().order_by("price").values_list<Status>("status");
    CHECK(statuses == std::vector<Status>{Status::draft, Status::live, Status::live, Status::live});
    auto costs = Product::objects().values_list<Money>("cost");
    CHECK(costs.size() == 4);
    CHECK(costs[0].cents == 0);  // default_value(0) through value_traits
    const dorm::Json json = Product::objects().filter("sku", "c").values("price", "status", "id").to_json();
    CHECK(json[0]["price"] == "10.00");
    CHECK(json[0]["status"] == "live");
    CHECK(json[0]["id"] == Product::objects().get("sku", "c").id.to_string());
    // as a subquery and in a union
    auto in_sub = Product::objects().filter("id__in", Product::objects().filter("price__lt", 5).values("id"));
    CHECK(in_sub.count() == 1);
    CHECK(Product::objects().filter("price__lt", 2).union_(Product::objects().filter("price__gt", 9.99)).count() == 2);
    CHECK(Product::objects().filter("cost", Money{0}).count() == 4);
}

TEST_CASE_FIXTURE(Shop, "decimal aggregates stay exact where the database is") {
    product("a", "0.10"), product("b", "0.20");
    auto sum = Product::objects().aggregate(dorm::Sum("price"));
    if (pg) CHECK(sum["price__sum"] == "0.30");  // numeric: exact
    else CHECK(Decimal(sum["price__sum"].get<std::string>()) == Decimal("0.3"));  // a REAL, 15 digits
    auto total = Product::objects().annotate("n", dorm::Sum("price")).values_list<Decimal>("n");
    REQUIRE(total.size() == 2);
    CHECK(total[0] + total[1] == Decimal("0.3"));
}

TEST_CASE_FIXTURE(Shop, "too many digits is a ValidationError before any SQL, nothing written") {
    Product p;
    p.sku = "x";
    p.price = Decimal("123456789.5");  // 10 digits, 1 place: 9 before the point > 8
    {
        dorm::CaptureQueries q;
        CHECK_THROWS_AS(p.save(), dorm::ValidationError);
        CHECK(q.count() == 0);
    }
    p.price = Decimal("1.234");  // 3 places > 2: never rounded silently
    CHECK_THROWS_WITH_AS(p.save(), doctest::Contains("decimal places"), dorm::ValidationError);
    CHECK(Product::objects().count() == 0);
    try {
        p.full_clean();
        FAIL("full_clean() accepted 1.234 for decimal_places(2)");
    } catch (const dorm::ValidationError& e) {
        REQUIRE(e.errors.count("price"));
        CHECK(e.errors.at("price").at(0) == "Ensure that there are no more than 2 decimal places.");
    }
    // beyond SQLite's 15 significant digits: refused there, kept exactly on PostgreSQL
    Measure m;
    m.value = Decimal("1234567890123.45678");  // 18 digits
    m.ratio = 1;
    if (pg) {
        m.save();
        CHECK(Measure::objects().get("pk", m.id).value.to_string() == "1234567890123.45678");
    } else {
        CHECK_THROWS_WITH_AS(m.save(), doctest::Contains("15"), dorm::ValidationError);
        CHECK(Measure::objects().count() == 0);
    }
}

TEST_CASE_FIXTURE(Shop, "wrong values for Decimal, Uuid and enum fields are FieldErrors before any SQL") {
    dorm::CaptureQueries q;
    CHECK_THROWS_WITH_AS((void)Product::objects().filter("price", "12,30").count(), doctest::Contains("Product.price"), dorm::FieldError);
    CHECK_THROWS_WITH_AS((void)Product::objects().filter("id", "not-a-uuid").count(), doctest::Contains("Product.id"), dorm::FieldError);
    CHECK_THROWS_WITH_AS((void)Product::objects().filter("id", 42).count(), doctest::Contains("a UUID"), dorm::FieldError);
    CHECK(q.count() == 0);
    CHECK_THROWS_AS((void)Uuid::parse("6ba7b810-9dad-11d1-80b4"), dorm::ValidationError);
    CHECK(Uuid::parse("6BA7B8109DAD11D180B400C04FD430C8").to_string() == "6ba7b810-9dad-11d1-80b4-00c04fd430c8");
    CHECK_THROWS_AS(Decimal("1.2.3"), dorm::ValidationError);
}

TEST_CASE_FIXTURE(Shop, "an unknown stored enum text names table, column and text") {
    auto p = product("a", "1");
    Product::objects().filter("pk", p.id).update({{"status", "retired"}});
    CHECK_THROWS_WITH_AS(Product::objects().get("pk", p.id), doctest::Contains("shop_product.status"), dorm::OperationalError);
    CHECK_THROWS_WITH_AS(Product::objects().get("pk", p.id), doctest::Contains("'retired'"), dorm::OperationalError);
    p.status = static_cast<Status>(7);
    CHECK_THROWS_AS(p.full_clean(), dorm::Error);
}

TEST_CASE_FIXTURE(Shop, "constraints hold: a violated CheckConstraint is an IntegrityError naming it") {
    Product p;
    p.sku = "neg";
    p.price = Decimal("-1");
    CHECK_THROWS_WITH_AS(p.save(), doctest::Contains("price_nonnegative"), dorm::IntegrityError);
    CHECK(Product::objects().count() == 0);
    auto a = product("a", "1");
    Review r;
    r.product = a;
    r.score = 9;
    CHECK_THROWS_WITH_AS(r.save(), doctest::Contains("score_range"), dorm::IntegrityError);
    r.score = 5;
    r.save();
    Review twin;
    twin.product = a;
    twin.score = 5;
    CHECK_THROWS_WITH_AS(twin.save(), doctest::Contains("review_product_score_uniq"), dorm::IntegrityError);
    CHECK_THROWS_AS(twin.full_clean(), dorm::ValidationError);  // validated as unique_together
    CHECK(Review::objects().count() == 1);
}

TEST_CASE_FIXTURE(Shop, "ForeignKeys, select_related, prefetch_related and cascades with UUID keys") {
    auto a = product("a", "1"), b = product("b", "2");
    for (int s : {1, 2, 3}) Review::objects().create([&](Review& r) { r.product = a, r.score = s; });
    Review::objects().create([&](Review& r) { r.product = b, r.score = 4; });
    {
        dorm::CaptureQueries q;
        auto rows = Review::objects().select_related("product").order_by("score").to_vector();
        REQUIRE(rows.size() == 4);
        CHECK(rows[0].product->sku == "a");
        CHECK(rows[3].product->sku == "b");
        CHECK(q.count() == 1);
    }
    {
        dorm::CaptureQueries q;
        auto products = Product::objects().prefetch_related("reviews").order_by("sku").to_vector();
        REQUIRE(products.size() == 2);
        CHECK(products[0].related(&Review::product).count() == 3);
        CHECK(products[1].related(&Review::product).count() == 1);
        CHECK(q.count() == 2);
    }
    CHECK(Review::objects().filter("product__sku", "a").count() == 3);
    CHECK(Product::objects().filter("reviews__score__gte", 3).distinct().count() == 2);
    auto deleted = a.erase();  // the Collector follows UUID keys
    CHECK(deleted.total == 4);
    CHECK(Review::objects().count() == 1);
}

TEST_CASE_FIXTURE(Shop, "ManyToMany and ForeignKeys to text and UUID keys") {
    auto tea = Tag::objects().create([](Tag& t) { t.slug = "tea", t.label = "Tea"; });
    auto cup = Tag::objects().create([](Tag& t) { t.slug = "cup", t.label = "Cup"; });
    auto p = product("a", "1");
    Tagging::objects().create([&](Tagging& t) { t.tag = tea, t.product = p; });
    auto shelf = Shelf::objects().create([](Shelf&) {});
    shelf.tags.add(tea, cup);
    shelf.products.add(p);
    CHECK(shelf.tags.all().count() == 2);
    CHECK(shelf.products.all().get().sku == "a");
    {
        dorm::CaptureQueries q;
        auto shelves = Shelf::objects().prefetch_related("tags", "products").to_vector();
        REQUIRE(shelves.size() == 1);
        CHECK(shelves[0].tags.all().to_vector().size() == 2);
        CHECK(shelves[0].products.all().to_vector().at(0).price.to_string() == "1.00");
        CHECK(q.count() == 3);
    }
    CHECK(Shelf::objects().filter("tags__slug", "cup").count() == 1);
    CHECK(Tagging::objects().filter("tag", "tea").select_related("tag", "product").get().tag->label == "Tea");
    tea.erase();  // cascades to the Tagging and the link row
    CHECK(Tagging::objects().count() == 0);
    CHECK(shelf.tags.all().count() == 1);
}

TEST_CASE_FIXTURE(Shop, "a ManyToMany on Django's auth tables: named link table and columns, related_query_name") {
    auto admins = Group::objects().create([](Group& g) { g.name = "admins"; });
    auto staff = Group::objects().create([](Group& g) { g.name = "staff"; });
    auto ann = User::objects().create([](User& u) { u.username = "ann"; });
    ann.groups.add(admins, staff);
    CHECK(Group::objects().filter("user__username", "ann").count() == 2);  // the query name
    auto groups = Group::objects().prefetch_related("user_set").order_by("name").to_vector();  // the accessor name
    REQUIRE(groups.size() == 2);
    CHECK(admins.related(&User::groups).get().username == "ann");
    CHECK(User::objects().filter("groups__name", "staff").get().username == "ann");
    CHECK_THROWS_AS((void)Group::objects().filter("user_set__username", "ann").count(), dorm::FieldError);
}
