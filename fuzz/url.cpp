// Fuzzes database URLs: what dorm::connect() parses (without opening anything: only
// sqlite3://:memory: would be opened, and parse_database_url opens nothing) and mask_url().
// Input: one mode byte, then
//   mode & 3 == 0: the URL as it is;
//   otherwise "scheme\nuser\npassword\nhost\nrest" put together as
//     1: scheme://user:password@host rest          (URL form)
//     2: postgresql://host=host password=password rest   (libpq key=value form)
//     3: like 1 with the password percent-encoded by the harness.
// Invariants (fuzz/README.md): only dorm::Error escapes, and a bad URL is a ConfigError;
// a password (of at least 4 characters that occur nowhere else in the URL) never appears in
// mask_url()'s output nor in an error message; in the URL form, the conninfo dorm builds
// gives libpq exactly the user and password the URL percent-encodes.

#include <libpq-fe.h>

#include <algorithm>
#include <optional>

#include "backend.hpp"
#include "common.hpp"

namespace {

// The characters RFC 3986 allows in userinfo, plus '@' (dorm takes the last '@' before the
// host, so an unescaped '@' stays in the password) and '&' (not special in userinfo).
bool userinfo_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           std::string_view("-._~!$&'()*+,;=%@").find(c) != std::string_view::npos;
}

// A conninfo value written bare (no quotes, no spaces, no backslash), as a user would.
bool bare_value_char(char c) {
    return c > ' ' && c < 127 && c != '\'' && c != '\\';
}

int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// RFC 3986 decoding; nullopt when malformed or %00 (dorm refuses both).
std::optional<std::string> decode(const std::string& s) {
    std::string out;
    for (std::size_t i = 0; i < s.size(); ++i) {
        if (s[i] != '%') {
            out += s[i];
            continue;
        }
        if (i + 2 >= s.size() || hex(s[i + 1]) < 0 || hex(s[i + 2]) < 0) return std::nullopt;
        const char c = char(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        if (c == 0) return std::nullopt;
        out += c;
        i += 2;
    }
    return out;
}

std::string encode(const std::string& s) {
    static const char* digits = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += char(c);
        } else if (c == 0) {
            out += 'x';
        } else {
            out += '%';
            out += digits[c >> 4];
            out += digits[c & 15];
        }
    }
    return out;
}

std::map<std::string, std::string> conninfo(const std::string& text) {
    std::map<std::string, std::string> out;
    char* err = nullptr;
    PQconninfoOption* opts = PQconninfoParse(text.c_str(), &err);
    if (!opts) {
        std::string why = err ? err : "?";
        PQfreemem(err);
        fuzz::fail("dorm built a conninfo libpq cannot parse (" + why + "): " + text);
    }
    for (PQconninfoOption* o = opts; o->keyword; ++o)
        if (o->val) out[o->keyword] = o->val;
    PQconninfoFree(opts);
    return out;
}

// The password must not show: the text and, when it decodes, its decoded form.
void check_hidden(const std::string& secret, const std::string& url_without_it, const std::string& text,
                  const char* where) {
    if (secret.size() < 4 || url_without_it.find(secret) != std::string::npos) return;
    // A password holding the mask's stars ("u:***@h' (cho...") can equal a run of the masked
    // message: that is the mask's text, not the password's (found in CI).
    if (secret.find('*') != std::string::npos) return;
    if (text.find(secret) != std::string::npos)
        fuzz::fail(std::string("the password '") + secret + "' shows in " + where + ": " + text);
}

void check_url(const std::string& url, const std::string& password, const std::string& without,
               const std::optional<std::pair<std::string, std::string>>& expect_user_password) {
    std::vector<std::string> secrets{password};
    if (auto d = decode(password); d && *d != password) secrets.push_back(*d);
    const std::string masked = dorm::mask_url(url);
    for (const auto& s : secrets) check_hidden(s, without, masked, "mask_url()");
    try {
        const auto parsed = dorm::detail::parse_database_url(url);
        if (expect_user_password && parsed.vendor == "postgresql") {
            auto info = conninfo(parsed.target);
            if (info["user"] != expect_user_password->first || info["password"] != expect_user_password->second)
                fuzz::fail("the conninfo's user/password ('" + info["user"] + "', '" + info["password"] +
                           "') are not the URL's ('" + expect_user_password->first + "', '" +
                           expect_user_password->second + "'): " + url);
        }
        // dorm's own in-memory database (":memory:"): harmless to open. A URL spelling a file:
        // URI of that name is not opened (it could name a file).
        if (parsed.vendor == "sqlite" && parsed.target.starts_with("file:/dorm-memory-") &&
            parsed.target.ends_with("?vfs=memdb") && url.find(":memory:") != std::string::npos &&
            url.find("file:") == std::string::npos) {
            dorm::connect(url, {.alias = "fuzz"});
            dorm::disconnect("fuzz");
        }
    } catch (const dorm::ConfigError& e) {
        // The message of the same URL without the password: text the password may equal
        // by chance ("unknown database scheme '") is the message's own.
        std::string baseline;
        try {
            (void)dorm::detail::parse_database_url(without);
        } catch (const dorm::Error& b) {
            baseline = b.what();
        }
        for (const auto& s : secrets)
            if (baseline.find(s) == std::string::npos) check_hidden(s, without, e.what(), "the error message");
        throw;
    } catch (const dorm::Error& e) {
        fuzz::fail(std::string("a bad URL threw a dorm::Error that is not a ConfigError: ") + e.what());
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    if (size < 1 || size > 1024) return 0;
    const unsigned mode = data[0] & 3;
    fuzz::guarded([&] {
        if (mode == 0) {
            const std::string url(reinterpret_cast<const char*>(data + 1), size - 1);
            check_url(url, "", url, std::nullopt);
            return;
        }
        auto p = fuzz::split_lines(data + 1, size - 1, 5);
        p.resize(5);
        std::string& password = p[2];
        if (mode == 3) password = encode(password);
        const bool userinfo = mode != 2;
        for (char c : password)
            if (userinfo ? !userinfo_char(c) : !bare_value_char(c)) return;
        for (char c : p[1] + p[3])  // user and host: plain names
            if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') return;
        for (char c : p[4])
            if (c == '@' || c == '\n') return;
        std::string url, without;
        std::optional<std::pair<std::string, std::string>> expect;
        if (mode == 2) {
            url = "postgresql://host=" + p[3] + " password=" + password + " " + p[4];
            without = "postgresql://host=" + p[3] + " password= " + p[4];
        } else {
            url = p[0] + "://" + p[1] + ":" + password + "@" + p[3] + p[4];
            without = p[0] + "://" + p[1] + ":@" + p[3] + p[4];
            auto dp = decode(password);
            const bool clean_scheme = !p[0].empty() && std::all_of(p[0].begin(), p[0].end(), [](char c) {
                return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '.' || c == '-';
            });
            if (dp && clean_scheme && !p[1].empty() && !dp->empty() && !p[3].empty() && (p[4].empty() || p[4][0] == '/'))
                expect = std::pair{p[1], *dp};
        }
        check_url(url, password, without, expect);
    });
    return 0;
}
