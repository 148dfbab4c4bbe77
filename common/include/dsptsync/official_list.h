// NHS England's official list of DSPT evidence items, as a care group downloads it (.xlsx) or saves
// it (CSV), read into a question set; and what changes when one question set replaces another.
//
// The one entry point every front-end uses (the laptop's and head office's `catalogue import`, the
// web app's upload): import_official_list reads the bytes, whatever the file is called, and either
// returns the whole list or refuses it naming the sheet, row and column at fault and what to do.
// docs/catalogue.md describes the layout read, the defaults and every message.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/error.h"
#include "dsptsync/time.h"

#include <nlohmann/json_fwd.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

struct OfficialListOptions {
  // The category whose columns to read, as people write it: "Category 3", "Cat3", "CAT 3",
  // "Social Care". Empty: the year's default (default_category).
  std::string category;
  // Fills what the list leaves out: topic group, answer type where the list gives none, who answers
  // it by default, the id it rolls forward from (docs/catalogue.md). Null: the set shipped for the
  // year, else the newest one shipped before it.
  const Catalogue* reference = nullptr;
};

enum class OfficialListFormat { xlsx, csv };
std::string_view to_string(OfficialListFormat format);  // "xlsx", "csv"

struct ImportedList {
  Catalogue catalogue;             // every item's source is "imported from <file name>"
  OfficialListFormat format = OfficialListFormat::csv;
  std::string sheet;               // .xlsx: the sheet read
  std::string category;            // the category read: "Category 3", "Social Care"
  std::optional<AssessmentYear> stated_year;  // the year the file says it is for, where it says
  // The list's note of what changed since the version before ("Updated evidence item for cat 3 and
  // 4"), by item id, as written. Shown to the user; never used to map old ids to new ones.
  std::map<std::string, std::string> change_notes;
  std::size_t left_out = 0;        // rows of other categories only (no evidence text for this one)
};

// The category read when none is named: "Social Care" up to 2023-24 (where the list has it),
// "Category 3" from 2024-25, when NHS England put care providers in category 3.
std::string default_category(AssessmentYear year);

// Reads the official list for `year` from a file's bytes: an .xlsx workbook or CSV text, told apart
// by their content, not the name. `file_name` is for the origin and messages (and the year it
// states). Refused as `invalid_input`, nothing returned, for anything short of a whole list: not a
// spreadsheet, a damaged or hostile workbook (limits.h), no sheet with the evidence columns, a
// missing column, two rows with one id, a mandatory question with no text, a bad id, a title or
// file name stating another year.
Result<ImportedList> import_official_list(std::string_view bytes, std::string_view file_name, AssessmentYear year,
                                          const OfficialListOptions& options = {});

// The set an import for `year` is shown against: the set in force for that year, else the newest
// earlier one (the year being left). `set_for` gives a year's set in force, or not_found.
Result<Catalogue> set_to_compare(AssessmentYear year, const std::function<Result<Catalogue>(AssessmentYear)>& set_for);

// ---- What changes when `next` replaces `in_force` ----

struct QuestionSetDiff {
  struct Reworded {
    std::string id;  // in `next`
    std::string before, after;
  };
  struct Retyped {
    std::string id;
    AnswerType before = AnswerType::text, after = AnswerType::text;
  };
  struct MetChanged {
    std::string id;
    bool before = false, after = false;  // mandatory for Standards Met
  };
  struct ApproachingChanged {
    std::string id;
    ApproachingFlag before = ApproachingFlag::no, after = ApproachingFlag::no;
  };

  struct Entry {
    std::string id;
    std::string question;
  };

  std::string from_year, to_year;  // "2025-26"; the same year for a corrected list
  std::vector<Entry> added;                                    // items of `next` no item of `in_force` leads to
  std::vector<Entry> removed;                                  // items of `in_force` with no successor in `next`
  std::vector<std::pair<std::string, std::string>> renumbered;  // old id -> new id
  std::vector<Reworded> reworded;                              // question text changed
  std::vector<Retyped> retyped;                                // answer type changed
  std::vector<MetChanged> met_changed;
  std::vector<ApproachingChanged> approaching_changed;
  std::map<std::string, std::string> notes;  // the list's change notes, by id in `next`

  bool unchanged() const;  // nothing added, removed, renumbered or changed (notes aside)
};

// Items are matched by id within one year (a corrected list), and by roll-forward successor
// (Catalogue::successor_of) when `next` is a later year. Lists are in catalogue order.
QuestionSetDiff diff_question_sets(const Catalogue& in_force, const Catalogue& next,
                                   const std::map<std::string, std::string>& notes = {});
QuestionSetDiff diff_question_sets(const Catalogue& in_force, const ImportedList& next);

// The same for every front-end: JSON (docs/cli.md: catalogue import) and lines of text.
nlohmann::json to_json(const QuestionSetDiff& diff);
std::vector<std::string> describe(const QuestionSetDiff& diff);

}  // namespace dsptsync
