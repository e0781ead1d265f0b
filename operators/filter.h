#pragma once
// filter(input, where, onError=): emits the records whose `where` expression is
// true and drops the others; null (a missing field, say) counts as false. A
// `where` whose type is known and is neither bool nor null is a compile error.
// At run time a failed expression (runtime error, a result that is not bool) is
// an error of that record at this node: its policy applies.

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileFilter(runtime::CompileContext& ctx);

}  // namespace topo::operators
