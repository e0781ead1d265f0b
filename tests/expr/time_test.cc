#include "engine/expr/time.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace topo::expr {
namespace {

int64_t T(std::string_view s) {
  auto r = ParseTime(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? *r : INT64_MIN;
}

std::string Bad(std::string_view s) {
  auto r = ParseTime(s);
  EXPECT_FALSE(r.ok()) << s << " parsed as " << (r.ok() ? *r : 0);
  return r.ok() ? "" : r.status().message();
}

TEST(TimeTest, ParsesIsoForms) {
  // Expected values cross-checked with Python's datetime.
  EXPECT_EQ(T("2025-01-15T10:30:00.000Z"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T10:30:00Z"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T10:30:00z"), 1736937000000);
  EXPECT_EQ(T("2025-01-15t10:30:00Z"), 1736937000000);
  EXPECT_EQ(T("2025-01-15 10:30:00Z"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T10:30Z"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T10:30:00"), 1736937000000);  // no zone: UTC
  EXPECT_EQ(T("2025-01-15T12:30:00+02:00"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T12:30:00+0200"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T12:30:00+02"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T16:00:00+05:30"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T02:30:00-08:00"), 1736937000000);
  EXPECT_EQ(T("2025-01-15T00:30:00-10:00"), 1736937000000);
  EXPECT_EQ(T("2025-01-14T23:30:00-11:00"), 1736937000000);  // offset crosses the date
  EXPECT_EQ(T("2025-01-15"), 1736899200000);
  EXPECT_EQ(T("2025-01-15T10:30:00.5Z"), 1736937000500);
  EXPECT_EQ(T("2025-01-15T10:30:00.12Z"), 1736937000120);
  EXPECT_EQ(T("2025-01-15T10:30:00.123456789Z"), 1736937000123);  // truncated to ms
  EXPECT_EQ(T("2025-01-15T10:30:00,250Z"), 1736937000250);
  EXPECT_EQ(T("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(T("1969-12-31T23:59:59.999Z"), -1);
  EXPECT_EQ(T("1900-03-01"), -2203891200000);
  EXPECT_EQ(T("0001-01-01"), -62135596800000);
  EXPECT_EQ(T("9999-12-31T23:59:59.999Z"), 253402300799999);
}

TEST(TimeTest, LeapYears) {
  EXPECT_EQ(T("2024-02-29T23:59:59Z"), 1709251199000);
  EXPECT_EQ(T("2000-02-29"), 951782400000);
  EXPECT_EQ(T("2024-03-01") - T("2024-02-28"), 2 * 86400000LL);
  EXPECT_EQ(T("2023-03-01") - T("2023-02-28"), 86400000LL);
  EXPECT_EQ(Bad("2023-02-29"), "not an ISO-8601 time (day out of range): '2023-02-29'");
  EXPECT_EQ(Bad("1900-02-29"), "not an ISO-8601 time (day out of range): '1900-02-29'");  // century, not leap
  EXPECT_TRUE(IsLeapYear(2000));
  EXPECT_TRUE(IsLeapYear(2024));
  EXPECT_FALSE(IsLeapYear(1900));
  EXPECT_FALSE(IsLeapYear(2023));
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2100, 2), 28);
}

TEST(TimeTest, RejectsMalformed) {
  EXPECT_EQ(Bad(""), "not an ISO-8601 time (expected YYYY-MM-DD): ''");
  EXPECT_EQ(Bad("2025-1-15"), "not an ISO-8601 time (expected YYYY-MM-DD): '2025-1-15'");
  EXPECT_EQ(Bad("2025-13-01"), "not an ISO-8601 time (month out of range): '2025-13-01'");
  EXPECT_EQ(Bad("2025-04-31"), "not an ISO-8601 time (day out of range): '2025-04-31'");
  EXPECT_EQ(Bad("2025-01-15T24:00:00Z"),
            "not an ISO-8601 time (time of day out of range): '2025-01-15T24:00:00Z'");
  EXPECT_EQ(Bad("2025-01-15T10:60Z"), "not an ISO-8601 time (time of day out of range): '2025-01-15T10:60Z'");
  EXPECT_EQ(Bad("2025-01-15T10"), "not an ISO-8601 time (expected HH:MM): '2025-01-15T10'");
  EXPECT_EQ(Bad("2025-01-15X10:30"),
            "not an ISO-8601 time (expected 'T' after the date): '2025-01-15X10:30'");
  EXPECT_EQ(Bad("2025-01-15T10:30:00.Z"),
            "not an ISO-8601 time (expected fraction digits): '2025-01-15T10:30:00.Z'");
  EXPECT_EQ(Bad("2025-01-15T10:30:00ZZ"),
            "not an ISO-8601 time (unexpected text after 'Z'): '2025-01-15T10:30:00ZZ'");
  EXPECT_EQ(Bad("2025-01-15T10:30:00+2:00"),
            "not an ISO-8601 time (expected offset hours): '2025-01-15T10:30:00+2:00'");
  EXPECT_EQ(Bad("2025-01-15T10:30:00+19:00"),
            "not an ISO-8601 time (offset out of range): '2025-01-15T10:30:00+19:00'");
  EXPECT_EQ(Bad("2025-01-15T10:30:00 UTC"),
            "not an ISO-8601 time (expected 'Z' or a +HH:MM offset): '2025-01-15T10:30:00 UTC'");
  EXPECT_EQ(Bad("1736937000000"), "not an ISO-8601 time (expected YYYY-MM-DD): '1736937000000'");
}

TEST(TimeTest, FormatsUtcMilliseconds) {
  EXPECT_EQ(FormatTime(1736937000000), "2025-01-15T10:30:00.000Z");
  EXPECT_EQ(FormatTime(1736937000123), "2025-01-15T10:30:00.123Z");
  EXPECT_EQ(FormatTime(0), "1970-01-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(1709251199000), "2024-02-29T23:59:59.000Z");
  EXPECT_EQ(FormatTime(253402300799999), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatTime(-62135596800000), "0001-01-01T00:00:00.000Z");
}

TEST(TimeTest, RoundTripsEveryDayAcrossCenturies) {
  // Civil <-> days agree for every day from 1600 to 2400 (covers 400-year cycles,
  // century non-leap years and negative day counts).
  int64_t expected_days = DaysFromCivil(1600, 1, 1);
  for (int64_t y = 1600; y < 2400; ++y) {
    for (int m = 1; m <= 12; ++m) {
      for (int d = 1; d <= DaysInMonth(y, m); ++d) {
        ASSERT_EQ(DaysFromCivil(y, m, d), expected_days) << y << "-" << m << "-" << d;
        int64_t yy;
        int mm, dd;
        CivilFromDays(expected_days, &yy, &mm, &dd);
        ASSERT_EQ(yy, y);
        ASSERT_EQ(mm, m);
        ASSERT_EQ(dd, d);
        ++expected_days;
      }
    }
  }
  // Parse(Format(ms)) == ms over a spread of instants, including negative ones.
  for (int64_t ms = -5'000'000'000'000; ms < 5'000'000'000'000; ms += 7'777'777'777) {
    ASSERT_EQ(T(FormatTime(ms)), ms) << FormatTime(ms);
  }
}

TEST(TimeTest, TruncateBeforeTheEarliestInt64TimeIsAnError) {
  const int64_t min = std::numeric_limits<int64_t>::min();
  for (const char* unit : {"second", "minute", "hour", "day", "month", "year"}) {
    auto r = TruncateTime(min, unit);
    ASSERT_FALSE(r.ok()) << unit << " gave " << *r;
    EXPECT_NE(r.status().message().find("before the earliest time"), std::string::npos)
        << r.status().message();
  }
  // The latest times still truncate (their unit starts earlier, in range).
  const int64_t max = std::numeric_limits<int64_t>::max();
  for (const char* unit : {"second", "minute", "hour", "day", "month", "year"}) {
    auto r = TruncateTime(max, unit);
    ASSERT_TRUE(r.ok()) << unit << ": " << r.status().message();
    EXPECT_LE(*r, max);
    EXPECT_GT(*r, max - 367LL * 86400000);
  }
}

TEST(TimeTest, Truncate) {
  const int64_t t = T("2024-02-29T13:45:56.789Z");
  EXPECT_EQ(FormatTime(*TruncateTime(t, "second")), "2024-02-29T13:45:56.000Z");
  EXPECT_EQ(FormatTime(*TruncateTime(t, "minute")), "2024-02-29T13:45:00.000Z");
  EXPECT_EQ(FormatTime(*TruncateTime(t, "hour")), "2024-02-29T13:00:00.000Z");
  EXPECT_EQ(FormatTime(*TruncateTime(t, "day")), "2024-02-29T00:00:00.000Z");
  EXPECT_EQ(FormatTime(*TruncateTime(t, "month")), "2024-02-01T00:00:00.000Z");
  EXPECT_EQ(FormatTime(*TruncateTime(t, "year")), "2024-01-01T00:00:00.000Z");
  // Before the epoch, truncation floors (toward the past), never toward zero.
  EXPECT_EQ(FormatTime(*TruncateTime(-1, "day")), "1969-12-31T00:00:00.000Z");
  EXPECT_EQ(*TruncateTime(-1, "second"), -1000);
  EXPECT_FALSE(TruncateTime(t, "fortnight").ok());
}

TEST(TimeTest, Durations) {
  EXPECT_EQ(*ParseDuration("250ms"), 250);
  EXPECT_EQ(*ParseDuration("1s"), 1000);
  EXPECT_EQ(*ParseDuration("5m"), 300000);
  EXPECT_EQ(*ParseDuration("2h"), 7200000);
  EXPECT_EQ(*ParseDuration("1d"), 86400000);
  EXPECT_EQ(*ParseDuration("1w"), 7 * 86400000LL);
  EXPECT_EQ(*ParseDuration("1h30m"), 5400000);
  EXPECT_EQ(*ParseDuration("1m500ms"), 60500);
  EXPECT_EQ(*ParseDuration("0s"), 0);
  for (const char* bad :
       {"", "5", "m", "1x", "1 s", "-1s", "1.5s", "99999999999999999999d", "1s ", "200000000000d"})
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
}

}  // namespace
}  // namespace topo::expr
