// Incidents: the grading rules file, grading, UK local time, incidents read off the change log, the
// 72-hour clock, and the checks every replica applies to an incident's values (incident.h).
#include "dsptsync/incident.h"

#include "dsptsync/assessment.h"
#include "dsptsync/crypto.h"
#include "dsptsync/embedded.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <regex>
#include <stdexcept>
#include <tuple>

namespace dsptsync {
namespace {

constexpr TimestampMs kMinuteMs = 60'000;
constexpr TimestampMs kHourMs = 60 * kMinuteMs;
// How far past this replica's clock a recorded time may be: another device's clock may be ahead of
// ours, but nobody records an incident a day before it happens.
constexpr TimestampMs kAllowedAheadMs = 24 * kHourMs;
constexpr int kMaxPeopleAffected = 10'000'000;
constexpr int kMaxDeadlineHours = 24 * 366;

std::string in_quotes(std::string_view text) { return "'" + std::string(text) + "'"; }

// Digits only (no sign, no spaces), short enough to be an int.
std::optional<int> whole_number(std::string_view text) {
  if (text.empty() || text.size() > 9) return std::nullopt;
  if (!std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) return std::nullopt;
  int value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

std::optional<int> number_in(std::string_view text, int low, int high) {
  auto value = whole_number(text);
  if (!value || *value < low || *value > high) return std::nullopt;
  return value;
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  while (true) {
    const auto at = text.find(separator, start);
    parts.push_back(text.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

std::string joined(const std::vector<std::string>& parts, std::string_view separator) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : std::string(separator)) + part;
  return out;
}

// An evidence item's id: three whole numbers separated by dots (6.1.1).
bool looks_like_item_id(std::string_view token) {
  const auto parts = split(token, '.');
  return parts.size() == 3 && std::all_of(parts.begin(), parts.end(), [](std::string_view part) {
           return whole_number(part).has_value() && part.size() <= 4;
         });
}

template <class Entry>
const Entry* find_by(const std::vector<Entry>& entries, std::string_view id, std::string Entry::*member) {
  auto found = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.*member == id; });
  return found == entries.end() ? nullptr : &*found;
}

// ----- the rules file -----

using Cells = std::vector<std::string_view>;

Result<int> score_cell(std::string_view cell, std::string_view what, int low, int high) {
  if (auto value = number_in(cell, low, high)) return *value;
  return invalid_input(in_quotes(cell) + " is not " + std::string(what) + "; write a whole number from " +
                       std::to_string(low) + " to " + std::to_string(high));
}

// Steps are listed in order, so scale[score - 1] is the step of that score.
Status add_scale(IncidentRules& rules, const Cells& cells) {
  auto* scale = cells[1] == "likelihood" ? &rules.likelihood : cells[1] == "severity" ? &rules.severity : nullptr;
  if (!scale) return invalid_input(in_quotes(cells[1]) + " is not a scale; write likelihood or severity");
  auto score = score_cell(cells[2], "a score", 1, 5);
  if (!score) return score.error();
  const int expected = static_cast<int>(scale->size()) + 1;
  const std::string name = "the " + std::string(cells[1]) + " scale ";
  if (*score < expected)
    return invalid_input(name + "lists step " + std::to_string(*score) +
                         " twice; list steps 1 to 5 in order, each once");
  if (*score > expected)
    return invalid_input(name + "has no step " + std::to_string(expected) + " before step " + std::to_string(*score) +
                         "; list steps 1 to 5 in order, each once");
  scale->push_back({*score, std::string(cells[3]), std::string(cells[4])});
  return {};
}

Status add_floor(IncidentRules& rules, const Cells& cells) {
  if (cells[1] != "vulnerable") return invalid_input(in_quotes(cells[1]) + " is not a floor; write vulnerable");
  if (rules.vulnerable_floor != 0) return invalid_input("the floor for vulnerable groups is given twice");
  auto score = score_cell(cells[2], "a score", 1, 5);
  if (!score) return score.error();
  rules.vulnerable_floor = *score;
  return {};
}

Status add_report(IncidentRules& rules, const Cells& cells) {
  if (rules.rule(cells[1])) return invalid_input("the reporting rule for " + in_quotes(cells[1]) + " is given twice");
  auto likelihood = score_cell(cells[2], "a minimum likelihood", 1, 5);
  if (!likelihood) return likelihood.error();
  auto severity = score_cell(cells[3], "a minimum severity", 1, 5);
  if (!severity) return severity.error();
  auto hours = score_cell(cells[4], "a number of hours", 0, kMaxDeadlineHours);
  if (!hours) return hours.error();
  rules.reporting.push_back(
      {std::string(cells[1]), *likelihood, *severity, *hours, std::string(cells[5]), std::string(cells[6])});
  return {};
}

Status add_named(std::vector<NamedEntry>& entries, std::string_view what, const Cells& cells) {
  if (find_by(entries, cells[1], &NamedEntry::id))
    return invalid_input("the " + std::string(what) + " " + in_quotes(cells[1]) + " is given twice");
  entries.push_back({std::string(cells[1]), std::string(cells[2]), cells.size() > 3 ? std::string(cells[3]) : ""});
  return {};
}

Status add_category(IncidentRules& rules, const Cells& cells) { return add_named(rules.categories, "category", cells); }
Status add_item(IncidentRules& rules, const Cells& cells) {
  if (!looks_like_item_id(cells[1]))
    return invalid_input(in_quotes(cells[1]) + " is not an evidence item's id; write one such as 6.1.1");
  return add_named(rules.items, "item", cells);
}
Status add_kind(IncidentRules& rules, const Cells& cells) { return add_named(rules.kinds, "kind", cells); }

Status add_reference(IncidentRules& rules, const Cells& cells) {
  if (find_by(rules.references, cells[1], &ReferenceFormat::body))
    return invalid_input("the reference format for " + in_quotes(cells[1]) + " is given twice");
  std::regex pattern;
  try {
    pattern = std::regex(std::string(cells[3]), std::regex::ECMAScript);
  } catch (const std::regex_error& error) {
    return invalid_input(in_quotes(cells[3]) + " is not a regular expression (" + error.what() +
                         "); write an ECMAScript pattern, e.g. ^IC-[0-9]{5,7}-[A-Z0-9]{4}$");
  }
  if (!std::regex_match(std::string(cells[2]), pattern))
    return invalid_input("the example " + in_quotes(cells[2]) + " does not match its own pattern " +
                         in_quotes(cells[3]));
  rules.references.push_back({std::string(cells[1]), std::string(cells[2]), std::string(cells[3])});
  return {};
}

struct RecordType {
  std::string_view name;
  std::size_t cells;
  Status (*add)(IncidentRules&, const Cells&);
};
constexpr RecordType kRecordTypes[] = {
    {"scale", 5, add_scale}, {"floor", 3, add_floor},         {"report", 7, add_report}, {"category", 4, add_category},
    {"kind", 3, add_kind},   {"reference", 4, add_reference}, {"item", 3, add_item}};

Status add_record(IncidentRules& rules, const Cells& cells) {
  auto type = std::find_if(std::begin(kRecordTypes), std::end(kRecordTypes),
                           [&](const RecordType& t) { return t.name == cells[0]; });
  if (type == std::end(kRecordTypes))
    return invalid_input(
        in_quotes(cells[0]) +
        " is not a kind of line; start it with scale, floor, report, category, kind, reference or item");
  if (cells.size() != type->cells)
    return invalid_input("a " + std::string(type->name) + " line has " + std::to_string(type->cells) +
                         " cells separated by tabs, not " + std::to_string(cells.size()));
  for (std::size_t i = 0; i < cells.size(); ++i)
    if (cells[i].empty()) return invalid_input("cell " + std::to_string(i + 1) + " is empty");
  return type->add(rules, cells);
}

Status check_scales_complete(const IncidentRules& rules) {
  using Scale = std::pair<std::string_view, const std::vector<ScaleStep>*>;
  for (const auto& [name, scale] : {Scale{"likelihood", &rules.likelihood}, Scale{"severity", &rules.severity}})
    if (scale->size() != 5)
      return invalid_input("the " + std::string(name) + " scale has " + std::to_string(scale->size()) +
                           " steps; it needs steps 1 to 5, each once");
  return {};
}

// ----- instants -----

TimestampMs ms_of(std::chrono::sys_days day) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(day.time_since_epoch()).count();
}

TimestampMs last_sunday_at_one_utc(int year, std::chrono::month month) {
  using namespace std::chrono;
  return ms_of(sys_days{std::chrono::year{year} / month / Sunday[last]}) + kHourMs;
}

// "HH:MM" of the instant, in UTC.
std::string clock_text(TimestampMs at) {
  constexpr TimestampMs kDayMs = 24 * kHourMs;
  const TimestampMs minutes = (at % kDayMs + kDayMs) % kDayMs / kMinuteMs;  // floored, also before 1970
  char buffer[8];
  std::snprintf(buffer, sizeof buffer, "%02d:%02d", static_cast<int>(minutes / 60), static_cast<int>(minutes % 60));
  return buffer;
}

// A time as typed: the clock reading as if it were UTC, and the offset when one was given.
struct TypedTime {
  TimestampMs reading = 0;
  std::optional<int> offset_minutes;
};

std::optional<int> offset_of(std::string_view rest) {
  if (rest == "Z") return 0;
  if (rest.size() != 6 || (rest[0] != '+' && rest[0] != '-') || rest[3] != ':') return std::nullopt;
  auto hours = number_in(rest.substr(1, 2), 0, 14);
  auto minutes = number_in(rest.substr(4, 2), 0, 59);
  if (!hours || !minutes) return std::nullopt;
  return (rest[0] == '-' ? -1 : 1) * (*hours * 60 + *minutes);
}

std::optional<TypedTime> read_time(std::string_view text) {
  if (text.size() < 16 || (text[10] != ' ' && text[10] != 'T') || text[13] != ':') return std::nullopt;
  auto date = parse_iso_date(text.substr(0, 10));
  auto hour = number_in(text.substr(11, 2), 0, 23);
  auto minute = number_in(text.substr(14, 2), 0, 59);
  if (!date || !hour || !minute) return std::nullopt;
  std::string_view rest = text.substr(16);
  if (rest.size() >= 3 && rest[0] == ':') {  // seconds: checked, then dropped
    if (!number_in(rest.substr(1, 2), 0, 59)) return std::nullopt;
    rest.remove_prefix(3);
  }
  const std::chrono::year_month_day day{std::chrono::year{date->year},
                                        std::chrono::month{static_cast<unsigned>(date->month)},
                                        std::chrono::day{static_cast<unsigned>(date->day)}};
  TypedTime typed{ms_of(std::chrono::sys_days{day}) + *hour * kHourMs + *minute * kMinuteMs, std::nullopt};
  if (rest.empty()) return typed;
  typed.offset_minutes = offset_of(rest);
  if (!typed.offset_minutes) return std::nullopt;
  return typed;
}

Result<TimestampMs> from_uk_local(std::string_view text, TimestampMs reading) {
  // The BST reading first: in the hour the clocks go back, the time happened twice and is the first.
  if (uk_offset_minutes(reading - kHourMs) == 60) return reading - kHourMs;
  if (uk_offset_minutes(reading) == 0) return reading;
  std::string with_offset(text.substr(0, 16));
  with_offset[10] = 'T';
  return invalid_input(in_quotes(text) +
                       " did not happen in the UK: the UK's clocks went forward from 01:00 to 02:00 on " +
                       date_of(reading).long_form() + "; check the time, or give it with its offset from UTC, e.g. " +
                       with_offset + "+00:00");
}

// ----- grading -----

std::string step_label(const std::vector<ScaleStep>& scale, int score) {
  for (const auto& step : scale)
    if (step.score == score) return step.label;
  return "score " + std::to_string(score);
}

std::string raised_note(const IncidentRules& rules, const Grade& grade) {
  std::vector<std::string> raised;
  if (grade.effective_likelihood != grade.likelihood)
    raised.push_back("likelihood raised to " + step_label(rules.likelihood, grade.effective_likelihood));
  if (grade.effective_severity != grade.severity)
    raised.push_back("severity raised to " + step_label(rules.severity, grade.effective_severity));
  if (raised.empty()) return "";
  return " (" + joined(raised, " and ") + " because vulnerable groups are involved)";
}

std::string why_of(const IncidentRules& rules, const Grade& grade) {
  if (!grade.graded()) return "not graded yet: record likelihood and severity (1 to 5)";
  std::string why = step_label(rules.likelihood, grade.effective_likelihood) + " × " +
                    step_label(rules.severity, grade.effective_severity) + raised_note(rules, grade) + ": ";
  if (!grade.reportable()) return why + "not reportable; record it and why it was not reported";
  std::vector<std::string> actions;
  for (const ReportingRule* rule : grade.report_to) actions.push_back(rule->action + " (" + rule->name + ")");
  return why + joined(actions, "; ");
}

int recorded_score(const Incident& incident, Field field) { return number_in(incident.value(field), 1, 5).value_or(0); }

IncidentClock clock_of(const Grade& grade, const Incident& incident, TimestampMs now) {
  const std::string state = incident.state();
  if (!grade.reportable() || state == "reported" || state == "closed") return {};
  auto found = parse_incident_time(incident.value(Field::found_at));
  if (!found) return {};
  std::optional<TimestampMs> deadline;
  for (const ReportingRule* rule : grade.report_to) {
    if (rule->deadline_hours <= 0) continue;
    const TimestampMs due = *found + rule->deadline_hours * kHourMs;
    if (!deadline || due < *deadline) deadline = due;
  }
  if (!deadline) return {};
  return {true, *deadline, *deadline - now};
}

std::string count_of(std::int64_t n, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

// ----- checking values -----

Status check_time(Field field, const std::string& value, const std::map<Field, std::string>& other, TimestampMs now) {
  const std::string what = field == Field::happened_at ? "when it happened" : "when it was found";
  auto at = parse_incident_time(value);
  if (!at || incident_time_text(*at) != value)
    return invalid_input(in_quotes(value) + " is not a time in the stored form for " + what +
                         "; record it in UTC as YYYY-MM-DDTHH:MMZ, e.g. 2026-10-25T00:30Z");
  if (*at > now + kAllowedAheadMs)
    return invalid_input(in_quotes(value) + " (" + uk_local_time(*at) + ") is in the future; check " + what);
  const auto paired = other.find(field == Field::happened_at ? Field::found_at : Field::happened_at);
  if (paired == other.end()) return {};
  auto paired_at = parse_incident_time(paired->second);
  if (!paired_at) return {};  // the other value is checked when it is recorded
  const TimestampMs happened = field == Field::happened_at ? *at : *paired_at;
  const TimestampMs found = field == Field::found_at ? *at : *paired_at;
  if (found < happened)
    return invalid_input("the incident was found at " + uk_local_time(found) + ", before it happened at " +
                         uk_local_time(happened) + "; check both times");
  return {};
}

Status check_named(const std::vector<NamedEntry>& entries, std::string_view what, const std::string& value) {
  if (find_by(entries, value, &NamedEntry::id)) return {};
  std::vector<std::string> ids;
  for (const auto& entry : entries) ids.push_back(entry.id);
  return invalid_input(in_quotes(value) + " is not " + std::string(what) + "; use one of " + joined(ids, ", "));
}

Status check_score(const std::vector<ScaleStep>& scale, std::string_view what, const std::string& value) {
  if (number_in(value, 1, 5)) return {};
  std::vector<std::string> steps;
  for (const auto& step : scale) steps.push_back(std::to_string(step.score) + " " + step.label);
  return invalid_input(in_quotes(value) + " is not a " + std::string(what) + "; " + std::string(what) +
                       " is a score from 1 (" + step_label(scale, 1) + ") to 5 (" + step_label(scale, 5) +
                       "): " + joined(steps, ", "));
}

Status check_reference(const IncidentRules& rules, const std::string& value) {
  const ReferenceFormat* format = find_by(rules.references, "ico", &ReferenceFormat::body);
  const ReportingRule* ico = rules.rule("ico");
  const std::string name = ico ? ico->name : "the Information Commissioner's Office";
  if (format ? std::regex_match(value, std::regex(format->pattern, std::regex::ECMAScript)) : !value.empty()) return {};
  return invalid_input(in_quotes(value) + " is not a reference of " + name + "; write it as they gave it" +
                       (format ? ", e.g. " + format->example : std::string()));
}

Status check_linked_items(const std::string& value) {
  std::size_t count = 0;
  for (std::string_view token : split(value, ' ')) {
    if (token.empty()) continue;
    if (!looks_like_item_id(token))
      return invalid_input(in_quotes(token) +
                           " is not an evidence item's id; list ids such as 6.1.1 separated by spaces");
    ++count;
  }
  if (count == 0) return invalid_input("no evidence items are listed; list ids such as 6.1.1 separated by spaces");
  return {};
}

Status check_people(const std::string& value) {
  if (number_in(value, 0, kMaxPeopleAffected) && (value.size() == 1 || value[0] != '0')) return {};
  return invalid_input(in_quotes(value) +
                       " is not a number of people; write a whole number from 0 to 10000000 "
                       "(a rough count is fine), e.g. 250");
}

}  // namespace

// ----- the rules -----

const NamedEntry* IncidentRules::category(std::string_view id) const {
  return find_by(categories, id, &NamedEntry::id);
}
const NamedEntry* IncidentRules::kind(std::string_view id) const { return find_by(kinds, id, &NamedEntry::id); }
const ReportingRule* IncidentRules::rule(std::string_view body) const {
  return find_by(reporting, body, &ReportingRule::body);
}

Result<IncidentRules> parse_incident_rules(std::string_view tsv) {
  IncidentRules rules;
  bool first_comment = true;
  int number = 0, last_record = 0;
  for (std::string_view line : split(tsv, '\n')) {
    ++number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    if (line.empty()) continue;
    if (line.starts_with('#')) {
      if (first_comment) rules.source = std::string(line.substr(line.starts_with("# ") ? 2 : 1));
      first_comment = false;
      continue;
    }
    last_record = number;
    if (auto added = add_record(rules, split(line, '\t')); !added)
      return invalid_input("line " + std::to_string(number) + ": " + added.error().message);
  }
  // A scale cut short is only known at the end: name the last line that could have continued it.
  if (auto complete = check_scales_complete(rules); !complete)
    return invalid_input("line " + std::to_string(last_record) + ": " + complete.error().message);
  return rules;
}

const IncidentRules& shipped_incident_rules() {
  static const IncidentRules rules = [] {
    for (const auto& [name, content] : embedded::embedded_files()) {
      if (name != "grading.tsv") continue;
      auto parsed = parse_incident_rules(content);
      // The tests parse the shipped file, so a failure here is a build fault, not a user's.
      if (!parsed) throw std::logic_error("the shipped grading.tsv is damaged: " + parsed.error().message);
      return *parsed;
    }
    throw std::logic_error("grading.tsv is not embedded in this build");
  }();
  return rules;
}

// ----- grading -----

Grade grade_incident(const IncidentRules& rules, int likelihood, int severity, bool vulnerable) {
  auto recorded = [](int score) { return score >= 1 && score <= 5 ? score : 0; };
  auto effective = [&](int score) { return score > 0 && vulnerable ? std::max(score, rules.vulnerable_floor) : score; };
  Grade grade;
  grade.likelihood = recorded(likelihood);
  grade.severity = recorded(severity);
  grade.effective_likelihood = effective(grade.likelihood);
  grade.effective_severity = effective(grade.severity);
  if (grade.graded())
    for (const auto& rule : rules.reporting)
      if (grade.effective_likelihood >= rule.min_likelihood && grade.effective_severity >= rule.min_severity)
        grade.report_to.push_back(&rule);
  grade.why = why_of(rules, grade);
  return grade;
}

// ----- instants -----

int uk_offset_minutes(TimestampMs at) {
  const int year = date_of(at).year;
  const bool summer =
      at >= last_sunday_at_one_utc(year, std::chrono::March) && at < last_sunday_at_one_utc(year, std::chrono::October);
  return summer ? 60 : 0;
}

Result<TimestampMs> parse_incident_time(std::string_view text) {
  auto typed = read_time(text);
  if (!typed)
    return invalid_input(in_quotes(text) +
                         " is not a time; write it as YYYY-MM-DD HH:MM (UK time), e.g. 2026-12-04 14:30, or with "
                         "its offset from UTC, e.g. 2026-12-04T14:30+00:00");
  if (typed->offset_minutes) return typed->reading - *typed->offset_minutes * kMinuteMs;
  return from_uk_local(text, typed->reading);
}

std::string incident_time_text(TimestampMs at) { return date_of(at).iso() + "T" + clock_text(at) + "Z"; }

std::string uk_local_time(TimestampMs at) {
  const int offset = uk_offset_minutes(at);
  const TimestampMs local = at + offset * kMinuteMs;
  return date_of(local).long_form() + ", " + clock_text(local) + (offset ? " BST" : " GMT");
}

std::string uk_local_input(TimestampMs at) {
  const TimestampMs local = at + uk_offset_minutes(at) * kMinuteMs;
  return date_of(local).iso() + " " + clock_text(local);
}

// ----- incidents -----

std::string Incident::value(Field field) const {
  auto found = values.find(field);
  return found == values.end() ? std::string() : found->second;
}

std::string Incident::state() const {
  auto state = value(Field::incident_state);
  return state.empty() ? "open" : state;
}

// Rounded toward the unfavourable side: time left down, time overdue up, so nobody reads more slack
// than there is.
std::string IncidentClock::left_text() const {
  if (!applies) return "";
  if (left_ms >= kHourMs) return count_of(left_ms / kHourMs, "hour") + " left";
  if (left_ms >= kMinuteMs) return count_of(left_ms / kMinuteMs, "minute") + " left";
  if (left_ms >= 0) return "less than a minute left";
  const std::int64_t over = -left_ms;
  if (over >= kHourMs) return count_of((over + kHourMs - 1) / kHourMs, "hour") + " overdue";
  return count_of((over + kMinuteMs - 1) / kMinuteMs, "minute") + " overdue";
}

// The state keeps only each field's heads, not its history: recorded_at is the earliest clock among
// the heads of all the incident's fields, and recorded_by that head's author. For an incident whose
// every field was edited since, that is its oldest surviving edit: good enough to order a list by.
std::vector<Incident> incidents_of(const AssessmentState& state) {
  struct Gathered {
    Incident incident;
    std::optional<Hlc> first;  // the earliest head's clock
  };
  // By site and year too: an id is one site's, and another site's laptop choosing the same one must
  // not mix its fields into this incident.
  std::map<std::tuple<std::string, std::string, std::string>, Gathered> by_id;
  for (const auto& [key, field] : state) {
    if (key.kind != TargetKind::incident) continue;
    auto& [incident, first] = by_id[{key.scope, key.year, key.target}];
    incident.id = key.target;
    incident.scope = key.scope;
    incident.year = key.year;
    // Concurrent edits of a text that changed different parts merge, as an answer's do (assessment.h).
    const std::optional<FieldValue> merged = merged_value(key, field, nullptr);
    const Head* winner = field.winner();
    if (merged) incident.values[key.field] = merged->text;
    else if (winner && winner->value) incident.values[key.field] = winner->value->text;
    if (!open_conflict(key, field, nullptr).empty()) incident.in_conflict.push_back(key.field);
    for (const Head& head : field.heads) {
      if (first && *first <= head.hlc) continue;
      first = head.hlc;
      incident.recorded_by = head.user;
    }
  }
  std::vector<Incident> incidents;
  for (auto& [id, gathered] : by_id) {
    gathered.incident.recorded_at = gathered.first ? hlc_wall_ms(*gathered.first) : 0;
    incidents.push_back(std::move(gathered.incident));
  }
  std::stable_sort(incidents.begin(), incidents.end(),
                   [](const Incident& a, const Incident& b) { return a.recorded_at < b.recorded_at; });
  return incidents;  // ties stay in id order (the map's)
}

GradedIncident assess_incident(const IncidentRules& rules, Incident incident, TimestampMs now) {
  Grade grade =
      grade_incident(rules, recorded_score(incident, Field::likelihood), recorded_score(incident, Field::severity),
                     incident.value(Field::vulnerable_groups) == "yes");
  IncidentClock clock = clock_of(grade, incident, now);
  return {std::move(incident), std::move(grade), clock};
}

void order_for_attention(std::vector<GradedIncident>& incidents) {
  std::stable_sort(incidents.begin(), incidents.end(), [](const GradedIncident& a, const GradedIncident& b) {
    if (a.clock.applies != b.clock.applies) return a.clock.applies;
    if (a.clock.applies && a.clock.left_ms != b.clock.left_ms) return a.clock.left_ms < b.clock.left_ms;
    if (!a.clock.applies && a.incident.recorded_at != b.incident.recorded_at)
      return a.incident.recorded_at > b.incident.recorded_at;
    return a.incident.id < b.incident.id;
  });
}

std::vector<std::string> linked_items(const IncidentRules& rules, const Incident& incident) {
  std::vector<std::string> ids;
  // Kept in a variable: split's views point into it (a temporary would end before the loop).
  const std::string listed = incident.value(Field::linked_items);
  for (std::string_view token : split(listed, ' '))
    if (!token.empty()) ids.emplace_back(token);
  if (!ids.empty()) return ids;
  for (const auto& item : rules.items) ids.push_back(item.id);
  return ids;
}

std::map<std::string, IncidentTally> incidents_by_item(const IncidentRules& rules,
                                                       const std::vector<GradedIncident>& incidents,
                                                       std::string_view year) {
  std::map<std::string, IncidentTally> tallies;
  for (const auto& item : rules.items) tallies[item.id];
  for (const auto& graded : incidents) {
    const Incident& incident = graded.incident;
    if (incident.year != year) continue;
    const std::string state = incident.state();
    for (const auto& id : linked_items(rules, incident)) {
      IncidentTally& tally = tallies[id];
      ++tally.count;
      tally.open += state != "closed";
      tally.reported += state == "reported" || !incident.value(Field::ico_reference).empty();
      tally.ids.push_back(incident.id);
    }
  }
  return tallies;
}

std::string new_incident_id() {
  std::string hex = crypto::random_hex(4);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "INC-" + hex;
}

bool is_incident_id(std::string_view text) {
  return text.size() == 12 && text.starts_with("INC-") && std::all_of(text.begin() + 4, text.end(), [](char c) {
           return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F');
         });
}

Status check_incident_value(const IncidentRules& rules, Field field, const std::string& value,
                            const std::map<Field, std::string>& other, TimestampMs now) {
  switch (field) {
    case Field::happened_at:
    case Field::found_at: return check_time(field, value, other, now);
    case Field::category: return check_named(rules.categories, "a category", value);
    case Field::incident_kind: return check_named(rules.kinds, "a kind of incident", value);
    case Field::people_affected: return check_people(value);
    case Field::vulnerable_groups:
      if (value == "yes" || value == "no") return {};
      return invalid_input(in_quotes(value) +
                           " is not yes or no; write yes when children or vulnerable adults are "
                           "among the people affected, otherwise no");
    case Field::likelihood: return check_score(rules.likelihood, "likelihood", value);
    case Field::severity: return check_score(rules.severity, "severity", value);
    case Field::incident_state:
      if (std::find(std::begin(kIncidentStates), std::end(kIncidentStates), value) != std::end(kIncidentStates))
        return {};
      return invalid_input(in_quotes(value) + " is not a state of an incident; use open, reported or closed");
    case Field::ico_reference: return check_reference(rules, value);
    case Field::what_happened:
      if (value.find_first_not_of(" \t\r\n") != std::string::npos) return {};
      return invalid_input("what happened is empty; say briefly what happened");
    case Field::linked_items: return check_linked_items(value);
    case Field::found_by:
    case Field::data_involved:
    case Field::containment:
    case Field::lessons_learned: return {};
    default: break;
  }
  return invalid_input(in_quotes(to_string(field)) + " is not a field of an incident");
}

}  // namespace dsptsync
