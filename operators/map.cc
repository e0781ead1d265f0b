#include "operators/map.h"

#include "operators/single_input.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileMap(runtime::CompileContext& ctx) {
  return CompileKeyValue(ctx, ctx.node().map().key(), ctx.node().map().value());
}

}  // namespace topo::operators
