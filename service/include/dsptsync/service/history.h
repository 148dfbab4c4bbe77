// History rows built once for both sides: a laptop's Workspace and head office's HeadOffice read
// the changes of a target from their ledger and turn them into rows here.
#pragma once

#include "dsptsync/ledger.h"
#include "dsptsync/service/types.h"

#include <vector>

namespace dsptsync::service {

// The changes in log order, each with the value it replaced: its parents' value (the winning
// parent's when it settled a conflict, as the merge rule showed it meanwhile).
std::vector<HistoryRow> history_rows(std::vector<LoggedChange> logged);

}  // namespace dsptsync::service
