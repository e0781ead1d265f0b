#include "engine/plan/diagnostic.h"

namespace topo::plan {

std::string Diagnostic::ToString() const {
  std::string out = file;
  if (line > 0) out += ":" + std::to_string(line);
  out += ": ";
  if (!node.empty()) out += "node '" + node + "': ";
  out += message;
  return out;
}

}  // namespace topo::plan
