#pragma once
// "Did you mean" for unknown names (variables, functions, fields, node ids,
// topics): the closest candidate by edit distance.
//
// Thread-safety: functions of their inputs.

#include <string>
#include <string_view>
#include <vector>

namespace topo {

// The candidate closest to `name` when it is close enough to be a plausible
// typo, else "". Distance is Damerau-style (an adjacent transposition counts as
// one edit), letters compare case-insensitively, and a candidate must be at
// most max(1, name.size() / 3) edits away. On a tie the earliest candidate
// wins, so callers pass candidates in a fixed order (sorted, or declaration
// order) to keep messages the same from run to run.
std::string Suggest(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace topo
