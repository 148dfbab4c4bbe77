#include "dsptsync/evaluator.h"

#include "dsptsync/conflict.h"
#include "dsptsync/text.h"

#include <nlohmann/json.hpp>

#include <algorithm>

namespace dsptsync {
namespace {

std::string deadline_warning(AssessmentYear year) {
  return "The deadline to publish " + year.label() + " was " + year.deadline().long_form();
}

bool in_approaching_set(const CatalogueItem& item) { return item.approaching != ApproachingFlag::no; }

bool answered_no(const CatalogueItem& item, const AssessmentView& view);

std::string answer_type_name(AnswerType type) {
  switch (type) {
    case AnswerType::yes_no: return "yes/no";
    case AnswerType::text: return "text";
    case AnswerType::document: return "document";
    case AnswerType::date: return "date";
    case AnswerType::number: return "number";
  }
  return "text";
}

std::string item_problem(const CatalogueItem& item, const AssessmentView& view) {
  if (auto review = view.to_review.find(item.id); review != view.to_review.end())
    return "Review the answer to " + item.id + " in the " + item.group + " section: the question set changed its "
           "answer type from " + answer_type_name(review->second.from) + " to " + answer_type_name(review->second.to) +
           " on " + date_of(review->second.at).long_form() + "; the earlier answer is kept until it is answered again";
  if (answered_no(item, view))
    return "Requirement " + item.id + " in the " + item.group +
           " section is answered No; it counts as met only when the answer is Yes";
  return "Please complete mandatory requirement " + item.id + " in the " + item.group + " section";
}

// Says who has to act when head office answers an item for every branch.
std::string shared_suffix(bool shared) {
  return shared ? " (head office answers it for every branch)" : "";
}

bool answered_no(const CatalogueItem& item, const AssessmentView& view) {
  auto answer = view.answers.find(item.id);
  return answer != view.answers.end() && item.type == AnswerType::yes_no && answer->second.value.text == "no";
}

std::string plan_gap_message(const CatalogueItem& item, const AssessmentView& view) {
  if (answered_no(item, view))
    return "Requirement " + item.id + " in the " + item.group +
           " section is answered No: add an improvement plan action, owner and due date for it, or answer Yes";
  return "Add an improvement plan action, owner and due date for " + item.id + " in the " + item.group + " section";
}

std::string standard_group(int standard) {
  return "Standard " + std::to_string(standard) + " " + std::string(standard_name(standard));
}

bool plan_line_complete(const AssessmentView& view, const std::string& item_id) {
  auto line = view.plan.find(item_id);
  return line != view.plan.end() && !line->second.action.empty() && !line->second.owner.empty() &&
         !line->second.due.empty();
}

}  // namespace

std::string_view display_name(PublishStatus status) {
  switch (status) {
    case PublishStatus::not_met: return "Standards Not Met";
    case PublishStatus::approaching: return "Approaching Standards";
    case PublishStatus::met: return "Standards Met";
    case PublishStatus::exceeded: return "Standards Exceeded";
  }
  return "Standards Not Met";
}

std::string_view to_string(PublishStatus status) {
  switch (status) {
    case PublishStatus::not_met: return "not_met";
    case PublishStatus::approaching: return "approaching";
    case PublishStatus::met: return "met";
    case PublishStatus::exceeded: return "exceeded";
  }
  return "not_met";
}

std::string public_status(AssessmentYear year, PublishStatus status) {
  return year.public_prefix() + " " + std::string(display_name(status));
}

Result<PublishStatus> parse_publish_status(std::string_view text) {
  std::string_view words = trimmed(text);
  // The public form's year prefix ("26/27 ") says nothing the year does not.
  if (words.size() > 6 && words[2] == '/' && words[5] == ' ') words = trimmed(words.substr(6));
  const std::string wanted = lowercase(words);
  for (auto status : {PublishStatus::not_met, PublishStatus::approaching, PublishStatus::met, PublishStatus::exceeded})
    if (wanted == lowercase(display_name(status)) || wanted == to_string(status)) return status;
  return invalid_input("'" + std::string(text) +
                       "' is not a status; write Approaching Standards, Standards Met, Standards Exceeded or "
                       "Standards Not Met (or approaching, met, exceeded, not_met)");
}

bool item_provided(const CatalogueItem& item, const AssessmentView& view) {
  auto answer = view.answers.find(item.id);
  if (answer == view.answers.end() || view.to_review.count(item.id)) return false;
  if (item.type == AnswerType::yes_no) return answer->second.value.text == "yes";
  return !answer->second.value.text.empty();
}

std::vector<std::string> unanswered_items(const Catalogue& catalogue, const AssessmentView& view,
                                          std::string_view assertion) {
  std::vector<std::string> out;
  for (const auto& item : catalogue.items())
    if (item.assertion == assertion && !item_provided(item, view)) out.push_back(item.id);
  return out;
}

std::string unanswered_warning(std::string_view assertion, const std::vector<std::string>& items) {
  if (items.empty()) return {};
  std::string list;
  for (std::size_t i = 0; i < items.size(); ++i)
    list += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  return list + (items.size() == 1 ? ", an item" : ", items") + " of assertion " + std::string(assertion) +
         (items.size() == 1 ? ", is" : ", are") +
         " not answered yet: confirming says the evidence entered for it is correct, so answer " +
         (items.size() == 1 ? "it" : "them") + " first";
}

std::string Evaluation::mandatory_summary() const {
  return std::to_string(mandatory_provided) + " of " + std::to_string(mandatory_total) +
         " mandatory evidence items provided";
}

std::string Evaluation::assertion_summary() const {
  return std::to_string(assertions_confirmed) + " of " + std::to_string(assertions_total) + " assertions confirmed";
}

Evaluation evaluate(const Catalogue& catalogue, const AssessmentView& view, Date today) {
  Evaluation result;
  result.year = catalogue.year();

  std::vector<Problem> missing_for_met, missing_for_approaching, unconfirmed, plan_gaps, conflicts;
  for (const auto& item : catalogue.items()) {
    const bool provided = item_provided(item, view);
    const bool shared = view.shared_items.count(item.id) > 0;
    if (shared) ++result.shared_items;
    if (item.required_for_met) {
      ++result.mandatory_total;
      if (provided) ++result.mandatory_provided;
      else {
        missing_for_met.push_back({item.id, item.group, item_problem(item, view) + shared_suffix(shared), shared});
        result.plan_required.push_back(item.id);
        // Items of the Approaching set must be answered for Approaching Standards anyway, so a plan
        // line is asked for only where the plan is what that level rests on.
        if (!plan_line_complete(view, item.id) && !in_approaching_set(item))
          plan_gaps.push_back({item.id, item.group, plan_gap_message(item, view) + shared_suffix(shared), shared});
      }
    }
    if (in_approaching_set(item)) {
      ++result.approaching_total;
      if (provided) ++result.approaching_provided;
      else
        missing_for_approaching.push_back(
            {item.id, item.group, item_problem(item, view) + shared_suffix(shared), shared});
    }
  }
  result.overrides = static_cast<int>(view.overrides.size());
  for (const auto& assertion : catalogue.assertions()) {
    ++result.assertions_total;
    const bool shared = view.shared_assertions.count(assertion.id) > 0;
    if (view.confirmed.count(assertion.id)) ++result.assertions_confirmed;
    else
      unconfirmed.push_back({assertion.id, standard_group(assertion.standard),
                             "Please confirm assertion " + assertion.id + " (" + standard_group(assertion.standard) +
                                 ")" + (shared ? " (head office confirms it for every branch)" : ""),
                             shared});
  }
  for (const auto& [key, values] : view.conflicts) {
    const CatalogueItem* item = key.kind == TargetKind::item ? catalogue.find_item(key.target) : nullptr;
    const std::string group = item ? item->group : std::string(to_string(key.kind));
    conflicts.push_back({key.target, group, describe_conflict(key, values, &catalogue, view.workplaces) + ": resolve it"});
  }
  result.open_conflicts = static_cast<int>(view.conflicts.size());

  auto cyber = view.profile.find(std::string(profile::kCyberEssentialsPlus));
  const bool cyber_essentials_plus = cyber != view.profile.end() && cyber->second == "yes";

  const bool publishable = unconfirmed.empty() && conflicts.empty();
  const bool met = publishable && missing_for_met.empty();
  const bool approaching = publishable && missing_for_approaching.empty() && plan_gaps.empty();

  auto add = [&](const std::vector<Problem>& problems) {
    result.problems.insert(result.problems.end(), problems.begin(), problems.end());
  };
  if (met && cyber_essentials_plus) {
    result.status = PublishStatus::exceeded;
  } else if (met) {
    result.status = PublishStatus::met;
    result.next_level = PublishStatus::exceeded;
    result.problems.push_back({"", "Organisation profile",
                               "Standards Exceeded needs Cyber Essentials Plus recorded in the organisation profile"});
  } else if (approaching) {
    result.status = PublishStatus::approaching;
    result.next_level = PublishStatus::met;
    add(missing_for_met);
  } else {
    result.status = PublishStatus::not_met;
    result.next_level = PublishStatus::approaching;
    add(missing_for_approaching);
    add(unconfirmed);
    add(plan_gaps);
    add(conflicts);
  }

  if (today > catalogue.year().deadline()) result.warnings.push_back(deadline_warning(catalogue.year()));
  for (const auto& item : catalogue.items())
    if (auto review = view.to_review.find(item.id); review != view.to_review.end())
      result.to_review.push_back(review->second);
  if (!result.to_review.empty()) {
    std::string ids;
    for (const auto& review : result.to_review) ids += (ids.empty() ? "" : ", ") + review.item;
    result.warnings.push_back(std::to_string(result.to_review.size()) +
                              " answer(s) were given before the question set changed their answer type (" + ids +
                              "): they are kept, and count as provided once answered again");
  }
  for (const auto& [item_id, line] : view.plan) {
    if (line.state == "done" || line.due.empty()) continue;
    auto due = parse_iso_date(line.due);
    if (due && *due < today)
      result.warnings.push_back("The improvement action for " + item_id + " was due on " + due->long_form());
  }
  return result;
}

void add_year_advice(Evaluation& evaluation, YearAdvice advice) {
  if (!advice.message.empty())
    for (auto& warning : evaluation.warnings)
      if (warning == deadline_warning(evaluation.year)) warning = advice.message;
  evaluation.year_advice = std::move(advice);
}

nlohmann::json to_json(const Problem& problem) {
  return {{"item", problem.item}, {"group", problem.group}, {"message", problem.message}, {"shared", problem.shared}};
}

nlohmann::json to_json(const Evaluation& evaluation, JsonStyle style) {
  const bool cli = style == JsonStyle::cli;
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& problem : evaluation.problems) problems.push_back(to_json(problem));
  // The next level's code or name; null at Standards Exceeded.
  const auto next = [&evaluation](auto name) {
    return evaluation.next_level ? nlohmann::json(name(*evaluation.next_level)) : nlohmann::json();
  };
  nlohmann::json out = {
      {"year", evaluation.year.label()},
      {"status", to_string(evaluation.status)},
      {cli ? "status_text" : "statusName", display_name(evaluation.status)},
      {cli ? "public_status" : "publicStatus", public_status(evaluation.year, evaluation.status)},
      {cli ? "next_level" : "nextLevel", next([](PublishStatus l) { return to_string(l); })},
      {"mandatory", {{"provided", evaluation.mandatory_provided}, {"total", evaluation.mandatory_total},
                     {"text", evaluation.mandatory_summary()}}},
      {"approaching", {{"provided", evaluation.approaching_provided}, {"total", evaluation.approaching_total}}},
      {"assertions", {{"confirmed", evaluation.assertions_confirmed}, {"total", evaluation.assertions_total},
                      {"text", evaluation.assertion_summary()}}},
      {cli ? "open_conflicts" : "conflicts", evaluation.open_conflicts},
      {cli ? "shared_items" : "sharedItems", evaluation.shared_items},
      {"overrides", evaluation.overrides},
      {"problems", problems},
      {"warnings", evaluation.warnings},
      {cli ? "plan_required" : "planRequired", evaluation.plan_required},
  };
  if (!cli) {
    out["nextLevelName"] = next([](PublishStatus l) { return display_name(l); });
    return out;
  }
  nlohmann::json to_review = nlohmann::json::array();
  for (const auto& review : evaluation.to_review)
    to_review.push_back({{"item", review.item}, {"from", to_string(review.from)}, {"to", to_string(review.to)},
                         {"changed_at", format_timestamp(review.at)}});
  out["to_review"] = to_review;
  out["year_advice"] = evaluation.year_advice ? to_json(*evaluation.year_advice) : nlohmann::json(nullptr);
  return out;
}

}  // namespace dsptsync
