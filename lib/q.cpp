#include "dorm/q.hpp"

#include "dorm/query.hpp"

namespace dorm {

Operand::Operand(const Operand&) = default;
Operand::Operand(Operand&&) noexcept = default;
Operand& Operand::operator=(const Operand&) = default;
Operand& Operand::operator=(Operand&&) noexcept = default;
Operand::~Operand() = default;

Q::Q(std::string path, Operand value) : kind_(Kind::Leaf), path_(std::move(path)), value_(std::move(value)) {}
Q::Q(const Q&) = default;
Q::Q(Q&&) noexcept = default;
Q& Q::operator=(const Q&) = default;
Q& Q::operator=(Q&&) noexcept = default;
Q::~Q() = default;

Q Q::operator~() const {
    Q q = *this;
    if (negated_) {
        q = Q();
        q.children_ = {*this};
    }
    q.negated_ = true;
    return q;
}

Q Q::combine(Kind k, const Q& other) const {
    Q q;
    q.kind_ = k;
    q.children_ = {*this, other};
    return q;
}

Assignment::Assignment(std::string f, Operand v) : field(std::move(f)), value(std::move(v)) {}
Assignment::Assignment(const Assignment&) = default;
Assignment::Assignment(Assignment&&) noexcept = default;
Assignment& Assignment::operator=(const Assignment&) = default;
Assignment& Assignment::operator=(Assignment&&) noexcept = default;
Assignment::~Assignment() = default;

}  // namespace dorm
