#pragma once
// Stateless operators (DESIGN §9): filter, map, flatMap, branch, merge, rekey.
//
//   filter(input, where)            emits records whose `where` is true (null is false)
//   map(input, value=, key=)        replaces value and/or key; both see the input record
//   flatMap(input, items, value=, key=)
//                                   emits one record per element of `items` (an array),
//                                   the element bound as `item`; value defaults to item
//   branch(input, cases, default=)  emits to every case whose predicate holds; records
//                                   matching none go to ".default", or are dropped
//                                   (counted) when default=false
//   merge([inputs])                 emits every input record unchanged
//   rekey(input, key)               replaces the key
//
// A failed expression (runtime error, wrong result type) is an error of that
// record at that node; the node's error policy decides what happens.

#include <memory>

#include "engine/runtime/operator.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileFilter(runtime::CompileContext& ctx);
std::shared_ptr<const runtime::OperatorSpec> CompileMap(runtime::CompileContext& ctx);
std::shared_ptr<const runtime::OperatorSpec> CompileFlatMap(runtime::CompileContext& ctx);
std::shared_ptr<const runtime::OperatorSpec> CompileBranch(runtime::CompileContext& ctx);
std::shared_ptr<const runtime::OperatorSpec> CompileMerge(runtime::CompileContext& ctx);
std::shared_ptr<const runtime::OperatorSpec> CompileRekey(runtime::CompileContext& ctx);

}  // namespace topo::operators
