// Which queued changes go up to head office: those the question set in force takes. A queued change
// it refuses (its item or assertion removed by a set received since the edit was made) is held on
// the device, unsent, with every later change based on it: head office would refuse it for good and
// hold back the whole queue, and no edit may be moved to another item. Held changes are kept and
// reported (`dsptsync status`, `dsptsync sync`); a later set that has their item again lets them go.
#pragma once

#include "dsptsync/client/workspace.h"

#include <map>
#include <optional>
#include <set>
#include <string>

namespace dsptsync::client {

class QueueScreen {
 public:
  explicit QueueScreen(Workspace& workspace) : workspace_(workspace) {}
  // Why the change is held back (empty: it goes up). Changes must be screened oldest first.
  Result<std::string> reason_to_hold(const Change& change);

 private:
  // The set in force for a year other than the store's own (null: none here; head office decides).
  Result<const Catalogue*> other_year(AssessmentYear year);

  Workspace& workspace_;
  std::map<std::string, std::optional<Catalogue>> catalogues_;  // by year; none: no set here, head office decides
  std::map<std::string, std::string> held_;  // change id -> why
};

}  // namespace dsptsync::client
