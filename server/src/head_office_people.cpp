// Head office's people (docs/head-office.md, docs/cli.md: user): who they are, and revoking and
// reinstating them, as the console and the web app both do it.
#include "dsptsync/server/head_office.h"

#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"
#include "dsptsync/password_rules.h"
#include "dsptsync/permissions.h"

#include <chrono>

namespace dsptsync::server {

Result<service::People> HeadOffice::people() {
  service::People out;
  out.as_of = now_ms();
  auto users = directory_->users();
  if (!users) return users.error();
  auto devices = directory_->devices();
  if (!devices) return devices.error();
  auto invites = directory_->invites();
  if (!invites) return invites.error();
  auto branches = directory_->branches();
  if (!branches) return branches.error();
  auto events = directory_->people_events();
  if (!events) return events.error();
  for (const auto& user : *users) {
    auto password = directory_->password(user.name);
    if (!password) return password.error();
    if (*password) out.with_password.insert(user.name);
  }
  out.users = std::move(*users);
  out.devices = std::move(*devices);
  out.invites = std::move(*invites);
  out.branches = std::move(*branches);
  out.events = std::move(*events);
  return out;
}

Result<service::Revocation> HeadOffice::revoke_user(std::string_view name) { return revoke_as(nullptr, name); }

Result<service::Revocation> HeadOffice::revoke_user(const User& by, std::string_view name) {
  const Person who = by.person();
  return revoke_as(&who, name);
}

Result<service::Revocation> HeadOffice::revoke_as(const Person* who, std::string_view raw_name) {
  const std::string name = normalise_name(raw_name);
  auto revoked = directory_->revoke_user(name, now_ms(), who ? who->name : "",
                                         [who](const User& target, int other_active_admins) {
                                           return may_revoke(who, target.person(), other_active_admins);
                                         });
  if (!revoked) return revoked.error();
  // Read back, so what is reported is what the directory now holds.
  auto user = directory_->user(name);
  if (!user) return user.error();
  auto devices = directory_->devices();
  if (!devices) return devices.error();
  if (!*user || !(*user)->revoked_at)
    return make_error(ErrorKind::internal, "'" + name + "' is not marked revoked after revoking");
  int count = 0;
  for (const auto& device : *devices) count += device.user == (*user)->name ? 1 : 0;
  return service::Revocation{(*user)->name, *(*user)->revoked_at, count};
}

Result<service::Reinstatement> HeadOffice::reinstate_user(std::string_view name) { return reinstate_as(nullptr, name); }

Result<service::Reinstatement> HeadOffice::reinstate_user(const User& by, std::string_view name) {
  return reinstate_as(&by, name);
}

Result<service::Reinstatement> HeadOffice::reinstate_as(const User* by, std::string_view raw_name) {
  if (by)
    if (auto allowed = may_act_for_organisation(by->person(), "reinstate people"); !allowed) return allowed.error();
  const std::string name = normalise_name(raw_name);
  if (auto reinstated = directory_->reinstate_user(name, now_ms(), by ? by->name : ""); !reinstated)
    return reinstated.error();
  auto events = directory_->people_events();
  if (!events) return events.error();
  if (events->empty()) return make_error(ErrorKind::internal, "the reinstatement of '" + name + "' was not recorded");
  const PeopleEvent& event = events->back();
  return service::Reinstatement{name, event.at, event.by};
}

namespace {

constexpr std::string_view kSetPasswordPath = "/#/set-password/";

// The token as kept: its BLAKE2b-256 hash, so the database never holds a usable link.
std::string token_hash(std::string_view token) { return crypto::hash_hex(as_bytes(token)); }

}  // namespace

Result<service::IssuedPasswordLink> HeadOffice::issue_password_link(const User* by, std::string_view raw_name) {
  if (by)
    if (auto allowed = may_manage_people(by->person(), "send links to set a password"); !allowed)
      return allowed.error();
  const std::string name = normalise_name(raw_name);
  auto user = directory_->user(name);
  if (!user) return user.error();
  if (!*user)
    return not_found("there is no user '" + name +
                     "'; 'dsptsync-server user list' shows the users and 'user add' "
                     "adds a head office user");
  if ((*user)->revoked_at) return refused("'" + name + "' was revoked; reinstate them before sending a link");
  const std::string token = crypto::random_hex(limits::kPasswordLinkTokenBytes);
  const TimestampMs now = now_ms();
  PasswordLink link{
      name,
      by ? by->name : "",
      now,
      now +
          std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(limits::kPasswordLinkHours)).count(),
      std::nullopt,
      std::nullopt};
  if (auto added = directory_->add_password_link(link, token_hash(token)); !added) return added.error();
  return service::IssuedPasswordLink{
      name, (*user)->role, (*user)->branch, std::string(kSetPasswordPath) + token, link.expires_at, false};
}

Result<service::IssuedPasswordLink> HeadOffice::add_head_office_user(const User* by, std::string_view raw_name,
                                                                     protocol::Role role) {
  if (by)
    if (auto allowed = may_manage_people(by->person(), "add people"); !allowed) return allowed.error();
  const std::string name = normalise_name(raw_name);
  if (name.size() > limits::kMaxUserBytes)
    return invalid_input("name: the name is longer than " + std::to_string(limits::kMaxUserBytes) + " bytes");
  if (auto added = add_console_user(name, role); !added) return added.error();
  auto link = issue_password_link(by, name);
  if (link) link->new_user = true;
  return link;
}

Result<std::string> HeadOffice::set_password_with_link(std::string_view token, std::string_view password,
                                                       TimestampMs now) {
  if (auto allowed = check_new_password(password); !allowed) return allowed.error();
  // Looked at before the costly hash, so a bad link costs a look-up, not an Argon2id run.
  const std::string hash = token_hash(token);
  auto link = directory_->password_link(hash);
  if (!link) return link.error();
  if (token.size() != 2 * limits::kPasswordLinkTokenBytes || !*link || !(*link)->usable_at(now))
    return refused(std::string(kPasswordLinkNotValid));
  auto hashed = crypto::hash_password(password);
  if (!hashed) return hashed.error();
  // Checked again in the same transaction that uses it: two tabs cannot both use one link.
  if (auto used = directory_->use_password_link(hash, *hashed, now); !used) return used.error();
  return (*link)->user;
}

Status HeadOffice::set_password(const User* by, std::string_view raw_name,
                                const std::function<Result<std::string>()>& read_password) {
  const std::string name = normalise_name(raw_name);
  auto user = directory_->user(name);
  if (!user) return user.error();
  if (!*user)
    return not_found("there is no user '" + name +
                     "'; 'dsptsync-server user list' shows the users and "
                     "'user add' adds a head office user");
  if ((*user)->revoked_at) return refused("'" + name + "' was revoked; a revoked user cannot sign in");
  auto password = read_password();
  if (!password) return password.error();
  if (auto allowed = check_new_password(*password); !allowed) return allowed.error();
  auto hashed = crypto::hash_password(*password);
  if (!hashed) return hashed.error();
  return directory_->set_password(name, *hashed, now_ms(), by ? by->name : "");
}

Result<service::RoleChange> HeadOffice::change_role(const User* by, std::string_view raw_name, protocol::Role role) {
  const std::string name = normalise_name(raw_name);
  const std::optional<Person> who = by ? std::optional<Person>(by->person()) : std::nullopt;
  std::optional<User> before;
  auto changed = directory_->change_role(
      name, role, now_ms(), by ? by->name : "", [&who, &before, role](const User& target, int other_active_admins) {
        before = target;
        return may_change_role(who ? &*who : nullptr, target.person(), !target.revoked_at, role, other_active_admins);
      });
  if (!changed) return changed.error();
  if (!before) return make_error(ErrorKind::internal, "the role of '" + name + "' was changed without being checked");
  return service::RoleChange{name, before->role, role, now_ms(), by ? by->name : ""};
}

}  // namespace dsptsync::server
