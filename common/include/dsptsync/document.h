// The policy library as people see it (docs/documents.md): documents, their versions and who has
// read them, read off the change log like an assessment.
//
// A document is one target of kind TargetKind::document in a site's scope: head office's code for the
// shared library every branch follows, a branch's V code for that branch's own documents and evidence.
// It is kept under the assessment year in which it was made (so an edit is checked against a question
// set, like an incident), and lives on across years. Each version is a target of its own,
// "<id>@<root hash>", written once: versions only ever append. An acknowledgement is a target of its
// own per person and version, in the scope of the site the person works for, so each is one
// attributed, signed change that syncs like an answer. The file's bytes are the file store's
// (file_store.h), named by the same root hash.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"
#include "dsptsync/error.h"
#include "dsptsync/file_store.h"
#include "dsptsync/time.h"

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

using AssessmentState = std::map<FieldKey, FieldState>;

inline constexpr std::string_view kDocumentKinds[] = {"policy", "procedure", "plan", "template", "evidence"};
// How far ahead a review date is warned of.
inline constexpr int kReviewWarningDays = 30;
// A document's title: long enough for "Business continuity and disaster recovery plan (domiciliary care)".
inline constexpr std::size_t kMaxDocumentTitleBytes = 200;
// Digits of a version's root hash an acknowledgement names: 64 bits tell one document's versions apart.
inline constexpr std::size_t kAcknowledgedHashDigits = 16;

// ----- targets -----

std::string new_document_id();  // "DOC-" and eight upper-case hexadecimal digits
bool is_document_id(std::string_view text);
std::string version_target(std::string_view document_id, const files::Hash& root);
std::string acknowledgement_target(std::string_view document_id, const files::Hash& root, std::string_view person);

// What a document target names: the document, one of its versions, or one person's acknowledgement.
struct DocumentTarget {
  enum class Part { document, version, acknowledgement } part = Part::document;
  std::string document_id;
  files::Hash root{};       // version
  std::string hash_prefix;  // acknowledgement: the version's first 16 hex digits
  std::string person;       // acknowledgement
};
Result<DocumentTarget> parse_document_target(std::string_view target);

// A document field as every replica checks it: the field belongs to the part its target names, and
// its value has the form the field takes (docs/documents.md). Items are looked up in `catalogue`.
Status check_document_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value);
// The rule only a recording door can check, since it needs who records: a person acknowledges for
// themselves alone.
Status check_acknowledger(const FieldKey& key, std::string_view person);

// ----- documents as people see them -----

struct DocumentVersion {
  int number = 0;  // 1, 2, ... in the order they were added
  files::Hash root{};
  std::string name;  // the file's name as uploaded
  std::uint64_t size = 0;
  std::string type;  // files::FileType's name
  std::string note;
  std::string added_by;
  TimestampMs added_at = 0;
};

struct Document {
  std::string id;
  std::string scope;  // head office's code (shared) or a branch's
  std::string year;   // the year its fields are kept under
  std::string title, kind, owner;
  std::optional<Date> review_by;
  std::vector<std::string> items;
  std::optional<files::Hash> pinned;
  std::vector<DocumentVersion> versions;  // oldest first
  std::vector<Field> in_conflict;         // document fields edited concurrently with differing values

  // The version people follow: the pinned one when head office pinned one it holds, else the latest.
  const DocumentVersion* current() const;
  const DocumentVersion* version(int number) const;
};

// One person's acknowledgement of one version.
struct Acknowledgement {
  std::string document_id;
  std::string hash_prefix;
  std::string person;
  std::string scope;  // the site the person works for
  TimestampMs at = 0;
};

// Every document of the state (any scopes), ordered by scope, then title. Versions without a file
// name yet (a version target with only a note) are left out.
std::vector<Document> documents_of(const AssessmentState& state);
// Every acknowledgement held in the state (withdrawn ones left out).
std::vector<Acknowledgement> acknowledgements_of(const AssessmentState& state);
bool acknowledges(const Acknowledgement& ack, const Document& document, const DocumentVersion& version);

// A review date passed, or within kReviewWarningDays of `today`.
struct ReviewWarning {
  std::string document_id, title, owner, scope;
  Date review_by;
  int days_left = 0;  // negative: overdue
  std::string text;   // "Data protection policy (owner Sam Lee) was due for review on 31 March 2027"
};
std::vector<ReviewWarning> review_warnings(const std::vector<Document>& documents, Date today);

// What head office sees of one document: per site, who has acknowledged the current version and who
// has not yet (its people not revoked). A new version starts the count again.
struct SiteAcknowledgements {
  std::string scope;
  std::string site_name;
  std::vector<Acknowledgement> acknowledged;  // of the current version
  std::vector<std::string> not_yet;           // people of the site without one
};
struct DocumentAcknowledgements {
  Document document;
  int version = 0;  // the current version's number (0: none yet)
  std::vector<SiteAcknowledgements> sites;
};

// A version's file as a door hands it out.
struct DocumentFile {
  std::string name;
  files::FileType type = files::FileType::pdf;
  int version = 0;
  files::Hash root{};
  Bytes content;
};

// ----- what a person types -----

// A new document's details, or a change to them (each empty optional: leave as it is; an empty text
// clears owner, review date and items).
struct DocumentInput {
  std::optional<std::string> title, kind, owner, review_by;
  std::optional<std::vector<std::string>> items;
};
// The edits that record `input` on document `id` (new: title and kind required), each value in its
// stored form; the error names the field and what is accepted.
Result<std::vector<std::pair<Field, std::optional<FieldValue>>>> document_edits(const DocumentInput& input,
                                                                                bool is_new);
// A file handed in for a new version, as every door checks it before keeping anything: not empty, within
// limits::kMaxFileBytes, a name without folders or control characters, and content of a kind the
// library takes (told by the content, files::sniff_type). The error names the fault.
struct CheckedUpload {
  std::string name;
  files::FileType type = files::FileType::pdf;
  std::uint64_t size = 0;
};
Result<CheckedUpload> check_upload(std::string_view file_name, ByteView content);

// A file handed in for a document: its name as the person's computer had it, its bytes, a note.
struct DocumentUpload {
  std::string file_name;
  ByteView content;
  std::string note;
};
struct DocumentOutcome {
  Document document;
  std::size_t changes = 0;
};

// A new version's fields: the file's checked name, its size and type, the note.
std::vector<std::pair<Field, std::optional<FieldValue>>> version_edits(std::string_view file_name, std::uint64_t size,
                                                                       files::FileType type, std::string_view note);

}  // namespace dsptsync
