#include "engine/expr/time.h"

#include <cstdio>

namespace topo::expr {

namespace {

constexpr int64_t kMsPerDay = 86'400'000;

int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Reads exactly `n` digits at *pos.
bool Digits(std::string_view s, size_t* pos, int n, int* out) {
  if (*pos + n > s.size()) return false;
  int v = 0;
  for (int i = 0; i < n; ++i) {
    char c = s[*pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += n;
  *out = v;
  return true;
}

bool Char(std::string_view s, size_t* pos, char c) {
  if (*pos < s.size() && s[*pos] == c) {
    ++*pos;
    return true;
  }
  return false;
}

Status BadTime(std::string_view text, std::string_view why) {
  return Status::Invalid("not an ISO-8601 time (" + std::string(why) + "): '" + std::string(text) + "'");
}

}  // namespace

const char* const kTimeUnits[] = {"second", "minute", "hour", "day", "month", "year", nullptr};

bool IsLeapYear(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeapYear(year)) return 29;
  return kDays[month - 1];
}

// Howard Hinnant's days_from_civil idea: shift the year to start in March so the
// leap day is the year's last, then count 400-year eras of 146097 days.
int64_t DaysFromCivil(int64_t y, int m, int d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;                                    // [0, 399]
  const int64_t doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;  // [0, 365]
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;            // [0, 146096]
  return era * 146097 + doe - 719468;
}

void CivilFromDays(int64_t z, int64_t* year, int* month, int* day) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  *day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  *month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  *year = yoe + era * 400 + (*month <= 2);
}

Result<int64_t> ParseTime(std::string_view s) {
  size_t p = 0;
  int year, month, day;
  if (!Digits(s, &p, 4, &year) || !Char(s, &p, '-') || !Digits(s, &p, 2, &month) || !Char(s, &p, '-') ||
      !Digits(s, &p, 2, &day))
    return BadTime(s, "expected YYYY-MM-DD");
  if (month < 1 || month > 12) return BadTime(s, "month out of range");
  if (day < 1 || day > DaysInMonth(year, month)) return BadTime(s, "day out of range");
  int64_t ms = DaysFromCivil(year, month, day) * kMsPerDay;
  if (p == s.size()) return ms;
  if (!(Char(s, &p, 'T') || Char(s, &p, 't') || Char(s, &p, ' ')))
    return BadTime(s, "expected 'T' after the date");
  int hour, minute, second = 0, millis = 0;
  if (!Digits(s, &p, 2, &hour) || !Char(s, &p, ':') || !Digits(s, &p, 2, &minute))
    return BadTime(s, "expected HH:MM");
  if (Char(s, &p, ':')) {
    if (!Digits(s, &p, 2, &second)) return BadTime(s, "expected seconds");
    if (Char(s, &p, '.') || Char(s, &p, ',')) {
      int n = 0;
      while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
        if (n < 3) millis = millis * 10 + (s[p] - '0');
        ++n;
        ++p;
      }
      if (n == 0) return BadTime(s, "expected fraction digits");
      for (int i = n; i < 3; ++i) millis *= 10;
    }
  }
  if (hour > 23 || minute > 59 || second > 59) return BadTime(s, "time of day out of range");
  ms += ((hour * 60LL + minute) * 60 + second) * 1000 + millis;
  if (p == s.size()) return ms;
  if (Char(s, &p, 'Z') || Char(s, &p, 'z')) {
    if (p != s.size()) return BadTime(s, "unexpected text after 'Z'");
    return ms;
  }
  int sign = 0;
  if (Char(s, &p, '+')) sign = 1;
  if (sign == 0 && Char(s, &p, '-')) sign = -1;
  if (sign == 0) return BadTime(s, "expected 'Z' or a +HH:MM offset");
  int oh, om = 0;
  if (!Digits(s, &p, 2, &oh)) return BadTime(s, "expected offset hours");
  if (p < s.size()) {
    Char(s, &p, ':');
    if (!Digits(s, &p, 2, &om)) return BadTime(s, "expected offset minutes");
  }
  if (p != s.size()) return BadTime(s, "unexpected text after the offset");
  if (oh > 18 || om > 59) return BadTime(s, "offset out of range");
  // 10:30+02:00 is 08:30 UTC.
  return ms - sign * (oh * 60LL + om) * 60'000;
}

std::string FormatTime(int64_t ms) {
  int64_t days = FloorDiv(ms, kMsPerDay);
  int64_t rem = ms - days * kMsPerDay;
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  int h = static_cast<int>(rem / 3'600'000), mi = static_cast<int>(rem / 60'000 % 60);
  int sec = static_cast<int>(rem / 1000 % 60), milli = static_cast<int>(rem % 1000);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02d-%02dT%02d:%02d:%02d.%03dZ", static_cast<long long>(year), month,
                day, h, mi, sec, milli);
  return buf;
}

Result<int64_t> TruncateTime(int64_t ms, std::string_view unit) {
  int64_t step = 0;
  if (unit == "second") step = 1000;
  if (unit == "minute") step = 60'000;
  if (unit == "hour") step = 3'600'000;
  if (unit == "day") step = kMsPerDay;
  // The start of the unit can lie before the earliest epoch ms an int64 holds
  // (truncate_time(-9223372036854775808, 'year')): an error, never a wrap.
  auto out_of_range = [&] {
    return Status::OutOfRange("truncate_time(" + std::to_string(ms) + ", '" + std::string(unit) +
                              "'): the start of that " + std::string(unit) +
                              " is before the earliest time an int64 "
                              "of epoch milliseconds holds");
  };
  int64_t start;
  if (step != 0) {
    if (__builtin_mul_overflow(FloorDiv(ms, step), step, &start)) return out_of_range();
    return start;
  }
  if (unit == "month" || unit == "year") {
    int64_t year;
    int month, day;
    CivilFromDays(FloorDiv(ms, kMsPerDay), &year, &month, &day);
    if (__builtin_mul_overflow(DaysFromCivil(year, unit == "year" ? 1 : month, 1), kMsPerDay, &start))
      return out_of_range();
    return start;
  }
  return Status::Invalid("unknown time unit '" + std::string(unit) +
                         "' (use second, minute, hour, day, month or year)");
}

Result<int64_t> ParseDuration(std::string_view s) {
  auto bad = [&](std::string_view why) {
    return Status::Invalid("bad duration '" + std::string(s) + "' (" + std::string(why) +
                           "; use e.g. 250ms, 1s, 5m, 2h, 1d, 1h30m)");
  };
  if (s.empty()) return bad("empty");
  size_t p = 0;
  int64_t total = 0;
  while (p < s.size()) {
    if (s[p] < '0' || s[p] > '9') return bad("expected a number");
    int64_t n = 0;
    while (p < s.size() && s[p] >= '0' && s[p] <= '9') {
      if (__builtin_mul_overflow(n, 10, &n) || __builtin_add_overflow(n, s[p] - '0', &n))
        return bad("too large");
      ++p;
    }
    int64_t unit;
    if (s.substr(p, 2) == "ms") {
      unit = 1;
      p += 2;
    } else if (p < s.size() && s[p] == 's') {
      unit = 1000;
      ++p;
    } else if (p < s.size() && s[p] == 'm') {
      unit = 60'000;
      ++p;
    } else if (p < s.size() && s[p] == 'h') {
      unit = 3'600'000;
      ++p;
    } else if (p < s.size() && s[p] == 'd') {
      unit = kMsPerDay;
      ++p;
    } else if (p < s.size() && s[p] == 'w') {
      unit = 7 * kMsPerDay;
      ++p;
    } else {
      return bad("expected a unit");
    }
    if (__builtin_mul_overflow(n, unit, &n) || __builtin_add_overflow(total, n, &total))
      return bad("too large");
  }
  return total;
}

}  // namespace topo::expr
