#include "operators/rekey.h"

#include "operators/single_input.h"

namespace topo::operators {

std::shared_ptr<const runtime::OperatorSpec> CompileRekey(runtime::CompileContext& ctx) {
  return CompileKeyValue(ctx, ctx.node().rekey().key(), "");
}

}  // namespace topo::operators
