#include "http.hpp"

#include <charconv>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>

namespace api {

namespace {

// UTF-8 text without NUL: what every backend stores as text (PostgreSQL refuses both
// broken UTF-8 and NUL, so they must be a 400 here rather than a 500 there).
bool is_text(std::string_view s) {
    for (std::size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c == 0) return false;
        std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xe ? 3 : (c >> 3) == 0x1e ? 4 : 0;
        if (n == 0 || i + n > s.size()) return false;
        std::uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1f) : n == 3 ? (c & 0x0f) : (c & 0x07);
        for (std::size_t k = 1; k < n; ++k) {
            const auto d = static_cast<unsigned char>(s[i + k]);
            if ((d >> 6) != 0x2) return false;
            cp = (cp << 6) | (d & 0x3f);
        }
        const std::uint32_t min[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < min[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return false;
        i += n;
    }
    return true;
}

bool json_has_nul(const dorm::Json& j) {
    if (j.is_string()) return j.get_ref<const std::string&>().find('\0') != std::string::npos;
    if (j.is_array()) {
        for (const auto& v : j)
            if (json_has_nul(v)) return true;
    }
    if (j.is_object()) {
        for (const auto& [k, v] : j.items())
            if (k.find('\0') != std::string::npos || json_has_nul(v)) return true;
    }
    return false;
}

std::string dump(const dorm::Json& j) {
    return j.dump(-1, ' ', false, dorm::Json::error_handler_t::replace);
}

// The request target as it came (percent-encoded), with anything unprintable escaped, so
// that one request is one log line whatever it holds.
std::string printable(std::string_view s) {
    std::string out;
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c <= 0x20 || c >= 0x7f) {
            char buf[4];
            std::snprintf(buf, sizeof buf, "%%%02X", c);
            out += buf;
        } else {
            out += ch;
        }
    }
    return out;
}

void log_line(const httplib::Request& req, int status, double ms, std::size_t queries) {
    static std::mutex m;
    char tail[96];
    std::snprintf(tail, sizeof tail, " -> %d in %.2f ms, %zu queries\n", status, ms, queries);
    const std::string line = req.method + " " + printable(req.target.empty() ? req.path : req.target) + tail;
    std::lock_guard lock(m);
    std::fwrite(line.data(), 1, line.size(), stderr);
}

// full_clean() checks unique fields and unique_together as Django's validate_unique does, so
// a duplicate is usually a ValidationError before the INSERT; it is the same conflict as the
// IntegrityError a concurrent duplicate gets, and both are a 409. ValidationError carries no
// error codes, so the test is Django's message: "Entry with this blog and headline already exists."
bool is_conflict(const dorm::ValidationError& e) {
    static const std::string tail = " already exists.";
    for (const auto& [field, messages] : e.errors)
        for (const auto& m : messages)
            if (m.size() < tail.size() || m.compare(m.size() - tail.size(), tail.size(), tail) != 0) return false;
    return !e.errors.empty();
}

Reply error_reply(int status, const std::string& detail) { return {status, {{"detail", detail}}, {}}; }

// dorm's exceptions as REST status codes. A plain dorm::Error (the N+1 guard among them)
// or anything else is the server's fault: a 500, logged, with no internals in the body.
template <class Fn>
Reply guarded(const httplib::Request& req, Fn&& fn) {
    try {
        return fn();
    } catch (const dorm::ValidationError& e) {
        return {is_conflict(e) ? 409 : 400, e.to_json(), {}};
    } catch (const dorm::FieldError& e) {
        return error_reply(400, e.what());
    } catch (const dorm::DoesNotExist&) {
        return error_reply(404, "Not found.");
    } catch (const dorm::IntegrityError&) {  // a duplicate that raced past full_clean()
        return {409, {{"__all__", {"This conflicts with an existing row."}}}, {}};
    } catch (const std::exception& e) {
        std::cerr << "error in " << req.method << " " << printable(req.path) << ": " << e.what() << "\n";
        return error_reply(500, "Internal server error.");
    }
}
}  // namespace

void bad_request(const std::string& field, const std::string& message) {
    throw dorm::ValidationError(field, message);
}

dorm::QueryParams query_params(const httplib::Request& req) {
    dorm::QueryParams out;
    for (const auto& [k, v] : req.params) {
        if (!is_text(k) || !is_text(v))
            bad_request("__all__", "Query string parameters must be UTF-8 text without NUL characters.");
        out.emplace_back(k, v);
    }
    return out;
}

std::int64_t int_param(const httplib::Request& req, const char* name, std::int64_t fallback, std::int64_t max) {
    if (!req.has_param(name)) return fallback;
    const std::string v = req.get_param_value(name);
    std::int64_t n = 0;
    auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
    if (v.empty() || ec != std::errc() || end != v.data() + v.size() || n < 1 || n > max)
        bad_request(name, "Enter a whole number from 1 to " + std::to_string(max) + ".");
    return n;
}

dorm::Json json_body(const httplib::Request& req) {
    dorm::Json j = dorm::Json::parse(req.body, nullptr, false);
    if (j.is_discarded()) bad_request("__all__", "The body is not valid JSON.");
    if (!j.is_object()) bad_request("__all__", "The body must be a JSON object.");
    if (json_has_nul(j)) bad_request("__all__", "Text may not contain NUL characters.");
    return j;
}

Router& Router::route(std::string pattern, std::vector<std::pair<std::string, Endpoint>> methods) {
    routes_.push_back({std::regex(pattern), std::move(methods)});
    return *this;
}

const Router::Route* Router::find(const std::string& path, std::int64_t& id, bool& id_ok) const {
    std::smatch m;
    for (const Route& r : routes_) {
        if (!std::regex_match(path, m, r.pattern)) continue;
        id_ok = true;
        if (m.size() > 1) {
            const std::string s = m[1].str();
            auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
            id_ok = ec == std::errc() && end == s.data() + s.size();
        }
        return &r;
    }
    return nullptr;
}

std::string Router::allow(const Route& r) {
    std::string out;
    for (const auto& [method, fn] : r.methods) {
        out += out.empty() ? method : ", " + method;
        if (method == "GET") out += ", HEAD";
    }
    return out + ", OPTIONS";
}

Reply Router::dispatch(const httplib::Request& req) const {
    std::int64_t id = 0;
    bool id_ok = false;
    const Route* r = find(req.path, id, id_ok);
    if (!r || !id_ok) return error_reply(404, "Not found.");
    if (req.method == "OPTIONS") return {204, nullptr, {{"Allow", allow(*r)}}};
    const std::string method = req.method == "HEAD" ? "GET" : req.method;
    for (const auto& [m, fn] : r->methods) {
        if (m == method) return guarded(req, [&] { return fn(Call{req, id}); });
    }
    Reply out = error_reply(405, "Method \"" + req.method + "\" not allowed.");
    out.headers.emplace_back("Allow", allow(*r));
    return out;
}

void Router::handle(const httplib::Request& req, httplib::Response& res) const {
    const auto start = std::chrono::steady_clock::now();
    Reply reply;
    std::size_t queries = 0;
    {
        dorm::CaptureQueries capture;
        reply = dispatch(req);
        queries = capture.count();
    }
    res.status = reply.status;
    for (const auto& [k, v] : reply.headers) res.set_header(k, v);
    if (reply.status != 204) res.set_content(dump(reply.body) + "\n", "application/json");
    const std::chrono::duration<double, std::milli> ms = std::chrono::steady_clock::now() - start;
    log_line(req, reply.status, ms.count(), queries);
}

void Router::install(httplib::Server& server) const {
    auto h = [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); };
    server.Get(".*", h).Post(".*", h).Put(".*", h).Patch(".*", h).Delete(".*", h).Options(".*", h);
    // What httplib answers itself (a method it routes nowhere, a body over the limit, a
    // malformed request) gets a JSON body too; a method the path does not take is a 405.
    server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req,
                                                                             httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;  // ours
        std::int64_t id = 0;
        bool id_ok = false;
        const Route* r = res.status == 404 || res.status == 400 ? find(req.path, id, id_ok) : nullptr;
        const auto allowed = [&](const Route& route) {
            const std::string m = req.method == "HEAD" ? "GET" : req.method;
            for (const auto& [name, fn] : route.methods)
                if (name == m) return true;
            return m == "OPTIONS";
        };
        if (r && id_ok && !allowed(*r)) {  // e.g. TRACE, or a POST without a body, where none is routed
            res.status = 405;
            res.set_header("Allow", allow(*r));
        }
        const char* detail = res.status == 405   ? "Method not allowed."
                             : res.status == 404 ? "Not found."
                             : res.status == 413 ? "Request body too large."
                                                 : "Bad request.";
        res.set_content(dump({{"detail", detail}}) + "\n", "application/json");
        log_line(req, res.status, 0.0, 0);
        return httplib::Server::HandlerResponse::Handled;
    }));
}

}  // namespace api
