// A laptop's change log as people see it (docs/merge.md, docs/cli.md): the open conflicts, resolving
// one, and the history of an item, an assertion or the profile.
#include "dsptsync/client/workspace.h"

#include "dsptsync/conflict.h"
#include "dsptsync/incident.h"
#include "dsptsync/service/history.h"

#include <algorithm>
#include <map>

namespace dsptsync::client {
namespace {

// Profile entries `dsptsync history profile` covers.
const std::vector<std::string> kRoles = {"caldicott_guardian", "siro", "ig_lead", "dpo"};

}  // namespace

Result<std::vector<Conflict>> Workspace::conflicts() {
  auto state = ledger_->state(site_.code, year_.label());
  if (!state) return state.error();
  const AssessmentView current = view_of(*state, &catalogue_);
  const auto mine = [this](const Head& head) { return head.device == device_id(); };
  std::vector<Conflict> out;
  for (const auto& [key, values] : current.conflicts)
    out.push_back({"", key, service::conflict_group(key, catalogue_), describe_conflict(key, values, &catalogue_),
                   service::conflict_values(values, mine)});
  return out;
}

Result<Change> Workspace::resolve(std::string_view id, const std::optional<std::string>& field_name,
                                  const std::optional<Keep>& keep, const std::optional<std::string>& value) {
  if (keep.has_value() == value.has_value())
    return invalid_input("say how to resolve it: --keep mine, --keep theirs, or --value \"the agreed text\"");
  std::optional<Field> wanted;
  if (field_name) {
    auto parsed = parse_field(*field_name);
    if (!parsed) return invalid_input("--field: " + parsed.error().message + "; use answer, comment, confirmed, owner or plan_action");
    wanted = *parsed;
  }
  auto open_conflicts = conflicts();
  if (!open_conflicts) return open_conflicts.error();
  std::vector<const Conflict*> matching;
  for (const auto& conflict : *open_conflicts)
    if (conflict.key.target == id && (!wanted || conflict.key.field == *wanted)) matching.push_back(&conflict);
  if (matching.empty()) return not_found("there is no open conflict on " + std::string(id) + "; 'dsptsync conflicts' lists them");
  if (matching.size() > 1)
    return invalid_input(std::string(id) + " has conflicts in several fields; choose one with --field " +
                         std::string(to_string(matching[0]->key.field)) + " (or " + std::string(to_string(matching[1]->key.field)) + ")");
  const Conflict& conflict = *matching.front();
  if (auto allowed = check_role(conflict.key.field); !allowed) return allowed.error();
  std::optional<FieldValue> chosen;
  if (value) {
    if (conflict.key.field == Field::answer) {
      auto item = this->item(conflict.key.target);
      if (!item) return item.error();
      auto normalised = normalise_answer(**item, *value, "");
      if (!normalised) return normalised.error();
      chosen = *normalised;
    } else if (!value->empty()) {
      chosen = FieldValue{*value, ""};
    }
  } else {
    const ConflictValue* pick = nullptr;
    for (const auto& candidate : conflict.values)  // winner first, so the first match is the winner among them
      if (candidate.mine.value_or(false) == (*keep == Keep::mine)) {
        pick = &candidate;
        break;
      }
    if (!pick)
      return refused(*keep == Keep::mine ? "none of the values of " + std::string(id) + " was written on this device; use --keep theirs or --value"
                                         : "every value of " + std::string(id) + " was written on this device; use --keep mine or --value");
    chosen = pick->value;
  }
  if (auto valid = check_edit(catalogue_, conflict.key, chosen); !valid) return valid.error();
  // record() bases the edit on every current head, which is what settles the conflict.
  return ledger_->record(Edit{conflict.key, chosen});
}

Result<std::vector<HistoryEntry>> Workspace::history(std::string_view id) {
  std::vector<std::pair<TargetKind, std::string>> targets;
  if (catalogue_.find_item(id)) {
    targets = {{TargetKind::item, std::string(id)}, {TargetKind::plan, std::string(id)}};
  } else if (catalogue_.find_assertion(id)) {
    targets = {{TargetKind::assertion, std::string(id)}};
  } else if (is_incident_id(id)) {
    targets = {{TargetKind::incident, std::string(id)}};
  } else if (id == "profile") {
    for (const auto& name : {profile::kOdsCode, profile::kName, profile::kCyberEssentialsPlus, profile::kNhsmailOnly})
      targets.emplace_back(TargetKind::profile, std::string(name));
    for (const auto& role : kRoles) targets.emplace_back(TargetKind::profile, std::string(profile::kRolePrefix) + role);
  } else {
    auto missing = item(id);
    return missing.error();
  }
  std::vector<LoggedChange> logged;
  for (const auto& [kind, target] : targets) {
    auto part = ledger_->history(site_.code, year_.label(), kind, target);
    if (!part) return part.error();
    logged.insert(logged.end(), part->begin(), part->end());
  }
  return service::history_rows(std::move(logged));
}

}  // namespace dsptsync::client
