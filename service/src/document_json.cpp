#include "dsptsync/service/document_json.h"

#include "dsptsync/service/incident_json.h"

#include <cstdio>
#include <sstream>

namespace dsptsync::service {

using nlohmann::json;

namespace {

json time_json(TimestampMs at, JsonStyle style) {
  if (style == JsonStyle::cli) return format_timestamp(at);
  return at;
}

json version_json(const Document& document, const DocumentVersion& version, JsonStyle style,
                  const std::function<bool(const files::Hash&)>& held) {
  const DocumentVersion* current = document.current();
  json out = {{"number", version.number},
              {"hash", files::to_hex(version.root)},
              {"name", version.name},
              {"size", version.size},
              {"type", version.type},
              {"note", version.note},
              {key_of("added_by", style), version.added_by},
              {key_of("added_at", style), time_json(version.added_at, style)},
              {"current", current == &version}};
  if (held) out["held"] = held(version.root);
  return out;
}

}  // namespace

json to_json(const Document& document, JsonStyle style, const std::function<bool(const files::Hash&)>& held) {
  json versions = json::array();
  for (const auto& version : document.versions) versions.push_back(version_json(document, version, style, held));
  json conflicts = json::array();
  for (Field field : document.in_conflict) conflicts.push_back(key_of(to_string(field), style));
  const DocumentVersion* current = document.current();
  return {{"id", document.id},
          {"site", document.scope},
          {"year", document.year},
          {"title", document.title},
          {"kind", document.kind},
          {"owner", document.owner},
          {key_of("review_by", style), document.review_by ? json(document.review_by->iso()) : json(nullptr)},
          {"items", document.items},
          {"pinned", document.pinned ? json(files::to_hex(*document.pinned)) : json(nullptr)},
          {key_of("current_version", style), current ? json(current->number) : json(nullptr)},
          {key_of("in_conflict", style), std::move(conflicts)},
          {"versions", std::move(versions)}};
}

json linked_documents_json(const std::vector<const Document*>& documents, JsonStyle style) {
  json out = json::array();
  for (const Document* document : documents) {
    const DocumentVersion* current = document->current();
    out.push_back({{"id", document->id},
                   {"title", document->title},
                   {"version", current ? json(current->number) : json(nullptr)},
                   {key_of("review_by", style), document->review_by ? json(document->review_by->iso()) : json(nullptr)},
                   {"site", document->scope}});
  }
  return out;
}

std::string linked_documents_text(const std::vector<const Document*>& documents) {
  std::string text;
  for (const Document* document : documents) {
    const DocumentVersion* current = document->current();
    text += "Document: " + document->title + " (" + document->id +
            (current ? ", version " + std::to_string(current->number) : std::string(", no version yet")) + ")\n";
  }
  return text;
}

json to_json(const DocumentOutcome& outcome, JsonStyle style) {
  return {{"document", to_json(outcome.document, style)}, {"changes", outcome.changes}};
}

json to_json(const DocumentAcknowledgements& acks, JsonStyle style) {
  json sites = json::array();
  std::size_t acknowledged = 0, not_yet = 0;
  for (const auto& site : acks.sites) {
    json done = json::array();
    for (const auto& ack : site.acknowledged)
      done.push_back({{"person", ack.person}, {"at", time_json(ack.at, style)}});
    acknowledged += site.acknowledged.size();
    not_yet += site.not_yet.size();
    sites.push_back({{"site", site.scope},
                     {key_of("site_name", style), site.site_name},
                     {"acknowledged", std::move(done)},
                     {key_of("not_yet", style), site.not_yet}});
  }
  return {{"document", to_json(acks.document, style)},
          {"version", acks.version == 0 ? json(nullptr) : json(acks.version)},
          {"sites", std::move(sites)},
          {"acknowledged", acknowledged},
          {key_of("not_yet", style), not_yet}};
}

json to_json(const ReviewWarning& warning, JsonStyle style) {
  return {{"document", warning.document_id},
          {"title", warning.title},
          {"owner", warning.owner},
          {"site", warning.scope},
          {key_of("review_by", style), warning.review_by.iso()},
          {key_of("days_left", style), warning.days_left},
          {"text", warning.text}};
}

std::string size_text(std::uint64_t bytes) {
  char text[32];
  if (bytes >= 1024ULL * 1024 * 1024)
    std::snprintf(text, sizeof text, "%.1f GiB", static_cast<double>(bytes) / (1024.0 * 1024 * 1024));
  else if (bytes >= 1024 * 1024)
    std::snprintf(text, sizeof text, "%.1f MiB", static_cast<double>(bytes) / (1024 * 1024));
  else if (bytes >= 1024) std::snprintf(text, sizeof text, "%llu KiB", static_cast<unsigned long long>(bytes / 1024));
  else std::snprintf(text, sizeof text, "%llu bytes", static_cast<unsigned long long>(bytes));
  return text;
}

std::string document_line(const Document& document) {
  std::ostringstream line;
  line << document.id << "  " << document.scope << "  " << document.kind << "  " << document.title;
  if (const DocumentVersion* current = document.current())
    line << "  v" << current->number << " (" << current->name << ", " << size_text(current->size) << ")";
  if (document.review_by) line << "  review by " << document.review_by->long_form();
  return line.str();
}

std::string document_text(const Document& document) {
  std::ostringstream text;
  text << document.title << " (" << document.id << ", " << document.kind << ", " << document.scope << ")\n";
  if (!document.owner.empty()) text << "  Owner: " << document.owner << "\n";
  if (document.review_by) text << "  Review by: " << document.review_by->long_form() << "\n";
  if (!document.items.empty()) {
    text << "  Evidence items:";
    for (const auto& id : document.items) text << " " << id;
    text << "\n";
  }
  const DocumentVersion* current = document.current();
  for (const auto& version : document.versions) {
    text << "  v" << version.number << (current == &version ? " (current)" : "") << ": " << version.name << ", "
         << size_text(version.size) << ", added by " << version.added_by << " on "
         << format_timestamp(version.added_at);
    if (!version.note.empty()) text << " - " << version.note;
    text << "\n";
  }
  return text.str();
}

std::string acknowledgements_text(const DocumentAcknowledgements& acks) {
  std::ostringstream text;
  text << acks.document.title << ": ";
  if (acks.version == 0) return text.str() + "no version yet\n";
  text << "who has read and understood version " << acks.version << "\n";
  for (const auto& site : acks.sites) {
    text << "  " << site.site_name << " (" << site.scope << "): " << site.acknowledged.size() << " of "
         << site.acknowledged.size() + site.not_yet.size() << "\n";
    for (const auto& ack : site.acknowledged)
      text << "    yes  " << ack.person << "  " << format_timestamp(ack.at) << "\n";
    for (const auto& name : site.not_yet) text << "    not yet  " << name << "\n";
  }
  return text.str();
}

}  // namespace dsptsync::service
