// A ledger over a real SQLite store with a real key file in a temporary folder, as a laptop has one.
#pragma once

#include "dsptsync/ledger.h"
#include "dsptsync/sqlite_store.h"
#include "dsptsync/store_keys.h"
#include "test_support.h"

#include <gtest/gtest.h>

#include <memory>

namespace dsptsync::testing {

class LedgerOnDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(crypto::initialise());
    auto opened = open_sqlite_store(dir / "store.db", {.create_if_missing = true});
    ASSERT_TRUE(opened) << opened.error().message;
    store = std::move(*opened);
    auto made = create_store_key(*store, {dir / "store.key", std::nullopt});
    ASSERT_TRUE(made) << made.error().message;
    key = *made;
    ledger = std::make_unique<Ledger>(*store, key, Identity{"Sam Patel", "aaaa"});
  }
  TempDir dir;
  std::unique_ptr<Store> store;
  crypto::SecretKey key;
  std::unique_ptr<Ledger> ledger;
};

}  // namespace dsptsync::testing
