// Changes of several items in one request (docs/api.md): the answers and comments of a group saved
// at once, and the improvement plan for many items (plan_batch.h). Each edit passes the same checks
// as one item's (check_edit_allowed, check_edit) and all are recorded in one transaction, or none.
#include "assessment_json.h"
#include "item_edits.h"

#include "dsptsync/plan_batch.h"
#include "dsptsync/web/api.h"
#include "dsptsync/web/app.h"

#include <algorithm>
#include <set>

namespace dsptsync::web {
namespace {

struct ItemFault {
  std::string item;
  BodyFault fault;
  bool refused = false;  // a permission rule, not the value
};

// Every edit's rule checked, each fault named by its item (one per item: the first).
std::vector<ItemFault> check_edits(const Actor& actor, const ScopeSnapshot& snapshot, const std::vector<Edit>& edits) {
  std::vector<ItemFault> faults;
  std::set<std::string> at_fault;
  for (const auto& edit : edits) {
    if (at_fault.count(edit.key.target)) continue;
    if (auto allowed = check_edit_allowed(actor, snapshot, edit.key); !allowed) {
      faults.push_back({edit.key.target, {allowed.error().message, ""}, allowed.error().kind == ErrorKind::refused});
    } else if (auto valid = check_edit(snapshot.catalogue, edit.key, edit.value); !valid) {
      faults.push_back({edit.key.target, {valid.error().message, body_name(edit.key.field)}});
    } else {
      continue;
    }
    at_fault.insert(edit.key.target);
  }
  return faults;
}

// 400 (403 when every fault is a permission refusal) with every item at fault in "errors".
HttpResponse faults_response(const std::vector<ItemFault>& faults) {
  nlohmann::json errors = nlohmann::json::array();
  std::string names;
  bool all_refused = true;
  for (const auto& [item, fault, refused] : faults) {
    nlohmann::json entry = {{"item", item}, {"message", fault.message}};
    if (!fault.field.empty()) entry["field"] = fault.field;
    errors.push_back(std::move(entry));
    names += (names.empty() ? "" : ", ") + item;
    all_refused = all_refused && refused;
  }
  const std::string message =
      (faults.size() == 1 ? "1 item was not saved (" : std::to_string(faults.size()) + " items were not saved (") +
      names + "), and nothing else either: " + faults.front().item + ": " + faults.front().fault.message;
  return json_response(all_refused ? 403 : 400,
                       {{"error", {{"code", all_refused ? "forbidden" : "invalid_input"}, {"message", message}}},
                        {"errors", std::move(errors)}});
}

// {"item": ID, "answer"?, "location"?, "comment"?}: its edits, or why not.
std::optional<BodyFault> entry_edits(const ScopeSnapshot& snapshot, const nlohmann::json& entry, std::string& id,
                                     std::vector<Edit>& edits) {
  if (!entry.is_object()) return BodyFault{"each of \"items\" is an object: {\"item\", \"answer\", \"comment\"}", ""};
  auto item_id = string_member(entry, "item");
  if (!item_id || !*item_id || (*item_id)->empty()) return BodyFault{"say which item: \"item\"", "item"};
  id = **item_id;
  const CatalogueItem* item = snapshot.catalogue.find_item(id);
  if (!item)
    return BodyFault{"there is no item " + id + " in the " + snapshot.catalogue.year().label() + " question set",
                     "item"};
  const std::size_t before = edits.size();
  if (auto fault = answer_edits(snapshot, *item, entry, edits)) return fault;
  if (edits.size() == before) return BodyFault{"nothing to change for " + id + ": send its answer or comment", ""};
  return std::nullopt;
}

}  // namespace

std::optional<BodyFault> answer_edits(const ScopeSnapshot& snapshot, const CatalogueItem& item,
                                      const nlohmann::json& body, std::vector<Edit>& edits) {
  auto answer = string_member(body, "answer");
  auto location = string_member(body, "location");
  auto comment = string_member(body, "comment");
  for (auto* part : {&answer, &location, &comment})
    if (!*part) return BodyFault{part->error().message, ""};
  if (*answer) {
    if ((*answer)->empty()) {
      edits.push_back({key_of(snapshot, TargetKind::item, item.id, Field::answer), std::nullopt});
    } else {
      auto normalised = normalise_answer(item, **answer, location->value_or(""));
      if (!normalised) return BodyFault{normalised.error().message, "answer"};
      edits.push_back({key_of(snapshot, TargetKind::item, item.id, Field::answer), *normalised});
    }
  } else if (*location) {
    return BodyFault{"a document's location goes with its name: send \"answer\" too", "location"};
  }
  if (*comment)
    edits.push_back({key_of(snapshot, TargetKind::item, item.id, Field::comment), value_or_clear(**comment)});
  return std::nullopt;
}

HttpResponse WebApp::change_items(const Actor& actor, const HttpRequest& request, const std::string& scope) {
  auto snapshot = backend_.snapshot(actor, scope);
  if (!snapshot) return error_response(snapshot.error());
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  auto entries = body->find("items");
  if (entries == body->end() || !entries->is_array() || entries->empty())
    return api_error(400, "invalid_input", "send \"items\": a list of {\"item\", \"answer\", \"comment\"}", "items");
  std::vector<Edit> edits;
  std::vector<std::string> ids;
  std::vector<ItemFault> faults;
  for (const auto& entry : *entries) {
    std::string id;
    if (auto fault = entry_edits(*snapshot, entry, id, edits)) {
      faults.push_back({id, *fault});
    } else if (std::find(ids.begin(), ids.end(), id) != ids.end()) {
      faults.push_back({id, {id + " is sent twice: send each item once", "item"}});
    } else {
      ids.push_back(id);
    }
  }
  if (faults.empty()) faults = check_edits(actor, *snapshot, edits);
  if (!faults.empty()) return faults_response(faults);
  auto recorded = backend_.record(actor, edits);
  if (!recorded) return error_response(recorded.error());
  return json_response(200, {{"ok", true}, {"changes", *recorded}, {"items", ids}});
}

HttpResponse WebApp::change_plans(const Actor& actor, const HttpRequest& request, const std::string& scope,
                                  bool generate) {
  auto snapshot = backend_.snapshot(actor, scope);
  if (!snapshot) return error_response(snapshot.error());
  auto body = json_body(request);
  if (!body) return api_error(400, "invalid_input", body.error().message);
  PlanParts parts;
  for (auto [name, part] : {std::pair{"action", &parts.action}, std::pair{"owner", &parts.owner},
                            std::pair{"due", &parts.due}, std::pair{"state", &parts.state}}) {
    auto text = string_member(*body, name);
    if (!text) return api_error(400, "invalid_input", text.error().message, name);
    if (!generate || std::string_view(name) != "action") *part = *text;
  }
  const std::string year = snapshot->catalogue.year().label();
  Result<PlanBatch> batch = invalid_input("");
  if (generate) {
    batch =
        plan_generate_edits(snapshot->catalogue, snapshot->view, snapshot->scope, year, !snapshot->head_office, parts);
  } else {
    std::vector<std::string> items;
    auto listed = body->find("items");
    if (listed == body->end() || !listed->is_array())
      return api_error(400, "invalid_input", "send \"items\": the ids of the items to change", "items");
    for (const auto& id : *listed) {
      if (!id.is_string()) return api_error(400, "invalid_input", "each of \"items\" is an item id", "items");
      items.push_back(id.get<std::string>());
    }
    batch = plan_set_edits(snapshot->catalogue, snapshot->scope, year, items, parts);
  }
  if (!batch)
    return error_response(batch.error(), [](std::string_view name) { return name == "due" || name == "state"; });
  if (!batch->edits.empty()) {
    if (auto faults = check_edits(actor, *snapshot, batch->edits); !faults.empty()) return faults_response(faults);
    auto recorded = backend_.record(actor, batch->edits);
    if (!recorded) return error_response(recorded.error());
    return json_response(200, {{"ok", true}, {"changes", *recorded}, {"items", batch->items}});
  }
  return json_response(200, {{"ok", true}, {"changes", 0}, {"items", nlohmann::json::array()}});
}

}  // namespace dsptsync::web
