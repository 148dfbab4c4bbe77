// The evidence pack's zip, made with libzip in memory: a buffer source the archive is written to,
// read back once closed.
#include "dsptsync/evidence_pack.h"

#include "dsptsync/export.h"

#include <zip.h>

#include <cctype>
#include <memory>
#include <sstream>

namespace dsptsync {
namespace {

constexpr std::string_view kManifestName = "manifest.txt";

std::string sanitised(std::string_view name) {
  std::string out;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    out += std::isalnum(u) || c == '.' || c == '-' || c == '_' ? c : '_';
  }
  // No hidden file and no "..": a leading dot becomes an underscore.
  if (!out.empty() && out.front() == '.') out.front() = '_';
  return out.empty() ? std::string("file") : out;
}

Error zip_failure(const std::string& what, zip_error_t* error) {
  return io_error("cannot make the evidence pack (" + what + "): " + zip_error_strerror(error));
}

// Adds one entry from bytes that live until the archive is closed.
Status add_entry(zip_t* archive, const std::string& name, const void* data, std::size_t size) {
  zip_source_t* source = zip_source_buffer(archive, data, size, 0);
  if (!source) return io_error("cannot make the evidence pack (" + name + "): " + zip_strerror(archive));
  if (zip_file_add(archive, name.c_str(), source, ZIP_FL_ENC_UTF_8) < 0) {
    zip_source_free(source);
    return io_error("cannot make the evidence pack (" + name + "): " + zip_strerror(archive));
  }
  return {};
}

// The closed archive's bytes, read back from its buffer source.
Result<std::string> read_back(zip_source_t* source) {
  if (zip_source_open(source) < 0) return zip_failure("reading it back", zip_source_error(source));
  std::string bytes;
  char buffer[64 * 1024];
  for (;;) {
    const zip_int64_t got = zip_source_read(source, buffer, sizeof buffer);
    if (got < 0) {
      zip_source_close(source);
      return zip_failure("reading it back", zip_source_error(source));
    }
    if (got == 0) break;
    bytes.append(buffer, static_cast<std::size_t>(got));
  }
  zip_source_close(source);
  return bytes;
}

}  // namespace

std::string pack_entry_name(const PackedDocument& document) {
  return "documents/" + document.id + "-v" + std::to_string(document.version) + "-" + sanitised(document.file_name);
}

std::string pack_file_name(const EvidencePack& pack) { return pack.ods + "-" + pack.year + "-evidence-pack.zip"; }

std::string pack_manifest(const EvidencePack& pack) {
  std::ostringstream text;
  text << "Evidence pack: " << pack.site_name << " (" << pack.ods << "), " << pack.organisation << "\n"
       << "Assessment year: " << pack.year << "\n"
       << "Made: " << pack.generated_at << "\n"
       << "Assessment: " << pack.workbook_name << "\n\n"
       << "Documents (" << pack.documents.size() << "):\n";
  if (pack.documents.empty()) text << "  none linked to the assessment's items\n";
  for (const auto& document : pack.documents)
    text << "  " << document.id << "\t" << document.title << "\tversion " << document.version << "\t" << document.hash
         << "\t" << (document.content ? pack_entry_name(document) : "missing: the file has not reached head office yet")
         << "\n";
  return text.str();
}

Result<std::string> evidence_pack_zip(const EvidencePack& pack) {
  zip_error_t error;
  zip_error_init(&error);
  zip_source_t* source = zip_source_buffer_create(nullptr, 0, 0, &error);
  if (!source) {
    auto failure = zip_failure("a buffer", &error);
    zip_error_fini(&error);
    return failure;
  }
  zip_t* archive = zip_open_from_source(source, ZIP_TRUNCATE, &error);
  if (!archive) {
    zip_source_free(source);
    auto failure = zip_failure("opening it", &error);
    zip_error_fini(&error);
    return failure;
  }
  zip_error_fini(&error);
  zip_source_keep(source);  // kept past zip_close, to read the bytes back
  const std::unique_ptr<zip_source_t, void (*)(zip_source_t*)> kept(source, zip_source_free);
  const std::string manifest = pack_manifest(pack);
  Status added = add_entry(archive, std::string(kManifestName), manifest.data(), manifest.size());
  if (added) added = add_entry(archive, pack.workbook_name, pack.workbook.data(), pack.workbook.size());
  for (const auto& document : pack.documents)
    if (added && document.content)
      added = add_entry(archive, pack_entry_name(document), document.content->data(), document.content->size());
  if (!added) {
    zip_discard(archive);
    return added.error();
  }
  if (zip_close(archive) < 0) {
    auto failure = io_error(std::string("cannot make the evidence pack: ") + zip_strerror(archive));
    zip_discard(archive);
    return failure;
  }
  return read_back(source);
}

Status write_evidence_pack(const EvidencePack& pack, const std::filesystem::path& out) {
  auto bytes = evidence_pack_zip(pack);
  if (!bytes) return bytes.error();
  return write_file_atomically(out, *bytes);
}

}  // namespace dsptsync
