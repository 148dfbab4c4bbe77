// Who may do what: the one permission rule every door asks (docs/threat-model.md, "Roles").
//
// The sync core (a laptop's push), head office's console and web edits, the web API and the laptop
// itself all call these functions, so a rule cannot differ between doors. They are pure: the caller
// says who acts and what they touch, and gets back nothing (allowed) or a refusal whose message is
// the same whichever door it came through.
#pragma once

#include "dsptsync/change.h"
#include "dsptsync/error.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace dsptsync {

// admin: edits and confirms (and, at head office, shares, publishes and manages people);
// member: edits but cannot confirm; viewer: reads only. The numbers are the wire encoding.
enum class Role : std::uint8_t { admin = 1, member = 2, viewer = 3 };
std::string_view to_string(Role role);
Result<Role> parse_role(std::string_view text);
bool role_in_range(Role role);

// Someone acting: a head office person (no branch) or a branch's.
struct Person {
  std::string name;
  Role role = Role::viewer;
  std::string branch;  // the V code they work for; empty: head office
  bool head_office() const { return branch.empty(); }
};

// May `who` change `field` in the assessment of `scope` (a V code, or the HQ code for head
// office's own)? Viewers change nothing; branch people change only their own branch; only
// administrators confirm; only head office administrators decide what is shared. Whether the field
// belongs in that scope at all (sharing only at head office, overrides only at a branch) is
// check_edit_scope's, and the value's validity check_edit's (assessment.h).
Status may_edit(const Person& who, std::string_view scope, Field field);

// May `who` set `field` of an incident of `scope` to `value` (docs/incidents.md)? Reporting is never
// blocked by a role: anyone working for the site, viewers included, records an incident for it and
// completes their own report while nobody else has changed it (`written_by_others` false). Members
// and administrators edit any of their site's incidents; head office's members and administrators
// every branch's; only administrators mark one reported or closed, or record the ICO's reference.
// may_edit on an incident field asks this as for an incident others have written.
Status may_edit_incident(const Person& who, std::string_view scope, Field field, const std::optional<FieldValue>& value,
                         bool written_by_others);

// May `who` keep a file in the policy library for `scope` (docs/documents.md): head office's people
// for any site (the shared library is head office's own scope), a branch's people for their branch
// only; viewers read the library but add nothing to it.
Status may_keep_file(const Person& who, std::string_view scope);

// May `who` revoke `target`? Only head office administrators manage people, nobody revokes
// themselves, and the last active head office administrator is never revoked (someone must be left
// who can reinstate). `who` null: the server's console run without --as, by whoever holds the data
// folder; only the last-administrator rule applies. `other_active_admins` counts the head office
// administrators not revoked, `target` left out.
Status may_revoke(const Person* who, const Person& target, int other_active_admins);

// May `who` give `target` the role `to`? Only head office administrators manage people, nobody
// changes their own role, and the last active head office administrator is never made something
// else. `who` null: the console without --as (only the last-administrator rule applies).
// `target_active`: not revoked; `other_active_admins` as for may_revoke.
Status may_change_role(const Person* who, const Person& target, bool target_active, Role to, int other_active_admins);

// May `who` do what only head office administrators do for the whole organisation: manage people
// (invite, revoke, reinstate), import the official list every branch then works with? `what` names
// the action for the refusal ("reinstate people", "import the official list").
Status may_act_for_organisation(const Person& who, std::string_view what);
inline Status may_manage_people(const Person& who, std::string_view what) { return may_act_for_organisation(who, what); }

// May `who` change the profile of `scope`? Head office's own profile (`scope` is `hq_code`) is the one
// every branch uses unless it records its own: an organisation-wide decision, so only head office
// administrators change it, from the console, the web app or a laptop alike. A branch's profile is part
// of its assessment: may_edit decides.
Status may_change_profile(const Person& who, std::string_view scope, std::string_view hq_code);

// May `who` read what is the whole organisation's (every publication, every year's question set)?
// Head office's people, whatever their role; a branch's people see their own branch only.
Status may_read_organisation(const Person& who, std::string_view what);

// A person's name as it is stored and compared: without the white space around it. Every name from
// a command line, a request path or a body passes through this once, before any rule sees it, so
// "Priya Shah " is Priya Shah to every rule (self-revocation included), as she was stored.
std::string normalise_name(std::string_view raw);

}  // namespace dsptsync
