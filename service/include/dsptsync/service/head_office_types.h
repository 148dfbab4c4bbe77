// What head office's operations give every front-end (HeadOffice returns these; the console's
// commands and the web app's routes present them, head_office_json.h: one serialiser per type).
// Apart from types.h so that the laptop's code, which never shows them, is not built again when
// they change.
#pragma once

#include "dsptsync/directory.h"
#include "dsptsync/evaluator.h"

#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <vector>

namespace dsptsync::service {

// One site's place in a publish: the status it would publish at and what stops it.
struct SiteReadiness {
  std::string ods;
  std::string name;
  Evaluation evaluation;
  std::vector<Problem> blocking;  // why it cannot be published (empty: it can)
  std::string answers_hash;       // of its effective assessment
};

struct PublishRequest {
  std::string year;                 // "2021-22"
  std::vector<std::string> sites;   // V codes (and the HQ code for head office's own assessment)
  bool all_ready = false;           // instead of `sites`: every branch that can be published
  bool dry_run = false;             // check and report; record nothing
};

// What a publish in dsptsync is, said wherever one is made or listed: head office's own sign-off, not
// the NHS publication (docs/head-office.md#signing-off-is-not-publishing-on-the-nhs-website).
inline constexpr const char* kNhsHandOff =
    "This is head office's own sign-off, recorded in DSPT sync only. Each site's assessment must still be "
    "entered and published on the NHS Data Security and Protection Toolkit website (www.dsptoolkit.nhs.uk): "
    "that publication is the only one CQC, commissioners and NHSmail see.";

struct PublishOutcome {
  bool published = false;            // false: refused (every problem is in `sites`) or a dry run
  bool dry_run = false;              // as asked
  std::string year;                  // as asked
  Publication publication;           // as recorded (id 0 when nothing was)
  std::vector<SiteReadiness> sites;  // every site selected, in the order asked
  std::vector<std::string> warnings; // allowed, but worth saying first (the year's deadline has passed)
  bool every_site_ready() const;
};

// What an administrator types in once a site's assessment is published on the NHS toolkit website.
struct NhsPublicationRequest {
  std::string site;          // the branch's V code, or the HQ code for head office's own
  std::string year;          // "2026-27"
  std::string published_on;  // YYYY-MM-DD, as the NHS website shows it
  std::string status;        // as the NHS website shows it: "Standards Met", or met | approaching | exceeded
};

struct NhsPublicationOutcome {
  NhsPublication record;              // as recorded
  std::vector<std::string> warnings;  // recorded, but worth checking (no sign-off of that year and status)
};

// One site's certificate of a publication, or what the request named that is not there: each
// front-end says so in its own words (the console adds where to look).
struct CertificateLookup {
  enum class Missing { nothing, publication, site, which_site };
  Missing missing = Missing::nothing;
  std::size_t sites = 0;  // the publication's sites (which_site: several, and none was named)
  // When nothing is missing: the page to print, and what it certifies.
  std::int64_t publication = 0;
  std::string ods;
  std::string name;
  std::string public_status;
  std::string html;
};

// The organisation's people as head office manages them, read at one moment.
struct People {
  std::vector<User> users;
  std::vector<Device> devices;
  std::vector<Invite> invites;          // every invite, used and expired ones too
  std::vector<Branch> branches;
  std::vector<PeopleEvent> events;      // revocations and reinstatements, oldest first
  std::set<std::string> with_password;  // the users who may sign in to the web app
  TimestampMs as_of = 0;                // when read: which invites are still waiting to be used
};

struct IssuedInvite {
  Invite invite;
  std::string code;  // the one-time enrolment code to give the user; never stored
};

struct Revocation {
  std::string user;
  TimestampMs at = 0;
  int devices = 0;  // the user's devices, every one revoked with them
};

struct Reinstatement {
  std::string user;
  TimestampMs at = 0;
  std::string by;  // empty: the console, run by whoever holds the data folder
};

// A one-time link to set a web app password, as issued (HeadOffice::issue_password_link): its
// token is in `path` only, shown once and never stored.
struct IssuedPasswordLink {
  std::string user;
  protocol::Role role = protocol::Role::viewer;
  std::string branch;  // empty: head office
  std::string path;    // "/#/set-password/TOKEN": opened at the server's address
  TimestampMs expires_at = 0;
  bool new_user = false;  // the person was added with it
};

// A role changed (HeadOffice::change_role).
struct RoleChange {
  std::string user;
  protocol::Role from = protocol::Role::viewer;
  protocol::Role to = protocol::Role::viewer;
  TimestampMs at = 0;
  std::string by;  // empty: the console, run by whoever holds the data folder
};

}  // namespace dsptsync::service
