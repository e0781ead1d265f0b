#include "engine/value/text.h"

#include <algorithm>
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
  char* end = std::to_chars(out, out + kMaxDoubleText, d).ptr;
  // The plain form of a large integral double holds all its binary digits
  // (7.2925738764445e16 as 72925738764444992), more than the shortest that
  // read back as it: then the scientific form, whose digits are the shortest.
  if (end - out > 16 && std::find_if(out, end, [](char c) { return c == '.' || c == 'e'; }) == end) {
    char sci[kMaxDoubleText];
    char* sci_end = std::to_chars(sci, sci + sizeof sci, d, std::chars_format::scientific).ptr;
    const long sci_digits =
        std::count_if(sci, std::find(sci, sci_end, 'e'), [](char c) { return c >= '0' && c <= '9'; });
    char* last = end;
    while (last > out && last[-1] == '0') --last;
    const long plain_digits = std::count_if(out, last, [](char c) { return c >= '0' && c <= '9'; });
    if (sci_digits < plain_digits) {
      std::memcpy(out, sci, static_cast<size_t>(sci_end - sci));
      return out + (sci_end - sci);
    }
  }
  return end;
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
