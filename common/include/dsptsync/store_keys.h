// The key that seals a store at rest, and where it comes from (docs/threat-model.md).
//
// Either a key file of 32 random bytes beside the database (mode 0600), or an operator's
// passphrase through Argon2id with a random salt kept in the store. A sealed check value in the
// store tells a wrong key or passphrase apart from a damaged database.
#pragma once

#include "dsptsync/crypto.h"
#include "dsptsync/store.h"

#include <filesystem>
#include <optional>
#include <string>

namespace dsptsync {

struct KeySource {
  std::filesystem::path key_file;         // used when no passphrase is given
  std::optional<std::string> passphrase;  // Argon2id; no key file is written or read
};

// At creation: makes the key (writing the key file, or deriving from the passphrase) and records
// how it was made and the check value in the store.
Result<crypto::SecretKey> create_store_key(Store& store, const KeySource& source);
// On every open: loads or derives the key the store was made with and verifies it.
Result<crypto::SecretKey> unlock_store(Store& store, const KeySource& source);

}  // namespace dsptsync
