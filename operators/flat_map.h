#pragma once
// flatMap(input, items, value=, key=, onError=): emits one record per element
// of the array `items` yields, the element bound as `item`; the value defaults
// to the item and the key to the input's key, and each output keeps the input's
// timestamp, headers and position. A null `items` emits nothing. Items that are
// not an array, or a failed expression for any element, is an error of the
// whole input record at this node, raised before anything was emitted, so its
// policy applies once.

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileFlatMap(runtime::CompileContext& ctx);

}  // namespace topo::operators
