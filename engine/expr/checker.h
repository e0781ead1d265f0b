#pragma once
// Checker: resolves names and propagates static types through a parsed tree.
//
// Fills Ast::type, Ast::slot (variables) and Ast::fn (calls). Every error found
// is appended (an erroneous node gets type any, so one mistake does not cascade
// into many messages). What is checked: unknown variables and functions (with
// "did you mean"), argument counts and kinds, fields of closed object types,
// and operator operands whose types are known (string vs number comparisons,
// decimal arithmetic with a double, string + non-string, non-bool logic). What
// is not known at compile time is checked at run time by the evaluator.
//
// Thread-safety: a function of its inputs.

#include <string_view>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/expr.h"

namespace topo::expr {

// `used[i]` becomes true for each scope slot the expression references.
void Check(Ast* root, std::string_view source, const Scope& scope, std::vector<CompileError>* errors,
           std::vector<bool>* used);

}  // namespace topo::expr
