#include "dsptsync/assessment.h"

#include <algorithm>
#include <cctype>

namespace dsptsync {
namespace {

Attribution attribution_of(const Head& head) { return {head.user, head.device, hlc_wall_ms(head.hlc)}; }

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  return std::string(text.substr(first, text.find_last_not_of(" \t\r\n") - first + 1));
}

bool is_plain_decimal(std::string_view text) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) ++i;
  bool digits = false, point = false;
  for (; i < text.size(); ++i) {
    if (std::isdigit(static_cast<unsigned char>(text[i]))) digits = true;
    else if (text[i] == '.' && !point) point = true;
    else return false;
  }
  return digits;
}

}  // namespace

AssessmentView view_of(const AssessmentState& state) {
  AssessmentView view;
  for (const auto& [key, field] : state) {
    const Head* winner = field.winner();
    if (field.in_conflict()) view.conflicts.insert(key);
    if (!winner || !winner->value) continue;
    const FieldValue& value = *winner->value;
    switch (key.field) {
      case Field::answer:
        view.answers[key.target] = {value, attribution_of(*winner), field.in_conflict()};
        break;
      case Field::comment:
        view.comments[key.target] = {value, attribution_of(*winner), field.in_conflict()};
        break;
      case Field::confirmed:
        if (value.text == "yes") view.confirmed[key.target] = attribution_of(*winner);
        break;
      case Field::owner: view.owners[key.target] = value.text; break;
      case Field::value: view.profile[key.target] = value.text; break;
      case Field::plan_action: view.plan[key.target].action = value.text; break;
      case Field::plan_owner: view.plan[key.target].owner = value.text; break;
      case Field::plan_due: view.plan[key.target].due = value.text; break;
      case Field::plan_state: view.plan[key.target].state = value.text; break;
    }
  }
  return view;
}

Result<FieldValue> normalise_answer(const CatalogueItem& item, std::string_view raw, std::string_view location) {
  const std::string text = trim(raw);
  const std::string where = "item " + item.id + " (" + std::string(to_string(item.type)) + ")";
  if (!location.empty() && item.type != AnswerType::document)
    return invalid_input(where + " is not a document answer; --location is only for document items");
  switch (item.type) {
    case AnswerType::yes_no: {
      const std::string word = lower(text);
      if (word == "yes" || word == "y" || word == "true") return FieldValue{"yes", ""};
      if (word == "no" || word == "n" || word == "false") return FieldValue{"no", ""};
      return invalid_input(where + " takes yes or no, not '" + text + "'");
    }
    case AnswerType::text:
      if (text.empty()) return invalid_input(where + " needs some text; to remove an answer use 'dsptsync clear'");
      return FieldValue{text, ""};
    case AnswerType::document:
      if (text.empty())
        return invalid_input(where + " needs the document's name, e.g. \"Data protection policy v3\" "
                                     "--location \"https://intranet/policies/dp.pdf\"");
      return FieldValue{text, trim(location)};
    case AnswerType::date: {
      auto date = parse_iso_date(text);
      if (!date) return invalid_input(where + ": " + date.error().message);
      return FieldValue{date->iso(), ""};
    }
    case AnswerType::number:
      if (!is_plain_decimal(text))
        return invalid_input(where + " takes a number such as 12 or 95.5, not '" + text + "'");
      return FieldValue{text, ""};
  }
  return invalid_input(where + ": unknown answer type");
}

}  // namespace dsptsync
