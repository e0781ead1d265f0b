#pragma once
// rekey(input, key, onError=): replaces the record's key with the result of the
// `key` expression over the input record; the value and the rest pass through.
// A sink after it partitions by the new key. A failed expression is an error of
// that record at this node: its policy applies. It is map with only key=
// (single_input.h).

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileRekey(runtime::CompileContext& ctx);

}  // namespace topo::operators
