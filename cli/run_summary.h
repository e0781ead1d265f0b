#pragma once
// The closing line of `topo run`, which says what its time is: the wall time
// of the run, and the span from the first record to the last (a run that
// waited for minutes and worked for seconds shows both), e.g.
//   processed 6 record(s) in 3 min 12 s of running; 2.91 s from the first record to the last (2.1 records/s)
//
// Thread-safety: pure functions.

#include <cstdint>
#include <string>

namespace topo::cli {

// "2.91 s" below a minute, "3 min 12 s" below an hour, else "2 h 5 min".
std::string Duration(double seconds);

// The line (no newline). The span part is left out below 0.2 s: topo run
// samples its counters every 50 ms, so a rate over less would be noise.
std::string ProcessedLine(uint64_t records, double wall_s, double span_s);

}  // namespace topo::cli
