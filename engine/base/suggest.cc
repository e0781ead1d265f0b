#include "engine/base/suggest.h"

#include <algorithm>
#include <cctype>

namespace topo {

namespace {

// Damerau-style edit distance (adjacent transpositions count once): "amout" is
// one edit from "amount", "lwoer" one from "lower".
int EditDistance(std::string_view a, std::string_view b) {
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<int>> d(n + 1, std::vector<int>(m + 1));
  for (size_t i = 0; i <= n; ++i) d[i][0] = static_cast<int>(i);
  for (size_t j = 0; j <= m; ++j) d[0][j] = static_cast<int>(j);
  for (size_t i = 1; i <= n; ++i) {
    for (size_t j = 1; j <= m; ++j) {
      int cost = std::tolower(static_cast<unsigned char>(a[i - 1])) ==
                         std::tolower(static_cast<unsigned char>(b[j - 1]))
                     ? 0
                     : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  }
  return d[n][m];
}

}  // namespace

std::string Suggest(std::string_view name, const std::vector<std::string>& candidates) {
  if (name.size() > 64) return "";
  const int limit = std::max<int>(1, static_cast<int>(name.size()) / 3);
  int best = limit + 1;
  std::string out;
  for (const auto& c : candidates) {
    if (c.size() > 64) continue;
    int dist = EditDistance(name, c);
    if (dist < best) {
      best = dist;
      out = c;
    }
  }
  return out;
}

std::string DidYouMean(std::string_view name, const std::vector<std::string>& candidates) {
  std::string s = Suggest(name, candidates);
  return s.empty() ? "" : " (did you mean '" + s + "'?)";
}

}  // namespace topo
