#pragma once
// The expression language (DESIGN.md §5): per-record logic compiled once at
// load time into a tree of evaluator nodes, then evaluated per record with no
// re-parsing and, for predicates over parsed values, no allocation.
//
//   value.to_status == 'FUNDED' && value.amount > decimal('0')
//   {deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: value.amount}
//
// Variables are declared by the caller (an operator) as a Scope: an ordered list
// of names, each with an optional Type from a schema. At evaluation the caller
// passes one `const Value*` per scope slot, in the same order. Only the slots an
// expression uses (UsesSlot) need real values; others may be nullptr.
//
// Errors: Compile returns a CompileError carrying a 1-based column into the
// source (syntax errors, unknown variables or functions, type errors where a
// schema is known). Eval returns an InvalidArgument status for a record-level
// failure (division by zero, a bad decimal string): an error of that record,
// never a crash.
//
// Thread-safety: a CompiledExpr is immutable after Compile and may be evaluated
// from many threads at once.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"
#include "engine/expr/type.h"
#include "engine/value/projection.h"
#include "engine/value/value.h"

namespace topo::expr {

struct Variable {
  std::string name;
  Type type;  // Type::Any() when no schema is known
};

// The variables an expression may reference, in slot order.
struct Scope {
  std::vector<Variable> vars;
  // Slot index of `name`, or -1.
  int Find(std::string_view name) const;
};

struct CompileError {
  int column = 0;  // 1-based column in the expression source; 0 when not tied to a column
  std::string message;
  // "column 12: unknown function 'lowr' (did you mean 'lower'?)" followed by the
  // source line and a caret under the column.
  std::string Render(std::string_view source) const;
};

class Node;  // evaluator node, private to the implementation

class CompiledExpr {
 public:
  // Parses, type-checks against `scope` and compiles `source`.
  // On failure, returns every error found (at least one), in column order:
  // appended to `*errors` (which may be nullptr); the status names the first.
  static Result<CompiledExpr> Compile(std::string_view source, const Scope& scope,
                                      std::vector<CompileError>* errors);

  // Evaluates with slot values `slots[i]` for scope.vars[i].
  Result<Value> Eval(const Value* const* slots) const;
  // Evaluates a predicate: true only for boolean true; null is false; any other
  // type is an InvalidArgument status ("filter must be bool, got string").
  Result<bool> EvalBool(const Value* const* slots) const;

  // The static result type (Type::Any() when unknown).
  const Type& result_type() const;
  bool UsesSlot(int slot) const;
  // Which parts of slot `slot` the expression reads: field paths reached by
  // plain field access (`value.payload.amount`), or whole when the variable or
  // a field is used any other way (passed to a function, indexed, `in`, ...).
  // Lets a source decode only what a sub-topology reads (projection pushdown).
  const Projection& SlotProjection(int slot) const;
  const std::string& source() const;

  CompiledExpr(CompiledExpr&&) noexcept;
  CompiledExpr& operator=(CompiledExpr&&) noexcept;
  ~CompiledExpr();

 private:
  CompiledExpr();
  struct Impl;
  std::shared_ptr<const Impl> impl_;
};

// The standard library, for docs and "did you mean": names of all functions.
std::vector<std::string> FunctionNames();

}  // namespace topo::expr
