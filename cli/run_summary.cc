#include "cli/run_summary.h"

#include <cmath>
#include <cstdio>

namespace topo::cli {

std::string Duration(double s) {
  char buf[48];
  if (s < 59.995) {
    std::snprintf(buf, sizeof buf, "%.2f s", s);
  } else if (s < 3599.5) {
    const long t = std::lround(s);
    std::snprintf(buf, sizeof buf, "%ld min %ld s", t / 60, t % 60);
  } else {
    const long m = std::lround(s / 60);
    std::snprintf(buf, sizeof buf, "%ld h %ld min", m / 60, m % 60);
  }
  return buf;
}

std::string ProcessedLine(uint64_t records, double wall_s, double span_s) {
  std::string line =
      "processed " + std::to_string(records) + " record(s) in " + Duration(wall_s) + " of running";
  if (span_s >= 0.2) {
    const double rate = records / span_s;
    char buf[32];
    std::snprintf(buf, sizeof buf, rate < 100 ? "%.1f" : "%.0f", rate);
    line += "; " + Duration(span_s) + " from the first record to the last (" + buf + " records/s)";
  }
  return line;
}

}  // namespace topo::cli
