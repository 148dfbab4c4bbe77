// One JSON serialiser per head office type (head_office_types.h), in either style, as json.h does
// for the types every front-end shows: the console's (--json, docs/cli.md) and the web API's
// (docs/api.md). Each style's keys are a contract.
#pragma once

#include "dsptsync/json_style.h"
#include "dsptsync/service/head_office_types.h"

#include <nlohmann/json.hpp>

namespace dsptsync::service {

// cli: {published, dry_run, sites: [{ods, name, status, public_status, mandatory, assertions (in words),
//        answers_hash, ready, problems}], publication?}
// api: {published, dryRun, year, ready, sites: [{ods, name, status, statusName, publicStatus,
//        mandatory: {provided, total}, assertions: {confirmed, total}, ready, blocking}], publication?}
nlohmann::json to_json(const PublishOutcome& outcome, JsonStyle style);

// cli: {id, ods, name, year, published_on, status, public_status, recorded_at, recorded_by}
// api: {id, ods, name, year, publishedOn, status, publicStatus, recordedAt, recordedBy}
nlohmann::json to_json(const NhsPublication& record, JsonStyle style);
// A site's latest sync: {"device", "user", "at"} (the API's at in ms, with atText; the CLI's ISO).
nlohmann::json to_json(const DeviceSync& sync, JsonStyle style);
// Every record, oldest first, each as above with `current`: whether it is the one in force for its
// site and year (current_nhs_publications), or corrected by a later one.
nlohmann::json nhs_publications_json(const std::vector<NhsPublication>& records, JsonStyle style);
// cli: {recorded: {as above}, warnings}; api: {ok, record, warnings}
nlohmann::json to_json(const NhsPublicationOutcome& outcome, JsonStyle style);

// cli: {users: [{name, branch, role, created, revoked, devices: [{id, name, enrolled, revoked}]}],
//       pending_invites: [{invite_id, user, branch, role, expires_at}], people_events: [{at, action, user, by,
//       detail}]} (only the invites still waiting; times as text, null when not revoked)
// api: {users: [{name, role, branch, revoked, hasPassword, devices: [{id, name, enrolledAt, revoked}]}],
//       invites: [{id, user, branch, role, expiresAt, used}], branches: [{ods, name}],
//       events: [{at, action, user, by, detail}]}
nlohmann::json to_json(const People& people, JsonStyle style);

// cli: {code, invite_id, user, branch, role, expires_at, enrol_command}
// api: {code, invite: {id, user, branch, role, expiresAt}}
nlohmann::json to_json(const IssuedInvite& issued, JsonStyle style);

// cli: {revoked, revoked_at, devices}; api: {ok, revoked}
nlohmann::json to_json(const Revocation& revocation, JsonStyle style);
// cli: {reinstated, reinstated_at, by}; api: {ok, reinstated}
nlohmann::json to_json(const Reinstatement& reinstatement, JsonStyle style);

// cli: {user, role, branch, path, expires_at, new_user} (the CLI adds "link" when given --url);
// api: {user, role, branch, path, expiresAt, newUser}
nlohmann::json to_json(const IssuedPasswordLink& link, JsonStyle style);
// cli: {user, role, previous_role, changed_at, by}; api: {ok, user, role, previousRole}
nlohmann::json to_json(const RoleChange& change, JsonStyle style);

}  // namespace dsptsync::service
