// HeadOffice: the library's storage as a whole, apart from its documents: the quota, what it uses, and
// who may change it (open_library_reader, the file server's connection, is in head_office.cpp with the
// database's name).
#include "dsptsync/server/head_office.h"

#include "dsptsync/limits.h"
#include "dsptsync/permissions.h"
#include "dsptsync/service/document_json.h"

namespace dsptsync::server {

using service::size_text;

Result<LibraryUsage> HeadOffice::library_usage() {
  auto stored = files_->stored_bytes();
  if (!stored) return stored.error();
  auto quota = files::quota_of(*store_);
  if (!quota) return quota.error();
  return LibraryUsage{*stored, *quota};
}

Result<LibraryUsage> HeadOffice::set_library_quota(const User* by, std::uint64_t quota_bytes) {
  if (by)
    if (auto allowed = may_act_for_organisation(by->person(), "set the library's quota"); !allowed)
      return allowed.error();
  if (quota_bytes < limits::kMinFileQuotaBytes || quota_bytes > limits::kMaxFileQuotaBytes)
    return invalid_input("a library quota is from " + size_text(limits::kMinFileQuotaBytes) + " to " +
                         size_text(limits::kMaxFileQuotaBytes) + "; " + std::to_string(quota_bytes) + " bytes is not");
  auto usage = library_usage();
  if (!usage) return usage.error();
  if (quota_bytes < usage->stored_bytes)
    return refused("the library holds " + size_text(usage->stored_bytes) + " already; a quota of " +
                   size_text(quota_bytes) + " would refuse every upload. Choose at least " +
                   size_text(usage->stored_bytes));
  auto txn = store_->begin();
  if (!txn) return txn.error();
  if (auto put = (*txn)->put_setting(files::kQuotaSetting, std::to_string(quota_bytes)); !put) return put.error();
  if (auto committed = (*txn)->commit(); !committed) return committed.error();
  usage->quota_bytes = quota_bytes;
  return *usage;
}

}  // namespace dsptsync::server
