#pragma once
// Type: what the expression type checker knows about a value at compile time.
//
// kAny means "unknown" (no schema): anything goes and is checked at run time.
// Object types list known fields; `open` objects may have other fields too (a
// JSON topic with a partial schema), closed ones may not (a protobuf message).

#include <map>
#include <memory>
#include <string>

#include "engine/value/value.h"

namespace topo::expr {

struct Type {
  enum class Kind { kAny, kNull, kBool, kInt, kDouble, kDecimal, kString, kBytes, kArray, kObject };
  Kind kind = Kind::kAny;
  std::shared_ptr<const Type> element;                        // kArray: element type (null = any)
  std::shared_ptr<const std::map<std::string, Type>> fields;  // kObject: known fields (null = none known)
  bool open = true;                                           // kObject: may have unknown fields
  // kObject: the schema's name for messages ("checkout.PaymentEvent"); may be empty.
  std::string name;

  static Type Any() { return Type{}; }
  static Type Of(Kind k) {
    Type t;
    t.kind = k;
    return t;
  }
  static Type ObjectOf(std::map<std::string, Type> fields, bool open);
  static Type ArrayOf(Type element);

  bool is_any() const { return kind == Kind::kAny; }
  bool is_numeric() const { return kind == Kind::kInt || kind == Kind::kDouble || kind == Kind::kDecimal; }
  // "any", "int", "object{deal_id: string, ...}", "array<string>"; a named
  // object prints its name ("checkout.PaymentEvent").
  std::string ToString() const;
};

}  // namespace topo::expr
