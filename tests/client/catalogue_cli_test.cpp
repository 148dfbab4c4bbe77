// The laptop's side of a new year, through the real `dsptsync` binary: the official list imported
// as downloaded (.xlsx) with a dry run first, hostile workbooks refused with the store unchanged, a
// roll-forward through every shipped year, the year advice, and `init` without --user.
#include "../common/cli_runner.h"
#include "../common/test_support.h"
#include "official_list_fixture.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <pwd.h>
#include <unistd.h>

#include <fstream>

namespace dsptsync {
namespace {

using nlohmann::json;
using testing::CliRun;
using testing::TempDir;

class CatalogueCli : public ::testing::Test {
 protected:
  CliRun run(const std::vector<std::string>& args) {
    return testing::run_program(std::string(DSPTSYNC_CLI) + " --store " + testing::shell_quote(dir.path().string() + "/store"),
                                args, dir.path());
  }
  void init(const std::string& year) {
    CliRun result = run({"init", "--ods", "VLAXL", "--name", "Leeds", "--year", year, "--user", "Sam Patel"});
    ASSERT_EQ(result.code, 0) << result.err;
  }
  // The 2026-27 list of the fixtures: one change of every kind against 2025-26.
  std::string write_next_year_list() {
    testing::OfficialListSpec spec{testing::next_year_list()};
    spec.title = testing::kNextYearTitle;
    spec.notes = {{"4.9.9", "New evidence item for cat 2,3,4"}};
    const auto path = dir / "Version9_26-27 CAT2 Cat3 and CAT4.xlsx";
    std::ofstream(path, std::ios::binary) << testing::official_list_xlsx(spec, dir.path());
    return path.string();
  }
  TempDir dir;
};

TEST_F(CatalogueCli, ImportsTheWorkbookAsDownloadedAfterADryRun) {
  init("2025-26");
  ASSERT_EQ(run({"answer", "1.3.2", "yes"}).code, 0);
  const std::string file = write_next_year_list();

  CliRun dry = run({"catalogue", "import", file, "--year", "2026-27", "--dry-run", "--json"});
  ASSERT_EQ(dry.code, 0) << dry.err;
  const json report = dry.parsed();
  EXPECT_FALSE(report["applied"].get<bool>());
  EXPECT_EQ(report["format"], "xlsx");
  EXPECT_EQ(report["sheet"], "Evidence items");
  EXPECT_EQ(report["category"], "Category 3");
  EXPECT_EQ(report["items"], 43);
  EXPECT_EQ(report["diff"]["from"], "2025-26");
  EXPECT_EQ(report["diff"]["added"][0]["id"], "4.9.9");
  EXPECT_EQ(report["diff"]["added"][0]["note"], "New evidence item for cat 2,3,4");
  EXPECT_EQ(report["diff"]["removed"][0]["id"], "7.3.2");
  EXPECT_EQ(report["diff"]["reworded"][0]["id"], "1.3.2");
  // The dry run imported nothing: there is still no 2026-27 set to roll forward into.
  EXPECT_EQ(run({"rollforward", "--to", "2026-27"}).code, 4);

  CliRun text = run({"catalogue", "import", file, "--year", "2026-27", "--dry-run"});
  EXPECT_NE(text.out.find("Would import 43 items (42 mandatory) for 2026-27"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("2025-26 -> 2026-27: 1 new, 1 removed, 1 reworded, 1 with a new answer type, 1 with a new Approaching Standards flag"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("Nothing was imported (--dry-run)."), std::string::npos) << text.out;

  CliRun imported = run({"catalogue", "import", file, "--year", "2026-27", "--json"});
  ASSERT_EQ(imported.code, 0) << imported.err;
  EXPECT_TRUE(imported.parsed()["applied"].get<bool>());
  CliRun rolled = run({"rollforward", "--to", "2026-27", "--json"});
  ASSERT_EQ(rolled.code, 0) << rolled.err;
  EXPECT_EQ(rolled.parsed()["added"], json({"4.9.9"}));
  EXPECT_EQ(rolled.parsed()["removed"], json({"7.3.2"}));
  CliRun show = run({"show", "1.3.2", "--json"});
  ASSERT_EQ(show.code, 0) << show.err;
  EXPECT_EQ(show.parsed()["answer"]["text"], "yes");  // carried to the reworded item
  const json in_force = run({"catalogue", "show", "--json"}).parsed();
  EXPECT_EQ(in_force["file"], "Version9_26-27 CAT2 Cat3 and CAT4.xlsx");
  EXPECT_EQ(in_force["category"], "Category 3");  // the category read, not the option's empty default
}

TEST_F(CatalogueCli, HostileWorkbooksAreRefusedAndChangeNothing) {
  init("2025-26");
  const auto valid = testing::official_list_xlsx(testing::OfficialListSpec{testing::shipped_or_die(2025)}, dir.path());
  for (auto kind : {testing::Hostile::bomb, testing::Hostile::truncated, testing::Hostile::missing_sheet}) {
    std::ofstream(dir / "hostile.xlsx", std::ios::binary) << testing::hostile_workbook(valid, kind, dir.path());
    CliRun result = run({"catalogue", "import", (dir / "hostile.xlsx").string(), "--year", "2025-26", "--json"});
    EXPECT_EQ(result.code, 4) << result.err;
    EXPECT_EQ(result.parsed()["error"]["kind"], "invalid_input");
    EXPECT_NE(result.err.find("hostile.xlsx: "), std::string::npos) << result.err;
    EXPECT_NE(run({"catalogue", "show"}).out.find("shipped with dsptsync"), std::string::npos);
  }
  // A list of another year is refused too, naming where it says so.
  std::ofstream(dir / "list.xlsx", std::ios::binary) << valid;
  CliRun wrong_year = run({"catalogue", "import", (dir / "list.xlsx").string(), "--year", "2026-27"});
  EXPECT_EQ(wrong_year.code, 4);
  EXPECT_NE(wrong_year.err.find("the 2025-26 list, but it is being imported as 2026-27"), std::string::npos)
      << wrong_year.err;
}

TEST_F(CatalogueCli, RollsForwardFrom2021To2025ThroughEveryShippedYear) {
  init("2021-22");
  ASSERT_EQ(run({"answer", "2.1.2", "yes"}).code, 0);
  ASSERT_EQ(run({"answer", "1.2.1", "Privacy notice", "--location", "office binder"}).code, 0);
  CliRun rolled = run({"rollforward", "--to", "2025-26", "--json"});
  ASSERT_EQ(rolled.code, 0) << rolled.err;
  const json report = rolled.parsed();
  ASSERT_EQ(report["steps"].size(), 3u);
  EXPECT_EQ(report["steps"][0]["removed"], json({"4.1.2"}));
  EXPECT_EQ(report["steps"][2]["added"], json({"4.3.1", "7.1.1"}));
  EXPECT_EQ(report["added"], json({"4.3.1", "7.1.1"}));
  EXPECT_EQ(run({"show", "2.2.1", "--json"}).parsed()["answer"]["text"], "yes");
  EXPECT_EQ(run({"show", "1.1.3", "--json"}).parsed()["answer"]["location"], "office binder");
  EXPECT_EQ(run({"progress", "--json"}).parsed()["year"], "2025-26");
}

TEST_F(CatalogueCli, ProgressSaysWhatToDoOnceTheDeadlineHasPassed) {
  init("2025-26");
  CliRun before = run({"progress", "--today", "2026-06-30", "--json"});
  ASSERT_EQ(before.code, 0) << before.err;
  EXPECT_FALSE(before.parsed()["year_advice"]["deadline_passed"].get<bool>());
  CliRun after = run({"progress", "--today", "2026-12-05"});
  ASSERT_EQ(after.code, 0) << after.err;
  EXPECT_NE(after.out.find("Note: The 2025-26 deadline was 30 June 2026. Roll forward to 2026-27: import the 2026-27 "
                           "list (`dsptsync catalogue import FILE --year 2026-27`), then `dsptsync rollforward --to "
                           "2026-27`"),
            std::string::npos)
      << after.out;
  EXPECT_EQ(after.out.find("The deadline to publish"), std::string::npos) << after.out;  // said once
  CliRun json_after = run({"progress", "--today", "2026-12-05", "--json"});
  EXPECT_EQ(json_after.parsed()["year_advice"]["move_to"], "2026-27");
  EXPECT_EQ(json_after.parsed()["year_advice"]["current"], "2026-27");
}

std::string login_name() {
  const passwd* entry = getpwuid(getuid());
  if (!entry) return "";
  std::string full = entry->pw_gecos ? entry->pw_gecos : "";
  full = full.substr(0, full.find(','));
  return full.find_first_not_of(' ') != std::string::npos ? full : entry->pw_name;
}

TEST_F(CatalogueCli, InitWithoutUserNamesWhoEditsAreAttributedTo) {
  const std::string expected = login_name();
  ASSERT_FALSE(expected.empty());
  CliRun result = testing::run_program("env -u DSPTSYNC_USER " + std::string(DSPTSYNC_CLI) + " --store " +
                                           testing::shell_quote(dir.path().string() + "/store"),
                                       {"init", "--ods", "VLAXL", "--name", "Leeds", "--year", "2025-26"}, dir.path());
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_NE(result.out.find("Edits made here are attributed to " + expected +
                            " (your login; choose another name with --user)."),
            std::string::npos)
      << result.out;
  CliRun answered = testing::run_program("env -u DSPTSYNC_USER " + std::string(DSPTSYNC_CLI) + " --store " +
                                             testing::shell_quote(dir.path().string() + "/store"),
                                         {"answer", "1.1.1", "ZA123456"}, dir.path());
  ASSERT_EQ(answered.code, 0) << answered.err;
  CliRun history = run({"history", "1.1.1", "--json"});
  EXPECT_EQ(history.parsed()["history"][0]["user"], expected);
}

TEST_F(CatalogueCli, InitTakesTheNameGivenBeforeTheCommand) {
  CliRun result = run({"--user", "Ann Lee", "init", "--ods", "VLAXL", "--name", "Leeds", "--year", "2025-26", "--json"});
  ASSERT_EQ(result.code, 0) << result.err;
  EXPECT_EQ(result.parsed()["user"], "Ann Lee");
}

}  // namespace
}  // namespace dsptsync
