#include "dsptsync/document.h"

#include "dsptsync/assessment.h"
#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"
#include "dsptsync/text.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <tuple>

namespace dsptsync {
namespace {

constexpr std::int64_t kDayMs = 24LL * 60 * 60 * 1000;

bool is_upper_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F'); });
}

bool is_lower_hex(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

template <class T>
Status status_of(const Result<T>& result) {
  if (!result) return result.error();
  return {};
}

template <class T>
std::optional<T> value_if(Result<T> result) {
  if (!result) return std::nullopt;
  return std::move(*result);
}

bool one_line(std::string_view text) { return text.find('\n') == std::string_view::npos; }

bool is_document_kind(std::string_view kind) {
  return std::find(std::begin(kDocumentKinds), std::end(kDocumentKinds), kind) != std::end(kDocumentKinds);
}

std::optional<std::uint64_t> parse_size(std::string_view text) {
  std::uint64_t size = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), size);
  if (error != std::errc{} || end != text.data() + text.size() || text.empty() || text.front() == '0')
    return std::nullopt;
  return size;
}

Status check_items(const Catalogue& catalogue, std::string_view ids) {
  std::istringstream words{std::string(ids)};
  for (std::string id; words >> id;)
    if (!catalogue.find_item(id))
      return invalid_input("there is no evidence item '" + id + "' in the " + catalogue.year().label() +
                           " question set to link the document to");
  return {};
}

// The fields of the document itself: title, kind, owner, review date, items, pinned version.
Status check_document_value(const Catalogue& catalogue, Field field, const std::string& text) {
  switch (field) {
    case Field::title:
      if (text.empty() || text.size() > kMaxDocumentTitleBytes || !one_line(text))
        return invalid_input("a document's title is one line of 1 to " + std::to_string(kMaxDocumentTitleBytes) +
                             " characters");
      return {};
    case Field::document_kind:
      if (!is_document_kind(text))
        return invalid_input("a document is a policy, procedure, plan, template or evidence, not '" + text + "'");
      return {};
    case Field::document_owner:
      if (!one_line(text) || text.size() > limits::kMaxUserBytes)
        return invalid_input("a document's owner is one person's name, on one line");
      return {};
    case Field::review_by: return status_of(parse_iso_date(text));
    case Field::document_items: return check_items(catalogue, text);
    case Field::pinned_version:
      if (!files::parse_hash(text)) return invalid_input("a pinned version is named by its file's root hash");
      return {};
    default: return invalid_input(std::string(to_string(field)) + " belongs to a version, not to the document");
  }
}

Status check_version_value(Field field, const std::string& text) {
  switch (field) {
    case Field::file_name: {
      auto name = files::check_file_name(text);
      if (!name) return name.error();
      if (*name != text) return invalid_input("the file name '" + text + "' is not in its stored form");
      return {};
    }
    case Field::file_size: {
      auto size = parse_size(text);
      if (!size || *size > limits::kMaxFileBytes)
        return invalid_input("a file's size is a whole number of bytes from 1 to " +
                             std::to_string(limits::kMaxFileBytes));
      return {};
    }
    case Field::file_type: return status_of(files::parse_file_type(text));
    case Field::version_note:
      if (text.size() > limits::kMaxValueBytes) return invalid_input("a version's note is too long");
      return {};
    default: return invalid_input(std::string(to_string(field)) + " belongs to the document, not to one version");
  }
}

}  // namespace

std::string new_document_id() {
  std::string hex = crypto::random_hex(4);
  for (char& c : hex) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return "DOC-" + hex;
}

bool is_document_id(std::string_view text) {
  return text.size() == 12 && text.starts_with("DOC-") && is_upper_hex(text.substr(4));
}

std::string version_target(std::string_view document_id, const files::Hash& root) {
  return std::string(document_id) + "@" + files::to_hex(root);
}

std::string acknowledgement_target(std::string_view document_id, const files::Hash& root, std::string_view person) {
  return std::string(document_id) + "@" + files::to_hex(root).substr(0, kAcknowledgedHashDigits) + ":" +
         std::string(person);
}

Result<DocumentTarget> parse_document_target(std::string_view target) {
  const std::string bad = "'" + std::string(target.substr(0, 80)) +
                          "' is not a document target (DOC- and eight hexadecimal digits, then @ and a version)";
  DocumentTarget parsed;
  parsed.document_id = std::string(target.substr(0, 12));
  if (!is_document_id(parsed.document_id)) return invalid_input(bad);
  if (target.size() == 12) return parsed;
  if (target[12] != '@') return invalid_input(bad);
  const std::string_view rest = target.substr(13);
  const auto colon = rest.find(':');
  if (colon == std::string_view::npos) {
    auto root = files::parse_hash(rest);
    if (!root) return invalid_input(bad);
    parsed.part = DocumentTarget::Part::version;
    parsed.root = *root;
    return parsed;
  }
  parsed.part = DocumentTarget::Part::acknowledgement;
  parsed.hash_prefix = std::string(rest.substr(0, colon));
  parsed.person = std::string(rest.substr(colon + 1));
  if (parsed.hash_prefix.size() != kAcknowledgedHashDigits || !is_lower_hex(parsed.hash_prefix) ||
      parsed.person.empty() || trimmed(parsed.person) != parsed.person)
    return invalid_input(bad);
  return parsed;
}

Status check_document_edit(const Catalogue& catalogue, const FieldKey& key, const std::optional<FieldValue>& value) {
  auto target = parse_document_target(key.target);
  if (!target) return target.error();
  if (value && !value->location.empty()) return invalid_input("only document answers have a location");
  const bool acknowledgement_field = key.field == Field::acknowledged;
  if (acknowledgement_field != (target->part == DocumentTarget::Part::acknowledgement))
    return invalid_input("an acknowledgement is recorded on its own target, '<document>@<version>:<person>'");
  if (acknowledgement_field) {
    if (value && value->text != "yes") return invalid_input("an acknowledgement is recorded as yes, or cleared");
    return {};
  }
  if (!value) return {};
  if (target->part == DocumentTarget::Part::document) return check_document_value(catalogue, key.field, value->text);
  return check_version_value(key.field, value->text);
}

Status check_acknowledger(const FieldKey& key, std::string_view person) {
  if (key.kind != TargetKind::document || key.field != Field::acknowledged) return {};
  auto target = parse_document_target(key.target);
  if (!target) return target.error();
  if (target->person != person)
    return refused(std::string(person) + " may acknowledge a document for themselves only, not for " + target->person);
  return {};
}

// ----- documents as people see them -----

const DocumentVersion* Document::current() const {
  if (pinned)
    for (const auto& version : versions)
      if (version.root == *pinned) return &version;
  return versions.empty() ? nullptr : &versions.back();
}

const DocumentVersion* Document::version(int number) const {
  if (number < 1 || static_cast<std::size_t>(number) > versions.size()) return nullptr;
  return &versions[static_cast<std::size_t>(number) - 1];
}

namespace {

std::optional<std::string> text_of(const FieldKey& key, const FieldState& field) {
  if (auto merged = merged_value(key, field, nullptr)) return merged->text;
  const Head* winner = field.winner();
  if (winner && winner->value) return winner->value->text;
  return std::nullopt;
}

void apply_document_field(Document& document, const FieldKey& key, const FieldState& field) {
  if (!open_conflict(key, field, nullptr).empty()) document.in_conflict.push_back(key.field);
  const auto text = text_of(key, field);
  switch (key.field) {
    case Field::title: document.title = text.value_or(""); break;
    case Field::document_kind: document.kind = text.value_or(""); break;
    case Field::document_owner: document.owner = text.value_or(""); break;
    case Field::review_by: document.review_by = text ? value_if(parse_iso_date(*text)) : std::nullopt; break;
    case Field::document_items: {
      document.items.clear();
      std::istringstream words(text.value_or(""));
      for (std::string id; words >> id;) document.items.push_back(id);
      break;
    }
    case Field::pinned_version: document.pinned = text ? value_if(files::parse_hash(*text)) : std::nullopt; break;
    default: break;
  }
}

struct VersionFields {
  DocumentVersion version;
  Hlc added = 0;
};

void apply_version_field(VersionFields& gathered, const FieldKey& key, const FieldState& field) {
  const auto text = text_of(key, field).value_or("");
  switch (key.field) {
    case Field::file_name:
      gathered.version.name = text;
      if (const Head* winner = field.winner()) {
        gathered.added = winner->hlc;
        gathered.version.added_by = winner->user;
        gathered.version.added_at = hlc_wall_ms(winner->hlc);
      }
      break;
    case Field::file_size: gathered.version.size = parse_size(text).value_or(0); break;
    case Field::file_type: gathered.version.type = text; break;
    case Field::version_note: gathered.version.note = text; break;
    default: break;
  }
}

}  // namespace

std::vector<Document> documents_of(const AssessmentState& state) {
  // By site and year too: an id is one site's, and another site choosing the same one must not mix in.
  using Where = std::tuple<std::string, std::string, std::string>;
  std::map<Where, Document> documents;
  std::map<Where, std::map<files::Hash, VersionFields>> versions;
  for (const auto& [key, field] : state) {
    if (key.kind != TargetKind::document) continue;
    auto target = parse_document_target(key.target);
    if (!target || target->part == DocumentTarget::Part::acknowledgement) continue;
    const Where where{key.scope, key.year, target->document_id};
    if (target->part == DocumentTarget::Part::version) {
      apply_version_field(versions[where][target->root], key, field);
      continue;
    }
    Document& document = documents[where];
    document.id = target->document_id;
    document.scope = key.scope;
    document.year = key.year;
    apply_document_field(document, key, field);
  }
  std::vector<Document> out;
  for (auto& [where, document] : documents) {
    std::vector<VersionFields> held;
    for (auto& [root, gathered] : versions[where]) {
      if (gathered.version.name.empty()) continue;
      gathered.version.root = root;
      held.push_back(std::move(gathered));
    }
    std::sort(held.begin(), held.end(), [](const VersionFields& a, const VersionFields& b) {
      return std::tie(a.added, a.version.root) < std::tie(b.added, b.version.root);
    });
    for (auto& gathered : held) {
      gathered.version.number = static_cast<int>(document.versions.size()) + 1;
      document.versions.push_back(std::move(gathered.version));
    }
    out.push_back(std::move(document));
  }
  std::stable_sort(out.begin(), out.end(), [](const Document& a, const Document& b) {
    return std::tie(a.scope, a.title, a.id) < std::tie(b.scope, b.title, b.id);
  });
  return out;
}

std::vector<Acknowledgement> acknowledgements_of(const AssessmentState& state) {
  std::vector<Acknowledgement> out;
  for (const auto& [key, field] : state) {
    if (key.kind != TargetKind::document || key.field != Field::acknowledged) continue;
    const Head* winner = field.winner();
    if (!winner || !winner->value) continue;
    auto target = parse_document_target(key.target);
    if (!target || target->part != DocumentTarget::Part::acknowledgement) continue;
    out.push_back(
        Acknowledgement{target->document_id, target->hash_prefix, target->person, key.scope, hlc_wall_ms(winner->hlc)});
  }
  return out;
}

bool acknowledges(const Acknowledgement& ack, const Document& document, const DocumentVersion& version) {
  return ack.document_id == document.id &&
         files::to_hex(version.root).compare(0, kAcknowledgedHashDigits, ack.hash_prefix) == 0;
}

std::vector<ReviewWarning> review_warnings(const std::vector<Document>& documents, Date today) {
  std::vector<ReviewWarning> warnings;
  for (const auto& document : documents) {
    if (!document.review_by) continue;
    const auto days = static_cast<int>((start_of(*document.review_by) - start_of(today)) / kDayMs);
    if (days > kReviewWarningDays) continue;
    const std::string owner = document.owner.empty() ? "" : " (owner " + document.owner + ")";
    const std::string when = days < 0    ? " was due for review on " + document.review_by->long_form()
                             : days == 0 ? " is due for review today"
                                         : " is due for review on " + document.review_by->long_form() + ", in " +
                                               std::to_string(days) + (days == 1 ? " day" : " days");
    warnings.push_back(ReviewWarning{document.id, document.title, document.owner, document.scope, *document.review_by,
                                     days, document.title + owner + when});
  }
  std::stable_sort(warnings.begin(), warnings.end(),
                   [](const ReviewWarning& a, const ReviewWarning& b) { return a.days_left < b.days_left; });
  return warnings;
}

// ----- what a person types -----

Result<std::vector<std::pair<Field, std::optional<FieldValue>>>> document_edits(const DocumentInput& input,
                                                                                bool is_new) {
  std::vector<std::pair<Field, std::optional<FieldValue>>> edits;
  auto text = [&](Field field, const std::optional<std::string>& raw) -> Status {
    if (!raw) return {};
    const std::string value(trimmed(*raw));
    if (value.empty()) {
      if (field == Field::title || field == Field::document_kind)
        return invalid_input("a document needs a " + std::string(field == Field::title ? "title" : "kind"));
      edits.emplace_back(field, std::nullopt);
    } else {
      edits.emplace_back(field, FieldValue{field == Field::document_kind ? lowercase(value) : value, ""});
    }
    return {};
  };
  if (is_new && (!input.title || !input.kind))
    return invalid_input("a new document needs a title and a kind (policy, procedure, plan, template or evidence)");
  if (auto s = text(Field::title, input.title); !s) return s.error();
  if (auto s = text(Field::document_kind, input.kind); !s) return s.error();
  if (auto s = text(Field::document_owner, input.owner); !s) return s.error();
  if (input.review_by) {
    const std::string typed(trimmed(*input.review_by));
    if (typed.empty()) {
      edits.emplace_back(Field::review_by, std::nullopt);
    } else {
      auto date = parse_typed_date(typed);
      if (!date) return invalid_input("the review date: " + date.error().message);
      edits.emplace_back(Field::review_by, FieldValue{date->iso(), ""});
    }
  }
  if (input.items) {
    std::string joined;
    for (const auto& id : *input.items) joined += (joined.empty() ? "" : " ") + std::string(trimmed(id));
    if (joined.empty()) edits.emplace_back(Field::document_items, std::nullopt);
    else edits.emplace_back(Field::document_items, FieldValue{joined, ""});
  }
  return edits;
}

Result<CheckedUpload> check_upload(std::string_view file_name, ByteView content) {
  auto name = files::check_file_name(file_name);
  if (!name) return name.error();
  if (content.empty()) return invalid_input(*name + " is empty: choose the file that holds the document");
  if (content.size() > limits::kMaxFileBytes)
    return invalid_input(*name + " is " + std::to_string(content.size() / (1024 * 1024)) +
                         " MiB; the library takes files of at most " +
                         std::to_string(limits::kMaxFileBytes / (1024 * 1024)) +
                         " MiB: save it smaller (a PDF without full-resolution pictures) or split it");
  auto type = files::sniff_type(content, *name);
  if (!type) return invalid_input(*name + ": " + type.error().message);
  return CheckedUpload{*name, *type, content.size()};
}

std::vector<std::pair<Field, std::optional<FieldValue>>> version_edits(std::string_view file_name, std::uint64_t size,
                                                                       files::FileType type, std::string_view note) {
  std::vector<std::pair<Field, std::optional<FieldValue>>> edits{
      {Field::file_name, FieldValue{std::string(file_name), ""}},
      {Field::file_size, FieldValue{std::to_string(size), ""}},
      {Field::file_type, FieldValue{std::string(files::to_string(type)), ""}},
  };
  const std::string trimmed_note(trimmed(note));
  if (!trimmed_note.empty()) edits.emplace_back(Field::version_note, FieldValue{trimmed_note, ""});
  return edits;
}

}  // namespace dsptsync
