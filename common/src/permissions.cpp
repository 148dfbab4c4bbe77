#include "dsptsync/permissions.h"

#include <cctype>

namespace dsptsync {
namespace {

// "Mo Member is a member at head office", "Ada Admin is an admin at branch VLAXL": who was refused.
std::string who_is(const Person& who) {
  return who.name + (who.role == Role::admin ? " is an " : " is a ") + std::string(to_string(who.role)) +
         (who.head_office() ? " at head office" : " at branch " + who.branch);
}

bool head_office_admin(const Person& who) { return who.head_office() && who.role == Role::admin; }

}  // namespace

bool role_in_range(Role role) { return role == Role::admin || role == Role::member || role == Role::viewer; }

std::string_view to_string(Role role) {
  switch (role) {
    case Role::admin: return "admin";
    case Role::member: return "member";
    case Role::viewer: return "viewer";
  }
  return "viewer";
}

Result<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::admin;
  if (text == "member") return Role::member;
  if (text == "viewer") return Role::viewer;
  return invalid_input("'" + std::string(text) + "' is not a role; use admin, member or viewer");
}

Status may_edit(const Person& who, std::string_view scope, Field field) {
  if (field_belongs_to(field, TargetKind::incident)) return may_edit_incident(who, scope, field, std::nullopt, true);
  if (field == Field::acknowledged && (who.head_office() || scope == who.branch))
    return {};  // everyone who works for a site, viewers too, says they have read its policies
  if (who.role == Role::viewer)
    return refused(who.name + " is a viewer: viewers can read the assessment but not change it");
  if (!who.head_office() && scope != who.branch)
    return refused(who.name + " works for branch " + who.branch + " and may change only that branch's assessment, not " +
                   std::string(scope));
  if (field == Field::confirmed && who.role != Role::admin)
    return refused(who_is(who) + ": members cannot confirm assertions; ask an administrator");
  if (field == Field::sharing && !head_office_admin(who))
    return refused(who_is(who) + ": only head office administrators decide what is shared");
  return {};
}

namespace {

// Marking an incident reported or closed, and the ICO's reference: an administrator's decisions.
bool administrators_only(Field field, const std::optional<FieldValue>& value) {
  if (field == Field::ico_reference) return true;
  return field == Field::incident_state && value && value->text != "open";
}

}  // namespace

Status may_edit_incident(const Person& who, std::string_view scope, Field field, const std::optional<FieldValue>& value,
                         bool written_by_others) {
  if (!who.head_office() && scope != who.branch)
    return refused(who.name + " works for branch " + who.branch + " and may record only that branch's incidents, not " +
                   std::string(scope) + "'s");
  if (who.role == Role::viewer && (written_by_others || administrators_only(field, value)))
    return refused(who.name +
                   " is a viewer: viewers record incidents and complete their own reports, but change no "
                   "one else's; ask a member or an administrator");
  if (who.role != Role::admin && administrators_only(field, value))
    return refused(who_is(who) +
                   ": only administrators mark an incident reported or closed, or record the ICO's "
                   "reference; ask an administrator");
  return {};
}

Status may_keep_file(const Person& who, std::string_view scope) {
  if (who.role == Role::viewer)
    return refused(who.name + " is a viewer: viewers read the policy library but add no file to it");
  if (!who.head_office() && scope != who.branch)
    return refused(who.name + " works for branch " + who.branch +
                   " and may add files only to that branch's own "
                   "documents, not " +
                   std::string(scope) + "'s");
  return {};
}

Status may_read_organisation(const Person& who, std::string_view what) {
  if (!who.head_office())
    return refused(who.name + " works for branch " + who.branch + ": only head office's people " + std::string(what));
  return {};
}

Status may_act_for_organisation(const Person& who, std::string_view what) {
  if (!head_office_admin(who))
    return refused(who_is(who) + ": only head office administrators " + std::string(what));
  return {};
}

Status may_change_profile(const Person& who, std::string_view scope, std::string_view hq_code) {
  if (scope == hq_code) return may_act_for_organisation(who, "change the organisation profile");
  return may_edit(who, scope, Field::value);
}

Status may_revoke(const Person* who, const Person& target, int other_active_admins) {
  if (who) {
    if (auto allowed = may_manage_people(*who, "revoke people"); !allowed) return allowed;
    // Invalid rather than refused: the request itself is a mistake, whoever makes it.
    if (who->name == target.name) return invalid_input("you cannot revoke yourself; ask another administrator");
  }
  if (head_office_admin(target) && other_active_admins < 1)
    return refused(target.name + " is the last head office administrator: add another ('dsptsync-server user add NAME "
                   "--role admin') before revoking them, or nobody is left who can manage people");
  return {};
}

Status may_change_role(const Person* who, const Person& target, bool target_active, Role to, int other_active_admins) {
  if (who) {
    if (auto allowed = may_manage_people(*who, "change people's roles"); !allowed) return allowed;
    if (who->name == target.name)
      return invalid_input("you cannot change your own role; ask another head office administrator");
  }
  if (target_active && head_office_admin(target) && to != Role::admin && other_active_admins < 1)
    return refused(target.name +
                   " is the last head office administrator: make someone else an administrator "
                   "first, or nobody is left who can manage people");
  return {};
}

std::string normalise_name(std::string_view raw) {
  const auto space = [](char c) { return std::isspace(static_cast<unsigned char>(c)) != 0; };
  while (!raw.empty() && space(raw.front())) raw.remove_prefix(1);
  while (!raw.empty() && space(raw.back())) raw.remove_suffix(1);
  return std::string(raw);
}

}  // namespace dsptsync
