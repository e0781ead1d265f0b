#pragma once
// Diagnostic: one problem found in a topology file, located as precisely as we
// can: the file, the line (of the node's definition where the problem is a
// node's), the node id, and for expressions the rendered column caret.

#include <string>
#include <vector>

namespace topo::plan {

struct Diagnostic {
  std::string file;
  int line = 0;         // 1-based; 0 when unknown
  std::string node;     // node id, or empty for topology-level problems
  std::string message;  // first line is the summary; may continue with source + caret lines

  // "topologies/escrow.jsonnet:14: node 'paid': message".
  std::string ToString() const;
};

using Diagnostics = std::vector<Diagnostic>;

}  // namespace topo::plan
