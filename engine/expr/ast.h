#pragma once
// The syntax tree the parser builds and the checker annotates.
//
// A plain tree owned through unique_ptr; it lives only during Compile. Offsets
// are byte offsets into the source (messages print offset + 1 as the column).

#include <memory>
#include <string>
#include <vector>

#include "engine/expr/lexer.h"
#include "engine/expr/type.h"
#include "engine/value/value.h"

namespace topo::expr {

struct FunctionDef;

enum class AstKind {
  kLiteral,      // literal
  kVar,          // name
  kField,        // children[0].name
  kIndex,        // children[0][children[1]]
  kUnary,        // op children[0]      (op: kBang, kMinus)
  kBinary,       // children[0] op children[1] (arithmetic, comparison, ==, in)
  kAnd,          // children[0] && children[1]
  kOr,           // children[0] || children[1]
  kCoalesce,     // children[0] ?? children[1]
  kConditional,  // children[0] ? children[1] : children[2]
  kCall,         // name(children...)
  kArray,        // [children...]
  kObject,       // {keys[i]: children[i], ...}
};

struct Ast {
  AstKind kind = AstKind::kLiteral;
  int offset = 0;  // where messages about this node point: the operator, name or field
  int start = 0;   // first byte of the whole node (messages about it as an argument)
  Tok op = Tok::kEnd;
  std::string name;
  Value literal;
  std::vector<std::unique_ptr<Ast>> children;
  std::vector<std::string> keys;  // kObject
  std::vector<int> key_offsets;   // kObject
  int depth = 1;                  // height of this subtree

  // Filled by the checker.
  Type type;
  int slot = -1;                    // kVar
  const FunctionDef* fn = nullptr;  // kCall
};

}  // namespace topo::expr
