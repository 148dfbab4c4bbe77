// The data every front-end shows, in one shape for all of them: the branch laptop's Workspace and
// head office's HeadOffice produce these; the command lines and the web app present them
// (json.h: one serialiser per type).
#pragma once

#include "dsptsync/assessment.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"
#include "dsptsync/directory.h"
#include "dsptsync/document.h"
#include "dsptsync/evaluator.h"

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync::service {

// One of the differing values of a field in conflict, with who wrote it and when.
struct ConflictValue {
  std::string change_id;
  std::string user;
  std::string device;
  TimestampMs at = 0;
  std::optional<FieldValue> value;
  // Written by whoever looks (this device on a laptop, the signed-in user on the web, the value or
  // one that agrees with it); nullopt where nobody in particular looks (head office's console).
  std::optional<bool> mine;
  bool winner = false;     // shown meanwhile (the same on every replica)
  std::vector<Head> also;  // others who wrote the same value concurrently: they agree, so it is one value
};

// An open conflict in one assessment.
struct Conflict {
  std::string scope;    // the assessment's ODS code (a laptop's Workspace, with one assessment, leaves it empty)
  FieldKey key;
  std::string group;    // the item's topic group, where it is an item
  std::string summary;  // in words (describe_conflict): "Two people gave different answers to 1.1.5 (...)"
  std::vector<ConflictValue> values;  // the differing values, winner first
};

// The values of a field in conflict as the ledger holds them (winner first), each one's first head
// as its author; `mine` says whether a head is the looker's (empty: nobody in particular looks).
std::vector<ConflictValue> conflict_values(const std::vector<HeldValue>& held,
                                           const std::function<bool(const Head&)>& mine = {});

// The topic group of a conflict's target, where it is an item.
std::string conflict_group(const FieldKey& key, const Catalogue& catalogue);

// One change of an item, assertion or the profile, with the value it replaced.
struct HistoryRow {
  std::string change_id;
  std::string target;  // item or assertion id
  std::string field;   // answer, comment, confirmed, owner, plan_action...
  std::string user;
  std::string device;
  TimestampMs at = 0;
  std::optional<FieldValue> before;
  std::optional<FieldValue> after;
};

struct OrganisationInfo {
  std::string name;
  std::string hq;    // the HQ code (a branch laptop that never synced: its own code)
  std::string year;  // "2021-22"
  // Branch mode: the laptop's own site.
  std::string site_ods;
  std::string site_name;
  // Once the year's deadline has passed: which year to move to and how, for whoever runs this
  // (year_advice.h); empty before.
  std::string year_advice;
  // Branch mode: a store made with `dsptsync init`, not enrolled with a head office (its pages then
  // say nothing about head office, branches or sync).
  bool single_site = false;
};

// Everything one assessment's page shows, read at one moment.
struct ScopeSnapshot {
  std::string scope;  // ODS code
  std::string name;   // the branch's name, or the organisation's
  bool head_office = false;
  Catalogue catalogue;  // the question set of the assessment's year
  AssessmentView view;  // a branch's effective assessment; head office's own with shared items marked
  Evaluation evaluation;
  std::vector<Conflict> conflicts;
  std::optional<PublicStatusRecord> published;  // the latest sign-off of the site
  std::optional<NhsPublication> nhs_published;  // its latest publication on the NHS website, as recorded
  std::optional<TimestampMs> last_change_at;
  // Head office: the latest sync of a device of the site's people (head office's own: its people's).
  std::optional<DeviceSync> last_sync;
  // The library documents the site follows (the shared library and its own): items link to them.
  std::vector<Document> documents;
};

// One site's line on head office's dashboard: a ScopeSnapshot's figures without its question set,
// answers or conflicts (summary_of), or as HeadOffice::site_progress gives them for every site.
struct SiteSummary {
  std::string scope;  // ODS code
  std::string name;
  bool head_office = false;
  Evaluation evaluation;
  std::map<std::string, AnsweredValue> overrides;  // shared items the site answers itself, with the reason
  std::optional<PublicStatusRecord> published;
  std::optional<NhsPublication> nhs_published;
  std::optional<TimestampMs> last_change_at;
  std::optional<DeviceSync> last_sync;
};
SiteSummary summary_of(const ScopeSnapshot& snapshot);

// A file to download.
struct Download {
  std::string file_name;  // what the browser saves it as
  std::string content_type;
  std::string bytes;
};

}  // namespace dsptsync::service
