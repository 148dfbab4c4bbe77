// The organisation profile as a person types it (docs/cli.md: profile), turned into checked edits
// once for every door: a laptop's `dsptsync profile set`, head office's `dsptsync-server profile set`
// and the web app's organisation profile page.
#pragma once

#include "dsptsync/catalogue.h"
#include "dsptsync/change.h"
#include "dsptsync/error.h"
#include "dsptsync/ledger.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace dsptsync {

// Profile entries by name (assessment.h namespace profile) with the values as typed.
using ProfileEntries = std::vector<std::pair<std::string, std::string>>;

// The edits that record `entries` in the profile of `scope`'s assessment of `year`, in the order
// given: values in their canonical forms (not-sure is kept as not_sure, an ODS code in capitals), an
// empty value clears its entry. invalid_input naming the entry for a value the profile does not take,
// and for no entries at all ("nothing to change").
Result<std::vector<Edit>> profile_edits(const Catalogue& catalogue, std::string_view scope, std::string_view year,
                                        const ProfileEntries& entries);

}  // namespace dsptsync
