// The evidence pack (docs/documents.md#the-evidence-pack): one zip an inspector or auditor is handed
// for a site, holding its assessment workbook and the current version of every library document
// linked to its items, with a short manifest. Head office gathers what goes in (HeadOffice::
// evidence_pack); this file only packs it, with libzip.
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/error.h"

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace dsptsync {

// One library document in the pack: its current version, or, when that file has not reached head
// office yet, a line of the manifest saying so.
struct PackedDocument {
  std::string id, title;
  int version = 0;
  std::string hash;              // the version's root hash, hexadecimal
  std::string file_name;         // as uploaded
  std::optional<Bytes> content;  // nullopt: missing (not at head office yet)
};

struct EvidencePack {
  std::string organisation;
  std::string ods;  // the site's code
  std::string site_name;
  std::string year;
  std::string generated_at;   // ISO 8601 UTC
  std::string workbook_name;  // "VLAXL-2026-27-assessment.xlsx"
  std::string workbook;       // the assessment export's bytes
  std::vector<PackedDocument> documents;
};

// "documents/DOC-3F9A2C1B-v2-Data_protection_policy.pdf": the name reduced to letters, digits, '.',
// '-' and '_' so that every unzip program takes it.
std::string pack_entry_name(const PackedDocument& document);
// "VLAXL-2026-27-evidence-pack.zip"
std::string pack_file_name(const EvidencePack& pack);
// The manifest's text: who and when, then one line per document (id, title, version, hash, file or
// "missing: not at head office yet").
std::string pack_manifest(const EvidencePack& pack);
// The zip's bytes, made in memory (for a download).
Result<std::string> evidence_pack_zip(const EvidencePack& pack);
// Writes the zip atomically (a temporary file beside it, synced, renamed).
Status write_evidence_pack(const EvidencePack& pack, const std::filesystem::path& out);

}  // namespace dsptsync
