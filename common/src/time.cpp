#include "dsptsync/time.h"

#include <array>
#include <charconv>
#include <chrono>
#include <cstdio>

namespace dsptsync {
namespace {

constexpr std::array<std::string_view, 12> kMonthNames = {"January", "February", "March",     "April",
                                                          "May",     "June",     "July",      "August",
                                                          "September", "October", "November", "December"};

bool parse_digits(std::string_view text, int& out) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

std::string Date::iso() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02d", year, month, day);
  return buffer;
}

std::string Date::long_form() const {
  return std::to_string(day) + " " + std::string(kMonthNames[static_cast<std::size_t>(month - 1)]) + " " +
         std::to_string(year);
}

Result<Date> parse_iso_date(std::string_view text) {
  int year = 0, month = 0, day = 0;
  if (text.size() != 10 || text[4] != '-' || text[7] != '-' || !parse_digits(text.substr(0, 4), year) ||
      !parse_digits(text.substr(5, 2), month) || !parse_digits(text.substr(8, 2), day))
    return invalid_input("'" + std::string(text) + "' is not a date; write it as YYYY-MM-DD, e.g. 2022-06-30");
  std::chrono::year_month_day ymd{std::chrono::year{year}, std::chrono::month{static_cast<unsigned>(month)},
                                  std::chrono::day{static_cast<unsigned>(day)}};
  if (!ymd.ok() || year < 1900)
    return invalid_input("'" + std::string(text) + "' is not a real date; write it as YYYY-MM-DD, e.g. 2022-06-30");
  return Date{year, month, day};
}

Result<Date> parse_typed_date(std::string_view text) {
  const auto wrong = [text](std::string_view what) {
    return invalid_input("'" + std::string(text) + "' is " + std::string(what) +
                         "; write it as 31/01/2027 (day/month/year) or 2027-01-31");
  };
  const auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    if (auto iso = parse_iso_date(text)) return iso;
    const bool iso_shaped = text.size() == 10 && text[4] == '-' && text[7] == '-';
    return wrong(iso_shaped ? "not a real date" : "not a date");
  }
  const auto second = text.find('/', slash + 1);
  if (second == std::string_view::npos || text.find('/', second + 1) != std::string_view::npos)
    return wrong("not a date");
  const std::string_view day = text.substr(0, slash);
  const std::string_view month = text.substr(slash + 1, second - slash - 1);
  const std::string_view year = text.substr(second + 1);
  Date date;
  if (day.size() > 2 || month.size() > 2 || year.size() != 4 || !parse_digits(day, date.day) ||
      !parse_digits(month, date.month) || !parse_digits(year, date.year))
    return wrong("not a date");
  // Checked as a real date the one way dates are checked.
  if (!parse_iso_date(date.iso())) return wrong("not a real date");
  return date;
}

TimestampMs now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

Date date_of(TimestampMs ms) {
  using namespace std::chrono;
  const sys_days days = floor<std::chrono::days>(sys_time<milliseconds>(milliseconds(ms)));
  const year_month_day ymd{days};
  return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
          static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

TimestampMs start_of(Date date) {
  using namespace std::chrono;
  const sys_days day{year_month_day{year{date.year}, month{static_cast<unsigned>(date.month)},
                                    std::chrono::day{static_cast<unsigned>(date.day)}}};
  return duration_cast<milliseconds>(day.time_since_epoch()).count();
}

std::string format_timestamp(TimestampMs ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> point{milliseconds(ms)};
  const sys_days days = floor<std::chrono::days>(point);
  const hh_mm_ss<milliseconds> time{point - days};
  const Date date = date_of(ms);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%sT%02d:%02d:%02dZ", date.iso().c_str(), static_cast<int>(time.hours().count()),
                static_cast<int>(time.minutes().count()), static_cast<int>(time.seconds().count()));
  return buffer;
}

std::string AssessmentYear::label() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d", first, (first + 1) % 100);
  return buffer;
}

std::string AssessmentYear::public_prefix() const {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "%02d/%02d", first % 100, (first + 1) % 100);
  return buffer;
}

Result<AssessmentYear> parse_assessment_year(std::string_view text) {
  int first = 0, second = 0;
  if (text.size() == 7 && (text[4] == '-' || text[4] == '/') && parse_digits(text.substr(0, 4), first) &&
      parse_digits(text.substr(5, 2), second) && first >= 2000 && first < 2100 && (first + 1) % 100 == second)
    return AssessmentYear{first};
  return invalid_input("'" + std::string(text) +
                       "' is not an assessment year; write the year it starts and ends, e.g. 2021-22 "
                       "(1 April 2021 to 31 March 2022)");
}

AssessmentYear assessment_year_of(Date date) { return {date.month >= 4 ? date.year : date.year - 1}; }

}  // namespace dsptsync
