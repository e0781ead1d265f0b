#pragma once
// Calendar arithmetic for the time functions: UTC only, proleptic Gregorian,
// epoch milliseconds. No locale or time-zone database is consulted, so results
// are the same on every machine.
//
// Thread-safety: functions of their inputs.

#include <cstdint>
#include <string>
#include <string_view>

#include "engine/base/status.h"

namespace topo::expr {

// Days since 1970-01-01 of a civil date (month 1..12, day 1..31); negative before.
int64_t DaysFromCivil(int64_t year, int month, int day);
// The civil date of a day count from 1970-01-01.
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day);
bool IsLeapYear(int64_t year);
int DaysInMonth(int64_t year, int month);

// ISO-8601 to epoch ms: "2025-01-15T10:30:00.000Z", "2025-01-15T10:30:00Z",
// "2025-01-15T10:30:00+02:00", "2025-01-15T10:30", "2025-01-15". 'T' may be 't'
// or a space; fraction digits beyond milliseconds are truncated; a time with no
// zone designator is taken as UTC.
Result<int64_t> ParseTime(std::string_view text);
// Epoch ms to "2025-01-15T10:30:00.000Z" (always UTC, always milliseconds).
std::string FormatTime(int64_t ms);

// Floors `ms` to the start of its second, minute, hour, day, month or year (UTC).
Result<int64_t> TruncateTime(int64_t ms, std::string_view unit);
// The units TruncateTime accepts, nullptr-terminated.
extern const char* const kTimeUnits[];

// "250ms", "1s", "5m", "2h", "1d", "1w" and sums of them ("1h30m") to ms.
Result<int64_t> ParseDuration(std::string_view text);

}  // namespace topo::expr
