#pragma once
// The HTTP side of the API sample: a small router over cpp-httplib (one function per
// endpoint, 404/405 with an Allow header decided here), JSON replies, the mapping from
// dorm's exceptions to status codes, and one log line per request with its query count.
// Knows no model.

#include <httplib.h>

#include <cstdint>
#include <regex>
#include <dorm/dorm.hpp>
#include <string>
#include <utility>
#include <vector>

namespace api {

/// What an endpoint answers: a status, a JSON body (none for 204) and extra headers.
struct Reply {
    int status = 200;
    dorm::Json body;
    std::vector<std::pair<std::string, std::string>> headers;
};

/// What an endpoint receives: the request and the id from its path (0 on collections).
struct Call {
    const httplib::Request& req;
    std::int64_t id = 0;
};

using Endpoint = Reply (*)(const Call&);

/// A 400 for a request the endpoint refuses before any query (ValidationError's shape).
[[noreturn]] void bad_request(const std::string& field, const std::string& message);

/// The query string as dorm::QueryParams, every key and value checked to be UTF-8 text
/// without NUL (else a 400).
dorm::QueryParams query_params(const httplib::Request& req);

/// A positive integer parameter (page, page_size): `fallback` when absent, a 400 when it
/// is not a number from 1 to `max`.
std::int64_t int_param(const httplib::Request& req, const char* name, std::int64_t fallback,
                       std::int64_t max);

/// The request body as a JSON object (malformed JSON, a non-object, or text with NUL: a 400).
dorm::Json json_body(const httplib::Request& req);

class Router {
   public:
    /// `pattern` is a path regex; a capture group, when present, is the object's id.
    Router& route(std::string pattern, std::vector<std::pair<std::string, Endpoint>> methods);
    /// Sends every request of `server` through this router.
    void install(httplib::Server& server) const;

   private:
    struct Route {
        std::regex pattern;
        std::vector<std::pair<std::string, Endpoint>> methods;
    };
    void handle(const httplib::Request& req, httplib::Response& res) const;
    Reply dispatch(const httplib::Request& req) const;
    const Route* find(const std::string& path, std::int64_t& id, bool& id_ok) const;
    static std::string allow(const Route& r);
    std::vector<Route> routes_;
};

}  // namespace api
