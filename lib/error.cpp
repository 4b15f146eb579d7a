#include "dorm/error.hpp"

#include <nlohmann/json.hpp>

namespace dorm {
namespace {
std::string join_errors(const std::map<std::string, std::vector<std::string>>& errors) {
    std::string out;
    for (const auto& [field, messages] : errors) {
        for (const auto& m : messages) {
            if (!out.empty()) out += "; ";
            out += field + ": " + m;
        }
    }
    return out;
}
}  // namespace

ValidationError::ValidationError(std::map<std::string, std::vector<std::string>> e)
    : Error(join_errors(e)), errors(std::move(e)) {}

ValidationError::ValidationError(const std::string& field, const std::string& message)
    : ValidationError(std::map<std::string, std::vector<std::string>>{{field, {message}}}) {}

nlohmann::json ValidationError::to_json() const {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [field, messages] : errors) j[field] = messages;
    return j;
}

}  // namespace dorm
