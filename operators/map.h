#pragma once
// map(input, value=, key=, onError=): replaces the record's value and/or key
// (at least one) with the results of expressions; both expressions see the
// input record, so `value=` reads the old key even when `key=` replaces it.
// Headers, timestamp and the rest pass through. A failed expression is an
// error of that record at this node: its policy applies, and nothing is
// emitted for it. The operator is shared with rekey (single_input.h).

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileMap(runtime::CompileContext& ctx);

}  // namespace topo::operators
