// `dsptsync` commands that read and answer the assessment (docs/cli.md): items, show, answer,
// comment, clear, confirm, unconfirm, owner, assertions, override.
#include "cli_commands.h"

#include "dsptsync/incident.h"
#include "dsptsync/library_links.h"
#include "dsptsync/service/document_json.h"
#include "dsptsync/service/incident_json.h"

#include <sstream>

namespace dsptsync::client {
namespace {

json item_json(const CatalogueItem& item, const AssessmentView& view, const std::vector<Document>& library) {
  json out = {{"id", item.id},
              {"standard", item.standard},
              {"standard_name", standard_name(item.standard)},
              {"assertion", item.assertion},
              {"group", item.group},
              {"type", to_string(item.type)},
              {"required_for_met", item.required_for_met},
              {"approaching", to_string(item.approaching)},
              {"question", item.question},
              {"tooltip", item.tooltip},
              {"source", item.source},
              {"previous_id", item.previous_id}};
  auto answer = view.answers.find(item.id);
  out["answer"] = answer == view.answers.end() ? json(nullptr) : value_json(answer->second.value);
  auto comment = view.comments.find(item.id);
  out["comment"] = comment == view.comments.end() ? json(nullptr) : json(comment->second.value.text);
  out["provided"] = item_provided(item, view);
  bool in_conflict = false;
  for (const auto& [key, values] : view.conflicts) in_conflict |= key.kind == TargetKind::item && key.target == item.id;
  out["in_conflict"] = in_conflict;
  if (answer != view.answers.end())
    out["last_changed"] = {{"user", answer->second.by.user}, {"at", format_timestamp(answer->second.by.at)}};
  out["scope"] = view.shared_items.count(item.id) ? "shared" : "branch";
  auto reason = view.overrides.find(item.id);
  out["override"] = reason == view.overrides.end() ? json(nullptr) : json(reason->second.value.text);
  auto review = view.to_review.find(item.id);
  out["review"] = review == view.to_review.end()
                      ? json(nullptr)
                      : json{{"from", to_string(review->second.from)}, {"to", to_string(review->second.to)},
                             {"changed_at", format_timestamp(review->second.at)}};
  out["documents"] = service::linked_documents_json(
      documents_for_item(library, item.id,
                         answer == view.answers.end() ? std::nullopt : std::optional<FieldValue>(answer->second.value)),
      JsonStyle::cli);
  return out;
}

struct ItemFilter {
  std::string group;
  bool mandatory = false, approaching = false, missing = false;

  bool skips(const CatalogueItem& item, bool provided) const {
    return (!group.empty() && item.group != group) || (mandatory && !item.required_for_met) ||
           (approaching && item.approaching == ApproachingFlag::no) || (missing && provided);
  }
};

// One line of `items`: its state, id, where its answer comes from, and the question.
void item_line(std::ostream& text, const CatalogueItem& item, const AssessmentView& view, bool provided) {
  bool item_in_conflict = false;
  for (const auto& [key, values] : view.conflicts)
    item_in_conflict |= (key.kind == TargetKind::item || key.kind == TargetKind::plan) && key.target == item.id;
  const bool to_review = view.to_review.count(item.id) > 0;
  text << "  "
       << (item_in_conflict ? "[CONFLICT]  "
           : to_review      ? "[REVIEW]    "
           : provided       ? "[completed] "
                            : "[ ]         ")
       << item.id << "  "
       << (view.shared_items.count(item.id) ? "[shared] " : view.overrides.count(item.id) ? "[override] " : "")
       << item.question << (item.source.rfind("inferred", 0) == 0 ? "  (wording inferred)" : "") << "\n";
  if (to_review)
    text << "              answer type changed from " << to_string(view.to_review.at(item.id).from) << " to "
         << to_string(item.type) << ": review the answer and give it again\n";
}

Result<Output> items_output(Workspace& workspace, const ItemFilter& filter) {
  auto view = workspace.view();
  if (!view) return view.error();
  auto library = workspace.documents();
  if (!library) return library.error();
  const Catalogue& catalogue = workspace.catalogue();
  json list = json::array();
  std::ostringstream text;
  std::string last_group;
  for (const auto& item : catalogue.items()) {
    const bool provided = item_provided(item, *view);
    if (filter.skips(item, provided)) continue;
    list.push_back(item_json(item, *view, *library));
    if (item.group != last_group) text << "\n" << item.group << "\n";
    last_group = item.group;
    item_line(text, item, *view, provided);
  }
  return Output{{{"year", catalogue.year().label()}, {"origin", catalogue.origin()}, {"items", list}},
                "Question set " + catalogue.year().label() + ": " + catalogue.origin() + "\n" + text.str()};
}

void add_items(BranchCli& cli) {
  auto& filter = cli.line.keep<ItemFilter>();
  auto* cmd = cli.line.app().add_subcommand("items", "list the evidence items of the year, with answers and provenance");
  cmd->add_option("--group", filter.group, "only this topic group");
  cmd->add_flag("--mandatory", filter.mandatory, "only items mandatory for Standards Met");
  cmd->add_flag("--approaching", filter.approaching, "only items of the Approaching Standards set");
  cmd->add_flag("--missing", filter.missing, "only items not yet provided");
  cli.on_store_run(cmd, [&filter](Workspace& workspace) { return items_output(workspace, filter); });
}

Result<Output> show_output(Workspace& workspace, const std::string& id) {
  auto item = workspace.item(id);
  if (!item) return item.error();
  auto view = workspace.view();
  if (!view) return view.error();
  auto library = workspace.documents();
  if (!library) return library.error();
  json data = item_json(**item, *view, *library);
  auto plan = view->plan.find(id);
  if (plan != view->plan.end())
    data["plan"] = {{"action", plan->second.action}, {"owner", plan->second.owner}, {"due", plan->second.due},
                    {"state", plan->second.state}};
  std::ostringstream text;
  text << (*item)->id << " (" << (*item)->group << ", " << to_string((*item)->type) << ")\n" << (*item)->question << "\n";
  if (!(*item)->tooltip.empty()) text << "Guidance: " << (*item)->tooltip << "\n";
  text << "Source: " << (*item)->source << "\n";
  auto answer = view->answers.find(id);
  text << "Answer: " << (answer == view->answers.end() ? std::string("(none)") : value_text(answer->second.value))
       << "\n";
  text << service::linked_documents_text(documents_for_item(
      *library, id, answer == view->answers.end() ? std::nullopt : std::optional<FieldValue>(answer->second.value)));
  auto comment = view->comments.find(id);
  if (comment != view->comments.end()) text << "Comment: " << comment->second.value.text << "\n";
  if (plan != view->plan.end())
    text << "Plan: " << plan->second.action << " (owner " << plan->second.owner << ", due " << plan->second.due << ")\n";
  // The site's incidents of the year that bear on it, as the web app's assessment shows them.
  auto incidents = workspace.incidents(now_ms());
  if (!incidents) return incidents.error();
  const auto tallies = incidents_by_item(shipped_incident_rules(), *incidents, workspace.year().label());
  if (auto tally = tallies.find(id); tally != tallies.end()) {
    data["incidents"] = service::to_json(tally->second);
    text << "Incidents this year: " << tally->second.count << " (" << tally->second.open << " open, "
         << tally->second.reported << " reported to the ICO)\n";
  }
  return Output{data, text.str()};
}

void add_show(BranchCli& cli) {
  auto& id = cli.line.keep<std::string>();
  auto* cmd = cli.line.app().add_subcommand("show", "show one item: question, guidance, answer, comment, plan");
  cmd->add_option("ITEM", id, "item id, e.g. 1.1.5")->required();
  cli.on_store_run(cmd, [&id](Workspace& workspace) { return show_output(workspace, id); });
}

void add_answer(BranchCli& cli) {
  struct Options {
    std::string item, value, location, comment, document;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("answer", "answer an evidence item");
  cmd->add_option("ITEM", o.item, "item id, e.g. 1.1.5")->required();
  cmd->add_option("VALUE", o.value, "yes/no, text, document name, YYYY-MM-DD, or a number")->required();
  auto* location =
      cmd->add_option("--location", o.location, "document items: where the document is kept (path or link)");
  cmd->add_option("--document", o.document, "document items: the library document that answers it, e.g. DOC-3F9A2C1B")
      ->excludes(location);
  auto* comment_option = cmd->add_option("--comment", o.comment, "also set the item's comment");
  cli.on_store_run(cmd, [&o, comment_option](Workspace& workspace) -> Result<Output> {
    std::optional<std::string> comment;
    if (comment_option->count()) comment = o.comment;
    auto changes =
        workspace.answer(o.item, o.value, o.document.empty() ? o.location : library_location(o.document), comment);
    if (!changes) return changes.error();
    return changes_output(*changes, "Answered " + o.item + ": " + value_text(changes->front().value) + "\n");
  });
}

void add_comment_and_clear(BranchCli& cli) {
  struct CommentOptions {
    std::string item, text;
  };
  auto& c = cli.line.keep<CommentOptions>();
  auto* comment = cli.line.app().add_subcommand("comment", "set an item's comment (empty text removes it)");
  comment->add_option("ITEM", c.item)->required();
  comment->add_option("TEXT", c.text)->required();
  cli.on_store_run(comment, [&c](Workspace& workspace) -> Result<Output> {
    auto change = workspace.comment(c.item, c.text);
    if (!change) return change.error();
    return changes_output({*change}, "Comment on " + c.item + " saved\n");
  });

  struct ClearOptions {
    std::string item;
    bool comment = false;
  };
  auto& o = cli.line.keep<ClearOptions>();
  auto* clear = cli.line.app().add_subcommand("clear", "remove an item's answer (or, with --comment, its comment)");
  clear->add_option("ITEM", o.item)->required();
  clear->add_flag("--comment", o.comment, "clear the comment instead of the answer");
  cli.on_store_run(clear, [&o](Workspace& workspace) -> Result<Output> {
    auto change = workspace.clear(o.item, o.comment ? Field::comment : Field::answer);
    if (!change) return change.error();
    return changes_output({*change},
                          "Cleared the " + std::string(o.comment ? "comment" : "answer") + " of " + o.item + "\n");
  });
}

void add_confirm(BranchCli& cli, bool confirmed) {
  auto& id = cli.line.keep<std::string>();
  auto* cmd = cli.line.app().add_subcommand(confirmed ? "confirm" : "unconfirm",
                                            confirmed ? "confirm that the evidence of an assertion is correct"
                                                      : "withdraw an assertion's confirmation");
  cmd->add_option("ASSERTION", id, "assertion id, e.g. 1.1")->required();
  cli.on_store_run(cmd, [&id, confirmed](Workspace& workspace) -> Result<Output> {
    auto change = workspace.confirm(id, confirmed);
    if (!change) return change.error();
    Output output = changes_output({*change}, std::string(confirmed ? "Confirmed" : "Withdrew the confirmation of") +
                                                  " assertion " + id + " (" + change->user + ")\n");
    // Recorded, and said: items of it still unanswered (unanswered_warning, the same words everywhere).
    json warnings = json::array();
    if (confirmed) {
      auto view = workspace.view();
      if (!view) return view.error();
      if (auto warning = unanswered_warning(id, unanswered_items(workspace.catalogue(), *view, id)); !warning.empty()) {
        warnings.push_back(warning);
        output.text += "Warning: " + warning + "\n";
      }
    }
    output.data["warnings"] = std::move(warnings);
    return output;
  });
}

void add_owner(BranchCli& cli) {
  struct Options {
    std::string assertion, name;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand("owner", "name the owner of an assertion (empty name removes it)");
  cmd->add_option("ASSERTION", o.assertion)->required();
  cmd->add_option("NAME", o.name)->required();
  cli.on_store_run(cmd, [&o](Workspace& workspace) -> Result<Output> {
    auto change = workspace.set_owner(o.assertion, o.name);
    if (!change) return change.error();
    return changes_output({*change}, "Owner of assertion " + o.assertion + " set\n");
  });
}

Result<Output> assertions_output(Workspace& workspace) {
  auto view = workspace.view();
  if (!view) return view.error();
  json list = json::array();
  std::ostringstream text;
  for (const auto& assertion : workspace.catalogue().assertions()) {
    auto confirmed = view->confirmed.find(assertion.id);
    auto owner = view->owners.find(assertion.id);
    json entry = {{"id", assertion.id},
                  {"standard", assertion.standard},
                  {"standard_name", standard_name(assertion.standard)},
                  {"text", assertion.text},
                  {"confirmed", confirmed != view->confirmed.end()},
                  {"owner", owner == view->owners.end() ? json(nullptr) : json(owner->second)}};
    if (confirmed != view->confirmed.end())
      entry["confirmed_by"] = {{"user", confirmed->second.user}, {"at", format_timestamp(confirmed->second.at)}};
    list.push_back(entry);
    text << (confirmed != view->confirmed.end() ? "[confirmed] " : "[ ]         ") << assertion.id << "  "
         << standard_name(assertion.standard)
         << (owner != view->owners.end() ? "  owner: " + owner->second : std::string()) << "\n";
  }
  return Output{{{"assertions", list}}, text.str()};
}

void add_override(BranchCli& cli) {
  struct Options {
    std::string item, reason;
    bool remove = false;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = cli.line.app().add_subcommand(
      "override", "answer a shared item yourself because your branch's practice differs (head office sees the reason)");
  cmd->add_option("ITEM", o.item, "evidence item id")->required();
  auto* reason_option = cmd->add_option("--reason", o.reason, "why this branch's practice differs");
  auto* remove_option = cmd->add_flag("--remove", o.remove, "go back to head office's shared answer");
  reason_option->excludes(remove_option);
  cli.line.on_run(cmd, [&o, reason_option, &global = cli.global]() -> Result<Output> {
    if (!reason_option->count() && !o.remove)
      return invalid_input("say why with --reason \"...\", or --remove to use head office's answer again");
    return with_workspace(global, [&o](Workspace& workspace) -> Result<Output> {
      std::optional<std::string> reason;
      if (!o.remove) reason = o.reason;
      auto change = workspace.set_override(o.item, reason);
      if (!change) return change.error();
      return Output{{{"item", o.item}, {"override", reason ? json(*reason) : json(nullptr)}, {"change", change->id}},
                    o.remove ? "Removed the override of " + o.item + ": head office's shared answer applies again\n"
                             : "Recorded the override of " + o.item + "; answer it now with 'dsptsync answer " +
                                   o.item + " ...'. Head office sees the override after your next sync.\n"};
    });
  });
}

}  // namespace

void add_answer_commands(BranchCli& cli) {
  add_items(cli);
  add_show(cli);
  add_answer(cli);
  add_comment_and_clear(cli);
  add_confirm(cli, true);
  add_confirm(cli, false);
  add_owner(cli);
  cli.on_store_run(cli.line.app().add_subcommand("assertions", "list assertions with confirmation and owner"),
                   assertions_output);
  add_override(cli);
}

}  // namespace dsptsync::client
