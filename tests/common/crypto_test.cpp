#include "dsptsync/crypto.h"

#include <gtest/gtest.h>
#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <new>
#include <string>

namespace dsptsync::crypto {
namespace {

class CryptoTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ASSERT_TRUE(initialise()); }
};

Salt salt_of(std::uint8_t fill) {
  Salt salt;
  salt.fill(fill);
  return salt;
}

TEST_F(CryptoTest, InitialiseCanBeCalledAgain) {
  EXPECT_TRUE(initialise());
  EXPECT_TRUE(initialise());
}

TEST_F(CryptoTest, SealThenOpenGivesThePlaintextBack) {
  const SecretKey key = SecretKey::random();
  for (std::string_view text : {std::string_view(""), std::string_view("yes"),
                                std::string_view("Reviewed by Siân — data flows mapped ✓ (数据流)")}) {
    const Bytes sealed = seal(key, as_bytes(text), "V8X4R/2021-22/item/1.3.5/answer");
    EXPECT_EQ(sealed.size(), 24 + text.size() + 16) << "nonce || ciphertext || tag";
    auto opened = open(key, sealed, "V8X4R/2021-22/item/1.3.5/answer");
    ASSERT_TRUE(opened) << opened.error().message;
    EXPECT_EQ(as_text(*opened), text);
  }
}

TEST_F(CryptoTest, SealingTwiceUsesFreshNonces) {
  const SecretKey key = SecretKey::random();
  const Bytes first = seal(key, as_bytes("yes"), "row");
  const Bytes second = seal(key, as_bytes("yes"), "row");
  EXPECT_NE(Bytes(first.begin(), first.begin() + 24), Bytes(second.begin(), second.begin() + 24));
  EXPECT_NE(first, second);
}

TEST_F(CryptoTest, OpenWithTheWrongKeyIsCorrupt) {
  const Bytes sealed = seal(SecretKey::random(), as_bytes("yes"), "row");
  auto opened = open(SecretKey::random(), sealed, "row");
  ASSERT_FALSE(opened);
  EXPECT_EQ(opened.error().kind, ErrorKind::corrupt);
}

TEST_F(CryptoTest, AnyFlippedByteIsCorrupt) {
  const SecretKey key = SecretKey::random();
  const Bytes sealed = seal(key, as_bytes("The IG lead is the practice manager"), "row");
  // Nonce, ciphertext and tag: every position is covered by the authentication.
  for (std::size_t i = 0; i < sealed.size(); ++i) {
    Bytes altered = sealed;
    altered[i] ^= 0x01;
    auto opened = open(key, altered, "row");
    ASSERT_FALSE(opened) << "flipping byte " << i << " went unnoticed";
    EXPECT_EQ(opened.error().kind, ErrorKind::corrupt);
  }
}

TEST_F(CryptoTest, DifferentAssociatedDataIsCorrupt) {
  const SecretKey key = SecretKey::random();
  const Bytes sealed = seal(key, as_bytes("yes"), "V8X4R/2021-22/item/1.3.5/answer");
  // The same value moved to another item, year or branch must not open.
  for (std::string_view other : {"V8X4R/2021-22/item/1.3.6/answer", "V8X4R/2022-23/item/1.3.5/answer",
                                 "Y01234/2021-22/item/1.3.5/answer", ""}) {
    auto opened = open(key, sealed, other);
    ASSERT_FALSE(opened) << other;
    EXPECT_EQ(opened.error().kind, ErrorKind::corrupt);
  }
}

TEST_F(CryptoTest, TooShortToBeSealedIsCorrupt) {
  const SecretKey key = SecretKey::random();
  const Bytes sealed = seal(key, {}, "row");
  ASSERT_EQ(sealed.size(), 40u);
  for (std::size_t length : {0u, 1u, 39u}) {
    auto opened = open(key, ByteView(sealed.data(), length), "row");
    ASSERT_FALSE(opened);
    EXPECT_EQ(opened.error().kind, ErrorKind::corrupt);
  }
}

TEST_F(CryptoTest, KeysComeOnlyFromExactly32Bytes) {
  const Bytes material(32, 0x5a);
  auto key = SecretKey::from_bytes(material);
  ASSERT_TRUE(key);
  EXPECT_TRUE(std::equal(material.begin(), material.end(), key->bytes().begin()));
  for (std::size_t length : {0u, 31u, 33u}) {
    auto wrong = SecretKey::from_bytes(Bytes(length, 1));
    ASSERT_FALSE(wrong);
    EXPECT_EQ(wrong.error().kind, ErrorKind::invalid_input);
  }
  EXPECT_NE(SecretKey::random().bytes(), SecretKey::random().bytes());
}

TEST_F(CryptoTest, SecretKeyWipesItsBytesWhenDestroyed) {
  alignas(SecretKey) unsigned char storage[sizeof(SecretKey)];
  auto* key = new (storage) SecretKey(*SecretKey::from_bytes(Bytes(32, 0xa7)));
  ASSERT_EQ(key->bytes()[0], 0xa7);
  key->~SecretKey();
  // The storage outlives the key; the key's bytes must not.
  for (unsigned char byte : storage) EXPECT_EQ(byte, 0);
}

TEST_F(CryptoTest, PassphraseDerivationIsDeterministicPerSalt) {
  auto first = derive_key_from_passphrase("correct horse battery staple", salt_of(1), KdfCost::minimum_for_tests);
  auto again = derive_key_from_passphrase("correct horse battery staple", salt_of(1), KdfCost::minimum_for_tests);
  auto other_salt = derive_key_from_passphrase("correct horse battery staple", salt_of(2), KdfCost::minimum_for_tests);
  auto other_words = derive_key_from_passphrase("correct horse battery stable", salt_of(1), KdfCost::minimum_for_tests);
  ASSERT_TRUE(first && again && other_salt && other_words);
  EXPECT_EQ(first->bytes(), again->bytes());
  EXPECT_NE(first->bytes(), other_salt->bytes());
  EXPECT_NE(first->bytes(), other_words->bytes());
}

// The derivation is Argon2id (not Argon2i, not a plain hash): the same as libsodium's own call.
TEST_F(CryptoTest, PassphraseDerivationIsArgon2id) {
  const std::string passphrase = "Data Security & Protection 2022";
  const Salt salt = salt_of(0x42);
  auto derived = derive_key_from_passphrase(passphrase, salt, KdfCost::minimum_for_tests);
  ASSERT_TRUE(derived);
  std::array<std::uint8_t, 32> expected{};
  ASSERT_EQ(crypto_pwhash(expected.data(), expected.size(), passphrase.data(), passphrase.size(), salt.data(),
                          crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_EQ(derived->bytes(), expected);
}

// The default cost is MODERATE (3 passes over 256 MiB): checked against libsodium directly, once, since
// each run takes most of a second.
TEST_F(CryptoTest, DefaultPassphraseDerivationUsesModerateCost) {
  const std::string passphrase = "correct horse battery staple";
  const Salt salt = salt_of(7);
  const auto started = std::chrono::steady_clock::now();
  auto derived = derive_key_from_passphrase(passphrase, salt);
  const auto elapsed = std::chrono::steady_clock::now() - started;
  ASSERT_TRUE(derived) << derived.error().message;
  std::array<std::uint8_t, 32> expected{};
  ASSERT_EQ(crypto_pwhash(expected.data(), expected.size(), passphrase.data(), passphrase.size(), salt.data(),
                          crypto_pwhash_OPSLIMIT_MODERATE, crypto_pwhash_MEMLIMIT_MODERATE,
                          crypto_pwhash_ALG_ARGON2ID13),
            0);
  EXPECT_EQ(derived->bytes(), expected);
  std::printf("[kdf] Argon2id MODERATE took %lld ms\n",
              static_cast<long long>(std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()));
}

TEST_F(CryptoTest, AnEmptyPassphraseIsRefused) {
  auto derived = derive_key_from_passphrase("", salt_of(1), KdfCost::minimum_for_tests);
  ASSERT_FALSE(derived);
  EXPECT_EQ(derived.error().kind, ErrorKind::invalid_input);
  EXPECT_FALSE(derive_key_from_passphrase("", salt_of(1)));
}

TEST_F(CryptoTest, RandomSaltsDiffer) { EXPECT_NE(random_salt(), random_salt()); }

TEST_F(CryptoTest, SignaturesVerifyOnlyForTheSignedMessageAndKey) {
  const SigningKeyPair keys = SigningKeyPair::generate();
  const Bytes message = {'e', 'd', 'i', 't', 0, 1, 2};
  const auto signature = sign(keys, message);
  EXPECT_TRUE(verify(keys.public_key, message, signature));

  Bytes altered = message;
  altered.back() ^= 1;
  EXPECT_FALSE(verify(keys.public_key, altered, signature));
  auto bad_signature = signature;
  bad_signature[10] ^= 1;
  EXPECT_FALSE(verify(keys.public_key, message, bad_signature));
  EXPECT_FALSE(verify(SigningKeyPair::generate().public_key, message, signature));
  // Wrong lengths are a failed verification, never a read past the end.
  EXPECT_FALSE(verify(ByteView(keys.public_key.data(), 31), message, signature));
  EXPECT_FALSE(verify(keys.public_key, message, ByteView(signature.data(), 63)));
  EXPECT_TRUE(verify(keys.public_key, {}, sign(keys, {})));
}

TEST_F(CryptoTest, HexRoundTripsInLowerCase) {
  const Bytes bytes = {0x00, 0xff, 0x10, 0xab};
  EXPECT_EQ(to_hex(bytes), "00ff10ab");
  EXPECT_EQ(to_hex({}), "");
  auto parsed = from_hex("00ff10ab");
  ASSERT_TRUE(parsed);
  EXPECT_EQ(*parsed, bytes);
  auto upper = from_hex("00FF10AB");  // libsodium reads either case; we only write lower case
  ASSERT_TRUE(upper);
  EXPECT_EQ(*upper, bytes);
  auto empty = from_hex("");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());
}

TEST_F(CryptoTest, FromHexRefusesOddLengthsAndNonHex) {
  for (std::string_view bad : {std::string_view("0"), std::string_view("abc"), std::string_view("zz"),
                               std::string_view("0g"), std::string_view("00 1"), std::string_view(" 001"),
                               std::string_view("00:11"), std::string_view("0x00"), std::string_view("00\0" "1", 4)}) {
    auto parsed = from_hex(bad);
    ASSERT_FALSE(parsed) << "accepted '" << bad << "'";
    EXPECT_EQ(parsed.error().kind, ErrorKind::invalid_input);
  }
}

TEST_F(CryptoTest, RandomHexHasTwoCharactersPerByte) {
  const std::string id = random_hex(16);
  EXPECT_EQ(id.size(), 32u);
  EXPECT_EQ(id.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(id, random_hex(16));
}

TEST_F(CryptoTest, HashIsBlake2b256) {
  // Reference values from Python's hashlib.blake2b(digest_size=32).
  EXPECT_EQ(hash_hex({}), "0e5751c026e543b2e8ab2eb06099daa1d1e5df47778f7787faab45cdf12fe3a8");
  EXPECT_EQ(hash_hex(as_bytes("abc")), "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
}

}  // namespace
}  // namespace dsptsync::crypto
