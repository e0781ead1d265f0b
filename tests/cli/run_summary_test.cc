#include "cli/run_summary.h"

#include <gtest/gtest.h>

namespace topo::cli {
namespace {

TEST(RunSummary, DurationsReadAsAPersonWouldSayThem) {
  EXPECT_EQ(Duration(0), "0.00 s");
  EXPECT_EQ(Duration(2.914), "2.91 s");
  EXPECT_EQ(Duration(59.99), "59.99 s");
  EXPECT_EQ(Duration(59.996), "1 min 0 s");
  EXPECT_EQ(Duration(192.4), "3 min 12 s");
  EXPECT_EQ(Duration(3599.4), "59 min 59 s");
  EXPECT_EQ(Duration(7500), "2 h 5 min");
}

// A run of minutes that worked for seconds says both.
TEST(RunSummary, ClosingLineGivesWallTimeAndTheSpanOfRecords) {
  EXPECT_EQ(ProcessedLine(6, 192.4, 2.91),
            "processed 6 record(s) in 3 min 12 s of running; 2.91 s from the first record to the last "
            "(2.1 records/s)");
  EXPECT_EQ(ProcessedLine(1000000, 4.2, 1.0),
            "processed 1000000 record(s) in 4.20 s of running; 1.00 s from the first record to the last "
            "(1000000 records/s)");
  EXPECT_EQ(ProcessedLine(2, 0.4, 0.05), "processed 2 record(s) in 0.40 s of running");
  EXPECT_EQ(ProcessedLine(0, 12, 0), "processed 0 record(s) in 12.00 s of running");
}

}  // namespace
}  // namespace topo::cli
