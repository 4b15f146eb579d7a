#include "dorm/uuid.hpp"

#include <sys/random.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ostream>

#include "dorm/error.hpp"

namespace dorm {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool starts_with_icase(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (c != prefix[i]) return false;
    }
    return true;
}

[[noreturn]] void bad_text(std::string_view text) {
    std::string shown(text.substr(0, 100));
    if (text.size() > 100) shown += "...";
    throw ValidationError("__all__", "'" + shown + "' is not a valid UUID.");
}

}  // namespace

Uuid Uuid::v4() {
    Bytes b;
    // getentropy never returns short reads for <= 256 bytes; EINTR cannot happen for
    // requests this small once the pool is initialised, but retry to be safe.
    int rc = 0;
    do {
        rc = getentropy(b.data(), b.size());
    } while (rc != 0 && errno == EINTR);
    if (rc != 0) {
        throw Error(std::string("Uuid::v4: getentropy failed: ") + std::strerror(errno));
    }
    b[6] = static_cast<std::uint8_t>((b[6] & 0x0F) | 0x40);  // version 4
    b[8] = static_cast<std::uint8_t>((b[8] & 0x3F) | 0x80);  // RFC 4122 variant
    return Uuid(b);
}

Uuid Uuid::parse(std::string_view text) {
    std::string_view s = text;
    if (starts_with_icase(s, "urn:uuid:")) s.remove_prefix(9);
    if (!s.empty() && s.front() == '{') {
        if (s.size() < 2 || s.back() != '}') bad_text(text);
        s = s.substr(1, s.size() - 2);
    }
    bool dashed = s.size() == 36;
    if (!dashed && s.size() != 32) bad_text(text);
    Bytes b{};
    std::size_t nibble = 0;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (dashed && (i == 8 || i == 13 || i == 18 || i == 23)) {
            if (s[i] != '-') bad_text(text);
            continue;
        }
        int v = hex_value(s[i]);
        if (v < 0) bad_text(text);
        b[nibble / 2] = static_cast<std::uint8_t>(b[nibble / 2] | (nibble % 2 ? v : v << 4));
        ++nibble;
    }
    return Uuid(b);
}

std::string Uuid::hex() const {
    std::string out(32, '0');
    for (std::size_t i = 0; i < bytes_.size(); ++i) {
        out[2 * i] = kHexDigits[bytes_[i] >> 4];
        out[2 * i + 1] = kHexDigits[bytes_[i] & 0x0F];
    }
    return out;
}

std::string Uuid::to_string() const {
    std::string h = hex();
    std::string out;
    out.reserve(36);
    out.append(h, 0, 8).append(1, '-').append(h, 8, 4).append(1, '-').append(h, 12, 4);
    out.append(1, '-').append(h, 16, 4).append(1, '-').append(h, 20, 12);
    return out;
}

std::size_t Uuid::hash() const noexcept {
    std::uint64_t hi = 0, lo = 0;
    for (std::size_t i = 0; i < 8; ++i) hi = (hi << 8) | bytes_[i];
    for (std::size_t i = 8; i < 16; ++i) lo = (lo << 8) | bytes_[i];
    std::uint64_t h = hi ^ (lo + 0x9e3779b97f4a7c15ULL + (hi << 6) + (hi >> 2));
    return static_cast<std::size_t>(h);
}

std::ostream& operator<<(std::ostream& os, const Uuid& u) { return os << u.to_string(); }

}  // namespace dorm
