#include "engine/value/text.h"

#include <charconv>
#include <cmath>

namespace topo {

char* FormatDouble(double d, char* out) {
  if (std::isnan(d)) {
    std::memcpy(out, "NaN", 3);
    return out + 3;
  }
  if (std::isinf(d)) {
    if (d > 0) {
      std::memcpy(out, "Infinity", 8);
      return out + 8;
    }
    std::memcpy(out, "-Infinity", 9);
    return out + 9;
  }
  return std::to_chars(out, out + kMaxDoubleText, d).ptr;
}

void AppendDouble(std::string& out, double d) {
  char buf[kMaxDoubleText];
  out.append(buf, FormatDouble(d, buf));
}

void AppendJsonQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  char buf[6];
  for (char c : s) out.append(buf, EscapeJsonByte(static_cast<unsigned char>(c), buf));
  out.push_back('"');
}

}  // namespace topo
