// The one permission rule (permissions.h), pinned down as a table: every role, at head office and at
// a branch, for every field, in head office's own assessment, the person's own branch and another.
#include "dsptsync/permissions.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

namespace dsptsync {
namespace {

constexpr std::string_view kHeadOffice = "A1B2";
constexpr std::string_view kOwnBranch = "VLAXL";
constexpr std::string_view kOtherBranch = "VM2B3";

// The fields that are neither confirmation nor sharing: every role that edits at all may edit them
// where it may edit.
constexpr std::array kOrdinaryFields = {Field::answer,    Field::comment,  Field::owner,    Field::value,
                                        Field::plan_action, Field::plan_owner, Field::plan_due, Field::plan_state,
                                        Field::override_reason};

enum class FieldClass { ordinary, confirmed, sharing };

// One row: who acts, and what they may change in each scope ('y' allowed, 'n' refused), for the
// three columns head office's own assessment | their own branch (VLAXL) | another branch (VM2B3).
// A head office person has no own branch: the middle column is just another branch for them.
struct Row {
  Role role;
  bool head_office;
  FieldClass fields;
  std::string_view allowed;  // three characters: head office, own branch, other branch
};

constexpr Row kTable[] = {
    {Role::admin, true, FieldClass::ordinary, "yyy"},   {Role::admin, true, FieldClass::confirmed, "yyy"},
    {Role::admin, true, FieldClass::sharing, "yyy"},    {Role::member, true, FieldClass::ordinary, "yyy"},
    {Role::member, true, FieldClass::confirmed, "nnn"}, {Role::member, true, FieldClass::sharing, "nnn"},
    {Role::viewer, true, FieldClass::ordinary, "nnn"},  {Role::viewer, true, FieldClass::confirmed, "nnn"},
    {Role::viewer, true, FieldClass::sharing, "nnn"},   {Role::admin, false, FieldClass::ordinary, "nyn"},
    {Role::admin, false, FieldClass::confirmed, "nyn"}, {Role::admin, false, FieldClass::sharing, "nnn"},
    {Role::member, false, FieldClass::ordinary, "nyn"}, {Role::member, false, FieldClass::confirmed, "nnn"},
    {Role::member, false, FieldClass::sharing, "nnn"},  {Role::viewer, false, FieldClass::ordinary, "nnn"},
    {Role::viewer, false, FieldClass::confirmed, "nnn"}, {Role::viewer, false, FieldClass::sharing, "nnn"},
};

std::vector<Field> fields_of(FieldClass fields) {
  switch (fields) {
    case FieldClass::ordinary: return {kOrdinaryFields.begin(), kOrdinaryFields.end()};
    case FieldClass::confirmed: return {Field::confirmed};
    case FieldClass::sharing: return {Field::sharing};
  }
  return {};
}

TEST(Permissions, EveryRoleFieldAndScopeAtHeadOfficeAndAtABranch) {
  int checked = 0;
  for (const Row& row : kTable) {
    const Person who{"Sam Patel", row.role, row.head_office ? "" : std::string(kOwnBranch)};
    const std::array scopes = {kHeadOffice, kOwnBranch, kOtherBranch};
    for (std::size_t column = 0; column < scopes.size(); ++column)
      for (Field field : fields_of(row.fields)) {
        auto allowed = may_edit(who, scopes[column], field);
        EXPECT_EQ(allowed.has_value(), row.allowed[column] == 'y')
            << to_string(row.role) << (row.head_office ? " at head office" : " at a branch") << ", field "
            << to_string(field) << ", scope " << scopes[column];
        if (!allowed) {
          EXPECT_EQ(allowed.error().kind, ErrorKind::refused);
        }
        ++checked;
      }
  }
  EXPECT_EQ(checked, 2 * 3 * 3 * 11);  // head office/branch x roles x scopes x fields: none left out
}

TEST(Permissions, EachRefusalSaysWhoAndWhy) {
  EXPECT_EQ(may_edit({"Val Auditor", Role::viewer, "VLAXL"}, "VLAXL", Field::answer).error().message,
            "Val Auditor is a viewer: viewers can read the assessment but not change it");
  EXPECT_EQ(may_edit({"Sam Patel", Role::admin, "VLAXL"}, "VM2B3", Field::answer).error().message,
            "Sam Patel works for branch VLAXL and may change only that branch's assessment, not VM2B3");
  EXPECT_EQ(may_edit({"Mo Member", Role::member, ""}, "A1B2", Field::confirmed).error().message,
            "Mo Member is a member at head office: members cannot confirm assertions; ask an administrator");
  EXPECT_EQ(may_edit({"Sam Patel", Role::admin, "VLAXL"}, "VLAXL", Field::sharing).error().message,
            "Sam Patel is an admin at branch VLAXL: only head office administrators decide what is shared");
}

TEST(Permissions, RevokingNeedsAHeadOfficeAdministratorNeverOneselfAndNeverTheLastAdministrator) {
  const Person priya{"Priya Shah", Role::admin, ""};
  const Person omar{"Omar Aziz", Role::admin, ""};
  const Person mo{"Mo Member", Role::member, ""};
  const Person sam{"Sam Patel", Role::admin, "VLAXL"};
  EXPECT_TRUE(may_revoke(&priya, mo, 1));
  EXPECT_TRUE(may_revoke(&priya, omar, 1));
  EXPECT_TRUE(may_revoke(&priya, sam, 0)) << "a branch administrator is not head office's last";

  auto self = may_revoke(&priya, priya, 1);
  ASSERT_FALSE(self);
  EXPECT_EQ(self.error().kind, ErrorKind::invalid_input);
  EXPECT_EQ(self.error().message, "you cannot revoke yourself; ask another administrator");

  for (const Person& not_allowed : {mo, sam}) {
    auto refused = may_revoke(&not_allowed, priya, 1);
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().kind, ErrorKind::refused);
    EXPECT_NE(refused.error().message.find("only head office administrators revoke people"), std::string::npos);
  }

  auto last = may_revoke(nullptr, omar, 0);  // the console, without --as
  ASSERT_FALSE(last);
  EXPECT_EQ(last.error().kind, ErrorKind::refused);
  EXPECT_NE(last.error().message.find("Omar Aziz is the last head office administrator"), std::string::npos);
  EXPECT_TRUE(may_revoke(nullptr, omar, 1));
  EXPECT_TRUE(may_revoke(nullptr, mo, 0));
  EXPECT_FALSE(may_revoke(&priya, omar, 0)) << "even by another administrator, if the count says none is left";
}

// Incidents: what each role may do, in head office's own log, their own branch's and another's.
// Columns: record or complete their own report | edit one someone else wrote | mark it reported or
// closed, or record the ICO's reference; each as three characters: head office, own branch, other branch.
struct IncidentRow {
  Role role;
  bool head_office;
  std::string_view own_report, others_report, administrators_only;
};

constexpr IncidentRow kIncidentTable[] = {
    {Role::admin, true, "yyy", "yyy", "yyy"},   {Role::member, true, "yyy", "yyy", "nnn"},
    {Role::viewer, true, "yyy", "nnn", "nnn"},  {Role::admin, false, "nyn", "nyn", "nyn"},
    {Role::member, false, "nyn", "nyn", "nnn"}, {Role::viewer, false, "nyn", "nnn", "nnn"},
};

TEST(Permissions, IncidentsEveryRoleAtHeadOfficeAndAtABranch) {
  const FieldValue closed{"closed", ""}, reported{"reported", ""}, reference{"IC-123456-A1B2", ""}, open{"open", ""};
  int checked = 0;
  for (const IncidentRow& row : kIncidentTable) {
    const Person who{"Sam Patel", row.role, row.head_office ? "" : std::string(kOwnBranch)};
    const std::array scopes = {kHeadOffice, kOwnBranch, kOtherBranch};
    for (std::size_t i = 0; i < scopes.size(); ++i) {
      const std::string where = std::string(to_string(row.role)) +
                                (row.head_office ? " at head office" : " at a branch") + " in " +
                                std::string(scopes[i]);
      auto allowed = [&](Field field, const std::optional<FieldValue>& value, bool by_others) {
        ++checked;
        return bool(may_edit_incident(who, scopes[i], field, value, by_others));
      };
      EXPECT_EQ(allowed(Field::what_happened, FieldValue{"x", ""}, false), row.own_report[i] == 'y') << where;
      EXPECT_EQ(allowed(Field::incident_state, open, false), row.own_report[i] == 'y') << where;
      EXPECT_EQ(allowed(Field::severity, FieldValue{"3", ""}, true), row.others_report[i] == 'y') << where;
      for (const auto& [field, value] :
           {std::pair{Field::incident_state, closed}, std::pair{Field::incident_state, reported},
            std::pair{Field::ico_reference, reference}})
        EXPECT_EQ(allowed(field, value, false), row.administrators_only[i] == 'y') << where << " " << value.text;
    }
  }
  EXPECT_EQ(checked, 6 * 3 * 6);
  // may_edit on an incident field asks the same rule, as for a report someone else wrote.
  EXPECT_FALSE(may_edit(Person{"Vic", Role::viewer, "VLAXL"}, "VLAXL", Field::what_happened));
  EXPECT_TRUE(may_edit(Person{"Meg", Role::member, "VLAXL"}, "VLAXL", Field::what_happened));
}

}  // namespace
}  // namespace dsptsync
