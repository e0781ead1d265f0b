#include "engine/plan/nesting.h"

#include <cctype>
#include <cstring>
#include <vector>

namespace topo::plan {

namespace {

bool IsIdentStart(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// One open bracket (or the file itself): what nests inside it so far.
struct Frame {
  int keywords = 0;   // `local`, `if`, `else`, ... since the element began: their bodies nest
  int operators = 0;  // operator characters since the element (or binding value) began
};

}  // namespace

NestingReport MeasureNesting(std::string_view text, int limit) {
  NestingReport report;
  std::vector<Frame> frames(1);
  int total = 1;  // sum over frames of 1 + keywords + operators: the current depth
  int line = 1;
  const size_t n = text.size();
  auto bump = [&](int* counter) {
    ++*counter;
    ++total;
  };
  auto reset = [&](int* counter) {
    total -= *counter;
    *counter = 0;
  };
  // Advances over text[i..end), counting newlines.
  auto skip_to = [&](size_t i, size_t end) {
    for (; i < end && i < n; ++i)
      if (text[i] == '\n') ++line;
    return end < n ? end : n;
  };
  size_t i = 0;
  while (i < n) {
    if (total > report.depth) {
      report.depth = total;
      if (total > limit) {
        report.line = line;
        return report;
      }
    }
    const char c = text[i];
    if (c == '\n') {
      ++line;
      ++i;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#' || (c == '/' && i + 1 < n && text[i + 1] == '/')) {
      size_t eol = text.find('\n', i);
      i = eol == std::string_view::npos ? n : eol;
    } else if (c == '/' && i + 1 < n && text[i + 1] == '*') {
      size_t end = text.find("*/", i + 2);
      i = skip_to(i, end == std::string_view::npos ? n : end + 2);
    } else if (c == '|' && text.substr(i, 3) == "|||") {
      // A text block ends at the next `|||` (on its own line, which we need not check).
      size_t end = text.find("|||", i + 3);
      i = skip_to(i, end == std::string_view::npos ? n : end + 3);
    } else if (c == '\'' || c == '"' ||
               (c == '@' && i + 1 < n && (text[i + 1] == '\'' || text[i + 1] == '"'))) {
      const bool verbatim = c == '@';
      const char quote = verbatim ? text[i + 1] : c;
      size_t j = i + (verbatim ? 2 : 1);
      while (j < n) {
        if (!verbatim && text[j] == '\\') {
          j += 2;
        } else if (text[j] == quote) {
          if (verbatim && j + 1 < n && text[j + 1] == quote) {
            j += 2;  // a doubled quote in a verbatim string
          } else {
            ++j;
            break;
          }
        } else {
          ++j;
        }
      }
      i = skip_to(i, j);
    } else if (IsIdentStart(c)) {
      size_t j = i;
      while (j < n && IsIdentChar(text[j])) ++j;
      std::string_view word = text.substr(i, j - i);
      Frame& f = frames.back();
      if (word == "then") {
        reset(&f.operators);  // the condition does not nest into the branches
      } else if (word == "else") {
        reset(&f.operators);
        bump(&f.keywords);  // `else if ...` chains nest
      } else if (word == "local" || word == "if" || word == "function" || word == "assert" ||
                 word == "error" || word == "import" || word == "importstr" || word == "importbin") {
        bump(&f.keywords);
      }
      i = j;
    } else if (std::isdigit(static_cast<unsigned char>(c))) {
      size_t j = i + 1;
      while (j < n && (std::isalnum(static_cast<unsigned char>(text[j])) || text[j] == '.' ||
                       ((text[j] == '+' || text[j] == '-') && (text[j - 1] == 'e' || text[j - 1] == 'E'))))
        ++j;
      i = j;
    } else if (c == '(' || c == '[' || c == '{') {
      frames.emplace_back();
      ++total;
      ++i;
    } else if (c == ')' || c == ']' || c == '}') {
      if (frames.size() > 1) {
        total -= 1 + frames.back().keywords + frames.back().operators;
        frames.pop_back();
      }
      ++i;
    } else if (c == ',') {
      reset(&frames.back().keywords);
      reset(&frames.back().operators);
      ++i;
    } else if (c == ';') {
      reset(&frames.back().operators);  // a binding's (or assert's) value ends; the body nests
      ++i;
    } else if (std::strchr("!~+-&|^=<>*/%.", c) != nullptr) {
      bump(&frames.back().operators);
      ++i;
    } else {
      ++i;  // `:`, `$` and anything else do not nest
    }
  }
  if (total > report.depth) report.depth = total;
  if (report.depth > limit) report.line = line;
  return report;
}

}  // namespace topo::plan
