#pragma once
// What the single-input operators (filter, map, flat_map, branch, rekey) share,
// so it is written once: the stream type of their input, and the operator that
// replaces a record's key and/or value from expressions over the input record,
// which map is (value= and/or key=) and rekey is (key= only). Not registered
// itself; builtin.cc registers map and rekey.

#include <memory>
#include <string>

#include "engine/runtime/operator.h"

namespace topo::operators {

// The type of the node's first input; unknown (Any) key and value when it has none.
runtime::StreamType FirstInput(const runtime::CompileContext& ctx);

// Compiles a node that replaces the key with `key_src` and/or the value with
// `value_src` (an empty source keeps that part). Both expressions see the input
// record. Returns nullptr after reporting errors through ctx.
std::shared_ptr<const runtime::OperatorSpec> CompileKeyValue(runtime::CompileContext& ctx,
                                                             const std::string& key_src,
                                                             const std::string& value_src);

}  // namespace topo::operators
