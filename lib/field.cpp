#include "dorm/field.hpp"

#include "dorm/error.hpp"
#include "dorm/json.hpp"

namespace dorm {

FieldBuilder& FieldBuilder::max_length(std::size_t n) {
    f().max_length = n;
    if (f().type == ColumnType::Text) f().type = ColumnType::Varchar;
    return *this;
}
FieldBuilder& FieldBuilder::unique() {
    f().unique = true;
    return *this;
}
FieldBuilder& FieldBuilder::db_index() {
    f().db_index = true;
    return *this;
}
FieldBuilder& FieldBuilder::default_value(Value v) {
    f().default_value = std::move(v);
    return *this;
}
FieldBuilder& FieldBuilder::primary_key() {
    f().primary_key = true;
    return *this;
}
FieldBuilder& FieldBuilder::db_column(std::string name) {
    f().column = std::move(name);
    return *this;
}
FieldBuilder& FieldBuilder::choices(std::vector<std::pair<Value, std::string>> c) {
    f().choices = std::move(c);
    return *this;
}
FieldBuilder& FieldBuilder::blank() {
    f().blank = true;
    return *this;
}
FieldBuilder& FieldBuilder::validators(std::vector<Validator> v) {
    f().validators = std::move(v);
    return *this;
}
FieldBuilder& FieldBuilder::auto_now() {
    if (f().type != ColumnType::DateTime && f().type != ColumnType::Date)
        throw ConfigError(m_.name + "." + f().name + ": auto_now() needs a Date or DateTime member");
    f().auto_now = true;
    return *this;
}
FieldBuilder& FieldBuilder::auto_now_add() {
    if (f().type != ColumnType::DateTime && f().type != ColumnType::Date)
        throw ConfigError(m_.name + "." + f().name + ": auto_now_add() needs a Date or DateTime member");
    f().auto_now_add = true;
    return *this;
}
FieldBuilder& FieldBuilder::null() {
    f().nullable = true;
    return *this;
}

FieldBuilder& FieldBuilder::max_digits(int n) {
    if (f().type != ColumnType::Decimal) throw ConfigError(m_.name + "." + f().name + ": max_digits() needs a dorm::Decimal member");
    if (n < 1) throw ConfigError(m_.name + "." + f().name + ": max_digits must be positive");
    f().max_digits = n;
    return *this;
}
FieldBuilder& FieldBuilder::decimal_places(int n) {
    if (f().type != ColumnType::Decimal) throw ConfigError(m_.name + "." + f().name + ": decimal_places() needs a dorm::Decimal member");
    if (n < 0) throw ConfigError(m_.name + "." + f().name + ": decimal_places must not be negative");
    f().decimal_places = n;
    return *this;
}
FieldBuilder& FieldBuilder::renamed_from(std::string old_name) {
    f().renamed_from = std::move(old_name);
    return *this;
}
FieldBuilder& FieldBuilder::default_factory(std::function<Value()> make) {
    f().default_factory = std::move(make);
    return *this;
}

namespace detail {

ModelMeta start_meta(std::string name) {
    ModelMeta m;
    m.table = snake_case(name);
    m.name = std::move(name);
    return m;
}

void end_meta(ModelMeta& m) {
    std::size_t declared_pks = 0;
    for (std::size_t i = 1; i < m.fields.size(); ++i) declared_pks += m.fields[i].primary_key;
    if (declared_pks) {
        m.fields.erase(m.fields.begin());
    } else {
        FieldMeta& id = m.fields.front();
        id.primary_key = id.auto_increment = true;
        id.type = auto_field_type(m);
    }
    finish_meta(m);
}

FieldBuilder add_field(ModelMeta& m, std::string name, sql::ColumnType type, bool nullable,
                       std::shared_ptr<const FieldAccess> access) {
    FieldMeta& f = m.fields.emplace_back();
    f.column = name;
    f.name = std::move(name);
    f.type = type;
    f.nullable = nullable;
    f.access = std::move(access);
    return FieldBuilder(m, m.fields.size() - 1);
}

void set_text_choices(ModelMeta& m, std::vector<std::pair<Value, std::string>> choices) {
    FieldMeta& f = m.fields.back();
    std::size_t longest = 0;
    for (const auto& c : choices) longest = std::max(longest, c.second.size());
    f.choices = std::move(choices);
    f.max_length = longest;
}

FieldBuilder add_relation(ModelMeta& m, std::string name, RelationMeta::Kind kind, std::size_t offset,
                          const ModelMeta& (*target)(), std::shared_ptr<const FieldAccess> access) {
    auto rel = std::make_shared<RelationMeta>();
    rel->kind = kind;
    rel->target = target;
    rel->member_offset = offset;
    FieldMeta& f = m.fields.emplace_back();
    f.column = name + "_id";
    f.name = std::move(name);
    f.type = sql::ColumnType::BigInt;
    f.db_index = kind == RelationMeta::Kind::ForeignKey;
    f.unique = kind == RelationMeta::Kind::OneToOne;
    f.relation = std::move(rel);
    f.access = std::move(access);
    return FieldBuilder(m, m.fields.size() - 1);
}

FieldBuilder add_many_to_many(ModelMeta& m, std::string name, std::size_t offset, const ModelMeta& (*owner)(),
                              const ModelMeta& (*target)(), const std::string& target_name,
                              std::shared_ptr<const FieldAccess> access) {
    auto rel = std::make_shared<RelationMeta>();
    rel->kind = RelationMeta::Kind::ManyToMany;
    rel->target = target;
    rel->member_offset = offset;
    rel->through = make_through(m.name, name, owner, target_name, target);
    rel->through_owner = &rel->through->fields[1];
    rel->through_target = &rel->through->fields[2];
    FieldMeta& f = m.fields.emplace_back();
    f.name = name;
    f.column = std::move(name);
    f.type = sql::ColumnType::BigInt;
    f.relation = std::move(rel);
    f.access = std::move(access);
    return FieldBuilder(m, m.fields.size() - 1);
}

namespace {
ForeignKeyBase& fk_at(void* o, std::size_t offset) { return member_at<ForeignKeyBase>(o, offset); }
const ForeignKeyBase& fk_at(const void* o, std::size_t offset) { return member_at<ForeignKeyBase>(o, offset); }
}  // namespace

// ForeignKey<M> adds no data to ForeignKeyBase, so the member is one at its offset.
Value ForeignKeyAccess::get(const void* o) const { return fk_at(o, offset_).key_; }
void ForeignKeyAccess::set(void* o, const Value& v) const {
    fk_at(o, offset_).set_key_(normalize_key(v, field_->key_type()));
}
void ForeignKeyAccess::read(void* o, const Row& r, int c) const {
    fk_at(o, offset_).set_key_(read_key(r, c, field_->key_type()));
}
void ForeignKeyAccess::bind(const void* o, Binder& b, int i) const {
    const Value& key = fk_at(o, offset_).key_;
    if (key.is<std::int64_t>()) b.bind_int64(i, key.get<std::int64_t>());
    else b.bind(i, key);
}
void ForeignKeyAccess::clear(void* o) const { fk_at(o, offset_).clear_(); }
void ForeignKeyAccess::attach(void* o, bool multi_row) const {
    attach_site(fk_at(o, offset_).where_, *field_, multi_row);
}
void* ForeignKeyAccess::cached(void* o, bool create) const {
    ForeignKeyBase& fk = fk_at(o, offset_);
    if (create) fk.cache_ = field_->relation->target().ops.make_object();
    return fk.cache_.get();
}
void ForeignKeyAccess::forget(void* o) const { fk_at(o, offset_).cache_.reset(); }

void ForeignKeyBase::set_key_(Value key) {
    if (key != key_) cache_.reset();
    key_ = std::move(key);
}

void attach_site(RelationSite& site, const FieldMeta& f, bool multi_row) {
    site.rel = f.relation.get();
    site.multi_row = multi_row;
}

std::string type_name_of(std::string_view s) {
    auto b = s.find("T = ") + 4;
    auto e = s.find_first_of(";]", b);
    std::string_view n = s.substr(b, e - b);
    if (auto c = n.rfind("::"); c != std::string_view::npos) n.remove_prefix(c + 2);
    return std::string(n);
}

#define DORM_DETAIL_MEMBER(M)                                                  \
    template std::shared_ptr<const FieldAccess> member_access<M>(std::size_t); \
    template std::shared_ptr<const FieldAccess> member_access<std::optional<M>>(std::size_t);
DORM_DETAIL_COMMON_MEMBER_TYPES(DORM_DETAIL_MEMBER)
#undef DORM_DETAIL_MEMBER


void throw_unreadable(const FieldMeta& f, const Value& stored, const std::string& why) {
    const std::string table = f.column_ref ? f.column_ref->table : f.model_name;
    throw OperationalError(f.model_name + "." + f.name + ": cannot read the value " + stored.repr() +
                           " stored in " + table + "." + f.column + " (" + why + ")");
}

std::vector<std::string> decimal_errors(const FieldMeta& f, const Decimal& d, int backend_digits) {
    std::vector<std::string> out;
    const int max = f.max_digits.value_or(0), places = f.decimal_places.value_or(0);
    // Django's DecimalValidator messages, in its order.
    if (d.digits() > max)
        out.push_back("Ensure that there are no more than " + std::to_string(max) + " digits in total.");
    else if (d.scale() > places)
        out.push_back("Ensure that there are no more than " + std::to_string(places) + " decimal places.");
    else if (d.whole_digits() > max - places)
        out.push_back("Ensure that there are no more than " + std::to_string(max - places) +
                      " digits before the decimal point.");
    else if (backend_digits && d.quantize(places).digits() > backend_digits)
        out.push_back("Ensure that there are no more than " + std::to_string(backend_digits) +
                      " digits in total (this database keeps " + std::to_string(backend_digits) +
                      " significant digits).");
    return out;
}

Value read_field(const Row& r, int col, const FieldMeta& f) {
    Value v = read_typed(r, col, f.key_type());
    if (v.is<Decimal>() && f.decimal_places) return Value(v.get<Decimal>().quantize(*f.decimal_places));
    return v;
}

void field_io<Decimal>::read(Decimal& m, const Row& r, int c, const FieldMeta& f) {
    try {
        m = r.get_decimal(c);
    } catch (const Error& e) {
        throw_unreadable(f, r.get_value(c), e.what());
    }
    if (f.decimal_places) m = m.quantize(*f.decimal_places);
}

void field_io<Decimal>::bind(const Decimal& m, Binder& b, int i, const FieldMeta& f) {
    auto errors = decimal_errors(f, m, b.decimal_digits());
    if (!errors.empty())
        throw ValidationError(f.name, f.model_name + "." + f.name + " = " + m.to_string() + ": " + errors.front());
    b.bind_decimal(i, f.decimal_places ? m.quantize(*f.decimal_places) : m);
}

void field_io<Uuid>::read(Uuid& m, const Row& r, int c, const FieldMeta& f) {
    try {
        m = r.get_uuid(c);
    } catch (const Error& e) {
        throw_unreadable(f, r.get_value(c), e.what());
    }
}

void field_io<Json>::read(Json& m, const Row& r, int c, const FieldMeta&) {
    if (r.is_null(c)) {
        m = nullptr;
        return;
    }
    auto t = r.get_text(c);
    m = Json::parse(t.begin(), t.end(), nullptr, false);
    if (m.is_discarded())
        throw OperationalError("malformed JSON in column " + std::to_string(c) + ": '" + std::string(t) + "'");
}

void field_io<Json>::bind(const Json& m, Binder& b, int i, const FieldMeta&) { b.bind_json(i, m.dump()); }

}  // namespace detail

Value value_traits<Json>::to_value(const Json& j) { return Value(JsonText{j.dump()}); }

Json value_traits<Json>::from_value(const Value& v) {
    if (v.is_null()) return nullptr;
    if (v.is<JsonText>()) return Json::parse(v.get<JsonText>().text);
    if (v.is<std::string>()) {
        auto j = Json::parse(v.get<std::string>(), nullptr, false);
        if (!j.is_discarded()) return j;
        return v.get<std::string>();
    }
    return to_json(v);
}

Json to_json(const Value& v) {
    if (v.is_null()) return nullptr;
    if (v.is<bool>()) return v.get<bool>();
    if (v.is<std::int64_t>()) return v.get<std::int64_t>();
    if (v.is<double>()) return v.get<double>();
    if (v.is<JsonText>()) return Json::parse(v.get<JsonText>().text);
    return v.to_string();
}

}  // namespace dorm
