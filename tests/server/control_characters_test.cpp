// Control characters (NUL, ESC, ...) in text are refused through every door with the real programs:
// head office's web API and a laptop's CLI and ledger. Tab and new line are text, and pass. Nothing
// refused is recorded.
#include "programs.h"
#include "served_head_office.h"
#include "web_client.h"

#include <gtest/gtest.h>

namespace dsptsync {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::ServedHeadOffice;

constexpr const char* kItem = "1.1.1";  // head office's own item

json item_of(const json& assessment, const std::string& id) {
  for (const auto& group : assessment["groups"])
    for (const auto& item : group["items"])
      if (item["id"] == id) return item;
  return nullptr;
}

bool mentions_control_character(const std::string& message) {
  return message.find("control character") != std::string::npos;
}

TEST(ControlCharacters, TheWebApiRefusesThemAndRecordsNothing) {
  ServedHeadOffice server;
  testing::TempDir scratch;
  ASSERT_TRUE(server.admin()->add_console_user("Ann Admin", protocol::Role::admin));
  testing::set_web_password(server.data(), "Ann Admin", scratch.path());
  testing::WebClient browser(server.port());
  ASSERT_EQ(browser.sign_in("Ann Admin", testing::kPassword).status, 200);
  const std::string target = std::string("/api/assessment/A1B2/items/") + kItem;

  for (const std::string& bad : {std::string("ZA12\0" "3456", 8), std::string("ZA\x1b[31m"), std::string("ZA\x7f")}) {
    auto refused = browser.put(target, json{{"comment", bad}});
    EXPECT_EQ(refused.status, 400) << refused.body;
    EXPECT_TRUE(mentions_control_character(refused.parsed()["error"]["message"].get<std::string>())) << refused.body;
  }
  auto located = browser.put(target, json{{"answer", "Policy"}, {"location", std::string("http://x\0y", 10)}});
  EXPECT_EQ(located.status, 400) << located.body;
  const json item = item_of(browser.get("/api/assessment/A1B2").parsed(), kItem);
  EXPECT_TRUE(item["comment"].is_null()) << "nothing was recorded: " << item.dump();
  EXPECT_TRUE(item["answer"].is_null()) << item.dump();

  auto fine = browser.put(target, json{{"comment", "line one\n\tline two"}});
  EXPECT_EQ(fine.status, 200) << "tab and new line are text: " << fine.body;
}

TEST(ControlCharacters, ALaptopRefusesThemAtTheCommandLineAndInItsLedger) {
  ServedHeadOffice server;
  auto laptop = server.enrol("leeds", "Lee Leeds", "VLAXL");
  const std::string item = ServedHeadOffice::branch_item(*laptop);
  laptop.reset();  // the CLI opens the store itself

  testing::TempDir scratch;
  auto cli = testing::laptop_program(server.dir() / "leeds", {"comment", item, "red \x1b[31malert"}, scratch.path());
  EXPECT_EQ(cli.code, 4) << cli.out << cli.err;
  EXPECT_TRUE(mentions_control_character(cli.data["error"]["message"].get<std::string>())) << cli.out;

  // A laptop's own edits are checked as they are recorded; a push holding one anyway (an older
  // build) meets the same rule at head office (check_received_edit, tests/common/plain_text_test.cpp).
  auto reopened = client::Workspace::open(server.dir() / "leeds", std::nullopt);
  ASSERT_TRUE(reopened) << reopened.error().message;
  const FieldKey key{(*reopened)->site().code, (*reopened)->year().label(), TargetKind::item, item, Field::comment};
  auto recorded = (*reopened)->ledger().record({{key, FieldValue{std::string("cut\0here", 8), ""}}});
  ASSERT_FALSE(recorded) << "the ledger records no control character, whichever door the edit came by";
  EXPECT_TRUE(mentions_control_character(recorded.error().message)) << recorded.error().message;
}

}  // namespace
}  // namespace dsptsync
