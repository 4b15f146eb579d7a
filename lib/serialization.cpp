#include "dorm/serialization.hpp"

#include "dorm/error.hpp"

namespace dorm::detail {

namespace {
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

Value json_to_value(const Json& v, const FieldMeta& f) {
    if (v.is_null()) return Value();
    if (f.type == sql::ColumnType::Json) return Value(JsonText{v.dump()});
    if (f.type == sql::ColumnType::Blob && v.is_string()) return Value(base64_decode(v.get<std::string>()));
    if (v.is_boolean()) return Value(v.get<bool>());
    if (v.is_number_integer()) return Value(v.get<std::int64_t>());
    if (v.is_number()) return Value(v.get<double>());
    if (v.is_string()) return Value(v.get<std::string>());
    return Value(JsonText{v.dump()});
}
}  // namespace

std::string base64_encode(const Blob& b) {
    std::string out;
    out.reserve((b.size() + 2) / 3 * 4);
    for (std::size_t i = 0; i < b.size(); i += 3) {
        unsigned n = unsigned(b[i]) << 16;
        if (i + 1 < b.size()) n |= unsigned(b[i + 1]) << 8;
        if (i + 2 < b.size()) n |= unsigned(b[i + 2]);
        out += kAlphabet[(n >> 18) & 63];
        out += kAlphabet[(n >> 12) & 63];
        out += i + 1 < b.size() ? kAlphabet[(n >> 6) & 63] : '=';
        out += i + 2 < b.size() ? kAlphabet[n & 63] : '=';
    }
    return out;
}

Blob base64_decode(std::string_view s) {
    Blob out;
    unsigned n = 0;
    int bits = 0;
    for (char c : s) {
        if (c == '=') break;
        const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
        if (!p) throw FieldError("invalid base64 text for binary data");
        n = (n << 6) | unsigned(p - kAlphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(std::byte((n >> bits) & 0xff));
        }
    }
    return out;
}

Json model_to_json(const ModelMeta& m, const void* obj) {
    Json j = Json::object();
    for (const FieldMeta* fp : m.columns) {
        const FieldMeta& f = *fp;
        Value v = f.access->get(obj);
        if (f.type == sql::ColumnType::Blob && v.is<Blob>()) {
            j[f.name] = base64_encode(v.get<Blob>());
        } else if (v.is<DateTime>()) {  // RFC 3339, as JSON Schema's date-time: 2026-01-02T03:04:05Z
            std::string t = format_datetime(v.get<DateTime>());
            t[10] = 'T';
            j[f.name] = t + "Z";
        } else {
            j[f.name] = to_json(v);
        }
    }
    return j;
}

void model_from_json(const ModelMeta& m, void* obj, const Json& j) {
    if (!j.is_object()) throw FieldError(m.name + " from JSON needs an object, got " + j.dump());
    for (const auto& [key, v] : j.items()) {
        const FieldMeta& f = m.field(key, "JSON");
        try {
            f.access->set(obj, json_to_value(v, f));
        } catch (const FieldError& e) {
            throw FieldError(m.name + "." + f.name + " from JSON " + v.dump() + ": " + e.what());
        }
    }
}

}  // namespace dorm::detail
