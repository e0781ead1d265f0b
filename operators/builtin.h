#pragma once
// The built-in operators. Each lives in its own file pair
// (operators/<name>.{h,cc}) and exposes one factory; this registers them all
// with the engine's operator Registry under their plan type names.

namespace topo::operators {

// Idempotent; call once before compiling topologies.
void RegisterBuiltinOperators();

}  // namespace topo::operators
