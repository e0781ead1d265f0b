#pragma once
// merge(inputs, onError=): emits every record of its inputs (a list of two or
// more node ids) unchanged. Its output key and value types are the inputs'
// when they all agree, otherwise unknown (any). It evaluates nothing, so no
// record fails at this node; only the policies of the nodes after it apply.

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileMerge(runtime::CompileContext& ctx);

}  // namespace topo::operators
