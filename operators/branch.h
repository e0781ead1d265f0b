#pragma once
// branch(input, cases={name: predicate}, default=, onError=): emits each record
// to the output port of every case whose predicate holds (`b.<name>`, a copy
// per extra match); records matching none go to port "default" (`b.default`),
// or with default=false are dropped and counted as dropped. A case may not be
// named "default". Ports are ordered by case name, then "default". A failed
// predicate is an error of that record at this node, before anything was
// emitted for it: its policy applies.

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileBranch(runtime::CompileContext& ctx);

}  // namespace topo::operators
