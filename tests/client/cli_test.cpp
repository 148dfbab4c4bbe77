// Drives the real `dsptsync` binary against real store folders, checking output and exit codes.
#include "../common/cli_runner.h"
#include "../common/test_support.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <iterator>
#include <sstream>

namespace dsptsync {
namespace {

using nlohmann::json;
using testing::TempDir;

using testing::CliRun;
using testing::read_text_file;
using testing::run_program;
using testing::shell_quote;

class Cli : public ::testing::Test {
 protected:
  // Runs `dsptsync --store <temp> ARGS...` and captures its exit code and output.
  CliRun run(const std::vector<std::string>& args) {
    return run_program(std::string(DSPTSYNC_CLI) + " --store " + shell_quote(dir.path().string() + "/store"), args,
                       dir.path());
  }
  void init(const std::string& ods = "VLAXL", const std::string& year = "2021-22") {
    CliRun result = run({"init", "--ods", ods, "--name", "Leeds branch", "--year", year, "--user", "Sam Patel"});
    ASSERT_EQ(result.code, 0) << result.err;
  }
  TempDir dir;
};

TEST_F(Cli, InitRefusesABadOdsCodeAndCreatesNothing) {
  CliRun result = run({"init", "--ods", "LEEDS1", "--name", "Leeds", "--year", "2021-22", "--user", "Sam", "--json"});
  EXPECT_EQ(result.code, 4);
  EXPECT_NE(result.err.find("is not an ODS code"), std::string::npos);
  EXPECT_NE(result.err.find("e.g. VLAXL"), std::string::npos);
  EXPECT_EQ(result.parsed()["error"]["kind"], "invalid_input");
  EXPECT_FALSE(std::filesystem::exists(dir / "store/store.db"));
}

TEST_F(Cli, InitNormalisesTheCodeAndReportsTheSet) {
  CliRun result = run({"init", "--ods", " vlaxl ", "--name", "Leeds", "--year", "2021/22", "--user", "Sam", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  const json data = result.parsed();
  EXPECT_EQ(data["ods"], "VLAXL");
  EXPECT_EQ(data["ods_kind"], "site");
  EXPECT_EQ(data["year"], "2021-22");
  EXPECT_EQ(data["items"], 42);
  CliRun again = run({"init", "--ods", "VLAXL", "--name", "Leeds", "--year", "2021-22", "--user", "Sam"});
  EXPECT_EQ(again.code, 3);  // never overwrites a store
}

TEST_F(Cli, CommandsWithoutAStoreSayHowToMakeOne) {
  CliRun result = run({"progress"});
  EXPECT_EQ(result.code, 4);
  EXPECT_NE(result.err.find("dsptsync init"), std::string::npos);
}

TEST_F(Cli, UsageErrorsExitTwo) {
  EXPECT_EQ(run({"answer"}).code, 2);
  EXPECT_EQ(run({"no-such-command"}).code, 2);
  EXPECT_EQ(run({}).code, 2);
}

TEST_F(Cli, AnUnknownCommandNamesItselfAndTheClosestOnes) {
  const auto said = [&](const std::vector<std::string>& args, const std::string& words) {
    CliRun result = run(args);
    EXPECT_EQ(result.code, 2);
    EXPECT_NE(result.err.find(words), std::string::npos) << result.err;
  };
  said({"answr", "1.1.1", "yes"}, "dsptsync: unknown command 'answr'; did you mean 'answer'?");
  said({"--json", "synk"}, "unknown command 'synk'; did you mean 'sync'?");
  said({"plan", "sett", "1.1.5"}, "unknown command 'plan sett'; did you mean 'plan set'?");
  said({"no-such-command"}, "unknown command 'no-such-command'\nRun 'dsptsync --help' for the commands.");
  // Not a command word: the usual message about what is wrong.
  said({"answer"}, "dsptsync: ");
  EXPECT_EQ(run({"answer"}).err.find("unknown command"), std::string::npos);
}

TEST_F(Cli, ItemsShowProvenance) {
  init();
  CliRun result = run({"items", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  const json data = result.parsed();
  ASSERT_EQ(data["items"].size(), 42u);
  bool saw_inferred = false;
  for (const auto& item : data["items"]) {
    EXPECT_FALSE(item["source"].get<std::string>().empty());
    saw_inferred |= item["source"].get<std::string>().rfind("inferred", 0) == 0;
    if (item["id"] == "8.3.5") {
      EXPECT_EQ(item["group"], "IT systems and devices");
    }
  }
  EXPECT_TRUE(saw_inferred);
  CliRun mandatory_missing = run({"items", "--missing", "--group", "Data security", "--json"});
  ASSERT_EQ(mandatory_missing.code, 0);
  for (const auto& item : mandatory_missing.parsed()["items"]) EXPECT_EQ(item["group"], "Data security");
}

TEST_F(Cli, AnswersAreCheckedAgainstTheItemType) {
  init();
  CliRun unknown = run({"answer", "1.1.9", "x"});
  EXPECT_EQ(unknown.code, 4);
  EXPECT_NE(unknown.err.find("did you mean 1.1.5, 1.1.1, 1.1.2"), std::string::npos) << unknown.err;
  CliRun not_yes_no = run({"answer", "2.1.1", "maybe"});
  EXPECT_EQ(not_yes_no.code, 4);
  EXPECT_NE(not_yes_no.err.find("takes yes or no"), std::string::npos);
  CliRun location_on_text = run({"answer", "1.1.5", "Manager", "--location", "x"});
  EXPECT_EQ(location_on_text.code, 4);
  // Nothing was recorded by the refused edits.
  EXPECT_EQ(run({"history", "2.1.1", "--json"}).parsed()["history"].size(), 0u);

  CliRun yes = run({"answer", "2.1.1", "Y", "--json"});
  ASSERT_EQ(yes.code, 0) << yes.err;
  EXPECT_EQ(yes.parsed()["changes"][0]["value"]["text"], "yes");
  CliRun document = run({"answer", "1.2.1", "Privacy notice v2", "--location", "https://example.invalid/privacy", "--json"});
  ASSERT_EQ(document.code, 0) << document.err;
  EXPECT_EQ(document.parsed()["changes"][0]["value"]["location"], "https://example.invalid/privacy");
}

TEST_F(Cli, DatesAreTypedTheUkWayOrAsIsoAndKeptAsIso) {
  init();
  // (The shipped question sets have no date item: ods_time_test.cpp tests a date answer.)
  CliRun due =
      run({"plan", "set", "1.1.5", "--action", "Name a lead", "--owner", "Sam", "--due", "28/02/2022", "--json"});
  ASSERT_EQ(due.code, 0) << due.err;
  bool kept_iso = false;
  for (const auto& change : due.parsed()["changes"]) kept_iso |= change["value"]["text"] == "2022-02-28";
  EXPECT_TRUE(kept_iso) << due.out;
  CliRun refused = run({"plan", "set", "1.1.5", "--due", "30/02/2022"});
  EXPECT_NE(refused.code, 0);
  EXPECT_NE(refused.err.find("--due: '30/02/2022' is not a real date; write it as 31/01/2027 (day/month/year) or "
                             "2027-01-31"),
            std::string::npos)
      << refused.err;
}

TEST_F(Cli, ConfirmingAnAssertionWithItemsUnansweredSaysWhichOnes) {
  init();
  std::vector<std::string> items_of_1_1;
  const json items = run({"items", "--json"}).parsed()["items"];
  for (const auto& item : items)
    if (item["assertion"] == "1.1") items_of_1_1.push_back(item["id"]);
  ASSERT_GE(items_of_1_1.size(), 2u);
  CliRun confirmed = run({"confirm", "1.1", "--json"});
  ASSERT_EQ(confirmed.code, 0) << confirmed.err;
  ASSERT_EQ(confirmed.parsed()["warnings"].size(), 1u);
  const std::string warning = confirmed.parsed()["warnings"][0];
  for (const auto& id : items_of_1_1) EXPECT_NE(warning.find(id), std::string::npos) << id << ": " << warning;
  EXPECT_NE(warning.find("items of assertion 1.1, are not answered yet"), std::string::npos) << warning;
  EXPECT_NE(run({"unconfirm", "1.1"}).out.find("Withdrew"), std::string::npos);
  EXPECT_EQ(run({"unconfirm", "1.1", "--json"}).parsed()["warnings"].size(), 0u) << "withdrawing warns of nothing";

  // Every item answered: no warning, and the text says nothing more.
  for (const auto& id : items_of_1_1) {
    const auto type = [&] {
      for (const auto& item : items)
        if (item["id"] == id) return item["type"].get<std::string>();
      return std::string();
    }();
    const std::string value = type == "yes_no"   ? "yes"
                              : type == "date"   ? "2022-01-01"
                              : type == "number" ? "1"
                                                 : "Done";
    ASSERT_EQ(run({"answer", id, value}).code, 0) << id;
  }
  CliRun clean = run({"confirm", "1.1"});
  ASSERT_EQ(clean.code, 0) << clean.err;
  EXPECT_EQ(clean.out.find("Warning"), std::string::npos) << clean.out;
}

TEST_F(Cli, HistoryShowsWhoWhenBeforeAndAfter) {
  init();
  ASSERT_EQ(run({"answer", "1.1.5", "The registered manager"}).code, 0);
  ASSERT_EQ(run({"--user", "Ann Lee", "answer", "1.1.5", "The director", "--comment", "Changed at board"}).code, 0);
  ASSERT_EQ(run({"plan", "set", "1.1.5", "--action", "Write it into the job description", "--owner", "Ann",
                 "--due", "2022-09-30"}).code,
            0);
  CliRun result = run({"history", "1.1.5", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  const json history = result.parsed()["history"];
  ASSERT_EQ(history.size(), 6u);  // 2 answers, 1 comment, 3 plan fields
  EXPECT_EQ(history[0]["user"], "Sam Patel");
  EXPECT_TRUE(history[0]["before"].is_null());
  EXPECT_EQ(history[0]["after"]["text"], "The registered manager");
  EXPECT_EQ(history[1]["user"], "Ann Lee");
  EXPECT_EQ(history[1]["before"]["text"], "The registered manager");
  EXPECT_EQ(history[1]["after"]["text"], "The director");
  EXPECT_EQ(history[2]["field"], "comment");
  EXPECT_EQ(history[3]["field"], "plan_action");
  CliRun text = run({"history", "1.1.5"});
  EXPECT_NE(text.out.find("\"The registered manager\" -> \"The director\""), std::string::npos) << text.out;
}

TEST_F(Cli, ProgressFollowsTheToolkitFromNotMetToExceeded) {
  init();
  CliRun empty = run({"progress", "--json", "--today", "2022-05-01"});
  ASSERT_EQ(empty.code, 0) << empty.err;
  EXPECT_EQ(empty.parsed()["status"], "not_met");
  EXPECT_EQ(empty.parsed()["mandatory"]["text"], "0 of 42 mandatory evidence items provided");

  CliRun items = run({"items", "--json"});
  for (const auto& item : items.parsed()["items"]) {
    const std::string type = item["type"];
    const std::string value = type == "yes_no" ? "yes" : type == "date" ? "2022-01-01" : type == "number" ? "1" : "Done";
    ASSERT_EQ(run({"answer", item["id"], value}).code, 0) << item["id"];
  }
  CliRun assertions = run({"assertions", "--json"});
  for (const auto& assertion : assertions.parsed()["assertions"]) ASSERT_EQ(run({"confirm", assertion["id"]}).code, 0);

  CliRun met = run({"progress", "--json", "--today", "2022-05-01"});
  EXPECT_EQ(met.parsed()["status"], "met");
  EXPECT_EQ(met.parsed()["public_status"], "21/22 Standards Met");
  EXPECT_EQ(met.parsed()["mandatory"]["text"], "42 of 42 mandatory evidence items provided");

  EXPECT_EQ(run({"profile", "set", "--cyber-essentials-plus", "maybe"}).code, 4);
  ASSERT_EQ(run({"profile", "set", "--cyber-essentials-plus", "yes", "--role", "siro=Ann Lee", "--name", "Leeds West"}).code, 0);
  EXPECT_EQ(run({"progress", "--json"}).parsed()["name"], "Leeds West");
  EXPECT_EQ(run({"progress", "--json"}).parsed()["status"], "exceeded");

  // One No brings it back down, and the problem names the item and its group.
  ASSERT_EQ(run({"answer", "9.5.2", "no"}).code, 0);
  CliRun down = run({"progress", "--json", "--today", "2022-05-01"});
  EXPECT_EQ(down.parsed()["status"], "not_met");
  CliRun text = run({"progress", "--today", "2022-07-01"});
  EXPECT_NE(text.out.find("9.5.2 in the IT systems and devices section is answered No"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Note: The 2021-22 deadline was 30 June 2022. Roll forward to 2022-23: import the 2022-23 list"),
            std::string::npos)
      << text.out;
}

TEST_F(Cli, RollForwardCarriesAnswersAcrossChangedIds) {
  init();
  ASSERT_EQ(run({"answer", "2.1.2", "yes", "--comment", "All contracts checked"}).code, 0);
  ASSERT_EQ(run({"answer", "1.2.1", "Privacy notice", "--location", "office binder"}).code, 0);
  ASSERT_EQ(run({"answer", "4.1.2", "yes"}).code, 0);
  ASSERT_EQ(run({"confirm", "2.1"}).code, 0);

  CliRun dry = run({"rollforward", "--to", "2023-24", "--dry-run", "--json"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  EXPECT_FALSE(dry.parsed()["applied"].get<bool>());
  EXPECT_EQ(run({"progress", "--json"}).parsed()["year"], "2021-22");  // nothing changed

  CliRun result = run({"rollforward", "--to", "2023-24", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  const json report = result.parsed();
  EXPECT_TRUE(report["applied"].get<bool>());
  EXPECT_NE(std::find(report["removed"].begin(), report["removed"].end(), "4.1.2"), report["removed"].end());
  bool renamed = false;
  for (const auto& pair : report["carried"]) renamed |= pair["from"] == "2.1.2" && pair["to"] == "2.2.1";
  EXPECT_TRUE(renamed);

  CliRun show = run({"show", "2.2.1", "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.parsed()["answer"]["text"], "yes");
  EXPECT_EQ(show.parsed()["comment"], "All contracts checked");
  EXPECT_EQ(run({"show", "1.1.3", "--json"}).parsed()["answer"]["location"], "office binder");
  CliRun assertions = run({"assertions", "--json"});
  bool confirmed_carried = false;
  for (const auto& assertion : assertions.parsed()["assertions"])
    if (assertion["id"] == "2.2") confirmed_carried = assertion["confirmed"].get<bool>();
  EXPECT_TRUE(confirmed_carried);
  EXPECT_EQ(run({"progress", "--json"}).parsed()["year"], "2023-24");
  EXPECT_EQ(run({"rollforward", "--to", "2023-24"}).code, 4);  // not a later year any more
}

TEST_F(Cli, AMalformedCatalogueImportChangesNothing) {
  init();
  std::ofstream(dir / "bad.csv") << "Evidence Reference,Evidence text - Social Care,Mandatory - Social Care\n"
                                    "1.1.5,\"Who is responsible?\",Yes\n"
                                    "1.1.x,Broken id,Yes\n";
  CliRun bad = run({"catalogue", "import", (dir / "bad.csv").string(), "--year", "2021-22", "--json"});
  EXPECT_EQ(bad.code, 4);
  EXPECT_NE(bad.err.find("line 3"), std::string::npos) << bad.err;
  CliRun shown = run({"catalogue", "show", "--json"});
  EXPECT_EQ(shown.parsed()["items"], 42);
}

TEST_F(Cli, ACatalogueImportReplacesTheShippedSetForItsYear) {
  init();
  std::ofstream(dir / "good.csv") << "Evidence Reference,Evidence text - Social Care,Tool tips - Social Care,"
                                     "Mandatory - Social Care\n"
                                     "1.1.5,\"Who is responsible, and how?\",Name a person,Yes\n"
                                     "2.1.1,Induction covers data security?,,Yes\n"
                                     "3.1.1,Training needs analysis?,,No\n";
  CliRun good = run({"catalogue", "import", (dir / "good.csv").string(), "--year", "2021-22", "--json"});
  ASSERT_EQ(good.code, 0) << good.err;
  EXPECT_EQ(good.parsed()["items"], 3);
  EXPECT_EQ(good.parsed()["mandatory"], 2);
  CliRun progress = run({"progress", "--json"});
  EXPECT_EQ(progress.parsed()["mandatory"]["total"], 2);
  CliRun items = run({"items", "--json"});
  EXPECT_EQ(items.parsed()["items"][0]["tooltip"], "Name a person");
  EXPECT_EQ(items.parsed()["items"][0]["source"], "imported from good.csv");
}

TEST_F(Cli, APassphraseSealedStoreNeedsThePassphrase) {
  setenv("DSPTSYNC_PASSPHRASE", "correct horse battery staple", 1);
  init();
  EXPECT_FALSE(std::filesystem::exists(dir / "store/store.key"));
  ASSERT_EQ(run({"answer", "2.1.1", "yes"}).code, 0);
  setenv("DSPTSYNC_PASSPHRASE", "wrong", 1);
  CliRun wrong = run({"progress"});
  EXPECT_EQ(wrong.code, 3);
  EXPECT_NE(wrong.err.find("passphrase is wrong"), std::string::npos);
  unsetenv("DSPTSYNC_PASSPHRASE");
  CliRun none = run({"progress"});
  EXPECT_EQ(none.code, 3);
  EXPECT_NE(none.err.find("DSPTSYNC_PASSPHRASE"), std::string::npos);
}

}  // namespace
}  // namespace dsptsync
