// The question set in force as a signed, versioned record: signing and checking it (another key, an
// altered field, content that does not match its hash), its encoding on hostile bytes, how a store
// keeps it (append only; the newest of a year is in force), the answer-type changes of a corrected
// list, and the answers they flag for review.
#include "dsptsync/assessment.h"
#include "dsptsync/evaluator.h"
#include "dsptsync/limits.h"
#include "dsptsync/question_set.h"
#include "dsptsync/sqlite_store.h"

#include "test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sqlite3.h>

namespace dsptsync {
namespace {

using testing::TempDir;

const AssessmentYear k2023{2023};

Catalogue shipped_2023() {
  auto catalogue = shipped_catalogue(k2023);
  if (!catalogue) throw std::runtime_error(catalogue.error().message);
  return *catalogue;
}

// The shipped set with one item's answer type changed and another item removed: a corrected list.
Catalogue corrected(const Catalogue& from, const std::string& retyped, AnswerType type, const std::string& removed) {
  std::vector<CatalogueItem> items;
  for (auto item : from.items()) {
    if (item.id == removed) continue;
    if (item.id == retyped) item.type = type;
    items.push_back(item);
  }
  return Catalogue(from.year(), "corrected", items);
}

QuestionSet signed_set(const crypto::SigningKeyPair& key, std::uint32_t version = 1) {
  QuestionSetOrigin origin{QuestionSetSource::imported, "Version9.xlsx", "Category 3", 1'796'000'000'000, "Priya Shah"};
  QuestionSet set = make_question_set(shipped_2023(), version, origin, {});
  sign_question_set(set, key);
  return set;
}

void expect_refused(const Status& status, const std::string& fragment) {
  ASSERT_FALSE(status) << "accepted; expected a refusal containing: " << fragment;
  EXPECT_EQ(status.error().kind, ErrorKind::refused);
  EXPECT_NE(status.error().message.find(fragment), std::string::npos) << status.error().message;
  EXPECT_NE(status.error().message.find("nothing changed"), std::string::npos) << status.error().message;
}

TEST(QuestionSet, ASignedSetChecksOutAgainstItsSignerOnlyAndReadsBackAsItsCatalogue) {
  const auto head_office = crypto::SigningKeyPair::generate();
  const QuestionSet set = signed_set(head_office);
  EXPECT_TRUE(set.is_signed());
  EXPECT_EQ(set.content_hash, hash_content(set.content));
  EXPECT_EQ(set.content.find('#'), std::string::npos) << "the hash covers the items, not a comment";
  ASSERT_TRUE(verify_question_set(set, head_office.public_key));

  auto catalogue = catalogue_of(set);
  ASSERT_TRUE(catalogue) << catalogue.error().message;
  EXPECT_EQ(catalogue->items(), shipped_2023().items());
  EXPECT_EQ(catalogue->origin(), "imported from Version9.xlsx (Category 3) on 2026-11-30 by Priya Shah");

  const auto another_server = crypto::SigningKeyPair::generate();
  expect_refused(verify_question_set(set, another_server.public_key), "signed by another key");
  QuestionSet signed_elsewhere = signed_set(another_server);
  expect_refused(verify_question_set(signed_elsewhere, head_office.public_key), "not by the head office");
}

TEST(QuestionSet, EveryFieldIsCoveredByTheSignature) {
  const auto head_office = crypto::SigningKeyPair::generate();
  const QuestionSet good = signed_set(head_office);
  std::vector<std::pair<std::string, QuestionSet>> altered;
  auto alter = [&](const std::string& what, auto change) {
    QuestionSet copy = good;
    change(copy);
    altered.emplace_back(what, copy);
  };
  alter("year", [](QuestionSet& s) { s.year = "2024-25"; });
  alter("version", [](QuestionSet& s) { s.version = 7; });
  alter("origin", [](QuestionSet& s) { s.origin.by = "Someone Else"; });
  alter("type changes", [](QuestionSet& s) { s.type_changes.push_back({"1.1.1", AnswerType::text, AnswerType::text, 1}); });
  alter("content and hash", [](QuestionSet& s) {
    const auto at = s.content.find("Information Commissioner");
    s.content.replace(at, 11, "Informatiom");
    s.content_hash = hash_content(s.content);
  });
  for (const auto& [what, set] : altered) {
    SCOPED_TRACE(what);
    expect_refused(verify_question_set(set, head_office.public_key), "altered after head office signed it");
  }

  QuestionSet unsigned_set = good;
  unsigned_set.signed_by = {};
  expect_refused(verify_question_set(unsigned_set, head_office.public_key), "not signed by head office");

  // Signed as it stands, but its content is not what its hash says.
  QuestionSet mismatched = good;
  mismatched.content += "\n";
  sign_question_set(mismatched, head_office);
  expect_refused(verify_question_set(mismatched, head_office.public_key), "does not match its hash");

  // Signed, hashed, but not a question set.
  QuestionSet garbage = good;
  garbage.content = "id\tnot a catalogue\n";
  garbage.content_hash = hash_content(garbage.content);
  sign_question_set(garbage, head_office);
  expect_refused(verify_question_set(garbage, head_office.public_key), "does not read back");
}

TEST(QuestionSet, TheRecordRoundTripsAndHostileBytesAreRefusedNamingTheField) {
  const auto head_office = crypto::SigningKeyPair::generate();
  QuestionSet set = signed_set(head_office);
  set.type_changes = {{"1.1.1", AnswerType::yes_no, AnswerType::text, 42}};
  const Bytes encoded = encode_question_set(set);
  auto decoded = decode_question_set(encoded);
  ASSERT_TRUE(decoded) << decoded.error().message;
  EXPECT_EQ(*decoded, set);

  for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{5}, encoded.size() / 2, encoded.size() - 1}) {
    auto truncated = decode_question_set(ByteView(encoded.data(), cut));
    ASSERT_FALSE(truncated) << "cut at " << cut;
    EXPECT_EQ(truncated.error().kind, ErrorKind::corrupt);
  }
  Bytes newer = encoded;
  newer[0] = 2;
  auto future = decode_question_set(newer);
  ASSERT_FALSE(future);
  EXPECT_NE(future.error().message.find("format 2"), std::string::npos) << future.error().message;

  Bytes trailing = encoded;
  trailing.push_back(0);
  EXPECT_FALSE(decode_question_set(trailing));

  // An answer type outside the enum: refused where it is, not cast.
  QuestionSet typed = set;
  typed.type_changes = {{"1.1.1", static_cast<AnswerType>(9), AnswerType::text, 42}};
  auto bad_enum = decode_question_set(encode_question_set(typed));
  ASSERT_FALSE(bad_enum);
  EXPECT_NE(bad_enum.error().message.find("type_changes"), std::string::npos) << bad_enum.error().message;

  // Content over the limit is refused after decoding, before anything trusts it.
  QuestionSet huge = set;
  huge.content.assign(limits::kMaxQuestionSetBytes + 1, 'x');
  auto too_big = decode_question_set(encode_question_set(huge));
  ASSERT_FALSE(too_big);
  EXPECT_NE(too_big.error().message.find("content"), std::string::npos) << too_big.error().message;
}

TEST(QuestionSet, ACorrectedListCarriesTheYearsTypeChanges) {
  const Catalogue v1 = shipped_2023();
  const Catalogue v2 = corrected(v1, "1.1.5", AnswerType::yes_no, "9.5.2");
  auto changes = carry_type_changes(v1, v2, 100, {});
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0], (TypeChange{"1.1.5", AnswerType::text, AnswerType::yes_no, 100}));

  // A third version keeps the earlier change, records a new one, and drops one whose item went.
  const Catalogue v3 = corrected(v2, "1.1.1", AnswerType::document, "1.1.5");
  auto later = carry_type_changes(v2, v3, 200, {{"1.1.3", AnswerType::yes_no, AnswerType::document, 50}, changes[0]});
  EXPECT_EQ(later, (std::vector<TypeChange>{{"1.1.3", AnswerType::yes_no, AnswerType::document, 50},
                                            {"1.1.1", v1.find_item("1.1.1")->type, AnswerType::document, 200}}));
}

TEST(QuestionSet, AStoreKeepsEverySetAndTheNewestOfAYearIsInForce) {
  TempDir dir;
  auto store = open_sqlite_store(dir / "store.db", {.create_if_missing = true});
  ASSERT_TRUE(store) << store.error().message;
  auto shipped = question_set_in_store(**store, k2023);
  ASSERT_TRUE(shipped);
  EXPECT_EQ(shipped->version, 0u);
  EXPECT_FALSE(shipped->is_signed());
  EXPECT_EQ(*(*store)->last_question_set_seq(), 0);

  const Catalogue v2 = corrected(shipped_2023(), "1.1.5", AnswerType::yes_no, "9.5.2");
  {
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn);
    auto saved = save_catalogue(**txn, v2, {QuestionSetSource::imported, "list.csv", "", 500, "Sam"});
    ASSERT_TRUE(saved) << saved.error().message;
    EXPECT_EQ(saved->version, 1u);
    EXPECT_EQ(saved->type_changes, (std::vector<TypeChange>{{"1.1.5", AnswerType::text, AnswerType::yes_no, 500}}));
    ASSERT_TRUE((*txn)->commit());
  }
  auto catalogue = catalogue_in_store(**store, k2023);
  ASSERT_TRUE(catalogue);
  EXPECT_FALSE(catalogue->find_item("9.5.2"));
  ASSERT_TRUE(catalogue->type_change("1.1.5"));
  EXPECT_EQ(catalogue->origin(), "imported from list.csv on 1970-01-01 by Sam");

  const auto head_office = crypto::SigningKeyPair::generate();
  QuestionSet received = signed_set(head_office, 4);
  {
    auto txn = (*store)->begin();
    ASSERT_TRUE(txn);
    ASSERT_TRUE((*txn)->add_question_set(received, 600));
    ASSERT_TRUE((*txn)->commit());
  }
  auto in_force = (*store)->question_set("2023-24");
  ASSERT_TRUE(in_force && *in_force);
  EXPECT_EQ((*in_force)->set, received);
  EXPECT_EQ((*store)->question_sets()->size(), 2u);
  EXPECT_EQ(*(*store)->last_question_set_seq(), 2);

  // Kept as stored: no program can change or remove a set.
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open((dir / "store.db").c_str(), &raw), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, "DELETE FROM question_sets", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(raw, "UPDATE question_sets SET version = 9", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(raw);
  EXPECT_EQ((*store)->question_sets()->size(), 2u);
}

// Head office changed 1.1.5 from text to yes/no at time 1000 (milliseconds of the clock).
Catalogue retyped_at_1000() {
  Catalogue catalogue = corrected(shipped_2023(), "1.1.5", AnswerType::yes_no, "");
  catalogue.set_type_changes({{"1.1.5", AnswerType::text, AnswerType::yes_no, 1000}});
  return catalogue;
}

AssessmentState answer_state(const std::string& item, const std::string& text, TimestampMs at) {
  FieldKey key{"VLAXL", "2023-24", TargetKind::item, item, Field::answer};
  FieldState state;
  state.heads.push_back(Head{"d:1", static_cast<Hlc>(at) << 16, "Sam", "d", FieldValue{text, ""}});
  return {{key, state}};
}

TEST(QuestionSet, AnAnswerGivenBeforeItsTypeChangedIsKeptFlaggedAndNotCountedUntilAnsweredAgain) {
  const Catalogue catalogue = retyped_at_1000();
  const CatalogueItem& item = *catalogue.find_item("1.1.5");

  // Before the change, as text: kept, flagged.
  AssessmentView before = view_of(answer_state("1.1.5", "The registered manager", 900), &catalogue);
  EXPECT_EQ(before.answers.at("1.1.5").value.text, "The registered manager");
  ASSERT_TRUE(before.to_review.count("1.1.5"));
  EXPECT_FALSE(item_provided(item, before));
  const Evaluation evaluation = evaluate(catalogue, before, Date{2024, 1, 1});
  ASSERT_EQ(evaluation.to_review.size(), 1u);
  bool named = false;
  for (const auto& problem : evaluation.problems)
    named |= problem.item == "1.1.5" && problem.message.find("Review the answer to 1.1.5") != std::string::npos &&
             problem.message.find("from text to yes/no") != std::string::npos;
  EXPECT_TRUE(named);
  EXPECT_EQ(to_json(evaluation)["to_review"][0]["item"], "1.1.5");

  // An answer that fits the new type but was given before the change still needs a look.
  EXPECT_TRUE(view_of(answer_state("1.1.5", "yes", 900), &catalogue).to_review.count("1.1.5"));
  // Answered again after the change: counted.
  AssessmentView after = view_of(answer_state("1.1.5", "yes", 1100), &catalogue);
  EXPECT_FALSE(after.to_review.count("1.1.5"));
  EXPECT_TRUE(item_provided(item, after));
  // After the change, but in a form the new type does not take (made on a device with the old set).
  EXPECT_TRUE(view_of(answer_state("1.1.5", "The registered manager", 1100), &catalogue).to_review.count("1.1.5"));
}

TEST(QuestionSet, AnEditMadeUnderTheEarlierTypeIsReceivedButNotMadeAfresh) {
  const Catalogue catalogue = retyped_at_1000();
  const FieldKey key{"VLAXL", "2023-24", TargetKind::item, "1.1.5", Field::answer};
  const FieldValue old_form{"The registered manager", ""};
  EXPECT_FALSE(check_edit(catalogue, key, old_form)) << "a new edit takes the new type";
  EXPECT_TRUE(check_received_edit(catalogue, key, old_form)) << "an edit made offline before is kept";
  EXPECT_TRUE(check_received_edit(catalogue, key, FieldValue{"yes", ""}));
  EXPECT_FALSE(check_received_edit(catalogue, key, FieldValue{" not canonical ", ""}));
  const FieldKey removed{"VLAXL", "2023-24", TargetKind::item, "4.9.9", Field::answer};
  EXPECT_FALSE(check_received_edit(catalogue, removed, FieldValue{"yes", ""}));
}

}  // namespace
}  // namespace dsptsync
