#include "dsptsync/service/head_office_json.h"

#include "dsptsync/service/json.h"

#include <algorithm>
#include <set>

namespace dsptsync::service {
namespace {

using nlohmann::json;

// Head office's people have no branch: null.
json branch_or_null(const std::string& branch) { return branch.empty() ? json(nullptr) : json(branch); }

json time_or_null(const std::optional<TimestampMs>& at) { return at ? json(format_timestamp(*at)) : json(nullptr); }

json site_readiness_json(const SiteReadiness& site, JsonStyle style) {
  const Evaluation& evaluation = site.evaluation;
  json problems = json::array();
  for (const auto& problem : site.blocking) problems.push_back(to_json(problem));
  json out = {{"ods", site.ods}, {"name", site.name}, {"status", to_string(evaluation.status)},
              {"ready", site.blocking.empty()}};
  if (style == JsonStyle::cli) {
    out["public_status"] = public_status(evaluation.year, evaluation.status);
    out["mandatory"] = evaluation.mandatory_summary();
    out["assertions"] = evaluation.assertion_summary();
    out["answers_hash"] = site.answers_hash;
    out["problems"] = std::move(problems);
  } else {
    out["statusName"] = display_name(evaluation.status);
    out["publicStatus"] = public_status(evaluation.year, evaluation.status);
    out["mandatory"] = {{"provided", evaluation.mandatory_provided}, {"total", evaluation.mandatory_total}};
    out["assertions"] = {{"confirmed", evaluation.assertions_confirmed}, {"total", evaluation.assertions_total}};
    out["blocking"] = std::move(problems);
  }
  return out;
}

json device_json(const Device& device, JsonStyle style) {
  if (style == JsonStyle::cli)
    return {{"id", device.id}, {"name", device.name}, {"enrolled", format_timestamp(device.enrolled_at)},
            {"revoked", time_or_null(device.revoked_at)}};
  return {{"id", device.id}, {"name", device.name}, {"enrolledAt", device.enrolled_at},
          {"revoked", device.revoked_at.has_value()}};
}

json user_json(const User& user, const People& people, JsonStyle style) {
  json devices = json::array();
  for (const auto& device : people.devices)
    if (device.user == user.name) devices.push_back(device_json(device, style));
  json out = {{"name", user.name}, {"branch", branch_or_null(user.branch)}, {"role", to_string(user.role)},
              {"devices", std::move(devices)}};
  if (style == JsonStyle::cli) {
    out["created"] = format_timestamp(user.created_at);
    out["revoked"] = time_or_null(user.revoked_at);
  } else {
    out["revoked"] = user.revoked_at.has_value();
    out["hasPassword"] = people.with_password.count(user.name) > 0;
  }
  return out;
}

json invite_json(const Invite& invite, JsonStyle style) {
  json out = {{"user", invite.user}, {"branch", branch_or_null(invite.branch)}, {"role", to_string(invite.role)}};
  if (style == JsonStyle::cli) {
    out["invite_id"] = invite.id;
    out["expires_at"] = format_timestamp(invite.expires_at);
  } else {
    out["id"] = invite.id;
    out["expiresAt"] = invite.expires_at;
  }
  return out;
}

}  // namespace

bool PublishOutcome::every_site_ready() const {
  return std::all_of(sites.begin(), sites.end(), [](const SiteReadiness& site) { return site.blocking.empty(); });
}

json to_json(const PublishOutcome& outcome, JsonStyle style) {
  json sites = json::array();
  for (const auto& site : outcome.sites) sites.push_back(site_readiness_json(site, style));
  json out = {{"published", outcome.published},
              {style == JsonStyle::cli ? "dry_run" : "dryRun", outcome.dry_run},
              {"sites", std::move(sites)},
              {"warnings", outcome.warnings},
              {style == JsonStyle::cli ? "hand_off" : "handOff", kNhsHandOff}};
  if (style == JsonStyle::api) {
    out["year"] = outcome.year;
    out["ready"] = outcome.every_site_ready();
  }
  if (outcome.published) out["publication"] = to_json(outcome.publication, style);
  return out;
}

json to_json(const People& people, JsonStyle style) {
  json users = json::array();
  for (const auto& user : people.users) users.push_back(user_json(user, people, style));
  json invites = json::array();
  if (style == JsonStyle::cli) {
    json events = json::array();
    for (const auto& event : people.events)
      events.push_back({{"at", format_timestamp(event.at)},
                        {"action", event.action},
                        {"user", event.user},
                        {"by", event.by.empty() ? json(nullptr) : json(event.by)},
                        {"detail", event.detail}});
    for (const auto& invite : people.invites)
      if (!invite.used_at && invite.expires_at > people.as_of) invites.push_back(invite_json(invite, style));
    return {{"users", std::move(users)}, {"pending_invites", std::move(invites)}, {"people_events", std::move(events)}};
  }
  for (const auto& invite : people.invites) {
    json one = invite_json(invite, style);
    one["used"] = invite.used_at.has_value();
    invites.push_back(std::move(one));
  }
  json branches = json::array();
  for (const auto& branch : people.branches) branches.push_back({{"ods", branch.ods}, {"name", branch.name}});
  json events = json::array();
  for (const auto& event : people.events)
    events.push_back({{"at", event.at},
                      {"action", event.action},
                      {"user", event.user},
                      {"by", event.by.empty() ? json(nullptr) : json(event.by)},
                      {"detail", event.detail}});
  return {{"users", std::move(users)},
          {"invites", std::move(invites)},
          {"branches", std::move(branches)},
          {"events", std::move(events)}};
}

json to_json(const IssuedPasswordLink& link, JsonStyle style) {
  const bool cli = style == JsonStyle::cli;
  json out = {{"user", link.user},
              {"role", to_string(link.role)},
              {"branch", branch_or_null(link.branch)},
              {"path", link.path},
              {cli ? "new_user" : "newUser", link.new_user}};
  if (cli) out["expires_at"] = format_timestamp(link.expires_at);
  else out["expiresAt"] = link.expires_at;
  return out;
}

json to_json(const RoleChange& change, JsonStyle style) {
  if (style == JsonStyle::api)
    return {
        {"ok", true}, {"user", change.user}, {"role", to_string(change.to)}, {"previousRole", to_string(change.from)}};
  return {{"user", change.user},
          {"role", to_string(change.to)},
          {"previous_role", to_string(change.from)},
          {"changed_at", format_timestamp(change.at)},
          {"by", change.by.empty() ? json(nullptr) : json(change.by)}};
}

json to_json(const IssuedInvite& issued, JsonStyle style) {
  if (style == JsonStyle::api) return {{"code", issued.code}, {"invite", invite_json(issued.invite, style)}};
  json out = invite_json(issued.invite, style);
  out["code"] = issued.code;
  out["enrol_command"] = "dsptsync enrol ws://HOST:PORT " + issued.code;
  return out;
}

json to_json(const Revocation& revocation, JsonStyle style) {
  if (style == JsonStyle::api) return {{"ok", true}, {"revoked", revocation.user}};
  return {{"revoked", revocation.user}, {"revoked_at", format_timestamp(revocation.at)}, {"devices", revocation.devices}};
}

json to_json(const Reinstatement& reinstatement, JsonStyle style) {
  if (style == JsonStyle::api) return {{"ok", true}, {"reinstated", reinstatement.user}};
  return {{"reinstated", reinstatement.user},
          {"reinstated_at", format_timestamp(reinstatement.at)},
          {"by", reinstatement.by.empty() ? json(nullptr) : json(reinstatement.by)}};
}

json to_json(const NhsPublication& record, JsonStyle style) {
  const bool cli = style == JsonStyle::cli;
  json out = {{"id", record.id},
              {"ods", record.ods},
              {"name", record.name},
              {"year", record.year},
              {cli ? "published_on" : "publishedOn", record.published_on},
              {"status", record.status},
              {cli ? "public_status" : "publicStatus", record.public_status},
              {cli ? "recorded_by" : "recordedBy", record.recorded_by}};
  if (cli) out["recorded_at"] = format_timestamp(record.recorded_at);
  else out["recordedAt"] = record.recorded_at;
  return out;
}

json to_json(const DeviceSync& sync, JsonStyle style) {
  json out = {{"device", sync.device_name}, {"user", sync.user}};
  if (style == JsonStyle::cli) {
    out["at"] = format_timestamp(sync.at);
  } else {
    out["at"] = sync.at;
    out["atText"] = format_timestamp(sync.at);
  }
  return out;
}

json nhs_publications_json(const std::vector<NhsPublication>& records, JsonStyle style) {
  std::set<std::int64_t> current;
  for (const auto& record : current_nhs_publications(records)) current.insert(record.id);
  json out = json::array();
  for (const auto& record : records) {
    out.push_back(to_json(record, style));
    out.back()["current"] = current.count(record.id) > 0;
  }
  return out;
}

json to_json(const NhsPublicationOutcome& outcome, JsonStyle style) {
  if (style == JsonStyle::cli) return {{"recorded", to_json(outcome.record, style)}, {"warnings", outcome.warnings}};
  return {{"ok", true}, {"record", to_json(outcome.record, style)}, {"warnings", outcome.warnings}};
}

}  // namespace dsptsync::service
