#pragma once
// dorm::Uuid: a 128-bit UUID (Django's UUIDField): random v4 generation, parsing,
// and the two text forms. Knows nothing of Value, fields, SQL or backends.

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>

namespace dorm {

/// Sixteen bytes, big-endian as RFC 4122 writes them; ordered as Python's uuid.UUID
/// (by its integer value).
///
///     auto id = dorm::Uuid::v4();
///     id.to_string();  // "6ba7b810-9dad-41d1-80b4-00c04fd430c8"
///     id.hex();        // "6ba7b8109dad41d180b400c04fd430c8" (SQLite's char(32))
///     dorm::Uuid::parse("{6BA7B810-9DAD-11D1-80B4-00C04FD430C8}");
class Uuid {
   public:
    using Bytes = std::array<std::uint8_t, 16>;

    /// The nil UUID, all zeros.
    Uuid() = default;
    explicit Uuid(const Bytes& bytes) : bytes_(bytes) {}

    /// A random (version 4, RFC 4122 variant) UUID from the operating system's
    /// cryptographic source (getentropy), read afresh on every call (safe across fork()).
    [[nodiscard]] static Uuid v4();

    /// Parses 32 hex digits, upper or lower case, either undashed or dashed as
    /// 8-4-4-4-12, optionally in braces (`{...}`) and/or after `urn:uuid:`. Anything
    /// else: dorm::ValidationError naming the text (under the key `"__all__"`).
    [[nodiscard]] static Uuid parse(std::string_view text);

    /// Dashed, lower case: `"6ba7b810-9dad-11d1-80b4-00c04fd430c8"`.
    [[nodiscard]] std::string to_string() const;
    /// 32 lower-case hex digits, no dashes (Django's SQLite column, char(32)).
    [[nodiscard]] std::string hex() const;

    [[nodiscard]] const Bytes& bytes() const { return bytes_; }
    [[nodiscard]] bool is_nil() const { return bytes_ == Bytes{}; }
    /// The version field (4 for v4(), 0 for nil).
    [[nodiscard]] int version() const { return bytes_[6] >> 4; }

    friend bool operator==(const Uuid&, const Uuid&) = default;
    friend std::strong_ordering operator<=>(const Uuid&, const Uuid&) = default;

    [[nodiscard]] std::size_t hash() const noexcept;

   private:
    Bytes bytes_{};
};

/// Writes `u.to_string()`.
std::ostream& operator<<(std::ostream& os, const Uuid& u);

}  // namespace dorm

template <>
struct std::hash<dorm::Uuid> {
    std::size_t operator()(const dorm::Uuid& u) const noexcept { return u.hash(); }
};
