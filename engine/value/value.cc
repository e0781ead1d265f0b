#include "engine/value/value.h"

#include <algorithm>
#include <cmath>

#include "engine/base/base64.h"
#include "engine/value/text.h"

namespace topo {

const char* ValueTypeName(ValueType t) {
  switch (t) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "bool";
    case ValueType::kInt: return "int";
    case ValueType::kDouble: return "double";
    case ValueType::kDecimal: return "decimal";
    case ValueType::kString: return "string";
    case ValueType::kBytes: return "bytes";
    case ValueType::kArray: return "array";
    case ValueType::kObject: return "object";
  }
  return "?";
}

Value::Value(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
Value::Value(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

Array& Value::MutableArray() {
  auto& p = std::get<std::shared_ptr<Array>>(v_);
  if (p.use_count() > 1) p = std::make_shared<Array>(*p);
  return *p;
}

Object& Value::MutableObject() {
  auto& p = std::get<std::shared_ptr<Object>>(v_);
  if (p.use_count() > 1) p = std::make_shared<Object>(*p);
  return *p;
}

const Value* Value::Get(std::string_view field) const {
  if (!is_object()) return nullptr;
  return as_object().Find(field);
}

void Object::Set(std::string name, Value v) {
  if (Value* f = FindMutable(name)) {
    *f = std::move(v);
    return;
  }
  fields_.emplace_back(std::move(name), std::move(v));
}

bool Object::Erase(std::string_view name) {
  auto it = std::find_if(fields_.begin(), fields_.end(), [&](const Field& f) { return f.first == name; });
  if (it == fields_.end()) return false;
  fields_.erase(it);
  return true;
}

namespace {

// A double as an exact decimal through its shortest round-trip form; nullopt for NaN/inf.
bool DoubleToDecimal(double d, Decimal* out) {
  auto r = Decimal::FromDouble(d);
  if (!r.ok()) return false;
  *out = *r;
  return true;
}

template <typename T>
int Cmp(T a, T b) {
  return a < b ? -1 : (b < a ? 1 : 0);
}

}  // namespace

int CompareNumbers(const Value& a, const Value& b) {
  const bool exact = a.is_decimal() || b.is_decimal() || a.has_kept_exact() || b.has_kept_exact();
  if (!exact) {
    if (a.is_int() && b.is_int()) return Cmp(a.as_int(), b.as_int());
    if (a.is_double() && b.is_double()) return Cmp(a.as_double(), b.as_double());
    if (a.is_int()) return Cmp(static_cast<long double>(a.as_int()), (long double)b.as_double());
    return Cmp((long double)a.as_double(), static_cast<long double>(b.as_int()));
  }
  // A decimal or a kept exact value: compare exactly, a double through its
  // kept value or shortest decimal form.
  auto to_dec = [](const Value& v, Decimal* out) -> bool {
    if (v.is_decimal()) {
      *out = v.as_decimal();
      return true;
    }
    if (v.is_int()) {
      *out = Decimal::FromInt(v.as_int());
      return true;
    }
    return v.KeptExact(out) || DoubleToDecimal(v.as_double(), out);
  };
  Decimal da, db;
  bool oka = to_dec(a, &da), okb = to_dec(b, &db);
  if (!oka || !okb) {  // NaN/inf against a decimal: order by the double value
    double x = a.is_double() ? a.as_double() : 0, y = b.is_double() ? b.as_double() : 0;
    if (std::isnan(x) || std::isnan(y)) return std::isnan(x) ? (std::isnan(y) ? 0 : 1) : -1;
    return Cmp(x, y);
  }
  return da.Compare(db);
}

void AppendDoubleText(std::string& out, const Value& v) {
  Decimal d;
  if (v.KeptExact(&d)) {
    d.AppendTo(out);
  } else {
    AppendDouble(out, v.as_double());
  }
}

Result<Decimal> ExactDecimalOf(const Value& v) {
  switch (v.type()) {
    case ValueType::kInt: return Decimal::FromInt(v.as_int());
    case ValueType::kDecimal: return v.as_decimal();
    case ValueType::kDouble: {
      Decimal d;
      if (v.KeptExact(&d)) return d;
      return Decimal::FromDoubleExact(v.as_double());
    }
    default: return Status::Invalid(std::string("cannot convert ") + ValueTypeName(v.type()) + " to decimal");
  }
}

bool Value::Equals(const Value& o) const {
  if (is_number() && o.is_number()) return CompareNumbers(*this, o) == 0;
  if (type() != o.type()) return false;
  switch (type()) {
    case ValueType::kNull: return true;
    case ValueType::kBool: return as_bool() == o.as_bool();
    case ValueType::kString: return as_string() == o.as_string();
    case ValueType::kBytes: return as_bytes() == o.as_bytes();
    case ValueType::kArray: {
      const Array &x = as_array(), &y = o.as_array();
      if (x.size() != y.size()) return false;
      for (size_t i = 0; i < x.size(); ++i)
        if (!x[i].Equals(y[i])) return false;
      return true;
    }
    case ValueType::kObject: {
      const Object &x = as_object(), &y = o.as_object();
      if (x.size() != y.size()) return false;
      for (const auto& [k, v] : x) {
        const Value* w = y.Find(k);
        if (w == nullptr || !v.Equals(*w)) return false;
      }
      return true;
    }
    default: return false;  // numbers handled above
  }
}

namespace {

void AppendDebug(std::string& out, const Value& v) {
  switch (v.type()) {
    case ValueType::kNull: out += "null"; break;
    case ValueType::kBool: out += v.as_bool() ? "true" : "false"; break;
    case ValueType::kInt: out += std::to_string(v.as_int()); break;
    case ValueType::kDouble: AppendDoubleText(out, v); break;
    case ValueType::kDecimal: v.as_decimal().AppendTo(out); break;
    case ValueType::kString: AppendJsonQuoted(out, v.as_string()); break;
    case ValueType::kBytes:
      out += "b64\"";
      AppendBase64(v.as_bytes().data, &out);
      out += '"';
      break;
    case ValueType::kArray: {
      out += '[';
      bool first = true;
      for (const auto& e : v.as_array()) {
        if (!first) out += ',';
        first = false;
        AppendDebug(out, e);
      }
      out += ']';
      break;
    }
    case ValueType::kObject: {
      out += '{';
      bool first = true;
      for (const auto& [k, e] : v.as_object()) {
        if (!first) out += ',';
        first = false;
        AppendJsonQuoted(out, k);
        out += ':';
        AppendDebug(out, e);
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string Value::DebugString() const {
  std::string out;
  AppendDebug(out, *this);
  return out;
}

}  // namespace topo
