// The server CLI's commands for the organisation and the server itself (docs/cli.md): init, branch
// add|list|rename|remove, invite; backup, restore and serve.
#include "cli_support.h"

#include "dsptsync/server/sync_server.h"
#include "dsptsync/service/head_office_json.h"

#include <sstream>

namespace dsptsync::server {
namespace {

Output init_output(const HeadOffice& o, const HeadOfficeInit& init) {
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
}

void add_init(ServerCli& cli) {
  auto& init = cli.line.keep<HeadOfficeInit>();
  auto* cmd = cli.line.app().add_subcommand("init", "create the head office data folder for an organisation");
  cmd->add_option("--ods", init.ods, "the organisation's HQ code (A***/C***) or 8-code")->required();
  cmd->add_option("--name", init.name, "the organisation's name")->required();
  cmd->add_option("--year", init.year, "assessment year, e.g. 2021-22")->required();
  cli.line.on_run(cmd, [&init, &global = cli.global]() -> Result<Output> {
    init.dir = data_dir(global);
    init.passphrase = passphrase_from_environment();
    auto office = HeadOffice::create(init);
    if (!office) return office.error();
    return init_output(**office, init);
  });
}

Result<Output> branch_add_output(HeadOffice& office, const std::string& ods, const std::string& name) {
  if (auto s = office.add_branch(ods, name); !s) return s.error();
  auto site = parse_site_code(ods);
  if (!site) return site.error();
  auto added = office.directory().branch(site->code);
  if (!added) return added.error();
  if (!*added) return make_error(ErrorKind::internal, "branch " + site->code + " vanished just after it was added");
  const Branch& b = **added;
  return Output{{{"ods", b.ods}, {"name", b.name}, {"added_at", format_timestamp(b.added_at)}},
                "Added branch " + b.name + " (" + b.ods + ")\nInvite its people with 'dsptsync-server invite "
                "--branch " + b.ods + " --role admin|member|viewer --user NAME'.\n"};
}

Result<Output> branch_list_output(HeadOffice& office) {
  auto branches = office.branch_summaries();
  if (!branches) return branches.error();
  json list = json::array();
  std::ostringstream text;
  for (const auto& summary : *branches) {
    const Branch& b = summary.branch;
    const int active = summary.active_users;
    list.push_back({{"ods", b.ods},
                    {"name", b.name},
                    {"added_at", format_timestamp(b.added_at)},
                    {"users", active},
                    {"last_change_at", optional_time(summary.last_change_at)}});
    text << b.ods << "  " << b.name << "  (" << active << (active == 1 ? " user" : " users") << ")\n";
  }
  if (branches->empty()) text << "No branches yet; add one with 'dsptsync-server branch add VXXXX --name NAME'\n";
  return Output{{{"branches", list}}, text.str()};
}

void add_branch(ServerCli& cli) {
  auto* branch = cli.line.app().add_subcommand("branch", "the organisation's branches (sites)");
  branch->require_subcommand(1);
  struct AddOptions {
    std::string ods, name;
  };
  auto& a = cli.line.keep<AddOptions>();
  auto* add = branch->add_subcommand("add", "register a branch by its site code");
  add->add_option("ODS", a.ods, "the branch's site code, e.g. VLAXL")->required();
  add->add_option("--name", a.name, "the branch's name, e.g. \"Leeds\"")->required();
  cli.on_office_run(add, [&a](HeadOffice& office) { return branch_add_output(office, a.ods, a.name); });

  cli.on_office_run(branch->add_subcommand("list", "list the branches"), branch_list_output);

  auto& r = cli.line.keep<AddOptions>();
  auto* rename = branch->add_subcommand("rename", "give a branch a new name (its code, people and answers stay)");
  rename->add_option("ODS", r.ods, "the branch's site code")->required();
  rename->add_option("--name", r.name, "the branch's new name")->required();
  cli.on_office_run(rename, [&r](HeadOffice& office) -> Result<Output> {
    if (auto s = office.rename_branch(r.ods, r.name); !s) return s.error();
    auto site = parse_site_code(r.ods);
    if (!site) return site.error();
    auto renamed = office.directory().branch(site->code);
    if (!renamed) return renamed.error();
    if (!*renamed)
      return make_error(ErrorKind::internal, "branch " + site->code + " vanished just after it was renamed");
    const Branch& b = **renamed;
    return Output{{{"ods", b.ods}, {"name", b.name}, {"added_at", format_timestamp(b.added_at)}},
                  "Renamed branch " + b.ods + " to " + b.name + "\n"};
  });

  auto& remove_ods = cli.line.keep<std::string>();
  auto* remove = branch->add_subcommand("remove", "remove a branch (once its users are revoked)");
  remove->add_option("ODS", remove_ods, "the branch's site code")->required();
  cli.line.on_run(remove, [&remove_ods, &global = cli.global]() -> Result<Output> {
    auto site = parse_site_code(remove_ods);
    if (!site) return site.error();
    return with_head_office(global, [&site](HeadOffice& office) -> Result<Output> {
      if (auto s = office.remove_branch(site->code); !s) return s.error();
      return Output{{{"removed", site->code}},
                    "Removed branch " + site->code + " (the answers it synced stay in the server's log)\n"};
    });
  });
}

struct InviteOptions {
  std::string branch, role, user;
  bool hq = false;
  int days = kDefaultValidDays;
};

Result<Output> invite_output(HeadOffice& office, const InviteOptions& o, protocol::Role role) {
  InviteRequest request{o.user, o.branch, o.hq, role, std::chrono::hours(24 * o.days)};
  auto issued = office.invite(request);
  if (!issued) return issued.error();
  auto names = branch_names(office);
  if (!names) return names.error();
  const Invite& invite = issued->invite;
  std::ostringstream text;
  text << "Enrolment code for " << invite.user << " (" << protocol::to_string(invite.role) << ", "
       << branch_text(invite.branch, *names) << "), valid until " << format_timestamp(invite.expires_at) << ":\n\n    "
       << issued->code << "\n\n"
       << "Give it to " << invite.user << " privately: it enrols one device, once, and is not kept here.\n"
       << "On their computer they run:\n\n    dsptsync enrol ws://HOST:PORT " << issued->code << "\n\n"
       << "where HOST:PORT is this server's address ('dsptsync-server serve --listen'; wss:// when TLS is on).\n";
  return Output{service::to_json(*issued, JsonStyle::cli), text.str()};
}

void add_invite(ServerCli& cli) {
  auto& o = cli.line.keep<InviteOptions>();
  auto* cmd = cli.line.app().add_subcommand("invite", "issue a one-time enrolment code for a person's device");
  auto* branch_option = cmd->add_option("--branch", o.branch, "the branch they work for (site code)");
  auto* hq_option = cmd->add_flag("--hq", o.hq, "they work for head office, not a branch");
  branch_option->excludes(hq_option);
  cmd->add_option("--role", o.role, "admin, member or viewer")->required();
  cmd->add_option("--user", o.user, "their name, as it will appear on their edits")->required();
  cmd->add_option("--valid-days", o.days, "days the code stays valid (default 7, at most 90)");
  cli.line.on_run(cmd, [&o, &global = cli.global]() -> Result<Output> {
    auto role = protocol::parse_role(o.role);
    if (!role) return role.error();
    if (o.days < 1 || o.days > kMaxValidDays)
      return invalid_input("--valid-days is from 1 to " + std::to_string(kMaxValidDays) + ", not " +
                           std::to_string(o.days));
    return with_head_office(global, [&o, &role](HeadOffice& office) { return invite_output(office, o, *role); });
  });
}

void add_backup_and_restore(ServerCli& cli) {
  auto& backup_file = cli.line.keep<std::string>();
  auto* backup = cli.line.app().add_subcommand("backup", "write a consistent copy of the database (also while serving)");
  backup->add_option("--to", backup_file, "the new backup file")->required();
  cli.on_office_run(backup, [&backup_file](HeadOffice& office) -> Result<Output> {
    if (auto s = office.backup_to(backup_file); !s) return s.error();
    return Output{{{"backup", backup_file}, {"log_epoch", office.log_epoch()}},
                  "Wrote " + backup_file + ". Keep it, and " + (office.dir() / "server.key").string() +
                      " (or the passphrase), safe and apart: the backup is sealed with that key.\n"};
  });

  auto& restore_file = cli.line.keep<std::string>();
  auto* restore = cli.line.app().add_subcommand("restore", "replace the database with a backup (stop the server first)");
  restore->add_option("--from", restore_file, "the backup file")->required();
  cli.line.on_run(restore, [&restore_file, &global = cli.global]() -> Result<Output> {
    const std::filesystem::path dir = data_dir(global);
    if (auto s = HeadOffice::restore(dir, restore_file, passphrase_from_environment()); !s) return s.error();
    return with_head_office(global, [&](HeadOffice& office) -> Result<Output> {
      return Output{{{"restored_from", restore_file}, {"log_epoch", office.log_epoch()}},
                    "Restored " + dir.string() + " from " + restore_file +
                        ". At their next sync, branch devices send again everything the backup lacks.\n"};
    });
  });
}

// The host part of HOST:PORT, for telling people what to connect to.
std::string host_of(const std::string& listen) {
  const auto colon = listen.rfind(':');
  return colon == std::string::npos ? listen : listen.substr(0, colon);
}

struct ServeCommand {
  ServeOptions options;
  std::string tls_cert, tls_key;
};

Result<Output> serve_output(HeadOffice& office, ServeCommand& s, const ServerCli& cli) {
  const bool tls = !s.tls_cert.empty();
  if (tls) {
    s.options.tls_certificate = s.tls_cert;
    s.options.tls_private_key = s.tls_key;
  }
  const std::string host = host_of(s.options.listen);
  s.options.on_listening = [&cli, host, tls](std::uint16_t port) {
    const std::string address = host + ":" + std::to_string(port);
    const std::string url = std::string(tls ? "wss://" : "ws://") + address;
    if (cli.line.as_json())
      cli.out << json{{"listening", {{"address", address}, {"port", port}, {"tls", tls}, {"url", url}}}}.dump() << "\n";
    else
      cli.out << "Listening on " << address << (tls ? " (TLS)" : "") << "; devices enrol with 'dsptsync enrol " << url
              << " CODE'\n";
    cli.out.flush();
  };
  if (auto served = serve(office, s.options); !served) return served.error();
  // With --json the output is one JSON object per line (listening above); nothing more to add.
  return Output{nullptr, "Stopped\n"};
}

void add_serve(ServerCli& cli) {
  auto& s = cli.line.keep<ServeCommand>();
  auto* cmd = cli.line.app().add_subcommand("serve", "serve branch devices: enrolment and sync over WebSockets");
  cmd->add_option("--listen", s.options.listen, "HOST:PORT to listen on (default 127.0.0.1:8443)");
  auto* cert_option = cmd->add_option("--tls-cert", s.tls_cert, "TLS certificate chain (PEM)");
  auto* key_option = cmd->add_option("--tls-key", s.tls_key, "TLS private key (PEM)");
  cert_option->needs(key_option);
  key_option->needs(cert_option);
  cmd->add_option("--trusted-proxy", s.options.trusted_proxies,
                  "IP address of a reverse proxy whose X-Forwarded-For header names the client (repeat for "
                  "several); from any other address the header is ignored");
  cli.on_office_run(cmd, [&s, &cli](HeadOffice& office) { return serve_output(office, s, cli); });
}

}  // namespace

void add_organisation_commands(ServerCli& cli) {
  add_init(cli);
  add_branch(cli);
  add_invite(cli);
}

void add_operations_commands(ServerCli& cli) {
  add_backup_and_restore(cli);
  add_serve(cli);
}

}  // namespace dsptsync::server
