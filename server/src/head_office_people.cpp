// Head office's people (docs/head-office.md, docs/cli.md: user): who they are, and revoking and
// reinstating them, as the console and the web app both do it.
#include "dsptsync/server/head_office.h"

#include "dsptsync/permissions.h"

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

}  // namespace dsptsync::server
