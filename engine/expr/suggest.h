#pragma once
// "Did you mean" for unknown names: the closest candidate by edit distance.
//
// Thread-safety: a function of its inputs.

#include <string>
#include <string_view>
#include <vector>

namespace topo::expr {

// The candidate closest to `name` when it is close enough to be a plausible
// typo (edit distance at most max(1, len/3), case-insensitive ties win), else "".
std::string Suggest(std::string_view name, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" or "" — ready to append to a message.
std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace topo::expr
