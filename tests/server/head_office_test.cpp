// HeadOffice over real data folders: creation, reopening, keys, branches, invites, revocation and
// progress, with real SQLite files and real cryptography.
#include "../common/test_support.h"

#include "dsptsync/assessment.h"
#include "dsptsync/server/head_office.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

namespace dsptsync::server {
namespace {

using dsptsync::testing::TempDir;
using protocol::ErrorCode;
using protocol::Role;

HeadOfficeInit acme(const std::filesystem::path& dir) { return {dir, "a1b2", "Acme Care Group", "2021-22", {}}; }

Device new_device(std::string id) {
  Device device;
  device.id = std::move(id);
  device.public_key = crypto::SigningKeyPair::generate().public_key;
  device.name = "laptop";
  return device;
}

class HeadOfficeTest : public ::testing::Test {
 protected:
  std::filesystem::path data() const { return dir / "data"; }

  std::unique_ptr<HeadOffice> create() {
    auto created = HeadOffice::create(acme(data()));
    EXPECT_TRUE(created) << created.error().message;
    return created ? std::move(*created) : nullptr;
  }

  // Redeems an issued invite's code as a device would (the secret travels, the server hashes it).
  Result<std::variant<User, RedeemRefusal>> redeem(HeadOffice& office, const std::string& code, const Device& device,
                                                   TimestampMs at = now_ms()) {
    auto parsed = protocol::parse_enrolment_code(code);
    if (!parsed) return parsed.error();
    return office.directory().redeem_invite(parsed->invite_id, hash_enrolment_secret(parsed->secret), device, at);
  }

  TempDir dir;
};

TEST_F(HeadOfficeTest, CreateRefusesASiteCodeNamingTheAcceptedFormatsAndCreatesNothing) {
  auto created = HeadOffice::create({data(), "VLAXL", "Acme Care Group", "2021-22", {}});
  ASSERT_FALSE(created);
  EXPECT_EQ(created.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(created.error().message.find("site code"), std::string::npos) << created.error().message;
  EXPECT_NE(created.error().message.find("A1B2"), std::string::npos) << created.error().message;
  EXPECT_NE(created.error().message.find("8JX12"), std::string::npos) << created.error().message;
  EXPECT_FALSE(std::filesystem::exists(data()));
}

TEST_F(HeadOfficeTest, CreateRefusesABadYearOrNameAndCreatesNothing) {
  auto bad_year = HeadOffice::create({data(), "A1B2", "Acme", "2021", {}});
  ASSERT_FALSE(bad_year);
  EXPECT_EQ(bad_year.error().kind, ErrorKind::invalid_input);
  auto unshipped_year = HeadOffice::create({data(), "A1B2", "Acme", "2030-31", {}});
  ASSERT_FALSE(unshipped_year);
  EXPECT_EQ(unshipped_year.error().kind, ErrorKind::not_found);
  auto no_name = HeadOffice::create({data(), "A1B2", "   ", "2021-22", {}});
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(std::filesystem::exists(data()));
}

TEST_F(HeadOfficeTest, ReopeningReadsEverythingBack) {
  crypto::SigningKeyPair identity;
  std::string device;
  {
    auto office = create();
    ASSERT_TRUE(office);
    EXPECT_EQ(office->hq().code, "A1B2");
    EXPECT_EQ(office->hq().kind, OdsKind::head_office);
    identity = office->identity();
    device = office->ledger().identity().device;
  }
  EXPECT_EQ(device.size(), 16u);
  EXPECT_TRUE(std::filesystem::exists(data() / "server.db"));
  EXPECT_TRUE(std::filesystem::exists(data() / "server.key"));
  struct stat info {};
  ASSERT_EQ(::stat(data().c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0700u);

  auto reopened = HeadOffice::open(data(), std::nullopt);
  ASSERT_TRUE(reopened) << reopened.error().message;
  HeadOffice& office = **reopened;
  EXPECT_EQ(office.hq().code, "A1B2");
  EXPECT_EQ(office.name(), "Acme Care Group");
  EXPECT_EQ(office.year().label(), "2021-22");
  EXPECT_EQ(office.catalogue().items().size(), 42u);
  EXPECT_EQ(office.identity().public_key, identity.public_key);
  EXPECT_EQ(office.identity().secret_key, identity.secret_key);
  EXPECT_EQ(office.ledger().identity().user, "HQ server");
  EXPECT_EQ(office.ledger().identity().device, device);
  EXPECT_EQ(office.dir(), data());

  // The identity still signs: a signature verifies with the public key clients pin.
  const std::string message = "transcript";
  const auto signature = crypto::sign(office.identity(), as_bytes(message));
  EXPECT_TRUE(crypto::verify(office.identity().public_key, as_bytes(message), signature));
}

TEST_F(HeadOfficeTest, TheIdentitySecretIsSealedAtRest) {
  auto office = create();
  ASSERT_TRUE(office);
  auto sealed = office->store().setting("server.identity");
  ASSERT_TRUE(sealed && *sealed);
  EXPECT_EQ((*sealed)->find(crypto::to_hex(office->identity().secret_key)), std::string::npos);
  EXPECT_EQ((*sealed)->find(crypto::to_hex(ByteView(office->identity().secret_key.data(), 32))), std::string::npos);
  auto clear = office->store().setting("server.identity_public");
  ASSERT_TRUE(clear && *clear);
  EXPECT_EQ(**clear, crypto::to_hex(office->identity().public_key));
  EXPECT_EQ(**office->store().setting("org.ods"), "A1B2");
  EXPECT_EQ(**office->store().setting("org.year"), "2021-22");
}

TEST_F(HeadOfficeTest, CreateRefusesAnExistingDataFolderAndLeavesItAlone) {
  auto office = create();
  ASSERT_TRUE(office);
  const auto public_key = office->identity().public_key;
  office.reset();
  auto again = HeadOffice::create({data(), "C9Z9", "Other", "2023-24", {}});
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::refused);
  auto reopened = HeadOffice::open(data(), std::nullopt);
  ASSERT_TRUE(reopened);
  EXPECT_EQ((*reopened)->hq().code, "A1B2");
  EXPECT_EQ((*reopened)->identity().public_key, public_key);
}

TEST_F(HeadOfficeTest, OpeningAFolderWithoutDataSaysHowToCreateIt) {
  auto missing = HeadOffice::open(data(), std::nullopt);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().kind, ErrorKind::not_found);
  EXPECT_NE(missing.error().message.find("dsptsync-server init"), std::string::npos) << missing.error().message;
}

TEST_F(HeadOfficeTest, PassphraseDataOpensOnlyWithTheRightPassphrase) {
  auto init = acme(data());
  init.passphrase = "correct horse battery staple";
  crypto::SigningKeyPair identity;
  {
    auto created = HeadOffice::create(init);
    ASSERT_TRUE(created) << created.error().message;
    identity = (*created)->identity();
  }
  EXPECT_FALSE(std::filesystem::exists(data() / "server.key"));

  auto wrong = HeadOffice::open(data(), std::string("incorrect horse"));
  ASSERT_FALSE(wrong);
  EXPECT_EQ(wrong.error().kind, ErrorKind::refused);
  EXPECT_NE(wrong.error().message.find("wrong"), std::string::npos) << wrong.error().message;

  auto none = HeadOffice::open(data(), std::nullopt);
  ASSERT_FALSE(none);
  EXPECT_EQ(none.error().kind, ErrorKind::refused);
  EXPECT_NE(none.error().message.find("DSPTSYNC_SERVER_PASSPHRASE"), std::string::npos) << none.error().message;

  auto right = HeadOffice::open(data(), init.passphrase);
  ASSERT_TRUE(right) << right.error().message;
  EXPECT_EQ((*right)->identity().secret_key, identity.secret_key);
}

TEST_F(HeadOfficeTest, AKeyFileFromAnotherDataFolderIsRefused) {
  TempDir other;
  ASSERT_TRUE(HeadOffice::create(acme(other.path() / "data")));
  ASSERT_TRUE(create());
  std::filesystem::copy_file(other.path() / "data" / "server.key", data() / "server.key",
                             std::filesystem::copy_options::overwrite_existing);
  auto opened = HeadOffice::open(data(), std::nullopt);
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::refused);
}

TEST_F(HeadOfficeTest, BranchesNeedASiteCodeAndAreRegisteredOnce) {
  auto office = create();
  ASSERT_TRUE(office);
  auto hq_code = office->add_branch("A1B3", "Leeds");
  ASSERT_FALSE(hq_code);
  EXPECT_EQ(hq_code.error().kind, ErrorKind::invalid_input);
  EXPECT_NE(hq_code.error().message.find("VLAXL"), std::string::npos) << hq_code.error().message;
  auto garbage = office->add_branch("LEEDS1", "Leeds");
  ASSERT_FALSE(garbage);
  EXPECT_EQ(garbage.error().kind, ErrorKind::invalid_input);
  auto no_name = office->add_branch("VLAXL", " ");
  ASSERT_FALSE(no_name);
  EXPECT_EQ(no_name.error().kind, ErrorKind::invalid_input);

  ASSERT_TRUE(office->add_branch(" vlaxl ", "Leeds"));
  auto duplicate = office->add_branch("VLAXL", "Leeds");
  ASSERT_FALSE(duplicate);
  EXPECT_EQ(duplicate.error().kind, ErrorKind::refused);
  auto branches = office->directory().branches();
  ASSERT_TRUE(branches);
  ASSERT_EQ(branches->size(), 1u);
  EXPECT_EQ((*branches)[0].ods, "VLAXL");
  EXPECT_EQ((*branches)[0].name, "Leeds");
}

TEST_F(HeadOfficeTest, RemovingABranchIsRefusedWhileItsUsersAreActive) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  auto issued = office->invite({"Sam Patel", "VLAXL", false, Role::member});
  ASSERT_TRUE(issued) << issued.error().message;
  auto redeemed = redeem(*office, issued->code, new_device("d1"));
  ASSERT_TRUE(redeemed && std::holds_alternative<User>(*redeemed));

  auto refused_removal = office->remove_branch("vlaxl");
  ASSERT_FALSE(refused_removal);
  EXPECT_EQ(refused_removal.error().kind, ErrorKind::refused);
  EXPECT_NE(refused_removal.error().message.find("Sam Patel"), std::string::npos);

  ASSERT_TRUE(office->revoke_user("Sam Patel"));
  ASSERT_TRUE(office->remove_branch("VLAXL"));
  EXPECT_TRUE(office->directory().branches()->empty());
  auto unknown = office->remove_branch("VLAXL");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
}

TEST_F(HeadOfficeTest, AnInviteCodeParsesAndCarriesTheServerFingerprint) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  const TimestampMs before = now_ms();
  auto issued = office->invite({"  Sam Patel ", "vlaxl", false, Role::admin});
  ASSERT_TRUE(issued) << issued.error().message;
  auto parsed = protocol::parse_enrolment_code(issued->code);
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(parsed->invite_id, issued->invite.id);
  EXPECT_EQ(parsed->invite_id.size(), 8u);
  EXPECT_EQ(parsed->secret.size(), 20u);
  EXPECT_EQ(parsed->server_fingerprint, protocol::fingerprint(office->identity().public_key));
  EXPECT_EQ(crypto::to_hex(office->identity().public_key).substr(0, 16), parsed->server_fingerprint);

  EXPECT_EQ(issued->invite.user, "Sam Patel");
  EXPECT_EQ(issued->invite.branch, "VLAXL");
  EXPECT_EQ(issued->invite.role, Role::admin);
  const auto week = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::hours(24 * 7)).count();
  EXPECT_GE(issued->invite.expires_at, before + week);
  EXPECT_LE(issued->invite.expires_at, now_ms() + week);

  auto stored = office->directory().invites();
  ASSERT_TRUE(stored);
  ASSERT_EQ(stored->size(), 1u);
  EXPECT_EQ((*stored)[0].id, issued->invite.id);
  EXPECT_EQ((*stored)[0].expires_at, issued->invite.expires_at);

  // Two invites never share an id or a secret.
  auto second = office->invite({"Ann Lee", "VLAXL", false, Role::member});
  ASSERT_TRUE(second);
  EXPECT_NE(second->invite.id, issued->invite.id);
  EXPECT_NE(protocol::parse_enrolment_code(second->code)->secret, parsed->secret);
}

TEST_F(HeadOfficeTest, InvitesAreRefusedForUnknownBranchesEmptyNamesAndMixedTargets) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  auto unknown = office->invite({"Sam Patel", "VMB12", false, Role::member});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
  EXPECT_NE(unknown.error().message.find("branch add"), std::string::npos);
  auto nameless = office->invite({"  ", "VLAXL", false, Role::member});
  ASSERT_FALSE(nameless);
  EXPECT_EQ(nameless.error().kind, ErrorKind::invalid_input);
  auto both = office->invite({"Sam Patel", "VLAXL", true, Role::admin});
  ASSERT_FALSE(both);
  EXPECT_EQ(both.error().kind, ErrorKind::invalid_input);
  auto neither = office->invite({"Sam Patel", "", false, Role::admin});
  ASSERT_FALSE(neither);
  EXPECT_EQ(neither.error().kind, ErrorKind::invalid_input);
  auto bad_role = office->invite({"Sam Patel", "VLAXL", false, static_cast<Role>(9)});
  ASSERT_FALSE(bad_role);
  EXPECT_EQ(bad_role.error().kind, ErrorKind::invalid_input);
  EXPECT_TRUE(office->directory().invites()->empty());

  auto head_office = office->invite({"Hana Okafor", "", true, Role::admin});
  ASSERT_TRUE(head_office) << head_office.error().message;
  EXPECT_TRUE(head_office->invite.branch.empty());
}

TEST_F(HeadOfficeTest, ACodeRedeemsOnceThenIsUsed) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  auto issued = office->invite({"Sam Patel", "VLAXL", false, Role::member});
  ASSERT_TRUE(issued);
  auto first = redeem(*office, issued->code, new_device("d1"));
  ASSERT_TRUE(first);
  ASSERT_TRUE(std::holds_alternative<User>(*first));
  EXPECT_EQ(std::get<User>(*first).name, "Sam Patel");
  auto second = redeem(*office, issued->code, new_device("d2"));
  ASSERT_TRUE(second);
  ASSERT_TRUE(std::holds_alternative<RedeemRefusal>(*second));
  EXPECT_EQ(std::get<RedeemRefusal>(*second).code, ErrorCode::enrolment_code_used);

  // A wrong secret and an unknown invite id look the same to whoever tries them.
  auto parsed = protocol::parse_enrolment_code(issued->code);
  auto third = office->invite({"Ann Lee", "VLAXL", false, Role::viewer});
  ASSERT_TRUE(third);
  auto third_code = protocol::parse_enrolment_code(third->code);
  auto wrong_secret = office->directory().redeem_invite(third_code->invite_id, hash_enrolment_secret(parsed->secret),
                                                        new_device("d3"), now_ms());
  auto unknown_invite = office->directory().redeem_invite("0badc0de", hash_enrolment_secret(third_code->secret),
                                                          new_device("d3"), now_ms());
  ASSERT_TRUE(wrong_secret && unknown_invite);
  ASSERT_TRUE(std::holds_alternative<RedeemRefusal>(*wrong_secret));
  ASSERT_TRUE(std::holds_alternative<RedeemRefusal>(*unknown_invite));
  EXPECT_EQ(std::get<RedeemRefusal>(*wrong_secret).code, ErrorCode::enrolment_code_invalid);
  EXPECT_EQ(std::get<RedeemRefusal>(*unknown_invite).code, ErrorCode::enrolment_code_invalid);
  EXPECT_EQ(std::get<RedeemRefusal>(*wrong_secret).reason, std::get<RedeemRefusal>(*unknown_invite).reason);
}

TEST_F(HeadOfficeTest, ACodeValidForNoTimeIsExpired) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  auto issued = office->invite({"Sam Patel", "VLAXL", false, Role::member, std::chrono::seconds(0)});
  ASSERT_TRUE(issued);
  auto outcome = redeem(*office, issued->code, new_device("d1"));
  ASSERT_TRUE(outcome);
  ASSERT_TRUE(std::holds_alternative<RedeemRefusal>(*outcome));
  EXPECT_EQ(std::get<RedeemRefusal>(*outcome).code, ErrorCode::enrolment_code_expired);
  EXPECT_FALSE(*office->directory().user("Sam Patel"));
}

TEST_F(HeadOfficeTest, InvitingSomeoneAlreadyEnrolledElsewhereOrRevokedIsRefused) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  ASSERT_TRUE(office->add_branch("VMB12", "Bradford"));
  auto issued = office->invite({"Sam Patel", "VLAXL", false, Role::member});
  ASSERT_TRUE(issued);
  ASSERT_TRUE(redeem(*office, issued->code, new_device("d1")));

  auto elsewhere = office->invite({"Sam Patel", "VMB12", false, Role::member});
  ASSERT_FALSE(elsewhere);
  EXPECT_EQ(elsewhere.error().kind, ErrorKind::refused);
  EXPECT_NE(elsewhere.error().message.find("VLAXL"), std::string::npos) << elsewhere.error().message;
  EXPECT_TRUE(office->invite({"Sam Patel", "VLAXL", false, Role::member}));  // a second device

  ASSERT_TRUE(office->revoke_user("Sam Patel"));
  auto revoked = office->invite({"Sam Patel", "VLAXL", false, Role::member});
  ASSERT_FALSE(revoked);
  EXPECT_EQ(revoked.error().kind, ErrorKind::refused);
  EXPECT_NE(revoked.error().message.find("revoked"), std::string::npos);
}

TEST_F(HeadOfficeTest, RevokingAUserMarksTheirDevicesRevoked) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  for (const std::string device : {"d1", "d2"}) {
    auto issued = office->invite({"Sam Patel", "VLAXL", false, Role::member});
    ASSERT_TRUE(issued);
    auto outcome = redeem(*office, issued->code, new_device(device));
    ASSERT_TRUE(outcome && std::holds_alternative<User>(*outcome));
  }
  const TimestampMs before = now_ms();
  ASSERT_TRUE(office->revoke_user("Sam Patel"));
  auto devices = office->directory().devices();
  ASSERT_TRUE(devices);
  ASSERT_EQ(devices->size(), 2u);
  for (const auto& device : *devices) {
    ASSERT_TRUE(device.revoked_at) << device.id;
    EXPECT_GE(*device.revoked_at, before);
  }
  EXPECT_TRUE((*office->directory().user("Sam Patel"))->revoked_at);
  auto unknown = office->revoke_user("Nobody");
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
}

TEST_F(HeadOfficeTest, ABranchWithNoDataIsStandardsNotMetWithNothingProvided) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  ASSERT_TRUE(office->add_branch("VMB12", "Bradford"));
  auto one = office->progress(std::string("vlaxl"), Date{2022, 1, 10});
  ASSERT_TRUE(one) << one.error().message;
  ASSERT_EQ(one->size(), 1u);
  const BranchProgress& leeds = (*one)[0];
  EXPECT_EQ(leeds.branch.ods, "VLAXL");
  EXPECT_EQ(leeds.branch.name, "Leeds");
  EXPECT_EQ(leeds.evaluation.status, PublishStatus::not_met);
  EXPECT_EQ(leeds.evaluation.mandatory_provided, 0);
  EXPECT_EQ(leeds.evaluation.mandatory_total, 42);
  EXPECT_EQ(leeds.evaluation.mandatory_summary(), "0 of 42 mandatory evidence items provided");
  EXPECT_EQ(leeds.changes, 0);
  EXPECT_FALSE(leeds.last_change_at);

  auto all = office->progress(std::nullopt, Date{2022, 1, 10});
  ASSERT_TRUE(all);
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0].branch.ods, "VLAXL");
  EXPECT_EQ((*all)[1].branch.ods, "VMB12");

  auto unknown = office->progress(std::string("VZZZZ"), Date{2022, 1, 10});
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().kind, ErrorKind::not_found);
  auto not_a_site = office->progress(std::string("A1B2"), Date{2022, 1, 10});
  ASSERT_FALSE(not_a_site);
  EXPECT_EQ(not_a_site.error().kind, ErrorKind::invalid_input);
}

TEST_F(HeadOfficeTest, ProgressCountsOnlyTheBranchsOwnChanges) {
  auto office = create();
  ASSERT_TRUE(office);
  ASSERT_TRUE(office->add_branch("VLAXL", "Leeds"));
  ASSERT_TRUE(office->add_branch("VMB12", "Bradford"));
  // The server's log holds changes synced from branches; record two for Leeds, one for Bradford.
  const CatalogueItem* mandatory_text = nullptr;
  for (const auto& item : office->catalogue().items())
    if (item.required_for_met && item.type == AnswerType::text && !item.shared_by_default) {
      mandatory_text = &item;
      break;
    }
  ASSERT_NE(mandatory_text, nullptr);
  const std::string year = office->year().label();
  const FieldKey leeds_answer{"VLAXL", year, TargetKind::item, mandatory_text->id, Field::answer};
  const TimestampMs before = now_ms();
  ASSERT_TRUE(office->ledger().record(Edit{leeds_answer, FieldValue{"ICO ZA123456", ""}}));
  ASSERT_TRUE(office->ledger().record(
      Edit{FieldKey{"VLAXL", year, TargetKind::item, mandatory_text->id, Field::comment}, FieldValue{"see file", ""}}));
  ASSERT_TRUE(office->ledger().record(
      Edit{FieldKey{"VMB12", year, TargetKind::item, mandatory_text->id, Field::answer}, FieldValue{"x", ""}}));

  auto all = office->progress(std::nullopt, Date{2022, 1, 10});
  ASSERT_TRUE(all) << all.error().message;
  ASSERT_EQ(all->size(), 2u);
  const BranchProgress& leeds = (*all)[0];
  EXPECT_EQ(leeds.changes, 2);
  ASSERT_TRUE(leeds.last_change_at);
  EXPECT_GE(*leeds.last_change_at, before);
  EXPECT_LE(*leeds.last_change_at, now_ms());
  EXPECT_EQ(leeds.evaluation.mandatory_provided, 1);
  EXPECT_EQ((*all)[1].changes, 1);
}

TEST(HashEnrolmentSecret, IsBlake2b256HexOfTheSecret) {
  const std::string hash = hash_enrolment_secret("8d41e7b09c5a2f6e1d3b");
  EXPECT_EQ(hash.size(), 64u);
  EXPECT_EQ(hash, crypto::hash_hex(as_bytes("8d41e7b09c5a2f6e1d3b")));
  EXPECT_EQ(hash, hash_enrolment_secret("8d41e7b09c5a2f6e1d3b"));
  EXPECT_NE(hash, hash_enrolment_secret("8d41e7b09c5a2f6e1d3c"));
  // BLAKE2b-256 of the empty input, a published test value: the hash is not something home-made.
  EXPECT_EQ(hash_enrolment_secret(""), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
}

}  // namespace
}  // namespace dsptsync::server
