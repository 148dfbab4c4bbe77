#include "dsptsync/server/cli.h"

#include "dsptsync/server/head_office.h"
#include "dsptsync/server/sync_server.h"
#include "cli_support.h"

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <cstdlib>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>

namespace dsptsync::server {
namespace {

// The host part of HOST:PORT, for telling people what to connect to.
std::string host_of(const std::string& listen) {
  const auto colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

std::string progress_line(const BranchProgress& entry) {
  std::ostringstream text;
  const Evaluation& evaluation = entry.evaluation;
  text << entry.branch.name << " (" << entry.branch.ods << "): " << display_name(evaluation.status) << "\n"
       << "  " << evaluation.mandatory_summary() << "\n"
       << "  " << evaluation.assertion_summary() << "\n"
       << "  " << evaluation.approaching_provided << " of " << evaluation.approaching_total
       << " Approaching Standards items provided\n";
  if (evaluation.open_conflicts)
    text << "  " << evaluation.open_conflicts << (evaluation.open_conflicts == 1 ? " open conflict\n" : " open conflicts\n");
  text << "  " << evaluation.shared_items << " items answered by head office";
  if (evaluation.overrides) text << ", " << evaluation.overrides << " overridden by the branch";
  text << "\n";
  for (const auto& [id, reason] : entry.overrides)
    text << "    override " << id << ": \"" << reason.value.text << "\" (" << reason.by.user << ")\n";
  if (entry.published)
    text << "  Published: " << entry.published->public_status << " on " << date_of(entry.published->published_at).iso()
         << "\n";
  if (evaluation.next_level && !evaluation.problems.empty()) {
    text << "  To reach " << display_name(*evaluation.next_level) << ":\n";
    for (const auto& problem : evaluation.problems) text << "    - " << problem.message << "\n";
  }
  text << "  " << entry.changes << (entry.changes == 1 ? " change" : " changes") << " synced"
       << (entry.last_change_at ? ", the last at " + format_timestamp(*entry.last_change_at) : std::string()) << "\n";
  return text.str();
}

// `user revoke` and `user reinstate`: whom, and as which head office administrator.
struct PeopleArgs {
  std::string name;
  std::string as;
};

void add_people_options(CLI::App* cmd, PeopleArgs& args, const std::string& doing) {
  cmd->add_option("NAME", args.name, "the user's name, as 'user list' shows it")->required();
  cmd->add_option("--as", args.as, "the head office administrator " + doing + " (default $DSPTSYNC_SERVER_USER; "
                                   "without either, whoever holds the data folder)");
}

// The administrator named by --as or $DSPTSYNC_SERVER_USER; nobody named: the console, run by whoever
// holds the data folder.
Result<std::optional<User>> named_administrator(HeadOffice& office, const std::string& as) {
  const std::string name = acting_name(as);
  if (name.empty()) return std::optional<User>();
  auto by = office.acting_user(name);
  if (!by) return by.error();
  return std::optional<User>(std::move(*by));
}

json people_events_json(const std::vector<PeopleEvent>& events) {
  json out = json::array();
  for (const auto& event : events)
    out.push_back({{"at", format_timestamp(event.at)}, {"action", event.action}, {"user", event.user},
                   {"by", event.by.empty() ? json(nullptr) : json(event.by)}});
  return out;
}

}  // namespace

int run_server_cli(int argc, const char* const* argv, std::ostream& out, std::ostream& err) {
  CLI::App app{"dsptsync-server: the head office server of dsptsync (branches, people, progress, sync)",
               "dsptsync-server"};
  app.fallthrough(true);
  app.require_subcommand(1);
  GlobalOptions global;
  app.add_option("--data", global.data_dir, "data folder (default $DSPTSYNC_SERVER_DATA, else ./dsptsync-data)");
  app.add_flag("--json", global.as_json, "print JSON instead of text");

  // Each subcommand sets `run` to the work it does once the command line has been parsed.
  CommandRun run;

  // init
  HeadOfficeInit init;
  auto* init_cmd = app.add_subcommand("init", "create the head office data folder for an organisation");
  init_cmd->add_option("--ods", init.ods, "the organisation's HQ code (A***/C***) or 8-code")->required();
  init_cmd->add_option("--name", init.name, "the organisation's name")->required();
  init_cmd->add_option("--year", init.year, "assessment year, e.g. 2021-22")->required();
  init_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      init.dir = data_dir(global);
      init.passphrase = passphrase_from_environment();
      auto office = HeadOffice::create(init);
      if (!office) return office.error();
      const HeadOffice& o = **office;
      const std::string key = init.passphrase ? std::string("passphrase") : (o.dir() / "server.key").string();
      const std::string fingerprint = protocol::fingerprint(o.identity().public_key);
      return Output{{{"data", o.dir().string()},
                     {"ods", o.hq().code},
                     {"ods_kind", to_string(o.hq().kind)},
                     {"name", o.name()},
                     {"year", o.year().label()},
                     {"items", o.catalogue().items().size()},
                     {"key", key},
                     {"server_fingerprint", fingerprint}},
                    "Created head office data for " + o.name() + " (" + o.hq().code + "), " + o.year().label() +
                        " assessment, in " + o.dir().string() + "\nServer fingerprint: " + fingerprint +
                        " (the last part of every enrolment code)\nKeep a backup of " +
                        (init.passphrase ? std::string("the passphrase") : key) +
                        ": without it the synced answers cannot be read.\nNext: 'dsptsync-server branch add VXXXX "
                        "--name NAME' for each branch, then 'dsptsync-server invite'.\n"};
    };
  });

  // branch add | list | remove
  auto* branch_cmd = app.add_subcommand("branch", "the organisation's branches (sites)");
  branch_cmd->require_subcommand(1);
  std::string branch_ods, branch_name;
  auto* branch_add = branch_cmd->add_subcommand("add", "register a branch by its site code");
  branch_add->add_option("ODS", branch_ods, "the branch's site code, e.g. VLAXL")->required();
  branch_add->add_option("--name", branch_name, "the branch's name, e.g. \"Leeds\"")->required();
  branch_add->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      if (auto s = (*office)->add_branch(branch_ods, branch_name); !s) return s.error();
      auto site = parse_site_code(branch_ods);
      if (!site) return site.error();
      auto added = (*office)->directory().branch(site->code);
      if (!added) return added.error();
      if (!*added) return make_error(ErrorKind::internal, "branch " + site->code + " vanished just after it was added");
      const Branch& b = **added;
      return Output{{{"ods", b.ods}, {"name", b.name}, {"added_at", format_timestamp(b.added_at)}},
                    "Added branch " + b.name + " (" + b.ods + ")\nInvite its people with 'dsptsync-server invite "
                    "--branch " + b.ods + " --role admin|member|viewer --user NAME'.\n"};
    };
  });
  auto* branch_list = branch_cmd->add_subcommand("list", "list the branches");
  branch_list->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto branches = (*office)->directory().branches();
      if (!branches) return branches.error();
      auto users = (*office)->directory().users();
      if (!users) return users.error();
      json list = json::array();
      std::ostringstream text;
      for (const auto& b : *branches) {
        int active = 0;
        for (const auto& user : *users) active += user.branch == b.ods && !user.revoked_at ? 1 : 0;
        list.push_back({{"ods", b.ods}, {"name", b.name}, {"added_at", format_timestamp(b.added_at)}, {"users", active}});
        text << b.ods << "  " << b.name << "  (" << active << (active == 1 ? " user" : " users") << ")\n";
      }
      if (branches->empty()) text << "No branches yet; add one with 'dsptsync-server branch add VXXXX --name NAME'\n";
      return Output{{{"branches", list}}, text.str()};
    };
  });
  std::string remove_ods;
  auto* branch_remove = branch_cmd->add_subcommand("remove", "remove a branch (once its users are revoked)");
  branch_remove->add_option("ODS", remove_ods, "the branch's site code")->required();
  branch_remove->callback([&] {
    run = [&]() -> Result<Output> {
      auto site = parse_site_code(remove_ods);
      if (!site) return site.error();
      auto office = open_head_office(global);
      if (!office) return office.error();
      if (auto s = (*office)->remove_branch(site->code); !s) return s.error();
      return Output{{{"removed", site->code}},
                    "Removed branch " + site->code + " (the answers it synced stay in the server's log)\n"};
    };
  });

  // invite
  std::string invite_branch, invite_role, invite_user;
  bool invite_hq = false;
  int invite_days = kDefaultValidDays;
  auto* invite_cmd = app.add_subcommand("invite", "issue a one-time enrolment code for a person's device");
  auto* invite_branch_opt = invite_cmd->add_option("--branch", invite_branch, "the branch they work for (site code)");
  auto* invite_hq_opt = invite_cmd->add_flag("--hq", invite_hq, "they work for head office, not a branch");
  invite_branch_opt->excludes(invite_hq_opt);
  invite_cmd->add_option("--role", invite_role, "admin, member or viewer")->required();
  invite_cmd->add_option("--user", invite_user, "their name, as it will appear on their edits")->required();
  invite_cmd->add_option("--valid-days", invite_days, "days the code stays valid (default 7, at most 90)");
  invite_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto role = protocol::parse_role(invite_role);
      if (!role) return role.error();
      if (invite_days < 1 || invite_days > kMaxValidDays)
        return invalid_input("--valid-days is from 1 to " + std::to_string(kMaxValidDays) + ", not " +
                             std::to_string(invite_days));
      auto office = open_head_office(global);
      if (!office) return office.error();
      InviteRequest request{invite_user, invite_branch, invite_hq, *role, std::chrono::hours(24 * invite_days)};
      auto issued = (*office)->invite(request);
      if (!issued) return issued.error();
      auto names = branch_names(**office);
      if (!names) return names.error();
      const Invite& invite = issued->invite;
      std::ostringstream text;
      text << "Enrolment code for " << invite.user << " (" << protocol::to_string(invite.role) << ", "
           << branch_text(invite.branch, *names) << "), valid until " << format_timestamp(invite.expires_at)
           << ":\n\n    " << issued->code << "\n\n"
           << "Give it to " << invite.user << " privately: it enrols one device, once, and is not kept here.\n"
           << "On their computer they run:\n\n    dsptsync enrol ws://HOST:PORT " << issued->code << "\n\n"
           << "where HOST:PORT is this server's address ('dsptsync-server serve --listen'; wss:// when TLS is on).\n";
      return Output{{{"code", issued->code},
                     {"invite_id", invite.id},
                     {"user", invite.user},
                     {"branch", branch_json(invite.branch)},
                     {"role", protocol::to_string(invite.role)},
                     {"expires_at", format_timestamp(invite.expires_at)},
                     {"enrol_command", "dsptsync enrol ws://HOST:PORT " + issued->code}},
                    text.str()};
    };
  });

  // user list | revoke
  auto* user_cmd = app.add_subcommand("user", "the people enrolled, revoking and reinstating them");
  user_cmd->require_subcommand(1);
  auto* user_list = user_cmd->add_subcommand("list", "list users, their devices, and invites not used yet");
  user_list->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      Directory& directory = (*office)->directory();
      auto users = directory.users();
      if (!users) return users.error();
      auto devices = directory.devices();
      if (!devices) return devices.error();
      auto invites = directory.invites();
      if (!invites) return invites.error();
      auto names = branch_names(**office);
      if (!names) return names.error();
      json list = json::array();
      std::ostringstream text;
      for (const auto& user : *users) {
        json user_devices = json::array();
        int active_devices = 0;
        for (const auto& device : *devices) {
          if (device.user != user.name) continue;
          user_devices.push_back({{"id", device.id}, {"name", device.name},
                                  {"enrolled", format_timestamp(device.enrolled_at)},
                                  {"revoked", optional_time(device.revoked_at)}});
          active_devices += device.revoked_at ? 0 : 1;
        }
        list.push_back({{"name", user.name}, {"branch", branch_json(user.branch)},
                        {"role", protocol::to_string(user.role)}, {"created", format_timestamp(user.created_at)},
                        {"revoked", optional_time(user.revoked_at)}, {"devices", user_devices}});
        text << user.name << "  " << protocol::to_string(user.role) << ", " << branch_text(user.branch, *names) << "  "
             << active_devices << (active_devices == 1 ? " device" : " devices")
             << (user.revoked_at ? "  REVOKED " + format_timestamp(*user.revoked_at) : std::string()) << "\n";
      }
      if (users->empty()) text << "Nobody has enrolled yet\n";
      json pending = json::array();
      const TimestampMs now = now_ms();
      std::ostringstream pending_text;
      for (const auto& invite : *invites) {
        if (invite.used_at || invite.expires_at <= now) continue;
        pending.push_back({{"invite_id", invite.id}, {"user", invite.user}, {"branch", branch_json(invite.branch)},
                           {"role", protocol::to_string(invite.role)},
                           {"expires_at", format_timestamp(invite.expires_at)}});
        pending_text << "  " << invite.user << "  " << protocol::to_string(invite.role) << ", "
                     << branch_text(invite.branch, *names) << "  (invite " << invite.id << ", until "
                     << format_timestamp(invite.expires_at) << ")\n";
      }
      if (!pending.empty()) text << "\nInvited, not enrolled yet:\n" << pending_text.str();
      auto events = directory.people_events();
      if (!events) return events.error();
      return Output{{{"users", list}, {"pending_invites", pending}, {"people_events", people_events_json(*events)}},
                    text.str()};
    };
  });
  PeopleArgs revoke;
  auto* user_revoke = user_cmd->add_subcommand("revoke", "revoke a user and every device of theirs");
  add_people_options(user_revoke, revoke, "revoking");
  user_revoke->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto by = named_administrator(**office, revoke.as);
      if (!by) return by.error();
      const std::string name = normalise_name(revoke.name);
      if (auto s = *by ? (*office)->revoke_user(**by, name) : (*office)->revoke_user(name); !s) return s.error();
      auto user = (*office)->directory().user(name);
      if (!user) return user.error();
      auto devices = (*office)->directory().devices();
      if (!devices) return devices.error();
      if (!*user || !(*user)->revoked_at)
        return make_error(ErrorKind::internal, "'" + name + "' is not marked revoked after revoking");
      int device_count = 0;
      for (const auto& device : *devices) device_count += device.user == (*user)->name ? 1 : 0;
      return Output{{{"revoked", (*user)->name}, {"revoked_at", format_timestamp(*(*user)->revoked_at)},
                     {"devices", device_count}},
                    "Revoked " + (*user)->name + " and " + std::to_string(device_count) +
                        (device_count == 1 ? " device" : " devices") + "; they can no longer sync\n"};
    };
  });

  PeopleArgs reinstate;
  auto* user_reinstate = user_cmd->add_subcommand("reinstate", "lift a user's revocation (their devices stay revoked)");
  add_people_options(user_reinstate, reinstate, "reinstating");
  user_reinstate->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto by = named_administrator(**office, reinstate.as);
      if (!by) return by.error();
      const std::string name = normalise_name(reinstate.name);
      if (auto s = *by ? (*office)->reinstate_user(**by, name) : (*office)->reinstate_user(name); !s) return s.error();
      auto events = (*office)->directory().people_events();
      if (!events) return events.error();
      if (events->empty()) return make_error(ErrorKind::internal, "the reinstatement of '" + name + "' was not recorded");
      const PeopleEvent& event = events->back();
      return Output{{{"reinstated", name}, {"reinstated_at", format_timestamp(event.at)},
                     {"by", event.by.empty() ? json(nullptr) : json(event.by)}},
                    "Reinstated " + name + ": they may sign in and be invited to enrol a device again; their old "
                                           "devices stay revoked\n"};
    };
  });

  // progress
  std::string progress_branch;
  auto* progress_cmd = app.add_subcommand("progress", "each branch's status from the answers synced so far");
  auto* progress_branch_opt = progress_cmd->add_option("--branch", progress_branch, "only this branch (site code)");
  progress_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      std::optional<std::string> only;
      if (progress_branch_opt->count()) only = progress_branch;
      auto entries = (*office)->progress(only, date_of(now_ms()));
      if (!entries) return entries.error();
      const HeadOffice& o = **office;
      json branches = json::array();
      std::ostringstream text;
      const YearAdvice advice = (*office)->year_advice(date_of(now_ms()));
      text << o.name() << " (" << o.hq().code << "), " << o.year().label() << " assessment\n";
      if (!advice.message.empty()) text << "Note: " << advice.message << "\n";
      text << "\n";
      for (const auto& entry : *entries) {
        // The same shape as the branch client's 'dsptsync progress --json', plus what the server knows.
        json item = to_json(entry.evaluation);
        item["ods"] = entry.branch.ods;
        item["name"] = entry.branch.name;
        item["changes"] = entry.changes;
        item["last_change_at"] = optional_time(entry.last_change_at);
        json overrides = json::array();
        for (const auto& [id, reason] : entry.overrides)
          overrides.push_back({{"item", id}, {"reason", reason.value.text}, {"by", reason.by.user},
                               {"at", format_timestamp(reason.by.at)}});
        item["override_list"] = overrides;
        item["published"] = entry.published ? json{{"public_status", entry.published->public_status},
                                                   {"year", entry.published->year},
                                                   {"published_at", format_timestamp(entry.published->published_at)}}
                                            : json(nullptr);
        branches.push_back(item);
        text << progress_line(entry);
      }
      if (entries->empty()) text << "No branches yet; add one with 'dsptsync-server branch add VXXXX --name NAME'\n";
      return Output{{{"organisation", {{"ods", o.hq().code},
                                       {"name", o.name()},
                                       {"year", o.year().label()},
                                       {"catalogue_origin", o.catalogue().origin()},
                                       {"year_advice", to_json(advice)}}},
                     {"branches", branches}},
                    text.str()};
    };
  });

  // conflicts
  std::string conflicts_branch;
  auto* conflicts_cmd = app.add_subcommand("conflicts", "open conflicts in every branch's assessment and head office's");
  auto* conflicts_branch_opt = conflicts_cmd->add_option("--branch", conflicts_branch, "only this branch (site code)");
  conflicts_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      std::optional<std::string> only;
      if (conflicts_branch_opt->count()) only = conflicts_branch;
      auto found = (*office)->conflicts(only);
      if (!found) return found.error();
      json list = json::array();
      std::ostringstream text;
      for (const auto& conflict : *found) {
        json values = json::array();
        text << conflict.scope << "  " << conflict.summary << ":\n";
        for (std::size_t i = 0; i < conflict.values.size(); ++i) {
          const HeldValue& held = conflict.values[i];
          const Head& head = held.heads.front();
          const std::string shown = held.value ? held.value->text : std::string("(cleared)");
          json also = json::array();
          for (std::size_t j = 1; j < held.heads.size(); ++j)
            also.push_back({{"change", held.heads[j].change_id}, {"user", held.heads[j].user},
                            {"device", held.heads[j].device}, {"at", format_timestamp(hlc_wall_ms(held.heads[j].hlc))}});
          values.push_back({{"change", head.change_id}, {"user", head.user}, {"device", head.device},
                            {"at", format_timestamp(hlc_wall_ms(head.hlc))},
                            {"value", held.value ? json{{"text", held.value->text}} : json()}, {"shown", i == 0},
                            {"also", also}});
          text << "  " << (i == 0 ? "* " : "  ") << "\"" << shown << "\"  by " << head.user << " at "
               << format_timestamp(hlc_wall_ms(head.hlc));
          for (std::size_t j = 1; j < held.heads.size(); ++j) text << ", and by " << held.heads[j].user;
          text << "\n";
        }
        list.push_back({{"scope", conflict.scope}, {"target_kind", to_string(conflict.key.kind)},
                        {"target", conflict.key.target}, {"field", to_string(conflict.key.field)},
                        {"group", conflict.group}, {"summary", conflict.summary}, {"values", values}});
      }
      if (found->empty()) text << "No open conflicts\n";
      return Output{{{"conflicts", list}, {"count", found->size()}}, text.str()};
    };
  });

  // audit
  bool audit_verify = false;
  std::int64_t audit_after = 0;
  std::size_t audit_limit = 100000;
  auto* audit_cmd = app.add_subcommand("audit", "the audit trail: which device sent which changes, signed");
  audit_cmd->add_flag("--verify", audit_verify, "check every signature against the changes in the log (exit 5 on any failure)");
  audit_cmd->add_option("--after", audit_after, "only pushes after this batch number");
  audit_cmd->add_option("--limit", audit_limit, "at most this many pushes");
  audit_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      auto checks = (*office)->audit(audit_after, audit_limit);
      if (!checks) return checks.error();
      json list = json::array();
      std::ostringstream text;
      std::size_t failed = 0;
      for (const auto& check : *checks) {
        json entry = {{"batch", check.record.batch}, {"device", check.record.device_id}, {"user", check.record.user},
                      {"received_at", format_timestamp(check.record.received_at)}, {"changes", check.record.change_ids}};
        if (audit_verify) {
          entry["verified"] = check.verified;
          if (!check.verified) entry["problem"] = check.problem;
        }
        list.push_back(entry);
        failed += audit_verify && !check.verified ? 1 : 0;
        text << "#" << check.record.batch << "  " << format_timestamp(check.record.received_at) << "  "
             << check.record.user << "  " << check.record.change_ids.size() << " change(s)"
             << (audit_verify ? (check.verified ? "  verified" : "  NOT VERIFIED: " + check.problem) : "") << "\n";
      }
      if (failed)
        return corrupt(std::to_string(failed) + " of " + std::to_string(checks->size()) +
                       " pushes in the audit trail do not verify (run 'dsptsync-server audit --verify' to see which); "
                       "the database may have been altered: compare with a backup");
      json data = {{"pushes", list}, {"count", checks->size()}};
      if (audit_verify) data["all_verified"] = true;
      return Output{data, text.str() + (audit_verify ? "All " + std::to_string(checks->size()) + " pushes verified\n" : "")};
    };
  });

  // backup
  std::string backup_file;
  auto* backup_cmd = app.add_subcommand("backup", "write a consistent copy of the database (also while serving)");
  backup_cmd->add_option("--to", backup_file, "the new backup file")->required();
  backup_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      if (auto s = (*office)->backup_to(backup_file); !s) return s.error();
      return Output{{{"backup", backup_file}, {"log_epoch", (*office)->log_epoch()}},
                    "Wrote " + backup_file + ". Keep it, and " + ((*office)->dir() / "server.key").string() +
                        " (or the passphrase), safe and apart: the backup is sealed with that key.\n"};
    };
  });

  // restore
  std::string restore_file;
  auto* restore_cmd = app.add_subcommand("restore", "replace the database with a backup (stop the server first)");
  restore_cmd->add_option("--from", restore_file, "the backup file")->required();
  restore_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      const std::filesystem::path dir = data_dir(global);
      if (auto s = HeadOffice::restore(dir, restore_file, passphrase_from_environment()); !s) return s.error();
      auto office = open_head_office(global);
      if (!office) return office.error();
      return Output{{{"restored_from", restore_file}, {"log_epoch", (*office)->log_epoch()}},
                    "Restored " + dir.string() + " from " + restore_file +
                        ". At their next sync, branch devices send again everything the backup lacks.\n"};
    };
  });

  // serve
  ServeOptions serve_options;
  std::string tls_cert, tls_key;
  auto* serve_cmd = app.add_subcommand("serve", "serve branch devices: enrolment and sync over WebSockets");
  serve_cmd->add_option("--listen", serve_options.listen, "HOST:PORT to listen on (default 127.0.0.1:8443)");
  auto* cert_opt = serve_cmd->add_option("--tls-cert", tls_cert, "TLS certificate chain (PEM)");
  auto* key_opt = serve_cmd->add_option("--tls-key", tls_key, "TLS private key (PEM)");
  cert_opt->needs(key_opt);
  key_opt->needs(cert_opt);
  serve_cmd->add_option("--trusted-proxy", serve_options.trusted_proxies,
                        "IP address of a reverse proxy whose X-Forwarded-For header names the client (repeat for "
                        "several); from any other address the header is ignored");
  serve_cmd->callback([&] {
    run = [&]() -> Result<Output> {
      auto office = open_head_office(global);
      if (!office) return office.error();
      const bool tls = !tls_cert.empty();
      if (tls) {
        serve_options.tls_certificate = tls_cert;
        serve_options.tls_private_key = tls_key;
      }
      const std::string host = host_of(serve_options.listen);
      serve_options.on_listening = [&, host, tls](std::uint16_t port) {
        const std::string address = host + ":" + std::to_string(port);
        const std::string url = std::string(tls ? "wss://" : "ws://") + address;
        if (global.as_json)
          out << json{{"listening", {{"address", address}, {"port", port}, {"tls", tls}, {"url", url}}}}.dump() << "\n";
        else
          out << "Listening on " << address << (tls ? " (TLS)" : "") << "; devices enrol with 'dsptsync enrol " << url
              << " CODE'\n";
        out.flush();
      };
      if (auto s = serve(**office, serve_options); !s) return s.error();
      // With --json the output is one JSON object per line (listening above); nothing more to add.
      return Output{nullptr, "Stopped\n"};
    };
  });

  add_head_office_commands(app, global, run);
  add_catalogue_commands(app, global, run);

  return cli::parse_and_run(app, "dsptsync-server", run, global.as_json, argc, argv, out, err);
}

}  // namespace dsptsync::server
