#include "dorm/transaction.hpp"

#include "backend.hpp"
#include "dorm/error.hpp"
#include "dorm/routing.hpp"

namespace dorm {

namespace {

void begin(detail::Connection& c) {
    if (c.savepoints.empty()) {
        c.execute(c.dialect().begin_sql());
        c.needs_rollback = false;
        c.savepoints.push_back({"", c.on_commit.size()});
    } else {
        std::string name = "s" + std::to_string(++c.savepoint_counter);
        if (c.needs_rollback)
            throw TransactionManagementError(
                "An error occurred in the current transaction. You can't execute queries until "
                "the end of the 'atomic' block.");
        c.execute("SAVEPOINT " + c.dialect().quote(name));
        c.savepoints.push_back({name, c.on_commit.size()});
    }
}

void finish(detail::Connection& c, bool commit) {
    detail::Savepoint sp = c.savepoints.back();
    c.savepoints.pop_back();
    const bool outer = c.savepoints.empty();
    if (outer) {
        if (commit && !c.needs_rollback) {
            try {
                c.execute("COMMIT");
            } catch (...) {
                try { c.execute("ROLLBACK"); } catch (...) {}
                c.on_commit.clear();
                c.needs_rollback = false;
                throw;
            }
            auto callbacks = std::move(c.on_commit);
            c.on_commit.clear();
            for (auto& cb : callbacks) cb();
            return;
        }
        // The state is reset first: after some errors (SQLITE_FULL, a dead connection) the
        // database has already ended the transaction and ROLLBACK itself fails.
        c.on_commit.clear();
        c.needs_rollback = false;  // as Django: a block marked for rollback ends quietly
        c.execute("ROLLBACK");
        return;
    }
    const std::string q = c.dialect().quote(sp.name);
    if (commit && !c.needs_rollback) {
        c.execute("RELEASE SAVEPOINT " + q);
        return;
    }
    c.execute("ROLLBACK TO SAVEPOINT " + q);
    c.execute("RELEASE SAVEPOINT " + q);
    c.on_commit.resize(sp.callbacks_before);
    c.needs_rollback = false;
}

}  // namespace

namespace {
// The block is over for routing (reads inside it go to its alias) however finish() ends.
struct Leave {
    const std::string& alias;
    ~Leave() { detail::leave_atomic(alias); }
};
}  // namespace

Atomic::Atomic(std::string alias) : alias_(std::move(alias)), uncaught_(std::uncaught_exceptions()) {
    begin(detail::connection(alias_));
    detail::enter_atomic(alias_);
}

Atomic::~Atomic() noexcept(false) {
    if (done_) return;
    done_ = true;
    Leave leave{alias_};
    auto& c = detail::connection(alias_);
    if (std::uncaught_exceptions() > uncaught_) {
        try {
            finish(c, false);
        } catch (...) {
        }
        return;
    }
    finish(c, true);
}

void Atomic::commit() {
    if (done_) return;
    done_ = true;
    Leave leave{alias_};
    finish(detail::connection(alias_), true);
}

void Atomic::rollback() {
    if (done_) return;
    done_ = true;
    Leave leave{alias_};
    finish(detail::connection(alias_), false);
}

void on_commit(std::function<void()> fn, const std::string& alias) {
    auto& c = detail::connection(alias);
    if (c.savepoints.empty()) {
        fn();
        return;
    }
    c.on_commit.push_back(std::move(fn));
}

bool in_atomic_block(const std::string& alias) {
    return !detail::connection(alias).savepoints.empty();
}

}  // namespace dorm
