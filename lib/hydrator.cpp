#include "hydrator.hpp"

#include <algorithm>

#include "dorm/error.hpp"

namespace dorm::detail {

namespace {
std::vector<const FieldMeta*> not_loaded(const ModelMeta& m, const std::vector<const FieldMeta*>& loaded) {
    std::vector<const FieldMeta*> out;
    if (loaded.size() == m.columns.size()) return out;
    for (const FieldMeta* f : m.columns)
        if (std::find(loaded.begin(), loaded.end(), f) == loaded.end()) out.push_back(f);
    return out;
}
}  // namespace

Hydrator::Hydrator(const Query& q, const std::string& alias)
    : model_(q.model()), alias_(alias), pinned_(q.chosen_alias().has_value()), related_(q.related()) {
    const auto loaded = q.loaded_fields();
    columns_.reserve(loaded.size());
    for (std::size_t i = 0; i < loaded.size(); ++i) columns_.push_back({loaded[i], int(i)});
    deferred_ = not_loaded(model_, loaded);
    related_at_ = int(loaded.size());
    annotations_at_ = related_at_;
    for (const auto& r : related_) annotations_at_ += int(r.model->columns.size());
    if (!q.annotations().empty()) {
        auto names = std::make_shared<std::vector<std::string>>();
        for (const auto& a : q.annotations()) names->push_back(a.name);
        annotation_names_ = std::move(names);
    }
}

Hydrator::Hydrator(const ModelMeta& m, const std::string& alias, bool pinned, const Row& row)
    : model_(m), alias_(alias), pinned_(pinned) {
    std::vector<const FieldMeta*> loaded;
    for (int i = 0; i < row.columns(); ++i) {
        const FieldMeta* f = m.find(row.column_name(i));
        if (!f || !f->has_column() || std::find(loaded.begin(), loaded.end(), f) != loaded.end()) continue;
        columns_.push_back({f, i});
        loaded.push_back(f);
    }
    if (std::none_of(loaded.begin(), loaded.end(), [](const FieldMeta* f) { return f->primary_key; }))
        throw FieldError(m.name + ".raw(): the query must select the primary key (" + m.pk_field().column + ")");
    deferred_ = not_loaded(m, loaded);
}

int Hydrator::column_of(const FieldMeta& f) const {
    for (const Column& c : columns_)
        if (c.field == &f) return c.index;
    return -1;
}

void Hydrator::fill(void* obj, ModelBase& base, const Row& row) const {
    for (const Column& c : columns_) c.field->access->read(obj, row, c.index);
    remember_alias(base);
    if (!deferred_.empty()) base.state().deferred = deferred_;
    for (const FieldMeta* f : model_.relations) f->access->attach(obj, true);
    if (!related_.empty()) fill_related(obj, row);
    if (annotation_names_) {
        auto& st = base.state();
        st.annotation_names = annotation_names_;
        st.annotations.reserve(annotation_names_->size());
        for (std::size_t k = 0; k < annotation_names_->size(); ++k)
            st.annotations.push_back(row.get_value(annotations_at_ + int(k)));
    }
}

// No InstanceState is made for the common case: unpinned, from "default".
void Hydrator::remember_alias(ModelBase& base) const {
    if (pinned_ || alias_ != "default" || base.state_if()) base.set_loaded_alias(alias_, pinned_);
}

void Hydrator::single_row(void* obj) const {
    for (const FieldMeta* f : model_.relations) f->access->attach(obj, false);
}

// select_related: the joined models' columns follow the main ones; each goes into the
// cache of the relation member on its parent. A NULL key means no related row.
void Hydrator::fill_related(void* obj, const Row& row) const {
    void* made[16] = {};
    std::vector<void*> more(related_.size() > 16 ? related_.size() : 0);
    void** objs = related_.size() > 16 ? more.data() : made;
    int col = related_at_;
    for (std::size_t i = 0; i < related_.size(); ++i) {
        const Query::Related& r = related_[i];
        const int n = int(r.model->columns.size());
        void* parent = r.parent < 0 ? obj : objs[r.parent];
        objs[i] = nullptr;
        if (parent && !row.is_null(col + int(r.model->pk_column))) {
            void* child = r.field->access->cached(parent, true);
            for (int j = 0; j < n; ++j) r.model->columns[std::size_t(j)]->access->read(child, row, col + j);
            for (const FieldMeta* f : r.model->relations) f->access->attach(child, true);
            remember_alias(*r.model->ops.base(child));
            objs[i] = child;
        }
        col += n;
    }
}

}  // namespace dorm::detail
