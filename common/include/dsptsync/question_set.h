// The question set in force for a year as a versioned, signed object: what head office holds, what
// every enrolled laptop receives in sync and checks against the key it pinned at enrolment, and what
// each store keeps (docs/catalogue.md: the set in force; docs/protocol.md: on the wire;
// docs/threat-model.md: what the signature protects).
#pragma once

#include "dsptsync/bytes.h"
#include "dsptsync/catalogue.h"
#include "dsptsync/crypto.h"
#include "dsptsync/error.h"
#include "dsptsync/time.h"

#include <nlohmann/json_fwd.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

using ContentHash = std::array<std::uint8_t, 32>;

enum class QuestionSetSource : std::uint8_t { shipped = 1, imported = 2 };
std::string_view to_string(QuestionSetSource source);  // shipped, imported

struct QuestionSetOrigin {
  QuestionSetSource source = QuestionSetSource::shipped;
  std::string file;      // imported: the file's name as given ("Version9_26-27 CAT2 Cat3 and CAT4.xlsx")
  std::string category;  // imported: the category read ("Category 3"); empty when the file has one
  TimestampMs at = 0;    // imported: when
  std::string by;        // imported: who (a head office administrator, or an offline store's user)
  bool operator==(const QuestionSetOrigin&) const = default;
};

struct QuestionSet {
  std::string year;            // "2026-27"
  std::uint32_t version = 0;   // 0: the set shipped with dsptsync; 1, 2...: the imports of the year
  std::string content;         // the items in dsptsync's format: write_catalogue_tsv(catalogue, false)
  ContentHash content_hash{};  // BLAKE2b-256 of `content`: the set's identity ("all agree on the hash")
  QuestionSetOrigin origin;
  std::vector<TypeChange> type_changes;  // the year's answer-type changes so far (Catalogue::type_changes)
  std::array<std::uint8_t, 32> signed_by{};  // the signer's Ed25519 public key; all zero: not signed
  std::array<std::uint8_t, 64> signature{};

  bool is_signed() const;
  bool operator==(const QuestionSet&) const = default;
};

// What tells one set from another without its content: Ready lists these, one per year.
struct QuestionSetSummary {
  std::string year;
  std::uint32_t version = 0;
  ContentHash content_hash{};
  bool operator==(const QuestionSetSummary&) const = default;
};
QuestionSetSummary summary_of(const QuestionSet& set);

ContentHash hash_content(std::string_view content);

// An unsigned set holding `catalogue` (its items; the origin text and type changes come from here).
QuestionSet make_question_set(const Catalogue& catalogue, std::uint32_t version, QuestionSetOrigin origin,
                              std::vector<TypeChange> type_changes);

// Signs the set as `signer` (head office's identity key): the signature covers every field.
void sign_question_set(QuestionSet& set, const crypto::SigningKeyPair& signer);

// Checks a set before a store accepts it from head office: signed by `expected_signer` (the key the
// device pinned at enrolment), the signature good, the content matching its hash and within the
// limits, and a readable question set for its year. `refused` says what failed and that nothing changed.
Status verify_question_set(const QuestionSet& set, ByteView expected_signer);

// The catalogue the set holds, with its type changes and its origin in words. A set whose content
// does not read back is `corrupt`.
Result<Catalogue> catalogue_of(const QuestionSet& set);
// "imported from FILE (Category 3) on 2026-12-04 by Priya Shah", or "shipped with dsptsync".
std::string describe_origin(const QuestionSet& set);

// The same for every front-end (docs/cli.md: catalogue show): year, version, hash (hex), items,
// assertions, source, origin (text and parts), signed_by and its fingerprint (null: unsigned), and
// the type changes; and the lines a person reads.
nlohmann::json to_json(const QuestionSet& set);
std::vector<std::string> describe(const QuestionSet& set);

// The record as stored and sent: a format version byte, then cereal's portable encoding. Decoding
// is bounded (bounded_archive.h) and checks every limit (limits.h).
inline constexpr std::uint8_t kQuestionSetFormatVersion = 1;
Bytes encode_question_set(const QuestionSet& set);
Result<QuestionSet> decode_question_set(ByteView bytes);

// The year's answer-type changes after `after` replaces `before`: the `earlier` ones whose item
// `after` still has with the same type, plus one at `at` for every item whose type differs.
std::vector<TypeChange> carry_type_changes(const Catalogue& before, const Catalogue& after, TimestampMs at,
                                           const std::vector<TypeChange>& earlier);

class Store;
class StoreTransaction;
// The set in force for a year in a store (catalogue_in_store's, as the record): the newest it keeps,
// else the shipped one as version 0, unsigned.
Result<QuestionSet> question_set_in_store(Store& store, AssessmentYear year);
// The record `catalogue` makes when it replaces the set in force for its year in the transaction's
// store: the next version, with the year's answer-type changes carried. Neither signed nor stored.
Result<QuestionSet> next_question_set(StoreTransaction& txn, const Catalogue& catalogue, QuestionSetOrigin origin);
// Keeps an imported catalogue in an offline store as the next version of its year (unsigned).
Result<QuestionSet> save_catalogue(StoreTransaction& txn, const Catalogue& catalogue, QuestionSetOrigin origin);

}  // namespace dsptsync
