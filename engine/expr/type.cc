#include "engine/expr/type.h"

#include <utility>

namespace topo::expr {

namespace {

// Big schemas would make messages unreadable; list this many fields per level.
constexpr size_t kMaxListedFields = 8;

const char* KindName(Type::Kind k) {
  switch (k) {
    case Type::Kind::kAny: return "any";
    case Type::Kind::kNull: return "null";
    case Type::Kind::kBool: return "bool";
    case Type::Kind::kInt: return "int";
    case Type::Kind::kDouble: return "double";
    case Type::Kind::kDecimal: return "decimal";
    case Type::Kind::kString: return "string";
    case Type::Kind::kBytes: return "bytes";
    case Type::Kind::kArray: return "array";
    case Type::Kind::kObject: return "object";
  }
  return "?";
}

void Append(std::string& out, const Type& t, int depth) {
  if (t.kind == Type::Kind::kArray) {
    out += "array";
    if (t.element && !t.element->is_any()) {
      out += '<';
      Append(out, *t.element, depth + 1);
      out += '>';
    }
    return;
  }
  if (t.kind != Type::Kind::kObject) {
    out += KindName(t.kind);
    return;
  }
  if (!t.name.empty()) {
    out += t.name;
    return;
  }
  if (!t.fields || t.fields->empty()) {
    out += t.open ? "object" : "object{}";
    return;
  }
  out += "object{";
  if (depth > 2) {  // nested schemas: the outer levels say enough
    out += "...}";
    return;
  }
  size_t n = 0;
  for (const auto& [name, ft] : *t.fields) {
    if (n == kMaxListedFields) break;
    if (n++ > 0) out += ", ";
    out += name;
    out += ": ";
    Append(out, ft, depth + 1);
  }
  if (t.open || t.fields->size() > kMaxListedFields) out += ", ...";
  out += '}';
}

}  // namespace

Type Type::ObjectOf(std::map<std::string, Type> fields, bool open) {
  Type t;
  t.kind = Kind::kObject;
  t.fields = std::make_shared<const std::map<std::string, Type>>(std::move(fields));
  t.open = open;
  return t;
}

Type Type::ArrayOf(Type element) {
  Type t;
  t.kind = Kind::kArray;
  t.element = std::make_shared<const Type>(std::move(element));
  return t;
}

std::string Type::ToString() const {
  std::string out;
  Append(out, *this, 0);
  return out;
}

}  // namespace topo::expr
