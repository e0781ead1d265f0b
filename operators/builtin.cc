#include "operators/builtin.h"

#include "operators/branch.h"
#include "operators/filter.h"
#include "operators/flat_map.h"
#include "operators/map.h"
#include "operators/merge.h"
#include "operators/rekey.h"
#include "operators/sink.h"
#include "operators/source.h"

namespace topo::operators {

void RegisterBuiltinOperators() {
  auto& r = runtime::Registry::Global();
  r.Register("source", &CompileSource);
  r.Register("filter", &CompileFilter);
  r.Register("map", &CompileMap);
  r.Register("flat_map", &CompileFlatMap);
  r.Register("branch", &CompileBranch);
  r.Register("merge", &CompileMerge);
  r.Register("rekey", &CompileRekey);
  r.Register("sink", &CompileSink);
}

}  // namespace topo::operators
