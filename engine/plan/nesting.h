#pragma once
// A cheap bound on how deeply a Jsonnet text nests, checked before libjsonnet
// parses it: libjsonnet's parser, desugarer and static checks recurse natively
// once per level, so a file nested some thousands of levels deep overflows the
// stack (a segfault, not an error) before Jsonnet's own `max_stack` applies.
//
// The estimate follows the shapes that make libjsonnet recurse: brackets,
// parentheses and braces; chains of operators and `.` within one element (a
// left-deep `a + b + c ...`); and keywords whose body nests (`local ...;`,
// `if/else`, `function`, `assert`, `error`, `import`). A `,` starts a new
// element and `;` ends a binding's value, so long flat arrays, objects and
// binding lists stay shallow. It over-counts slightly (every operator
// character counts), never by much on real files. Strings and comments are
// skipped with Jsonnet's lexical rules; text that is not Jsonnet (an
// `importstr`) is scanned the same way, where only thousands of unclosed
// brackets would count.
//
// Thread-safety: a function of its input.

#include <string_view>

namespace topo::plan {

// The most nesting a topology file, or any file it imports, may have.
constexpr int kMaxNestingDepth = 1000;

struct NestingReport {
  int depth = 0;  // the deepest level seen (stops counting once over the limit)
  int line = 0;   // 1-based line where the depth first exceeded the limit; 0 when it did not
};

// Measures `text`; stops at the first point deeper than `limit`.
NestingReport MeasureNesting(std::string_view text, int limit = kMaxNestingDepth);

}  // namespace topo::plan
