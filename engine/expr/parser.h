#pragma once
// Parser: tokens to syntax tree, by precedence climbing.
//
// Precedence, lowest first: `?:` (right-assoc), `??`, `||`, `&&`, `== !=`,
// `< <= > >= in`, `+ -`, `* / %`, unary `! -`, postfix `.f [i] f(...)`.
//
// A syntax error stops the parse (later errors would mostly be echoes of the
// first); the one error is appended to `errors` with its offset and nullptr is
// returned. Semantic errors are the checker's job and are all reported.
//
// Thread-safety: a function of its input; no shared state.

#include <memory>
#include <string_view>
#include <vector>

#include "engine/expr/ast.h"
#include "engine/expr/expr.h"

namespace topo::expr {

// `errors` receive 1-based columns (offset + 1).
std::unique_ptr<Ast> Parse(std::string_view source, std::vector<CompileError>* errors);

}  // namespace topo::expr
