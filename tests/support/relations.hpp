#pragma once
// Models with relations (API.md §2 and §6), shared by the relation tests.

#include <dorm/dorm.hpp>

namespace rel {

struct Person : dorm::Model<Person> {
    std::string name;
    int age = 0;
    static void define(dorm::Schema<Person>& s) {
        s.table("rel_person");
        s.field(&Person::name, "name").max_length(100);
        s.field(&Person::age, "age");
    }
};

struct Site : dorm::Model<Site> {
    std::string name;
    dorm::ForeignKey<Person> owner;
    static void define(dorm::Schema<Site>& s) {
        s.table("rel_site");
        s.field(&Site::name, "name").max_length(100);
        s.field(&Site::owner, "owner").on_delete(dorm::Cascade).related_name("sites");
    }
};

struct Post;
struct PostQuerySet : dorm::QuerySet<Post, PostQuerySet> {
    using QuerySet::QuerySet;
    PostQuerySet live() const { return filter("published", true); }
    PostQuerySet by(const Person& a) const { return filter("authors", a); }
};

struct Post : dorm::Model<Post, PostQuerySet> {
    dorm::ForeignKey<Site> site;
    dorm::ForeignKey<Person> editor;         // nullable, SetNull
    dorm::ForeignKey<Post> parent;           // self-reference
    std::string headline;
    int rating = 0;
    bool published = false;
    dorm::ManyToMany<Person> authors;
    static void define(dorm::Schema<Post>& s) {
        s.table("rel_post");
        s.field(&Post::site, "site").on_delete(dorm::Cascade).related_name("posts");
        s.field(&Post::editor, "editor").null().on_delete(dorm::SetNull).related_name("edited");
        s.field(&Post::parent, "parent").null().on_delete(dorm::Cascade).related_name("replies");
        s.field(&Post::headline, "headline").max_length(255);
        s.field(&Post::rating, "rating");
        s.field(&Post::published, "published").default_value(false);
        s.field(&Post::authors, "authors").related_name("posts");
        s.ordering({"headline"});
    }
};

/// Protect: a Person with a Badge cannot be erased.
struct Badge : dorm::Model<Badge> {
    dorm::OneToOne<Person> holder;
    std::string label;
    static void define(dorm::Schema<Badge>& s) {
        s.table("rel_badge");
        s.field(&Badge::holder, "holder").on_delete(dorm::Protect).related_name("badge");
        s.field(&Badge::label, "label");
    }
};

/// The other on_delete rules. The lender's default is a Person made with this id by hand.
inline constexpr std::int64_t fallback_lender = 1000000;
struct Loan : dorm::Model<Loan> {
    std::string label;
    dorm::ForeignKey<Person> borrower;  // Restrict
    dorm::ForeignKey<Site> site;        // Cascade
    dorm::ForeignKey<Person> lender;    // SetDefault
    dorm::ForeignKey<Person> witness;   // DoNothing
    static void define(dorm::Schema<Loan>& s) {
        s.table("rel_loan");
        s.field(&Loan::label, "label").max_length(20);
        s.field(&Loan::borrower, "borrower").on_delete(dorm::Restrict).related_name("borrowed");
        s.field(&Loan::site, "site").on_delete(dorm::Cascade).related_name("loans");
        s.field(&Loan::lender, "lender").on_delete(dorm::SetDefault).default_value(fallback_lender).related_name("lent");
        s.field(&Loan::witness, "witness").null().on_delete(dorm::DoNothing).related_name("witnessed");
    }
};

inline void register_all() { dorm::register_models<Person, Site, Post, Badge, Loan>(); }

/// Tables made once, emptied for each test (children first).
inline void fresh_tables() {
    static const bool once = (register_all(), dorm::create_tables(), true);
    (void)once;
    Loan::objects().erase();
    Badge::objects().erase();
    Post::objects().erase();
    Site::objects().erase();
    Person::objects().erase();
}

}  // namespace rel

namespace rel {

/// A text primary key, and a ForeignKey, a OneToOne and a ManyToMany to it: their columns
/// take the key's type (varchar(20)), as Django's do.
struct Shelf : dorm::Model<Shelf> {
    std::string code;
    std::string title;
    static void define(dorm::Schema<Shelf>& s) {
        s.table("rel_shelf");
        s.field(&Shelf::code, "code").max_length(20).primary_key();
        s.field(&Shelf::title, "title").max_length(100);
    }
};

struct Book : dorm::Model<Book> {
    std::string title;
    dorm::ForeignKey<Shelf> shelf;     // Cascade
    dorm::OneToOne<Shelf> showcase;    // nullable, SetNull
    dorm::ManyToMany<Shelf> seen_on;
    static void define(dorm::Schema<Book>& s) {
        s.table("rel_book");
        s.field(&Book::title, "title").max_length(100);
        s.field(&Book::shelf, "shelf").on_delete(dorm::Cascade).related_name("books");
        s.field(&Book::showcase, "showcase").null().on_delete(dorm::SetNull).related_name("featured");
        s.field(&Book::seen_on, "seen_on").related_name("seen_books");
        s.ordering({"title"});
    }
};

/// Shelf and Book tables made once, emptied for each test.
inline void fresh_keyed_tables() {
    static const bool once = (dorm::register_models<Shelf, Book>(), dorm::create_tables(), true);
    (void)once;
    Book::objects().erase();
    Shelf::objects().erase();
}

}  // namespace rel
