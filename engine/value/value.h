#pragma once
// Value: the dynamic value every record key, record value and expression result is.
//
//   null | bool | int (int64) | double | decimal | string | bytes | array | object
//
// Arrays and objects are held by shared pointer and are copy-on-write: copying a
// Value is cheap (a refcount), and Mutable*() clones only when shared. Objects keep
// their fields in insertion order (encoders preserve it) and look fields up
// linearly, which beats hashing for the small objects events are made of.
//
// Equality (Equals) is by value: numbers compare numerically across int, double
// and decimal (a double compares through its exact decimal, below, so 16.49 ==
// decimal('16.49')); objects compare ignoring field order.
//
// Exact doubles. A double decoded from number text that it cannot give back
// (JSON `12345678901234567890.55`, `1.00000000000000001`: more digits than a
// double holds) also keeps the exact decimal value of that text: arithmetic
// uses the double, while decimal(), equality, string() and the encoders use the
// exact value, so a number that passes through topo keeps every digit. A double
// made any other way (arithmetic, a literal) has no kept value; its exact
// decimal is its shortest round-trip form (16.49, not 16.4899999...).
//
// Thread-safety: a Value may be read from several threads; a shared array or
// object must not be mutated (Mutable* clones when shared, so that holds).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "engine/base/status.h"
#include "engine/value/decimal.h"

namespace topo {

enum class ValueType : uint8_t { kNull, kBool, kInt, kDouble, kDecimal, kString, kBytes, kArray, kObject };

// "null", "bool", "int", "double", "decimal", "string", "bytes", "array", "object".
const char* ValueTypeName(ValueType t);

class Value;

// The double alternative's storage: the double, and the exact decimal of the
// text it was decoded from when the double cannot give it back (see above).
// 32 bytes, like the string and Decimal alternatives, so Value stays 48.
struct DoubleRep {
  Decimal::Int exact_coef = 0;
  double value = 0;
  int32_t exact_scale = -1;  // -1: no exact value kept
};

using Array = std::vector<Value>;
class Object;

// Raw bytes, distinct from text so codecs and functions can tell them apart.
struct Bytes {
  std::string data;
  bool operator==(const Bytes& o) const { return data == o.data; }
};

class Value {
 public:
  Value() = default;
  Value(std::nullptr_t) {}                                               // NOLINT
  Value(bool b) : v_(b) {}                                               // NOLINT
  Value(int v) : v_(int64_t{v}) {}                                       // NOLINT
  Value(int64_t v) : v_(v) {}                                            // NOLINT
  Value(double v) : v_(DoubleRep{0, v, -1}) {}                           // NOLINT
  Value(Decimal v) : v_(v) {}                                            // NOLINT
  Value(std::string s) : v_(std::move(s)) {}                             // NOLINT
  Value(std::string_view s) : v_(std::in_place_type<std::string>, s) {}  // NOLINT
  Value(const char* s) : v_(std::string(s)) {}                           // NOLINT
  Value(Bytes b) : v_(std::move(b)) {}                                   // NOLINT
  Value(Array a);                                                        // NOLINT
  Value(Object o);                                                       // NOLINT
  Value(std::shared_ptr<Array> a) : v_(std::move(a)) {}                  // NOLINT
  Value(std::shared_ptr<Object> o) : v_(std::move(o)) {}                 // NOLINT
  // A double decoded from text whose exact value `exact` it cannot give back.
  static Value ExactDouble(double approx, const Decimal& exact) {
    Value v;
    v.v_ = DoubleRep{exact.coefficient(), approx, exact.scale()};
    return v;
  }

  ValueType type() const { return static_cast<ValueType>(v_.index()); }
  bool is_null() const { return v_.index() == 0; }
  bool is_bool() const { return type() == ValueType::kBool; }
  bool is_int() const { return type() == ValueType::kInt; }
  bool is_double() const { return type() == ValueType::kDouble; }
  bool is_decimal() const { return type() == ValueType::kDecimal; }
  bool is_number() const { return is_int() || is_double() || is_decimal(); }
  bool is_string() const { return type() == ValueType::kString; }
  bool is_bytes() const { return type() == ValueType::kBytes; }
  bool is_array() const { return type() == ValueType::kArray; }
  bool is_object() const { return type() == ValueType::kObject; }

  // Accessors require the matching type (checked by std::get).
  bool as_bool() const { return std::get<bool>(v_); }
  int64_t as_int() const { return std::get<int64_t>(v_); }
  double as_double() const { return std::get<DoubleRep>(v_).value; }
  // Requires is_double(). Sets *out to the exact decimal kept from decoding and
  // returns true, or returns false when none was kept.
  bool has_kept_exact() const { return is_double() && std::get<DoubleRep>(v_).exact_scale >= 0; }
  bool KeptExact(Decimal* out) const {
    const DoubleRep& d = std::get<DoubleRep>(v_);
    if (d.exact_scale < 0) return false;
    *out = Decimal(d.exact_coef, d.exact_scale);
    return true;
  }
  const Decimal& as_decimal() const { return std::get<Decimal>(v_); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  const Bytes& as_bytes() const { return std::get<Bytes>(v_); }
  const Array& as_array() const { return *std::get<std::shared_ptr<Array>>(v_); }
  const Object& as_object() const { return *std::get<std::shared_ptr<Object>>(v_); }
  // Clones the array/object first when it is shared with another Value.
  Array& MutableArray();
  Object& MutableObject();

  // Replaces this value by a T built in place from args (T: one of the
  // alternatives: bool, int64_t, DoubleRep, Decimal, std::string, Bytes,
  // std::shared_ptr<Array>, std::shared_ptr<Object>). For decoders: no
  // temporary Value, so a short string is copied once, not three times.
  template <typename T, typename... Args>
  T& Emplace(Args&&... args) {
    return v_.template emplace<T>(std::forward<Args>(args)...);
  }

  // Field of an object, or nullptr when this is not an object or has no such field.
  const Value* Get(std::string_view field) const;

  // Value equality as described above.
  bool Equals(const Value& o) const;
  bool operator==(const Value& o) const { return Equals(o); }

  // Compact JSON-like text for messages and test diffs: strings and doubles
  // as text.h writes them (so NaN is NaN), decimals unquoted, bytes as base64
  // in b64"...". Not a codec: use serde for wire formats.
  std::string DebugString() const;

 private:
  std::variant<std::monostate, bool, int64_t, DoubleRep, Decimal, std::string, Bytes, std::shared_ptr<Array>,
               std::shared_ptr<Object>>
      v_;
};

class Object {
 public:
  using Field = std::pair<std::string, Value>;
  Object() = default;
  Object(std::initializer_list<Field> fields) : fields_(fields) {}

  // nullptr when absent.
  const Value* Find(std::string_view name) const {
    for (const auto& f : fields_)
      if (f.first == name) return &f.second;
    return nullptr;
  }
  Value* FindMutable(std::string_view name) {
    for (auto& f : fields_)
      if (f.first == name) return &f.second;
    return nullptr;
  }
  // Replaces an existing field in place or appends a new one.
  void Set(std::string name, Value v);
  // Appends without checking for duplicates (decoders that know keys are unique).
  void Append(std::string name, Value v) { fields_.emplace_back(std::move(name), std::move(v)); }
  // Appends a null field named `name` and returns it, to be filled in place.
  Value& AppendSlot(std::string_view name) {
    return fields_
        .emplace_back(std::piecewise_construct, std::forward_as_tuple(name), std::forward_as_tuple())
        .second;
  }
  bool Erase(std::string_view name);
  void Reserve(size_t n) { fields_.reserve(n); }

  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }
  const std::vector<Field>& fields() const { return fields_; }
  // For changing values in place (a decoder's second pass); keep names as they are.
  std::vector<Field>& mutable_fields() { return fields_; }
  auto begin() const { return fields_.begin(); }
  auto end() const { return fields_.end(); }

 private:
  std::vector<Field> fields_;
};

// Numeric comparison across int/double/decimal: -1, 0, 1. Requires both numbers.
int CompareNumbers(const Value& a, const Value& b);

// The exact decimal value of a number: an int or decimal as it is; a double its
// kept exact value, else its shortest round-trip form. Never rounds: NaN,
// infinities, magnitudes of 1e38 and above and doubles needing more than 36
// fraction digits (1e-40) are errors, as is a value that is not a number.
Result<Decimal> ExactDecimalOf(const Value& v);

// Appends a double's text: its kept exact decimal ("12345678901234567890.55"),
// else its shortest round-trip form (text.h's AppendDouble). Requires is_double().
void AppendDoubleText(std::string& out, const Value& v);

}  // namespace topo
