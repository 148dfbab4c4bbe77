#include "dsptsync/store_keys.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>

namespace dsptsync {
namespace {

constexpr std::string_view kKeyKindSetting = "crypto.key_source";  // "key_file" | "passphrase"
constexpr std::string_view kSaltSetting = "crypto.kdf_salt";         // hex, passphrase stores only
constexpr std::string_view kCheckSetting = "crypto.key_check";
constexpr std::string_view kCheckPlaintext = "dsptsync store key check v1";

Status write_key_file(const std::filesystem::path& path, const crypto::SecretKey& key) {
  // O_EXCL: never overwrite a key that may still seal another store.
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    return io_error("cannot create the key file " + path.string() + ": " + std::strerror(errno) +
                    (errno == EEXIST ? " (a key file is already there: move it away if it is no longer used)" : ""));
  const auto& bytes = key.bytes();
  const bool ok = ::write(fd, bytes.data(), bytes.size()) == static_cast<ssize_t>(bytes.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok) return io_error("cannot write the key file " + path.string() + ": " + std::strerror(errno));
  // The file's own fsync does not make its directory entry durable: without this, a power cut
  // right after init could keep the store's key record but lose the key file itself.
  const auto parent = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  const int dir = ::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir < 0 || ::fsync(dir) != 0) {
    if (dir >= 0) ::close(dir);
    return io_error("cannot make the key file " + path.string() + " durable: " + std::strerror(errno));
  }
  ::close(dir);
  return {};
}

Result<crypto::SecretKey> read_key_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return not_found("the store's key file " + path.string() +
                     " is missing; without it the answers cannot be read (restore it from your backup)");
  Bytes bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto key = crypto::SecretKey::from_bytes(bytes);
  if (!key) return corrupt("the key file " + path.string() + " is damaged: " + key.error().message);
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
    return refused(**kind == "passphrase" ? "the passphrase is wrong for this store"
                                          : "the key file " + source.key_file.string() +
                                                " does not belong to this store");
  return key;
}

}  // namespace dsptsync
