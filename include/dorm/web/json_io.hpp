#pragma once
// JSON in and out for web backends (API.md §13): models from request bodies, checked as
// full_clean() with every bad field listed at once; pages as response bodies; a model's JSON
// Schema. The checking is type-erased in lib/web/json_io.cpp over ModelMeta.

#include <concepts>
#include <string_view>
#include <utility>

#include "dorm/json.hpp"
#include "dorm/model_base.hpp"
#include "dorm/serialization.hpp"
#include "dorm/web/pagination.hpp"

namespace dorm {

namespace detail {
/// A request body as JSON; malformed text is a ValidationError on "__all__".
Json parse_body(std::string_view body);
/// Sets obj's fields from j and full_cleans it. partial: a PATCH (only the keys present),
/// else a create (required fields must be there). Unknown keys, wrong types and missing
/// fields are all listed in one ValidationError; the key and auto_now fields are ignored.
void assign_from_json(const ModelMeta& m, void* obj, const ModelBase& base, const Json& j, bool partial);
Json json_schema(const ModelMeta& m);
}  // namespace detail

/// A new (unsaved) T from a request body, every field checked as full_clean():
/// `Entry e = dorm::from_json<Entry>(request_body); e.save();`
template <class T, class J>
    requires std::derived_from<T, detail::ModelBase> && std::same_as<J, Json>
[[nodiscard]] T from_json(const J& j) {
    T obj{};
    detail::apply_defaults(T::model_meta(), &obj);
    detail::assign_from_json(T::model_meta(), &obj, obj, j, false);
    return obj;
}
template <class T>
    requires std::derived_from<T, detail::ModelBase>
[[nodiscard]] T from_json(std::string_view body) {
    return from_json<T>(detail::parse_body(body));
}

/// PATCH: sets only the keys present, checks as full_clean(); obj is unchanged on error.
template <class T, class J>
    requires std::derived_from<T, detail::ModelBase> && std::same_as<J, Json>
void update_from_json(T& obj, const J& patch) {
    T changed = obj;
    detail::assign_from_json(T::model_meta(), &changed, changed, patch, true);
    obj = std::move(changed);
}
template <class T>
    requires std::derived_from<T, detail::ModelBase>
void update_from_json(T& obj, std::string_view patch) {
    update_from_json(obj, detail::parse_body(patch));
}

/// The JSON Schema (2020-12) of T's JSON form: types, formats, maxLength, enum for
/// choices, required and nullable fields; the key and auto_now fields read-only.
template <class T>
    requires std::derived_from<T, detail::ModelBase>
[[nodiscard]] Json json_schema() {
    return detail::json_schema(T::model_meta());
}

/// {"count": .., "page": .., "num_pages": .., "results": [..]}, each item as item_json(item)
/// (default: the model's JSON, `Json j = obj`).
template <class T, class ItemJson>
[[nodiscard]] Json to_json(const Page<T>& page, ItemJson&& item_json) {
    Json results = Json::array();
    for (const T& item : page.items) results.push_back(item_json(item));
    return Json{{"count", page.count}, {"page", page.number}, {"num_pages", page.num_pages},
                {"results", std::move(results)}};
}
template <class T>
[[nodiscard]] Json to_json(const Page<T>& page) {
    return to_json(page, [](const T& item) { return Json(item); });
}

/// {"next": cursor or null, "results": [..]}.
template <class T, class ItemJson>
[[nodiscard]] Json to_json(const CursorPage<T>& page, ItemJson&& item_json) {
    Json results = Json::array();
    for (const T& item : page.items) results.push_back(item_json(item));
    return Json{{"next", page.next_cursor ? Json(*page.next_cursor) : Json(nullptr)},
                {"results", std::move(results)}};
}
template <class T>
[[nodiscard]] Json to_json(const CursorPage<T>& page) {
    return to_json(page, [](const T& item) { return Json(item); });
}

}  // namespace dorm
