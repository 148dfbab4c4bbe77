// The DSPT question set of one year, as data: standards, assertions and evidence items.
//
// Two sources: the sets shipped with dsptsync (data/catalogue/*.tsv, embedded in the binaries, each
// line with its provenance) and NHS England's official list (.xlsx or CSV, official_list.h), which
// an organisation imports to replace the shipped set for a year.
#pragma once

#include "dsptsync/error.h"
#include "dsptsync/time.h"

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dsptsync {

enum class AnswerType { yes_no, text, document, date, number };
std::string_view to_string(AnswerType type);
Result<AnswerType> parse_answer_type(std::string_view text);

// Whether an item belongs to the Approaching Standards set. `uncertain` lines (marked AS? in the
// sources) are treated as required by the evaluator: claiming less than the toolkit asks is worse
// than asking for one answer too many. The provenance says so to the user.
enum class ApproachingFlag { yes, uncertain, no };
std::string_view to_string(ApproachingFlag flag);
// Accepts yes, uncertain and no, as the catalogue format writes them.
Result<ApproachingFlag> parse_approaching_flag(std::string_view text);

struct CatalogueItem {
  std::string id;            // "1.1.5": standard.assertion.evidence
  int standard = 0;          // 1..10
  std::string assertion;     // "1.1"
  std::string group;         // social care topic group: "Staffing and roles", ...
  AnswerType type = AnswerType::text;
  bool required_for_met = true;  // mandatory for Standards Met
  ApproachingFlag approaching = ApproachingFlag::no;
  std::string question;
  std::string tooltip;       // best-practice guidance, where known
  std::string source;        // provenance of the line: seed, public, inferred, imported from ...
  std::string previous_id;   // the id of the previous version it rolls forward from (empty: new)
  // Whether head office answers it once for every branch unless it decides otherwise (a policy,
  // the ICO number) or each branch answers it (staff records, devices, backups). docs/head-office.md.
  bool shared_by_default = false;
  bool operator==(const CatalogueItem&) const = default;
};

// Checks an evidence item id: standard.assertion.evidence, each a number without leading zeros, the
// standard 1..10 ("1.1.5"). Both catalogue readers use it so they accept the same ids.
Status check_item_id(std::string_view id);

struct CatalogueAssertion {
  std::string id;        // "1.1"
  int standard = 0;
  std::string text;      // may be empty where the wording is not known
  bool operator==(const CatalogueAssertion&) const = default;
};

// An item whose answer type a later version of its year's question set changed (a corrected list
// imported mid-year). Answers given before keep their value and are flagged for review until they
// are answered again (docs/status-rules.md).
struct TypeChange {
  std::string item;
  AnswerType from = AnswerType::text;
  AnswerType to = AnswerType::text;
  TimestampMs at = 0;  // when the version that changed it was imported
  bool operator==(const TypeChange&) const = default;
};

// The 10 National Data Guardian standards, by number (1..10).
std::string_view standard_name(int standard);

class Catalogue {
 public:
  Catalogue() = default;
  // `assertion_texts` gives the wording of assertions where it is known (by id; other members
  // ignored); the assertions themselves are derived from the items.
  Catalogue(AssessmentYear year, std::string origin, std::vector<CatalogueItem> items,
            const std::vector<CatalogueAssertion>& assertion_texts = {});

  AssessmentYear year() const { return year_; }
  // Where this set came from: "shipped with dsptsync (...)" or "imported from FILE on DATE".
  const std::string& origin() const { return origin_; }
  const std::vector<CatalogueItem>& items() const { return items_; }
  // Assertions are derived from the items (every S.A that has an item), in catalogue order.
  const std::vector<CatalogueAssertion>& assertions() const { return assertions_; }

  const CatalogueItem* find_item(std::string_view id) const;
  const CatalogueAssertion* find_assertion(std::string_view id) const;
  // The item of this catalogue whose previous_id is `old_id`, or whose id is `old_id` when it has
  // no previous id recorded; null when the item was removed.
  const CatalogueItem* successor_of(std::string_view old_id) const;
  // Group names in first-seen order.
  std::vector<std::string> groups() const;

  // The answer types this year's set has changed since its first version, one (the latest) per item
  // still in the set; empty for a shipped set. Set by whoever loads a versioned set (question_set.h).
  const std::vector<TypeChange>& type_changes() const { return type_changes_; }
  const TypeChange* type_change(std::string_view item_id) const;
  void set_type_changes(std::vector<TypeChange> changes) { type_changes_ = std::move(changes); }

  bool operator==(const Catalogue&) const = default;

 private:
  AssessmentYear year_;
  std::string origin_;
  std::vector<CatalogueItem> items_;
  std::vector<CatalogueAssertion> assertions_;
  std::vector<TypeChange> type_changes_;
};

// The catalogue shipped for a year, or not_found listing the years that are shipped.
Result<Catalogue> shipped_catalogue(AssessmentYear year);
std::vector<AssessmentYear> shipped_years();

// Parses dsptsync's own catalogue format (data/catalogue/*.tsv; documented in docs/catalogue.md).
Result<Catalogue> parse_catalogue_tsv(std::string_view text, AssessmentYear year, std::string origin);
// Writes the same format; parse_catalogue_tsv(write_catalogue_tsv(c)) == c. Without the comment
// lines (the year and origin), the text depends on the items alone: the content a question set's
// hash covers (question_set.h).
std::string write_catalogue_tsv(const Catalogue& catalogue, bool with_comments = true);

struct CsvImportOptions {
  // The column suffix to use, as in "Evidence text - Social Care". Empty: the only category the
  // file has, or "Social Care" when it has several.
  std::string category;
  // Used to fill in what the NHS spreadsheet leaves out (topic group, answer type, previous id).
  const Catalogue* reference = nullptr;
  std::string file_name;  // for the origin and error messages
};

// Reads the NHS England standard spreadsheet saved as CSV. A malformed file is refused whole,
// naming the line and column at fault.
Result<Catalogue> import_nhs_csv(std::string_view csv, AssessmentYear year, const CsvImportOptions& options);

}  // namespace dsptsync

namespace dsptsync {
class Store;
class StoreTransaction;
// The catalogue in force for a year in a store: the newest question set it keeps (received from head
// office, or imported on an offline store), else the shipped one (question_set.h).
Result<Catalogue> catalogue_in_store(Store& store, AssessmentYear year);
}  // namespace dsptsync
