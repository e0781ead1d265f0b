#pragma once
// The evaluator: a tree of Node objects built once from the checked syntax tree.
//
// Contract of Node::EvalRef(ctx, scratch): returns a reference to the result.
// Nodes whose result already exists (variables, fields of a variable, constants)
// return a reference into the input or into themselves and never touch
// `scratch`; nodes that compute write the result into `scratch` and return it.
// The returned reference is valid until `scratch` or the inputs change. A node
// that computes evaluates its children into its own local scratch values, never
// into `scratch`, so a child's result cannot alias the value being written.
//
// EvalBool evaluates with predicate semantics: true only for boolean true, null
// is false, any other type is an error. Comparisons and logic implement it
// directly, so a predicate materialises no Value at all.
//
// Errors: the first failure is recorded in the EvalCtx (column and message) and
// the failing node returns null; evaluation continues harmlessly and the caller
// reports the recorded error.
//
// Thread-safety: nodes are immutable after building; an EvalCtx is per call.

#include <memory>
#include <string>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/expr.h"
#include "engine/value/value.h"

namespace topo::expr {

struct EvalCtx {
  const Value* const* slots = nullptr;
  bool failed = false;
  int column = 0;  // 1-based, of the first failure
  std::string message;

  void Fail(int col, std::string msg) {
    if (failed) return;
    failed = true;
    column = col;
    message = std::move(msg);
  }
  // "column 14: division by zero".
  Status ToStatus() const;
};

const Value& NullValue();

class Node {
 public:
  explicit Node(int offset) : offset_(offset) {}
  virtual ~Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  virtual const Value& EvalRef(EvalCtx& ctx, Value& scratch) const = 0;
  virtual bool EvalBool(EvalCtx& ctx) const;
  // Whether EvalBool is the natural entry point (the result is always a bool).
  virtual bool bool_native() const { return false; }
  // The value when this node is a constant, else nullptr.
  virtual const Value* constant() const { return nullptr; }

  int column() const { return offset_ + 1; }

 protected:
  void Fail(EvalCtx& ctx, std::string msg) const { ctx.Fail(offset_ + 1, std::move(msg)); }

 private:
  int offset_;
};

using NodePtr = std::unique_ptr<Node>;

// Builds the evaluator for a checked tree. Constant subtrees are evaluated here
// and replaced by their value; one that fails (decimal('abc'), 1 / 0) is a
// compile error appended to `errors` (then the result is nullptr).
NodePtr BuildEvaluator(const Ast& root, std::vector<CompileError>* errors);

}  // namespace topo::expr
