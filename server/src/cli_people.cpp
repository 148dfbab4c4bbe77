// The server CLI's `user` commands (docs/cli.md): list the people enrolled, revoke and reinstate
// them, add head office users who work at this server, and set web app passwords.
#include "cli_support.h"

#include "dsptsync/crypto.h"
#include "dsptsync/service/head_office_json.h"

#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <sstream>

namespace dsptsync::server {
namespace {

std::string user_line(const User& user, const std::vector<Device>& devices,
                      const std::map<std::string, std::string>& names) {
  int active_devices = 0;
  for (const auto& device : devices) active_devices += device.user == user.name && !device.revoked_at ? 1 : 0;
  return user.name + "  " + std::string(protocol::to_string(user.role)) + ", " + branch_text(user.branch, names) +
         "  " + std::to_string(active_devices) + (active_devices == 1 ? " device" : " devices") +
         (user.revoked_at ? "  REVOKED " + format_timestamp(*user.revoked_at) : std::string()) + "\n";
}

Result<Output> user_list_output(HeadOffice& office) {
  auto people = office.people();
  if (!people) return people.error();
  auto names = branch_names(office);
  if (!names) return names.error();
  std::ostringstream text;
  for (const auto& user : people->users) text << user_line(user, people->devices, *names);
  if (people->users.empty()) text << "Nobody has enrolled yet\n";
  std::ostringstream pending;
  for (const auto& invite : people->invites) {
    if (invite.used_at || invite.expires_at <= people->as_of) continue;
    pending << "  " << invite.user << "  " << protocol::to_string(invite.role) << ", "
            << branch_text(invite.branch, *names) << "  (invite " << invite.id << ", until "
            << format_timestamp(invite.expires_at) << ")\n";
  }
  if (!pending.str().empty()) text << "\nInvited, not enrolled yet:\n" << pending.str();
  return Output{service::to_json(*people, JsonStyle::cli), text.str()};
}

// `user revoke` and `user reinstate`: whom, and as which head office administrator.
struct PeopleArgs {
  std::string name;
  std::string as;
};

CLI::App* add_people_command(CLI::App* user, PeopleArgs& args, const std::string& name,
                             const std::string& description, const std::string& doing) {
  auto* cmd = user->add_subcommand(name, description);
  cmd->add_option("NAME", args.name, "the user's name, as 'user list' shows it")->required();
  cmd->add_option("--as", args.as, "the head office administrator " + doing + " (default $DSPTSYNC_SERVER_USER; "
                                   "without either, whoever holds the data folder)");
  return cmd;
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

Result<Output> revoke_output(HeadOffice& office, const PeopleArgs& args) {
  auto by = named_administrator(office, args.as);
  if (!by) return by.error();
  auto revoked = *by ? office.revoke_user(**by, args.name) : office.revoke_user(args.name);
  if (!revoked) return revoked.error();
  return Output{service::to_json(*revoked, JsonStyle::cli),
                "Revoked " + revoked->user + " and " + std::to_string(revoked->devices) +
                    (revoked->devices == 1 ? " device" : " devices") + "; they can no longer sync\n"};
}

Result<Output> reinstate_output(HeadOffice& office, const PeopleArgs& args) {
  auto by = named_administrator(office, args.as);
  if (!by) return by.error();
  auto reinstated = *by ? office.reinstate_user(**by, args.name) : office.reinstate_user(args.name);
  if (!reinstated) return reinstated.error();
  return Output{service::to_json(*reinstated, JsonStyle::cli),
                "Reinstated " + reinstated->user + ": they may sign in and be invited to enrol a device again; their "
                                                   "old devices stay revoked\n"};
}

void add_user_add(ServerCli& cli, CLI::App* user) {
  struct Options {
    std::string name, role = "admin";
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = user->add_subcommand("add", "add a head office user who works at this server (answer, "
                                          "confirm, publish with --as NAME)");
  cmd->add_option("NAME", o.name, "the person's name, e.g. \"Priya Shah\"")->required();
  cmd->add_option("--role", o.role, "admin, member or viewer (default admin)");
  cli.line.on_run(cmd, [&o, &global = cli.global]() -> Result<Output> {
    const std::string name = normalise_name(o.name);  // as it is stored, so the output names them alike
    auto role = protocol::parse_role(o.role);
    if (!role) return role.error();
    return with_head_office(global, [&name, &role](HeadOffice& office) -> Result<Output> {
      if (auto added = office.add_console_user(name, *role); !added) return added.error();
      return Output{{{"name", name}, {"role", protocol::to_string(*role)}, {"branch", nullptr}},
                    "Added " + name + " (head office " + std::string(protocol::to_string(*role)) +
                        "); act as them with --as \"" + name + "\" or DSPTSYNC_SERVER_USER\n"};
    });
  });
}

// One line typed at the terminal without echo.
std::string ask_silently(const char* prompt) {
  std::cerr << prompt << std::flush;
  termios old_mode{};
  ::tcgetattr(STDIN_FILENO, &old_mode);
  termios silent = old_mode;
  silent.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &silent);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old_mode);
  std::cerr << "\n";
  return line;
}

// The password to set: $DSPTSYNC_PASSWORD (scripts), else typed twice without echo at a terminal,
// else one line of stdin.
Result<std::string> read_new_password() {
  std::string password;
  if (const char* value = std::getenv("DSPTSYNC_PASSWORD"); value && *value) {
    password = value;
  } else if (::isatty(STDIN_FILENO)) {
    password = ask_silently("New password: ");
    if (ask_silently("Type it again: ") != password)
      return invalid_input("the two passwords typed differ; nothing was changed");
  } else if (!std::getline(std::cin, password)) {
    return invalid_input("no password given: set DSPTSYNC_PASSWORD, type it at a terminal, or pipe one line to stdin");
  }
  if (!password.empty() && password.back() == '\r') password.pop_back();
  return password;  // checked against password_rules.h by HeadOffice::set_password
}

Result<Output> passwd_output(HeadOffice& office, const std::string& name) {
  if (auto set = office.set_password(nullptr, name, read_new_password); !set) return set.error();
  return Output{{{"name", name}, {"password_set", true}},
                "Set the web app password of " + name + "; they sign in at the server's address\n"};
}

// user passwd NAME: the password for the web app, from $DSPTSYNC_PASSWORD, a prompt, or stdin.
void add_user_passwd(ServerCli& cli, CLI::App* user) {
  auto& name = cli.line.keep<std::string>();
  auto* cmd = user->add_subcommand("passwd", "set the password NAME signs in to the web app with (from "
                                             "$DSPTSYNC_PASSWORD, else typed twice, else one line on stdin)");
  cmd->add_option("NAME", name, "the user's name, as 'user list' shows it")->required();
  cli.on_office_run(cmd, [&name](HeadOffice& office) { return passwd_output(office, normalise_name(name)); });
}

// `user role NAME ROLE`: another role, as permissions.h may_change_role allows.
void add_user_role(ServerCli& cli, CLI::App* user) {
  struct Options {
    PeopleArgs who;
    std::string role;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = add_people_command(user, o.who, "role",
                                 "give a user another role (admin, member or viewer); their "
                                 "devices' next push is checked against it",
                                 "changing it");
  cmd->add_option("ROLE", o.role, "admin, member or viewer")->required();
  cli.on_office_run(cmd, [&o](HeadOffice& office) -> Result<Output> {
    auto role = protocol::parse_role(o.role);
    if (!role) return role.error();
    auto by = named_administrator(office, o.who.as);
    if (!by) return by.error();
    auto changed = office.change_role(*by ? &**by : nullptr, o.who.name, *role);
    if (!changed) return changed.error();
    const std::string to(protocol::to_string(changed->to));
    return Output{service::to_json(*changed, JsonStyle::cli),
                  changed->from == changed->to
                      ? changed->user + " is already " + to + "; nothing changed\n"
                      : changed->user + " is now " + to + " (was " + std::string(protocol::to_string(changed->from)) +
                            "); their devices' next push is checked against it\n"};
  });
}

// The link in full when the server's address is given ("https://hq.example:8443" + path), else the path.
std::string link_text(const std::string& base, const std::string& path) {
  std::string trimmed = base;
  while (!trimmed.empty() && trimmed.back() == '/') trimmed.pop_back();
  return trimmed + path;
}

// `user link NAME [--url BASE]`: a one-time link to set the web app password.
void add_user_link(ServerCli& cli, CLI::App* user) {
  struct Options {
    PeopleArgs who;
    std::string url;
  };
  auto& o = cli.line.keep<Options>();
  auto* cmd = add_people_command(user, o.who, "link",
                                 "a one-time link for NAME to set their web app password "
                                 "(a new person's first, or a forgotten one)",
                                 "sending it");
  cmd->add_option("--url", o.url,
                  "the server's address as people open it, e.g. https://hq.example.org:8443; "
                  "without it the path to open at that address is printed");
  cli.on_office_run(cmd, [&o](HeadOffice& office) -> Result<Output> {
    if (!o.url.empty() && !o.url.starts_with("http://") && !o.url.starts_with("https://"))
      return invalid_input(
          "--url: the server's address starts with https:// or http://, e.g. "
          "https://hq.example.org:8443");
    auto by = named_administrator(office, o.who.as);
    if (!by) return by.error();
    auto link = office.issue_password_link(*by ? &**by : nullptr, o.who.name);
    if (!link) return link.error();
    nlohmann::json data = service::to_json(*link, JsonStyle::cli);
    std::string text;
    if (o.url.empty()) {
      text = "Open the server's address followed by " + link->path + "\n";
    } else {
      data["link"] = link_text(o.url, link->path);
      text = data["link"].get<std::string>() + "\n";
    }
    text += "Send it to " + link->user + " yourself; it sets their password once, until " +
            format_timestamp(link->expires_at) + ". Any older link of theirs no longer works\n";
    return Output{std::move(data), text};
  });
}

}  // namespace

void add_people_commands(ServerCli& cli) {
  auto* user = cli.line.app().add_subcommand("user", "the people enrolled, revoking and reinstating them");
  user->require_subcommand(1);
  cli.on_office_run(user->add_subcommand("list", "list users, their devices, and invites not used yet"),
                    user_list_output);
  auto& revoke = cli.line.keep<PeopleArgs>();
  cli.on_office_run(add_people_command(user, revoke, "revoke", "revoke a user and every device of theirs", "revoking"),
                    [&revoke](HeadOffice& office) { return revoke_output(office, revoke); });
  auto& reinstate = cli.line.keep<PeopleArgs>();
  cli.on_office_run(add_people_command(user, reinstate, "reinstate",
                                       "lift a user's revocation (their devices stay revoked)", "reinstating"),
                    [&reinstate](HeadOffice& office) { return reinstate_output(office, reinstate); });
  add_user_add(cli, user);
  add_user_passwd(cli, user);
  add_user_role(cli, user);
  add_user_link(cli, user);
}

}  // namespace dsptsync::server
