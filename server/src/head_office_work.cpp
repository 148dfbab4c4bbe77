// Head office's own work: edits made at the server, effective assessments, publishing and the
// organisation's roll-forward (docs/head-office.md).
#include "dsptsync/server/head_office.h"

#include "dsptsync/assessment.h"
#include "dsptsync/export.h"
#include "dsptsync/incident.h"
#include "dsptsync/permissions.h"
#include "dsptsync/service/history.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

namespace dsptsync::server {
namespace {

constexpr std::string_view kYearSetting = "org.year";
// The log position when the organisation moved to its current year (protocol::Ready).
constexpr std::string_view kYearStartedSetting = "org.year_started_seq";

// A stable hash of what a status rests on: every value of the effective assessment, in key order
// (nlohmann::json objects are ordered maps), without who or when, so the same answers always give
// the same hash.
std::string answers_hash(const AssessmentView& view) {
  nlohmann::json out;
  auto values = [](const std::map<std::string, AnsweredValue>& from) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& [id, answered] : from) object[id] = {answered.value.text, answered.value.location};
    return object;
  };
  out["answers"] = values(view.answers);
  out["comments"] = values(view.comments);
  out["overrides"] = values(view.overrides);
  out["confirmed"] = nlohmann::json::array();
  for (const auto& [id, by] : view.confirmed) out["confirmed"].push_back(id);
  out["owners"] = view.owners;
  out["profile"] = view.profile;
  out["plan"] = nlohmann::json::object();
  for (const auto& [id, line] : view.plan) out["plan"][id] = {line.action, line.owner, line.due, line.state};
  out["shared"] = view.shared_items;
  const std::string text = out.dump();
  return crypto::hash_hex(ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

std::string role_name(protocol::Role role) { return std::string(protocol::to_string(role)); }

// Records edits made at the server inside `txn`, with an audit record signed by the server's own
// identity, as a device's push is signed, so `audit --verify` checks these as well.
Result<std::vector<Change>> record_signed(Ledger& ledger, const crypto::SigningKeyPair& identity,
                                          StoreTransaction& txn, const std::vector<Edit>& edits,
                                          const std::string& user) {
  auto recorded = ledger.record_within(txn, edits, user);
  if (!recorded) return recorded.error();
  AuditRecord audit;
  audit.device_id = ledger.identity().device;
  audit.user = user;
  audit.received_at = now_ms();
  for (const auto& change : *recorded) audit.change_ids.push_back(change.id);
  audit.digest = protocol::push_digest(audit.device_id, *recorded);
  audit.signature = crypto::sign(identity, audit.digest);
  if (auto appended = txn.append_audit(audit); !appended) return appended.error();
  return recorded;
}

}  // namespace

Status HeadOffice::refresh() {
  auto text = store_->setting(kYearSetting);
  if (!text) return text.error();
  if (!*text) return {};
  auto year = parse_assessment_year(**text);
  if (!year) return corrupt("the assessment year in the server's database is damaged: " + year.error().message);
  // An import (another process, or the web app) may have replaced the year's question set.
  auto sets_seq = store_->last_question_set_seq();
  if (!sets_seq) return sets_seq.error();
  if (*year == year_ && *sets_seq == question_sets_seq_) return {};
  auto catalogue = catalogue_in_store(*store_, *year);
  if (!catalogue) return catalogue.error();
  year_ = *year;
  catalogue_ = std::move(*catalogue);
  question_sets_seq_ = *sets_seq;
  return {};
}

Result<Catalogue> HeadOffice::catalogue_for(AssessmentYear year) {
  if (year == year_) return catalogue_;
  return catalogue_in_store(*store_, year);
}

Result<std::string> HeadOffice::scope_of(const std::optional<std::string>& branch) {
  if (!branch || branch->empty()) return hq_.code;
  auto code = parse_ods_code(*branch);
  if (!code) return code.error();
  if (code->code == hq_.code) return hq_.code;
  if (code->kind != OdsKind::site)
    return invalid_input(code->code + " is not a branch code (V followed by 4 letters or digits, e.g. VLAXL) nor this "
                         "organisation's HQ code " + hq_.code);
  auto found = directory_->branch(code->code);
  if (!found) return found.error();
  if (!*found)
    return not_found("there is no branch " + code->code + " in " + name_ +
                     "; 'dsptsync-server branch list' shows the branches");
  return code->code;
}

Result<AssessmentView> HeadOffice::effective_view(std::string_view scope, AssessmentYear year) {
  auto views = scope_views(scope, year);
  if (!views) return views.error();
  return std::move(views->effective);
}

Result<HeadOffice::ScopeViews> HeadOffice::scope_views(std::string_view scope, AssessmentYear year) {
  auto catalogue = catalogue_for(year);
  if (!catalogue) return catalogue.error();
  auto head_office_state = ledger_->state(hq_.code, year.label());
  if (!head_office_state) return head_office_state.error();
  AssessmentView head_office = view_of(*head_office_state, &*catalogue);
  if (!head_office.conflicts.empty()) {
    auto where = workplaces();
    if (!where) return where.error();
    head_office.workplaces = std::move(*where);
  }
  if (scope == hq_.code) {
    AssessmentView shared = shared_view(*catalogue, head_office);
    return ScopeViews{std::move(*catalogue), std::move(*head_office_state), std::move(head_office), std::move(shared)};
  }
  auto branch_state = ledger_->state(scope, year.label());
  if (!branch_state) return branch_state.error();
  AssessmentView own = view_of(*branch_state, &*catalogue);
  AssessmentView effective = dsptsync::effective_view(*catalogue, head_office, own);
  if (!effective.conflicts.empty() || !own.conflicts.empty()) {  // read the people only when a conflict needs them
    auto where = workplaces();
    if (!where) return where.error();
    own.workplaces = effective.workplaces = std::move(*where);
  }
  return ScopeViews{std::move(*catalogue), std::move(*branch_state), std::move(own), std::move(effective)};
}

Result<User> HeadOffice::acting_user(std::string_view raw_name) {
  const std::string name = normalise_name(raw_name);
  if (name.empty())
    return invalid_input("say who is making the change: --as \"Your Name\" or DSPTSYNC_SERVER_USER (a head office "
                         "user; 'dsptsync-server user add NAME --role admin' adds one)");
  auto user = directory_->user(name);
  if (!user) return user.error();
  if (!*user)
    return not_found("there is no user '" + name + "'; 'dsptsync-server user add \"" + name +
                     "\" --role admin' adds a head office administrator");
  if ((*user)->revoked_at) return refused("'" + name + "' was revoked and can no longer make changes");
  if (!(*user)->head_office())
    return refused("'" + name + "' works for branch " + (*user)->branch +
                   "; changes at the head office server are made by head office users");
  return **user;
}

Status HeadOffice::add_console_user(std::string_view raw_name, protocol::Role role) {
  const std::string name = normalise_name(raw_name);
  if (name.empty()) return invalid_input("the user's name is empty; give one, e.g. \"Priya Shah\"");
  if (std::any_of(name.begin(), name.end(), [](char c) { return std::iscntrl(static_cast<unsigned char>(c)); }))
    return invalid_input("the user's name contains control characters; type it on one line");
  return directory_->add_user(User{name, "", role, now_ms(), std::nullopt});
}

Result<std::vector<Change>> HeadOffice::edit_as(const User& user, const std::vector<Edit>& edits) {
  if (edits.empty()) return invalid_input("nothing to change");
  std::map<std::string, Catalogue> catalogues;
  for (const auto& edit : edits) {
    const std::string what = to_string(edit.key.kind).data() + std::string(" ") + edit.key.target;
    if (auto allowed = may_record(*store_, user.person(), edit.key, edit.value); !allowed) return allowed.error();
    if (edit.key.kind == TargetKind::profile)
      if (auto allowed = may_change_profile(user.person(), edit.key.scope, hq_.code); !allowed) return allowed.error();
    if (edit.key.scope != hq_.code) {
      auto branch = directory_->branch(edit.key.scope);
      if (!branch) return branch.error();
      if (!*branch) return not_found("there is no branch " + edit.key.scope + " in " + name_);
    }
    if (auto scoped = check_edit_scope(edit.key, hq_.code); !scoped) return scoped.error();
    auto year = parse_assessment_year(edit.key.year);
    if (!year) return year.error();
    auto catalogue = catalogues.find(year->label());
    if (catalogue == catalogues.end()) {
      auto loaded = catalogue_for(*year);
      if (!loaded) return loaded.error();
      catalogue = catalogues.emplace(year->label(), std::move(*loaded)).first;
    }
    if (auto valid = check_edit(catalogue->second, edit.key, edit.value); !valid)
      return invalid_input(what + ": " + valid.error().message);
  }
  if (auto linked = check_library_links(edits); !linked) return linked.error();
  auto txn = store_->begin();
  if (!txn) return txn.error();
  auto recorded = record_signed(*ledger_, identity_, **txn, edits, user.name);
  if (!recorded) return recorded.error();
  if (auto committed = (*txn)->commit(); !committed) return committed.error();
  return recorded;
}

Result<std::map<std::string, std::string>> HeadOffice::profile() {
  auto state = ledger_->state(hq_.code, year_.label());
  if (!state) return state.error();
  return view_of(*state, &catalogue_).profile;
}

Result<std::vector<Change>> HeadOffice::set_profile(const User& by, const ProfileEntries& entries) {
  // Refused before the entries are read: a member's typing mistake is not the point.
  if (auto allowed = may_change_profile(by.person(), hq_.code, hq_.code); !allowed) return allowed.error();
  auto edits = profile_edits(catalogue_, hq_.code, year_.label(), entries);
  if (!edits) return edits.error();
  return edit_as(by, *edits);
}

Result<std::vector<Publication>> HeadOffice::publications() { return directory_->publications(); }

Result<service::CertificateLookup> HeadOffice::certificate(std::int64_t id, std::string_view ods) {
  using Missing = service::CertificateLookup::Missing;
  auto list = directory_->publications();
  if (!list) return list.error();
  service::CertificateLookup out;
  auto publication = std::find_if(list->begin(), list->end(), [id](const auto& p) { return p.id == id; });
  if (publication == list->end()) {
    out.missing = Missing::publication;
    return out;
  }
  out.sites = publication->sites.size();
  const PublishedSite* site = nullptr;
  if (ods.empty() && out.sites != 1) out.missing = Missing::which_site;
  else if (ods.empty()) site = &publication->sites.front();
  for (const auto& each : publication->sites)
    if (!site && !ods.empty() && each.ods == ods) site = &each;
  if (!site) {
    if (out.missing == Missing::nothing) out.missing = Missing::site;
    return out;
  }
  const Certificate certificate{name_, hq_.code, site->ods, site->name, site->public_status,
                                date_of(publication->published_at).iso(), publication->published_by, publication->id,
                                site->answers_hash};
  out.publication = publication->id;
  out.ods = site->ods;
  out.name = site->name;
  out.public_status = site->public_status;
  out.html = certificate_html(certificate);
  return out;
}

Result<std::vector<service::HistoryRow>> HeadOffice::history(std::string_view scope, std::string_view id) {
  auto catalogue = catalogue_for(year_);
  if (!catalogue) return catalogue.error();
  std::vector<TargetKind> kinds;
  if (catalogue->find_item(id)) kinds = {TargetKind::item, TargetKind::plan};
  else if (catalogue->find_assertion(id)) kinds = {TargetKind::assertion};
  else if (is_incident_id(id)) kinds = {TargetKind::incident};
  else
    return not_found("there is no item, assertion or incident " + std::string(id) + " in the " + year_.label() +
                     " question set");
  std::vector<LoggedChange> logged;
  for (auto kind : kinds) {
    auto part = ledger_->history(scope, year_.label(), kind, id);
    if (!part) return part.error();
    logged.insert(logged.end(), part->begin(), part->end());
  }
  return service::history_rows(std::move(logged));
}

Result<std::vector<protocol::PublishedStatus>> HeadOffice::published_statuses(std::string_view ods) {
  auto all = directory_->publications();
  if (!all) return all.error();
  std::vector<protocol::PublishedStatus> out;
  for (const auto& publication : *all)
    for (const auto& site : publication.sites)
      if (ods.empty() || site.ods == ods)
        out.push_back({publication.id, site.ods, publication.year, site.status, site.public_status,
                       publication.published_at});
  return out;
}

Result<std::int64_t> HeadOffice::year_started_seq() {
  auto value = store_->setting(kYearStartedSetting);
  if (!value) return value.error();
  if (!*value) return std::int64_t{0};
  return static_cast<std::int64_t>(std::stoll(**value));
}

Result<PublishOutcome> HeadOffice::publish(const User& by, const PublishRequest& request, Date today) {
  auto year = parse_assessment_year(request.year);
  if (!year) return year.error();
  auto catalogue = catalogue_for(*year);
  if (!catalogue) return catalogue.error();
  if (by.role != protocol::Role::admin)
    return refused(by.name + " is a " + role_name(by.role) + ": only administrators publish");
  if (request.all_ready == !request.sites.empty())
    return invalid_input("name the branches to publish (--branches VLAXL,VM2B3) or ask for every ready one "
                         "(--all-ready), not both");

  // Which sites, checked to be this organisation's, each once, in the order asked.
  std::vector<std::pair<std::string, std::string>> sites;  // ods, name
  std::set<std::string> seen;
  if (request.all_ready) {
    auto branches = directory_->branches();
    if (!branches) return branches.error();
    for (const auto& branch : *branches) sites.emplace_back(branch.ods, branch.name);
    if (sites.empty()) return refused(name_ + " has no branches to publish; 'dsptsync-server branch add' adds one");
  } else {
    for (const auto& raw : request.sites) {
      auto scope = scope_of(raw);
      if (!scope) return scope.error();
      if (!seen.insert(*scope).second) continue;
      std::string site_name = name_;
      if (*scope != hq_.code) {
        auto branch = directory_->branch(*scope);
        if (!branch) return branch.error();
        site_name = (*branch)->name;
      }
      sites.emplace_back(*scope, site_name);
    }
  }

  auto previous = directory_->publications();
  if (!previous) return previous.error();
  std::optional<std::pair<const Publication*, const PublishedSite*>> approaching_before;
  for (const auto& publication : *previous)
    for (const auto& site : publication.sites)
      if (site.status == to_string(PublishStatus::approaching) && !approaching_before)
        approaching_before = std::make_pair(&publication, &site);
  const std::optional<std::string> first_year =
      previous->empty() ? std::nullopt : std::optional<std::string>(previous->front().year);

  auto log_seq = store_->last_seq();
  if (!log_seq) return log_seq.error();
  PublishOutcome outcome{false, request.dry_run, request.year, {}, {}, {}};
  if (today > year->deadline())
    outcome.warnings.push_back("the " + year->label() + " deadline (" + year->deadline().long_form() +
                               ") has passed: the NHS toolkit takes no more " + year->label() +
                               " publications, so this sign-off is a record in DSPT sync only. Check the year: the "
                               "year running now is " + assessment_year_of(today).label());
  for (const auto& [ods, site_name] : sites) {
    auto view = effective_view(ods, *year);
    if (!view) return view.error();
    SiteReadiness site{ods, site_name, evaluate(*catalogue, *view, today), {}, answers_hash(*view)};
    const PublishStatus status = site.evaluation.status;
    if (status == PublishStatus::not_met) {
      site.blocking.push_back({"", "", ods + " would publish at Standards Not Met: it does not reach Approaching "
                                       "Standards (every item of that set answered, every assertion confirmed, no "
                                       "open conflict, and an improvement plan for the rest)"});
      site.blocking.insert(site.blocking.end(), site.evaluation.problems.begin(), site.evaluation.problems.end());
    } else if (status == PublishStatus::approaching) {
      // The toolkit allows Approaching Standards once, in the year of first publication; the next
      // publication must reach Standards Met.
      if (approaching_before)
        site.blocking.push_back(
            {"", "", ods + " would publish at Approaching Standards, but " + name_ +
                         " already published Approaching Standards (publication " +
                         std::to_string(approaching_before->first->id) + " on " +
                         date_of(approaching_before->first->published_at).iso() + ", for " +
                         approaching_before->second->ods +
                         "); it can be published only once, and the next publication must reach Standards Met"});
      else if (first_year && *first_year != year->label())
        site.blocking.push_back({"", "", ods + " would publish at Approaching Standards, which is allowed only in " +
                                             name_ + "'s year of first publication (" + *first_year +
                                             "); it must reach Standards Met"});
      if (!site.blocking.empty())
        site.blocking.insert(site.blocking.end(), site.evaluation.problems.begin(), site.evaluation.problems.end());
    }
    outcome.sites.push_back(std::move(site));
  }

  if (request.all_ready) {
    std::erase_if(outcome.sites, [](const SiteReadiness& site) { return !site.blocking.empty(); });
    if (outcome.sites.empty()) {
      // Nothing ready: report every branch's problems so the administrator sees why.
      for (const auto& [ods, site_name] : sites) {
        auto view = effective_view(ods, *year);
        if (!view) return view.error();
        SiteReadiness site{ods, site_name, evaluate(*catalogue, *view, today), {}, ""};
        site.blocking = site.evaluation.problems;
        outcome.sites.push_back(std::move(site));
      }
      return outcome;
    }
  }
  const bool refused_any =
      std::any_of(outcome.sites.begin(), outcome.sites.end(), [](const auto& site) { return !site.blocking.empty(); });
  if (refused_any || request.dry_run) return outcome;

  Publication publication;
  publication.year = year->label();
  publication.published_at = now_ms();
  publication.published_by = by.name;
  publication.log_seq = *log_seq;
  for (const auto& site : outcome.sites)
    publication.sites.push_back({site.ods, site.name, std::string(to_string(site.evaluation.status)),
                                 public_status(*year, site.evaluation.status), site.answers_hash,
                                 site.evaluation.mandatory_provided, site.evaluation.mandatory_total,
                                 site.evaluation.assertions_confirmed, site.evaluation.assertions_total});
  auto id = directory_->add_publication(publication);
  if (!id) return id.error();
  publication.id = *id;
  outcome.publication = std::move(publication);
  outcome.published = true;
  return outcome;
}

nlohmann::json to_json(const OrganisationRollForward& report) {
  nlohmann::json renamed = nlohmann::json::array();
  for (const auto& [from, into] : report.plan.carried)
    if (from != into) renamed.push_back({{"from", from}, {"to", into}});
  nlohmann::json scopes = nlohmann::json::array();
  for (const auto& [scope, count] : report.scopes) scopes.push_back({{"scope", scope}, {"values_carried", count}});
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : report.plan.steps) steps.push_back(to_json(step));
  return {{"from_year", report.from_year},
          {"to_year", report.to_year},
          {"applied", report.applied},
          {"renamed", renamed},
          {"removed", report.plan.removed},
          {"added", report.plan.added},
          {"notes", report.plan.notes},
          {"steps", steps},
          {"scopes", scopes},
          {"changes_recorded", report.changes_recorded}};
}

std::vector<std::string> describe(const OrganisationRollForward& report) {
  std::vector<std::string> lines;
  for (const auto& [scope, count] : report.scopes)
    lines.push_back(scope + ": " + std::to_string(count) + " values carried");
  if (report.plan.steps.size() > 1)
    for (const auto& step : report.plan.steps) lines.push_back("step " + describe(step));
  for (const auto& [from, into] : report.plan.carried)
    if (from != into) lines.push_back(from + " is now " + into);
  for (const auto& id : report.plan.removed) lines.push_back(id + " was removed from the question set");
  for (const auto& id : report.plan.added) lines.push_back(id + " is new: nothing to carry");
  for (const auto& note : report.plan.notes) lines.push_back(note);
  return lines;
}

Result<OrganisationRollForward> HeadOffice::roll_forward(const User& by, AssessmentYear to, bool dry_run) {
  if (auto allowed = may_act_for_organisation(by.person(), "move the organisation to a new year"); !allowed)
    return allowed.error();
  if (to <= year_)
    return invalid_input("roll-forward goes to a later year than " + year_.label() + ", not " + to.label());
  auto path = roll_forward_path(catalogue_, to, [this](AssessmentYear year) { return catalogue_for(year); });
  if (!path) return path.error();
  auto branches = directory_->branches();
  if (!branches) return branches.error();
  std::vector<std::string> scopes{hq_.code};
  for (const auto& branch : *branches) scopes.push_back(branch.ods);

  // Read the position first: anything a device sends after it may be missed by the states read
  // below, and the devices carry their own edits after it themselves (protocol::Ready).
  auto started = store_->last_seq();
  if (!started) return started.error();
  OrganisationRollForward report;
  report.from_year = year_.label();
  report.to_year = to.label();
  std::vector<Edit> edits;
  for (const auto& scope : scopes) {
    auto existing = ledger_->state(scope, to.label());
    if (!existing) return existing.error();
    if (!existing->empty())
      return refused(scope + "'s " + to.label() + " assessment already has answers; roll-forward only starts a new year");
    auto state = ledger_->state(scope, year_.label());
    if (!state) return state.error();
    auto plan = plan_roll_forward(*path, *state, scope);
    report.scopes.emplace_back(scope, plan.edits.size());
    edits.insert(edits.end(), std::make_move_iterator(plan.edits.begin()), std::make_move_iterator(plan.edits.end()));
    if (scope == hq_.code) {
      plan.edits.clear();
      report.plan = std::move(plan);
    }
  }
  report.changes_recorded = edits.size();
  if (dry_run) return report;

  auto txn = store_->begin();
  if (!txn) return txn.error();
  if (!edits.empty()) {
    auto recorded = record_signed(*ledger_, identity_, **txn, edits, by.name);
    if (!recorded) return recorded.error();
  }
  if (auto s = (*txn)->put_setting(kYearSetting, to.label()); !s) return s.error();
  if (auto s = (*txn)->put_setting(kYearStartedSetting, std::to_string(*started)); !s) return s.error();
  if (auto committed = (*txn)->commit(); !committed) return committed.error();
  year_ = to;
  catalogue_ = path->to();
  report.applied = true;
  return report;
}

}  // namespace dsptsync::server
