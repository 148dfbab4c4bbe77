// HeadOffice: the evidence pack of one site (docs/documents.md#the-evidence-pack): its assessment
// workbook, as `export` writes it, and the current version of every library document linked to its
// items (library_links.h), shared and the site's own. Packing is evidence_pack.h's.
#include "dsptsync/server/head_office.h"

#include "dsptsync/export.h"
#include "dsptsync/library_links.h"
#include "dsptsync/report.h"

namespace dsptsync::server {
namespace {

// The documents linked to any item of the assessment, each once, in the order of the items.
std::vector<const Document*> linked_documents(const Catalogue& catalogue, const AssessmentView& view,
                                              const std::vector<Document>& visible) {
  std::vector<const Document*> linked;
  for (const auto& item : catalogue.items()) {
    auto answer = view.answers.find(item.id);
    std::optional<FieldValue> value;
    if (answer != view.answers.end()) value = answer->second.value;
    for (const Document* document : documents_for_item(visible, item.id, value))
      if (std::find(linked.begin(), linked.end(), document) == linked.end()) linked.push_back(document);
  }
  return linked;
}

}  // namespace

Result<std::vector<PackedDocument>> HeadOffice::packed_documents(const std::vector<const Document*>& linked) {
  std::vector<PackedDocument> packed;
  for (const Document* document : linked) {
    const DocumentVersion* current = document->current();
    if (!current) continue;  // a version target without its file name yet: nothing to hand over
    PackedDocument entry{document->id,  document->title, current->number, files::to_hex(current->root),
                         current->name, std::nullopt};
    // A branch's file not yet synced up is listed as missing: the pack is still worth having.
    if (auto content = files_->read(current->root)) entry.content = std::move(*content);
    packed.push_back(std::move(entry));
  }
  return packed;
}

Result<EvidencePack> HeadOffice::evidence_pack(const std::optional<std::string>& branch) {
  auto scope = scope_of(branch);
  if (!scope) return scope.error();
  auto catalogue = catalogue_for(year_);
  if (!catalogue) return catalogue.error();
  auto view = effective_view(*scope, year_);
  if (!view) return view.error();
  std::string site_name = name_;
  if (*scope != hq_.code) {
    auto found = directory_->branch(*scope);
    if (!found) return found.error();
    if (*found) site_name = (*found)->name;
  }
  auto incidents = this->incidents({*scope}, now_ms());
  if (!incidents) return incidents.error();
  const auto assessment = export_document(*catalogue, *view, evaluate(*catalogue, *view, date_of(now_ms())),
                                          {name_, hq_.code, *scope, site_name}, *incidents);
  auto workbook = export_to_memory(assessment, ExportContent::assessment, ExportFormat::xlsx);
  if (!workbook) return workbook.error();
  auto visible = documents(*scope);
  if (!visible) return visible.error();
  auto packed = packed_documents(linked_documents(*catalogue, *view, *visible));
  if (!packed) return packed.error();
  return EvidencePack{name_,
                      *scope,
                      site_name,
                      year_.label(),
                      assessment.generated_at,
                      std::move(workbook->file_name),
                      std::move(workbook->bytes),
                      std::move(*packed)};
}

}  // namespace dsptsync::server
