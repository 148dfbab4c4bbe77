#include "dsptsync/store_keys.h"

#include "dsptsync/platform.h"

namespace dsptsync {
namespace {

constexpr std::string_view kKeyKindSetting = "crypto.key_source";  // "key_file" | "passphrase"
constexpr std::string_view kSaltSetting = "crypto.kdf_salt";         // hex, passphrase stores only
constexpr std::string_view kCheckSetting = "crypto.key_check";
constexpr std::string_view kCheckPlaintext = "dsptsync store key check v1";

Status write_key_file(const std::filesystem::path& path, const crypto::SecretKey& key) {
  // Never overwrites a key that may still seal another store; durable (file and folder entry)
  // before the store records that it has a key file. On Windows also sealed for this user (DPAPI).
  auto written = platform::write_secret_file(path, key.bytes());
  if (!written)
    return io_error("cannot create the key file " + platform::utf8_of(path) + ": " + written.error().message +
                    (written.error().kind == ErrorKind::refused
                         ? " (a key file is already there: move it away if it is no longer used)"
                         : ""));
  return {};
}

Result<crypto::SecretKey> read_key_file(const std::filesystem::path& path) {
  auto bytes = platform::read_secret_file(path);
  if (!bytes && bytes.error().kind == ErrorKind::not_found)
    return not_found("the store's key file " + platform::utf8_of(path) +
                     " is missing; without it the answers cannot be read (restore it from your backup)");
  if (!bytes)
    return make_error(bytes.error().kind, "cannot read the store's key file " + platform::utf8_of(path) + ": " +
                                              bytes.error().message);
  auto key = crypto::SecretKey::from_bytes(*bytes);
  if (!key) return corrupt("the key file " + platform::utf8_of(path) + " is damaged: " + key.error().message);
  return key;
}

}  // namespace

Result<crypto::SecretKey> create_store_key(Store& store, const KeySource& source) {
  if (auto s = crypto::initialise(); !s) return s.error();
  crypto::SecretKey key;
  std::string kind;
  std::string salt_hex;
  if (source.passphrase) {
    const crypto::Salt salt = crypto::random_salt();
    auto derived = crypto::derive_key_from_passphrase(*source.passphrase, salt);
    if (!derived) return derived.error();
    key = *derived;
    kind = "passphrase";
    salt_hex = crypto::to_hex(salt);
  } else {
    key = crypto::SecretKey::random();
    if (auto s = write_key_file(source.key_file, key); !s) return s.error();
    kind = "key_file";
  }
  const Bytes check = crypto::seal(key, as_bytes(kCheckPlaintext), kCheckSetting);
  auto txn = store.begin();
  if (!txn) return txn.error();
  if (auto s = (*txn)->put_setting(kKeyKindSetting, kind); !s) return s.error();
  if (!salt_hex.empty())
    if (auto s = (*txn)->put_setting(kSaltSetting, salt_hex); !s) return s.error();
  if (auto s = (*txn)->put_setting(kCheckSetting, crypto::to_hex(check)); !s) return s.error();
  if (auto s = (*txn)->commit(); !s) return s.error();
  return key;
}

Result<crypto::SecretKey> unlock_store(Store& store, const KeySource& source) {
  if (auto s = crypto::initialise(); !s) return s.error();
  auto kind = store.setting(kKeyKindSetting);
  if (!kind) return kind.error();
  auto check_hex = store.setting(kCheckSetting);
  if (!check_hex) return check_hex.error();
  if (!*kind || !*check_hex) return corrupt("the store has no key record; it was not created by dsptsync init");

  crypto::SecretKey key;
  if (**kind == "passphrase") {
    if (!source.passphrase)
      return refused("this store is sealed with a passphrase; set DSPTSYNC_PASSPHRASE (DSPTSYNC_SERVER_PASSPHRASE for "
                     "dsptsync-server) to it");
    auto salt_hex = store.setting(kSaltSetting);
    if (!salt_hex) return salt_hex.error();
    auto salt_bytes = *salt_hex ? crypto::from_hex(**salt_hex) : Result<Bytes>(corrupt("missing salt"));
    if (!salt_bytes || salt_bytes->size() != crypto::kSaltBytes) return corrupt("the store's key salt is damaged");
    crypto::Salt salt;
    std::copy(salt_bytes->begin(), salt_bytes->end(), salt.begin());
    auto derived = crypto::derive_key_from_passphrase(*source.passphrase, salt);
    if (!derived) return derived.error();
    key = *derived;
  } else {
    auto loaded = read_key_file(source.key_file);
    if (!loaded) return loaded.error();
    key = *loaded;
  }
  auto check = crypto::from_hex(**check_hex);
  if (!check) return corrupt("the store's key check is damaged");
  if (!crypto::open(key, *check, kCheckSetting))
    return refused(**kind == "passphrase"
                       ? "the passphrase is wrong for this store"
                       : "the key file " + platform::utf8_of(source.key_file) + " does not belong to this store");
  return key;
}

}  // namespace dsptsync
