// Head office managing its people without a terminal on the server: one-time set-password links
// (single use, expiry, a newer link voiding older ones, the password rules), role changes and their
// rules, over real SQLite files through HeadOffice and the Directory; and a schema 8 database
// upgraded to 9 with its people events kept.
#include "../common/test_support.h"
#include "../../common/src/sqlite_schema.h"

#include "dsptsync/crypto.h"
#include "dsptsync/limits.h"
#include "dsptsync/password_rules.h"
#include "dsptsync/server/head_office.h"
#include "dsptsync/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

namespace dsptsync::server {
namespace {

using dsptsync::testing::TempDir;
using protocol::Role;

constexpr const char* kGoodPassword = "three random words";
constexpr TimestampMs kHour = 60 * 60 * 1000;

class PeopleAdmin : public ::testing::Test {
 protected:
  PeopleAdmin() {
    auto created = HeadOffice::create({dir.path() / "data", "a1b2", "Acme Care Group", "2021-22", {}});
    EXPECT_TRUE(created) << created.error().message;
    office = std::move(*created);
    EXPECT_TRUE(office->add_console_user("Priya Shah", Role::admin));
    EXPECT_TRUE(office->add_console_user("Mo Member", Role::member));
    EXPECT_TRUE(office->add_console_user("Victor Viewer", Role::viewer));
  }

  User user(const std::string& name) { return **office->directory().user(name); }

  // The token a link's path carries ("/#/set-password/TOKEN").
  static std::string token_of(const service::IssuedPasswordLink& link) {
    return link.path.substr(link.path.rfind('/') + 1);
  }

  std::vector<std::string> actions_of(const std::string& name) {
    std::vector<std::string> out;
    for (const auto& event : *office->directory().people_events())
      if (event.user == name) out.push_back(event.action);
    return out;
  }

  TempDir dir;
  std::unique_ptr<HeadOffice> office;
};

TEST_F(PeopleAdmin, ALinkSetsThePasswordOnceAndIsKeptOnlyAsItsHash) {
  const User priya = user("Priya Shah");
  auto link = office->add_head_office_user(&priya, "  Nia Newcomer ", Role::member);
  ASSERT_TRUE(link) << link.error().message;
  EXPECT_EQ(link->user, "Nia Newcomer");
  EXPECT_TRUE(link->new_user);
  EXPECT_EQ(link->path.rfind("/#/set-password/", 0), 0u) << link->path;
  const std::string token = token_of(*link);
  EXPECT_EQ(token.size(), 2 * limits::kPasswordLinkTokenBytes);
  EXPECT_LE(link->expires_at - now_ms(), limits::kPasswordLinkHours * kHour);
  EXPECT_GT(link->expires_at - now_ms(), (limits::kPasswordLinkHours - 1) * kHour);
  EXPECT_FALSE(*office->directory().password_link(token)) << "the token itself is never a key in the table";
  ASSERT_TRUE(*office->directory().password_link(crypto::hash_hex(as_bytes(token))));

  auto set = office->set_password_with_link(token, kGoodPassword, now_ms());
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_EQ(*set, "Nia Newcomer");
  auto record = office->directory().password("Nia Newcomer");
  ASSERT_TRUE(record && *record);
  EXPECT_TRUE(crypto::verify_password((*record)->hash, kGoodPassword));

  auto again = office->set_password_with_link(token, "another good password", now_ms());
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind, ErrorKind::refused);
  EXPECT_EQ(again.error().message, kPasswordLinkNotValid);
  EXPECT_TRUE(crypto::verify_password((*office->directory().password("Nia Newcomer"))->hash, kGoodPassword))
      << "a used link changes nothing";
  EXPECT_EQ(actions_of("Nia Newcomer"), (std::vector<std::string>{"password_link_issued", "password_set"}));
  const auto events = *office->directory().people_events();
  EXPECT_EQ(events[events.size() - 2].by, "Priya Shah");
  EXPECT_EQ(events.back().by, "Nia Newcomer") << "only the person holding the link sets it";
}

TEST_F(PeopleAdmin, AnExpiredWrongOrReplacedLinkIsRefusedAlikeAndChangesNothing) {
  auto first = office->issue_password_link(nullptr, "Mo Member");
  ASSERT_TRUE(first) << first.error().message;
  auto second = office->issue_password_link(nullptr, "Mo Member");
  ASSERT_TRUE(second);
  const auto refused_with = [this](const std::string& token, TimestampMs at) {
    auto outcome = office->set_password_with_link(token, kGoodPassword, at);
    EXPECT_FALSE(outcome) << token;
    return outcome ? std::string() : outcome.error().message;
  };
  EXPECT_EQ(refused_with(token_of(*first), now_ms()), kPasswordLinkNotValid) << "voided by the newer link";
  EXPECT_EQ(refused_with(std::string(64, 'a'), now_ms()), kPasswordLinkNotValid) << "unknown";
  EXPECT_EQ(refused_with("short", now_ms()), kPasswordLinkNotValid);
  EXPECT_EQ(refused_with(token_of(*second), second->expires_at), kPasswordLinkNotValid) << "expired";
  EXPECT_FALSE(*office->directory().password("Mo Member"));

  auto in_time = office->set_password_with_link(token_of(*second), kGoodPassword, second->expires_at - 1);
  EXPECT_TRUE(in_time) << in_time.error().message;
}

TEST_F(PeopleAdmin, TheOldPasswordWorksUntilTheResetLinkIsUsedAndARevokedPersonGetsNoLink) {
  auto hashed = crypto::hash_password("the old password");
  ASSERT_TRUE(office->directory().set_password("Mo Member", *hashed, now_ms() - kHour, ""));
  auto link = office->issue_password_link(nullptr, "Mo Member");
  ASSERT_TRUE(link);
  EXPECT_TRUE(crypto::verify_password((*office->directory().password("Mo Member"))->hash, "the old password"));

  ASSERT_TRUE(office->revoke_user("Mo Member"));
  auto refused = office->set_password_with_link(token_of(*link), kGoodPassword, now_ms());
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().message, kPasswordLinkNotValid) << "revoked since the link was sent";
  auto no_link = office->issue_password_link(nullptr, "Mo Member");
  ASSERT_FALSE(no_link);
  EXPECT_EQ(no_link.error().kind, ErrorKind::refused);
  EXPECT_EQ(office->issue_password_link(nullptr, "Nobody Here").error().kind, ErrorKind::not_found);
}

TEST_F(PeopleAdmin, ThePasswordRulesAreTheConsolesAndABadPasswordKeepsTheLink) {
  auto link = office->issue_password_link(nullptr, "Mo Member");
  ASSERT_TRUE(link);
  for (const std::string& bad : {std::string("too short"), std::string(limits::kMaxPasswordBytes + 1, 'x')}) {
    auto outcome = office->set_password_with_link(token_of(*link), bad, now_ms());
    ASSERT_FALSE(outcome);
    EXPECT_EQ(outcome.error().kind, ErrorKind::invalid_input) << outcome.error().message;
    EXPECT_EQ(outcome.error().message, check_new_password(bad).error().message);
  }
  // Ten characters counted as characters, not bytes: "café" is four.
  EXPECT_FALSE(check_new_password("cafécafé"));
  EXPECT_TRUE(check_new_password("cafécafécafé"));
  EXPECT_TRUE(office->set_password_with_link(token_of(*link), kGoodPassword, now_ms()));
}

TEST_F(PeopleAdmin, AConsolePasswordIsAPeopleEventAndABadOneRecordsNothing) {
  bool asked = false;
  const auto typed = [&asked](std::string password) {
    return [&asked, password]() -> Result<std::string> {
      asked = true;
      return password;
    };
  };
  EXPECT_EQ(office->set_password(nullptr, "Nobody Here", typed(kGoodPassword)).error().kind, ErrorKind::not_found);
  EXPECT_FALSE(asked) << "nobody types a password for someone unknown";
  auto short_one = office->set_password(nullptr, "Mo Member", typed("too short"));
  ASSERT_FALSE(short_one);
  EXPECT_EQ(short_one.error().message, check_new_password("too short").error().message);
  EXPECT_FALSE(*office->directory().password("Mo Member"));
  EXPECT_TRUE(office->directory().people_events()->empty()) << "a refusal records nothing";

  ASSERT_TRUE(office->set_password(nullptr, " Mo Member ", typed(kGoodPassword)));
  EXPECT_TRUE(crypto::verify_password((*office->directory().password("Mo Member"))->hash, kGoodPassword));
  const auto events = *office->directory().people_events();
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events.back().action, "password_set");
  EXPECT_EQ(events.back().user, "Mo Member");
  EXPECT_EQ(events.back().by, "") << "the console";
  const User priya = user("Priya Shah");
  ASSERT_TRUE(office->set_password(&priya, "Victor Viewer", typed(kGoodPassword)));
  EXPECT_EQ(office->directory().people_events()->back().by, "Priya Shah");

  ASSERT_TRUE(office->revoke_user("Mo Member"));
  asked = false;
  EXPECT_EQ(office->set_password(nullptr, "Mo Member", typed(kGoodPassword)).error().kind, ErrorKind::refused);
  EXPECT_FALSE(asked);
}

TEST_F(PeopleAdmin, OnlyHeadOfficeAdministratorsIssueLinksAddPeopleAndChangeRoles) {
  for (const char* name : {"Mo Member", "Victor Viewer"}) {
    const User who = user(name);
    EXPECT_EQ(office->issue_password_link(&who, "Priya Shah").error().kind, ErrorKind::refused) << name;
    EXPECT_EQ(office->add_head_office_user(&who, "Someone New", Role::admin).error().kind, ErrorKind::refused);
    EXPECT_EQ(office->change_role(&who, "Priya Shah", Role::viewer).error().kind, ErrorKind::refused);
  }
  EXPECT_FALSE(*office->directory().user("Someone New"));
  EXPECT_EQ(user("Priya Shah").role, Role::admin);
}

TEST_F(PeopleAdmin, ARoleChangeIsRecordedNeverOfOneselfNorOfTheLastAdministrator) {
  const User priya = user("Priya Shah");
  auto promoted = office->change_role(&priya, "Mo Member", Role::admin);
  ASSERT_TRUE(promoted) << promoted.error().message;
  EXPECT_EQ(promoted->from, Role::member);
  EXPECT_EQ(user("Mo Member").role, Role::admin);
  const auto events = *office->directory().people_events();
  EXPECT_EQ(events.back().action, "role_changed");
  EXPECT_EQ(events.back().detail, "member -> admin");
  EXPECT_EQ(events.back().by, "Priya Shah");

  auto own = office->change_role(&priya, "Priya Shah", Role::viewer);
  ASSERT_FALSE(own);
  EXPECT_EQ(own.error().kind, ErrorKind::invalid_input);

  const User mo = user("Mo Member");
  ASSERT_TRUE(office->change_role(&mo, "Priya Shah", Role::member));
  // Mo is now the only active head office administrator: neither the console nor anyone demotes him.
  auto last = office->change_role(nullptr, "Mo Member", Role::member);
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().kind, ErrorKind::refused);
  EXPECT_NE(last.error().message.find("last head office administrator"), std::string::npos);
  EXPECT_EQ(user("Mo Member").role, Role::admin);
  EXPECT_EQ(office->change_role(nullptr, "Nobody Here", Role::admin).error().kind, ErrorKind::not_found);
  // The same role again changes and records nothing.
  const auto before = office->directory().people_events()->size();
  ASSERT_TRUE(office->change_role(nullptr, "Victor Viewer", Role::viewer));
  EXPECT_EQ(office->directory().people_events()->size(), before);
}

// A database as schema 8 left it, with people events, upgraded in place: the events keep their
// order, and the new kinds of event and the links table work.
TEST(PeopleAdminMigration, ASchema8DatabaseKeepsItsPeopleEventsAndGainsLinks) {
  TempDir dir;
  const auto path = dir.path() / "server.db";
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
  for (std::size_t version = 0; version < 8; ++version)
    ASSERT_EQ(sqlite3_exec(db, std::string(sqlite::migrations()[version]).c_str(), nullptr, nullptr, nullptr),
              SQLITE_OK)
        << "migration " << version << ": " << sqlite3_errmsg(db);
  const char* rows =
      "PRAGMA user_version = 8; PRAGMA application_id = 1146310740;"
      "INSERT INTO users VALUES('Tom Member', '', 'member', 1, NULL);"
      "INSERT INTO people_events(at, action, user, by) VALUES(10, 'revoked', 'Tom Member', 'Priya Shah');"
      "INSERT INTO people_events(at, action, user, by) VALUES(20, 'reinstated', 'Tom Member', '');";
  ASSERT_EQ(sqlite3_exec(db, rows, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);

  auto store = open_sqlite_store(path, {});
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 13) << "then on to the latest";
  auto directory = open_sqlite_directory(path);
  ASSERT_TRUE(directory) << directory.error().message;
  auto events = (*directory)->people_events();
  ASSERT_TRUE(events) << events.error().message;
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].action, "revoked");
  EXPECT_EQ((*events)[0].by, "Priya Shah");
  EXPECT_EQ((*events)[1].action, "reinstated");
  EXPECT_EQ((*events)[1].seq, 2);
  EXPECT_EQ((*events)[1].detail, "");

  ASSERT_TRUE((*directory)->change_role("Tom Member", Role::viewer, 30, "", {}));
  ASSERT_TRUE((*directory)->add_password_link({"Tom Member", "", 40, 40 + kHour, {}, {}}, "hash-of-token"));
  events = (*directory)->people_events();
  ASSERT_EQ(events->size(), 4u);
  EXPECT_EQ((*events)[2].detail, "member -> viewer");
  EXPECT_EQ((*events)[3].action, "password_link_issued");
  EXPECT_EQ((*events)[3].seq, 4) << "sequence numbers go on from the old table's";
  // Still kept as recorded.
  ASSERT_EQ(sqlite3_open(path.string().c_str(), &db), SQLITE_OK);
  EXPECT_NE(sqlite3_exec(db, "DELETE FROM people_events", nullptr, nullptr, nullptr), SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace
}  // namespace dsptsync::server
