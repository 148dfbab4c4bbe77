// Calendar dates, timestamps and the DSPT assessment year (1 April to 31 March, deadline 30 June).
#pragma once

#include "dsptsync/error.h"

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

namespace dsptsync {

struct Date {
  int year = 1970;
  int month = 1;
  int day = 1;
  auto operator<=>(const Date&) const = default;
  std::string iso() const;  // 2022-06-30
  std::string long_form() const;  // 30 June 2022
};

// Accepts only real ISO dates (YYYY-MM-DD); the error names the expected form.
Result<Date> parse_iso_date(std::string_view text);
// A date as a person types it: the UK's day/month/year (31/01/2027, 1/2/2027) or ISO (2027-01-31).
// Stored and printed back as ISO; the error names both forms.
Result<Date> parse_typed_date(std::string_view text);

// Milliseconds since the Unix epoch, UTC.
using TimestampMs = std::int64_t;
TimestampMs now_ms();
std::string format_timestamp(TimestampMs ms);  // 2022-06-30T09:15:02Z
Date date_of(TimestampMs ms);
TimestampMs start_of(Date date);  // its midnight, UTC

// An assessment year such as 2021-22: runs 1 April 2021 to 31 March 2022, publish by 30 June 2022.
struct AssessmentYear {
  int first = 2021;
  auto operator<=>(const AssessmentYear&) const = default;

  std::string label() const;          // "2021-22"
  std::string public_prefix() const;  // "21/22", as public status strings read
  Date starts() const { return {first, 4, 1}; }
  Date ends() const { return {first + 1, 3, 31}; }
  Date deadline() const { return {first + 1, 6, 30}; }
  AssessmentYear next() const { return {first + 1}; }
};

// Accepts "2021-22" and "2021/22"; anything else is refused with the expected form.
Result<AssessmentYear> parse_assessment_year(std::string_view text);
// The year whose 1 April .. 31 March range holds the date.
AssessmentYear assessment_year_of(Date date);

}  // namespace dsptsync
