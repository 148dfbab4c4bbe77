// The password checks waiting for the sign-in thread, bounded in all and per address (tuning.h):
// past either bound a sign-in is answered 503 at once instead of queueing, so a flood of sign-ins
// from one address delays a real one by a few checks at most. Used on the I/O thread only.
#pragma once

#include "dsptsync/tuning.h"

#include <cstddef>
#include <map>
#include <string>

namespace dsptsync::server {

class SignInQueue {
 public:
  // Takes a place for a check from `address`; false when the queue has none to give.
  bool enter(const std::string& address) {
    std::size_t& here = per_address_[address];
    if (total_ >= tuning::kMaxQueuedSignIns || here >= tuning::kMaxQueuedSignInsPerAddress) {
      if (here == 0) per_address_.erase(address);
      return false;
    }
    ++here;
    ++total_;
    return true;
  }

  void leave(const std::string& address) {
    auto found = per_address_.find(address);
    if (found == per_address_.end()) return;
    --total_;
    if (--found->second == 0) per_address_.erase(found);
  }

 private:
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> per_address_;
};

}  // namespace dsptsync::server
