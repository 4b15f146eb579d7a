#pragma once
// Models as JSON (API.md §3): `dorm::Json j = e; Entry e2 = j.get<Entry>();` through
// nlohmann's ADL hooks. Field names are the keys; dates are ISO text, blobs base64.

#include <concepts>

#include "dorm/json.hpp"
#include "dorm/model_base.hpp"

namespace dorm {

namespace detail {
Json model_to_json(const ModelMeta& m, const void* obj);
/// Sets every field present in j; throws FieldError for a key that is not a field.
void model_from_json(const ModelMeta& m, void* obj, const Json& j);
std::string base64_encode(const Blob& b);
Blob base64_decode(std::string_view s);
}  // namespace detail

template <class M>
    requires std::derived_from<M, detail::ModelBase>
void to_json(Json& j, const M& m) {
    j = detail::model_to_json(M::model_meta(), &m);
}

template <class M>
    requires std::derived_from<M, detail::ModelBase>
void from_json(const Json& j, M& m) {
    detail::model_from_json(M::model_meta(), &m, j);
}

}  // namespace dorm
