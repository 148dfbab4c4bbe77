// The question set in force at head office: the shipped or imported set of each year, signed with
// head office's identity key, and the import of the official list (docs/catalogue.md).
#include "dsptsync/server/head_office.h"

#include "dsptsync/assessment.h"
#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace dsptsync::server {
namespace {

// What the assessments of a year hold for each item and assertion, so an import can say what it
// would hide and which answers its type changes flag.
struct Holdings {
  std::map<std::string, std::set<std::string>> items;       // id -> scopes with an answer, comment, plan, override
  std::map<std::string, std::set<std::string>> answers;     // id -> scopes with an answer
  std::map<std::string, std::set<std::string>> assertions;  // id -> scopes with a confirmation or owner
};

void note_holdings(Holdings& out, const std::string& scope, const AssessmentView& view) {
  for (const auto* values : {&view.answers, &view.comments, &view.overrides})
    for (const auto& [id, value] : *values) out.items[id].insert(scope);
  for (const auto& [id, line] : view.plan) out.items[id].insert(scope);
  for (const auto& [id, value] : view.answers) out.answers[id].insert(scope);
  for (const auto& [id, by] : view.confirmed) out.assertions[id].insert(scope);
  for (const auto& [id, owner] : view.owners) out.assertions[id].insert(scope);
}

std::vector<std::string> as_list(const std::set<std::string>& scopes) { return {scopes.begin(), scopes.end()}; }

// Ties a dry run to exactly the change it showed: the set in force then, and the set read from the file.
std::string confirmation_token(const QuestionSet& in_force, const QuestionSet& imported) {
  Bytes both(in_force.content_hash.begin(), in_force.content_hash.end());
  both.insert(both.end(), imported.content_hash.begin(), imported.content_hash.end());
  return crypto::hash_hex(both).substr(0, 16);
}

// Who may replace the question set every laptop works with: a head office administrator (the set
// is the whole organisation's), as the one permission rule says.
Status may_import(const User& by) { return may_act_for_organisation(by.person(), "import the official list"); }

Status check_import_year(AssessmentYear year, AssessmentYear organisation, Date today) {
  if (year < organisation)
    return invalid_input("the organisation works on " + organisation.label() + " now; a question set for " +
                         year.label() + " would change nothing it can still publish. Check the year given: import the list of " +
                         organisation.label() + " or a later year");
  const AssessmentYear running = assessment_year_of(today);
  if (year > running.next())
    return invalid_input(year.label() + " has not started: today is in " + running.label() +
                         ", and the NHS publishes each year's list in the autumn before. Check the year given");
  return {};
}

Status check_size(const QuestionSet& set, std::size_t items) {
  if (set.content.size() > limits::kMaxQuestionSetBytes || items > limits::kMaxQuestionSetItems)
    return invalid_input("the list holds " + std::to_string(items) + " items (" + std::to_string(set.content.size()) +
                         " bytes written out); a question set travels to every laptop and holds at most " +
                         std::to_string(limits::kMaxQuestionSetItems) + " items and " +
                         std::to_string(limits::kMaxQuestionSetBytes / 1024) + " KiB: is this the evidence list?");
  return {};
}

std::string listed(const std::vector<DroppedWithAnswers>& dropped) {
  std::string text;
  for (const auto& entry : dropped) {
    std::string scopes;
    for (const auto& scope : entry.scopes) scopes += (scopes.empty() ? "" : ", ") + scope;
    text += (text.empty() ? "" : "; ") + entry.id + " (" + scopes + ")";
  }
  return text;
}

Result<Holdings> holdings_of(Ledger& ledger, Directory& directory, const std::string& hq, AssessmentYear year) {
  auto branches = directory.branches();
  if (!branches) return branches.error();
  std::vector<std::string> scopes{hq};
  for (const auto& branch : *branches) scopes.push_back(branch.ods);
  Holdings holdings;
  for (const auto& scope : scopes) {
    auto state = ledger.state(scope, year.label());
    if (!state) return state.error();
    note_holdings(holdings, scope, view_of(*state));
  }
  return holdings;
}

// What the import drops that assessments hold, and which held answers its type changes flag.
void weigh_against(QuestionSetImportOutcome& outcome, const Catalogue& before, const Catalogue& after,
                   const Holdings& holdings) {
  for (const auto& item : before.items())
    if (!after.find_item(item.id) && holdings.items.count(item.id))
      outcome.dropped.push_back({item.id, as_list(holdings.items.at(item.id))});
  for (const auto& assertion : before.assertions())
    if (!after.find_assertion(assertion.id) && holdings.assertions.count(assertion.id))
      outcome.dropped.push_back({assertion.id, as_list(holdings.assertions.at(assertion.id))});
  for (const auto& change : outcome.type_changes)
    if (holdings.answers.count(change.item)) outcome.to_review[change.item] = as_list(holdings.answers.at(change.item));
  if (!outcome.dropped.empty()) outcome.confirm_token = confirmation_token(outcome.in_force, outcome.imported);
}

// Stores the new version, unless another import committed since the set in force was read: then this
// one's difference, and any token shown for it, describe a change that is no longer the one being made.
Status store_import(Store& store, const QuestionSetImportOutcome& outcome) {
  auto txn = store.begin();
  if (!txn) return txn.error();
  auto current = (*txn)->question_set(outcome.imported.year);
  if (!current) return current.error();
  if ((*current ? (*current)->set.version : 0) != outcome.in_force.version)
    return refused("another import of the " + outcome.imported.year + " list was recorded meanwhile; nothing was "
                   "imported: run the import again (with --dry-run to see the difference from the new set)");
  if (auto stored = (*txn)->add_question_set(outcome.imported, now_ms()); !stored) return stored.error();
  return (*txn)->commit();
}

}  // namespace

Result<QuestionSet> HeadOffice::question_set_in_force(AssessmentYear year) {
  auto stored = store_->question_set(year.label());
  if (!stored) return stored.error();
  if (*stored) return std::move((*stored)->set);
  auto shipped = shipped_catalogue(year);
  if (!shipped) return shipped.error();
  QuestionSet set = make_question_set(*shipped, 0, {}, {});
  sign_question_set(set, identity_);
  return set;
}

Result<std::vector<QuestionSet>> HeadOffice::question_sets_in_force() {
  std::set<AssessmentYear> years;
  for (const auto& year : shipped_years()) years.insert(year);
  auto stored = store_->question_sets();
  if (!stored) return stored.error();
  for (const auto& kept : *stored)
    if (auto year = parse_assessment_year(kept.set.year)) years.insert(*year);
  std::vector<QuestionSet> out;
  for (const auto& year : years) {
    auto set = question_set_in_force(year);
    if (!set) return set.error();
    out.push_back(std::move(*set));
  }
  return out;
}

Result<std::vector<StoredQuestionSet>> HeadOffice::question_set_history() { return store_->question_sets(); }

Result<QuestionSetImportOutcome> HeadOffice::import_question_set(const User& by, const QuestionSetImport& request) {
  if (auto allowed = may_import(by); !allowed) return allowed.error();
  const AssessmentYear year = request.catalogue.year();
  if (auto allowed = check_import_year(year, year_, date_of(now_ms())); !allowed) return allowed.error();

  QuestionSetImportOutcome outcome;
  auto in_force = question_set_in_force(year);
  if (in_force) outcome.in_force = std::move(*in_force);
  else if (in_force.error().kind != ErrorKind::not_found) return in_force.error();
  auto before = in_force ? catalogue_of(outcome.in_force) : Result<Catalogue>(Catalogue(year, "", {}));
  if (!before) return before.error();

  const TimestampMs now = now_ms();
  QuestionSetOrigin origin{QuestionSetSource::imported, request.file, request.category, now, by.name};
  outcome.imported = make_question_set(request.catalogue, outcome.in_force.version + 1, std::move(origin),
                                       carry_type_changes(*before, request.catalogue, now, outcome.in_force.type_changes));
  if (auto sized = check_size(outcome.imported, request.catalogue.items().size()); !sized) return sized.error();
  sign_question_set(outcome.imported, identity_);
  if (in_force && outcome.imported.content_hash == outcome.in_force.content_hash) {
    outcome.unchanged = true;
    return outcome;
  }
  for (const auto& change : outcome.imported.type_changes)
    if (change.at == now) outcome.type_changes.push_back(change);
  auto holdings = holdings_of(*ledger_, *directory_, hq_.code, year);
  if (!holdings) return holdings.error();
  weigh_against(outcome, *before, request.catalogue, *holdings);
  if (request.dry_run) return outcome;

  if (!outcome.dropped.empty() && request.confirm != outcome.confirm_token)
    return refused("the " + year.label() + " list drops what assessments still hold answers for: " +
                   listed(outcome.dropped) + ". Nothing was imported. The answers would be kept but no longer " +
                   "shown: see every change with --dry-run first, then import with the --confirm token it prints" +
                   (request.confirm.empty() ? "" : " (the token given is not this change's: the file or the set in "
                                                   "force differs from the dry run's)"));
  if (auto stored = store_import(*store_, outcome); !stored) return stored.error();
  outcome.applied = true;
  if (year == year_) {
    auto current = catalogue_of(outcome.imported);
    if (!current) return current.error();
    catalogue_ = std::move(*current);
  }
  return outcome;
}

Result<QuestionSetImportOutcome> HeadOffice::import_official_list(const User& by, const OfficialListUpload& upload) {
  if (auto allowed = may_import(by); !allowed) return allowed.error();
  auto year = parse_assessment_year(upload.year);
  if (!year) return invalid_input("the year: " + year.error().message);
  if (auto allowed = check_import_year(*year, year_, date_of(now_ms())); !allowed) return allowed.error();
  // What the list leaves out (topic groups, types) comes from the set head office works with: the
  // year's own where it has one, else the organisation's current year's.
  auto reference = question_set_in_force(*year);
  if (!reference && reference.error().kind == ErrorKind::not_found) reference = question_set_in_force(year_);
  if (!reference) return reference.error();
  auto reference_catalogue = catalogue_of(*reference);
  if (!reference_catalogue) return reference_catalogue.error();
  // The one reader of the official list (.xlsx or CSV), as every front-end uses it.
  auto list = dsptsync::import_official_list(upload.bytes, upload.file_name, *year,
                                             {upload.category, &*reference_catalogue});
  if (!list) return invalid_input(list.error().message + "; nothing was imported");
  auto diff = diff_question_sets(*reference_catalogue, *list);
  auto outcome = import_question_set(by, {std::move(list->catalogue), upload.file_name, list->category,
                                          upload.dry_run, upload.confirm});
  if (!outcome) return outcome.error();
  outcome->diff = std::move(diff);
  return outcome;
}

nlohmann::json question_sets_json(const std::vector<QuestionSet>& in_force, const std::vector<StoredQuestionSet>& imports) {
  nlohmann::json years = nlohmann::json::array();
  for (const auto& set : in_force) years.push_back(to_json(set));
  nlohmann::json list = nlohmann::json::array();
  for (const auto& kept : imports) {
    nlohmann::json entry = to_json(kept.set);
    entry["stored_at"] = format_timestamp(kept.stored_at);
    list.push_back(std::move(entry));
  }
  return {{"in_force", std::move(years)}, {"imports", std::move(list)}};
}

nlohmann::json to_json(const QuestionSetImportOutcome& outcome) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& change : outcome.type_changes)
    changes.push_back({{"item", change.item}, {"from", to_string(change.from)}, {"to", to_string(change.to)}});
  nlohmann::json review = nlohmann::json::array();
  for (const auto& [item, scopes] : outcome.to_review) review.push_back({{"item", item}, {"scopes", scopes}});
  nlohmann::json dropped = nlohmann::json::array();
  for (const auto& entry : outcome.dropped) dropped.push_back({{"id", entry.id}, {"scopes", entry.scopes}});
  return {{"year", outcome.imported.year},
          {"applied", outcome.applied},
          {"unchanged", outcome.unchanged},
          {"in_force", outcome.in_force.year.empty() ? nlohmann::json() : to_json(outcome.in_force)},
          {"imported", to_json(outcome.imported)},
          {"type_changes", changes},
          {"to_review", review},
          {"dropped", dropped},
          {"confirm", outcome.confirm_token.empty() ? nlohmann::json() : nlohmann::json(outcome.confirm_token)},
          {"diff", to_json(outcome.diff)}};
}

std::vector<std::string> describe(const QuestionSetImportOutcome& outcome) {
  const QuestionSet& next = outcome.imported;
  const auto short_hash = [](const QuestionSet& set) { return crypto::to_hex(set.content_hash).substr(0, 16); };
  if (outcome.unchanged)
    return {"The " + next.year + " question set in force (version " + std::to_string(outcome.in_force.version) +
            ", hash " + short_hash(outcome.in_force) + ") already has the items of " + next.origin.file +
            ": nothing was imported"};
  std::vector<std::string> lines{
      (outcome.applied ? "Imported " : "Would import ") + next.origin.file + " as the " + next.year +
      " question set, version " + std::to_string(next.version) + " (hash " + short_hash(next) + "), " +
      (outcome.in_force.year.empty() ? "the first set for " + next.year
                                     : "replacing version " + std::to_string(outcome.in_force.version) + " (hash " +
                                           short_hash(outcome.in_force) + ", " + describe_origin(outcome.in_force) +
                                           ")")};
  const auto joined = [](const std::vector<std::string>& scopes) {
    std::string text;
    for (const auto& scope : scopes) text += (text.empty() ? "" : ", ") + scope;
    return text;
  };
  for (const auto& line : dsptsync::describe(outcome.diff)) lines.push_back("  " + line);
  for (const auto& entry : outcome.dropped)
    lines.push_back("  Drops " + entry.id + ", answered in " + joined(entry.scopes) +
                    ": the answers are kept in the store but no longer shown or counted");
  for (const auto& change : outcome.type_changes) {
    auto review = outcome.to_review.find(change.item);
    lines.push_back("  Changes the answer type of " + change.item + " from " + std::string(to_string(change.from)) +
                    " to " + std::string(to_string(change.to)) +
                    (review == outcome.to_review.end()
                         ? ": no assessment has answered it yet"
                         : ": the answers of " + joined(review->second) + " are kept and flagged for review"));
  }
  if (outcome.applied) {
    lines.push_back("Signed by head office; branch laptops take it at their next sync (a watching laptop at once)");
  } else {
    lines.push_back("Nothing was imported (dry run)");
    lines.push_back(outcome.confirm_token.empty()
                        ? "To import it, run the same command without --dry-run"
                        : "To import it, dropping what is listed above, run the same command without --dry-run and "
                          "with --confirm " + outcome.confirm_token);
  }
  return lines;
}

}  // namespace dsptsync::server
