// The question set in force as a signed, versioned record (question_set.h; docs/catalogue.md).
#include "dsptsync/question_set.h"

#include "dsptsync/bounded_archive.h"
#include "dsptsync/limits.h"

#include <nlohmann/json.hpp>
#include <sodium.h>

#include <algorithm>

namespace dsptsync {

// Found by BoundedInputArchive through argument-dependent lookup.
bool enum_in_range(QuestionSetSource source) {
  return source == QuestionSetSource::shipped || source == QuestionSetSource::imported;
}
bool enum_in_range(AnswerType type) {
  switch (type) {
    case AnswerType::yes_no:
    case AnswerType::text:
    case AnswerType::document:
    case AnswerType::date:
    case AnswerType::number:
      return true;
  }
  return false;
}

// The member order below IS the record's encoding (docs/catalogue.md: the set in force).
template <class Archive>
void serialize(Archive& archive, QuestionSetOrigin& m) {
  archive(cereal::make_nvp("source", m.source), cereal::make_nvp("file", m.file),
          cereal::make_nvp("category", m.category), cereal::make_nvp("at", m.at), cereal::make_nvp("by", m.by));
}

template <class Archive>
void serialize(Archive& archive, TypeChange& m) {
  archive(cereal::make_nvp("item", m.item), cereal::make_nvp("from", m.from), cereal::make_nvp("to", m.to),
          cereal::make_nvp("at", m.at));
}

template <class Archive>
void serialize(Archive& archive, QuestionSet& m) {
  archive(cereal::make_nvp("year", m.year), cereal::make_nvp("version", m.version),
          cereal::make_nvp("content", m.content), cereal::make_nvp("content_hash", m.content_hash),
          cereal::make_nvp("origin", m.origin), cereal::make_nvp("type_changes", m.type_changes),
          cereal::make_nvp("signed_by", m.signed_by), cereal::make_nvp("signature", m.signature));
}

namespace {

constexpr std::string_view kSignatureContext = "dsptsync question set v1";

// What the signature covers: every field of the record but the signature itself.
std::array<std::uint8_t, 32> signing_digest(const QuestionSet& set) {
  QuestionSet unsigned_copy = set;
  unsigned_copy.signature = {};
  const Bytes encoded = encode_question_set(unsigned_copy);
  crypto_generichash_state state;
  crypto_generichash_init(&state, nullptr, 0, 32);
  crypto_generichash_update(&state, reinterpret_cast<const unsigned char*>(kSignatureContext.data()),
                            kSignatureContext.size());
  crypto_generichash_update(&state, encoded.data(), encoded.size());
  std::array<std::uint8_t, 32> digest{};
  crypto_generichash_final(&state, digest.data(), digest.size());
  return digest;
}

Status check_limits(const QuestionSet& set) {
  auto too_long = [](std::string_view field, std::size_t size, std::size_t most) {
    return corrupt("the question set's " + std::string(field) + " is " + std::to_string(size) +
                   " bytes; at most " + std::to_string(most) + " are accepted");
  };
  if (set.content.size() > limits::kMaxQuestionSetBytes)
    return too_long("content", set.content.size(), limits::kMaxQuestionSetBytes);
  for (const auto& [field, text] : {std::pair{"year", &set.year}, {"origin.file", &set.origin.file},
                                    {"origin.category", &set.origin.category}, {"origin.by", &set.origin.by}})
    if (text->size() > limits::kMaxNameBytes) return too_long(field, text->size(), limits::kMaxNameBytes);
  if (set.type_changes.size() > limits::kMaxQuestionSetItems)
    return corrupt("the question set lists " + std::to_string(set.type_changes.size()) +
                   " answer-type changes; a set has at most " + std::to_string(limits::kMaxQuestionSetItems) + " items");
  return {};
}

std::string short_key(ByteView key) { return crypto::to_hex(key.subspan(0, 8)); }

}  // namespace

std::string_view to_string(QuestionSetSource source) {
  return source == QuestionSetSource::imported ? "imported" : "shipped";
}

bool QuestionSet::is_signed() const {
  return std::any_of(signed_by.begin(), signed_by.end(), [](std::uint8_t byte) { return byte != 0; });
}

QuestionSetSummary summary_of(const QuestionSet& set) { return {set.year, set.version, set.content_hash}; }

ContentHash hash_content(std::string_view content) {
  ContentHash hash{};
  crypto_generichash(hash.data(), hash.size(), reinterpret_cast<const unsigned char*>(content.data()), content.size(),
                     nullptr, 0);
  return hash;
}

QuestionSet make_question_set(const Catalogue& catalogue, std::uint32_t version, QuestionSetOrigin origin,
                              std::vector<TypeChange> type_changes) {
  QuestionSet set;
  set.year = catalogue.year().label();
  set.version = version;
  set.content = write_catalogue_tsv(catalogue, /*with_comments=*/false);
  set.content_hash = hash_content(set.content);
  set.origin = std::move(origin);
  set.type_changes = std::move(type_changes);
  return set;
}

void sign_question_set(QuestionSet& set, const crypto::SigningKeyPair& signer) {
  std::copy(signer.public_key.begin(), signer.public_key.end(), set.signed_by.begin());
  set.signature = crypto::sign(signer, signing_digest(set));
}

Status verify_question_set(const QuestionSet& set, ByteView expected_signer) {
  const std::string what = "the " + set.year + " question set (version " + std::to_string(set.version) + ")";
  const std::string nothing_changed = "; it was not accepted and nothing changed on this device";
  if (!set.is_signed()) return refused(what + " is not signed by head office" + nothing_changed);
  if (!std::equal(set.signed_by.begin(), set.signed_by.end(), expected_signer.begin(), expected_signer.end()))
    return refused(what + " is signed by another key (" + short_key(set.signed_by) +
                   "...), not by the head office this device enrolled with (" + short_key(expected_signer) + "...)" +
                   nothing_changed);
  if (!crypto::verify(set.signed_by, signing_digest(set), set.signature))
    return refused(what + " has a signature that does not match its content: it was altered after head office "
                   "signed it" + nothing_changed + " (tell head office: 'dsptsync-server catalogue show')");
  if (auto within = check_limits(set); !within) return refused(within.error().message + nothing_changed);
  if (hash_content(set.content) != set.content_hash)
    return refused(what + ": its content does not match its hash" + nothing_changed);
  if (auto readable = catalogue_of(set); !readable) return refused(readable.error().message + nothing_changed);
  return {};
}

Result<Catalogue> catalogue_of(const QuestionSet& set) {
  auto year = parse_assessment_year(set.year);
  if (!year) return corrupt("a question set names the year '" + set.year + "': " + year.error().message);
  auto catalogue = parse_catalogue_tsv(set.content, *year, describe_origin(set));
  if (!catalogue)
    return corrupt("the " + set.year + " question set (version " + std::to_string(set.version) +
                   ") does not read back: " + catalogue.error().message);
  if (catalogue->items().size() > limits::kMaxQuestionSetItems)
    return corrupt("the " + set.year + " question set has " + std::to_string(catalogue->items().size()) +
                   " items; at most " + std::to_string(limits::kMaxQuestionSetItems) + " are accepted");
  for (const auto& change : set.type_changes) {
    const CatalogueItem* item = catalogue->find_item(change.item);
    if (!item || item->type != change.to)
      return corrupt("the " + set.year + " question set records an answer-type change of " + change.item +
                     " that its items do not have");
  }
  catalogue->set_type_changes(set.type_changes);
  return catalogue;
}

std::string describe_origin(const QuestionSet& set) {
  if (set.origin.source == QuestionSetSource::shipped)
    return "shipped with dsptsync: " + set.year + " social care set reconstructed from public guidance; see each "
           "line's source";
  std::string text = "imported from " + set.origin.file;
  if (!set.origin.category.empty()) text += " (" + set.origin.category + ")";
  text += " on " + date_of(set.origin.at).iso();
  if (!set.origin.by.empty()) text += " by " + set.origin.by;
  return text;
}

nlohmann::json to_json(const QuestionSet& set) {
  auto catalogue = catalogue_of(set);
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& change : set.type_changes)
    changes.push_back({{"item", change.item}, {"from", to_string(change.from)}, {"to", to_string(change.to)},
                       {"changed_at", format_timestamp(change.at)}});
  const bool imported = set.origin.source == QuestionSetSource::imported;
  auto or_null = [&](const std::string& text) { return imported ? nlohmann::json(text) : nlohmann::json(); };
  return {{"year", set.year},
          {"version", set.version},
          {"hash", crypto::to_hex(set.content_hash)},
          {"items", catalogue ? nlohmann::json(catalogue->items().size()) : nlohmann::json()},
          {"assertions", catalogue ? nlohmann::json(catalogue->assertions().size()) : nlohmann::json()},
          {"source", to_string(set.origin.source)},
          {"origin", describe_origin(set)},
          {"file", or_null(set.origin.file)},
          {"category", or_null(set.origin.category)},
          {"imported_at", imported ? nlohmann::json(format_timestamp(set.origin.at)) : nlohmann::json()},
          {"imported_by", or_null(set.origin.by)},
          {"signed_by", set.is_signed() ? nlohmann::json(crypto::to_hex(set.signed_by)) : nlohmann::json()},
          {"signed_by_fingerprint", set.is_signed() ? nlohmann::json(short_key(set.signed_by)) : nlohmann::json()},
          {"type_changes", changes}};
}

std::vector<std::string> describe(const QuestionSet& set) {
  auto catalogue = catalogue_of(set);
  std::vector<std::string> lines{
      "Question set " + set.year + ", version " + std::to_string(set.version) +
          (catalogue ? " (" + std::to_string(catalogue->items().size()) + " items, " +
                           std::to_string(catalogue->assertions().size()) + " assertions)"
                     : std::string()),
      "  hash:      " + crypto::to_hex(set.content_hash), "  origin:    " + describe_origin(set),
      "  signed by: " + (set.is_signed() ? "head office key " + short_key(set.signed_by) : std::string("nobody (not signed)"))};
  for (const auto& change : set.type_changes)
    lines.push_back("  answer type of " + change.item + " changed from " + std::string(to_string(change.from)) + " to " +
                    std::string(to_string(change.to)) + " on " + date_of(change.at).iso() +
                    ": answers given before are to review");
  return lines;
}

Bytes encode_question_set(const QuestionSet& set) {
  Bytes out{kQuestionSetFormatVersion};
  append_portable(out, set);
  return out;
}

Result<QuestionSet> decode_question_set(ByteView bytes) {
  if (bytes.empty()) return corrupt("a question set record is empty");
  if (bytes[0] != kQuestionSetFormatVersion)
    return corrupt("a question set record is in format " + std::to_string(bytes[0]) + "; this dsptsync reads format " +
                   std::to_string(kQuestionSetFormatVersion) + " (install the newer dsptsync that wrote it)");
  QuestionSet set;
  if (auto loaded = load_untrusted(bytes.subspan(1), set, "question set record"); !loaded) return loaded.error();
  if (auto within = check_limits(set); !within) return within.error();
  return set;
}

std::vector<TypeChange> carry_type_changes(const Catalogue& before, const Catalogue& after, TimestampMs at,
                                           const std::vector<TypeChange>& earlier) {
  std::vector<TypeChange> out;
  for (const auto& change : earlier) {
    const CatalogueItem* item = after.find_item(change.item);
    const CatalogueItem* was = before.find_item(change.item);
    if (item && was && item->type == was->type) out.push_back(change);
  }
  for (const auto& item : after.items()) {
    const CatalogueItem* was = before.find_item(item.id);
    if (!was || was->type == item.type) continue;
    std::erase_if(out, [&](const TypeChange& change) { return change.item == item.id; });
    out.push_back({item.id, was->type, item.type, at});
  }
  return out;
}

}  // namespace dsptsync
