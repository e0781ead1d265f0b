// StateDir: the instance id outlives the process, the lock refuses a second
// user of the dir, and a damaged id is an error rather than a new identity.

#include "engine/runtime/state_dir.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

namespace topo::runtime {
namespace {

namespace fs = std::filesystem;

class StateDirTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("topo_statedir_" + std::to_string(getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST_F(StateDirTest, InstanceIdIsKeptAcrossOpens) {
  std::string first;
  {
    auto dir = StateDir::Open(root_.string(), "escrow");
    ASSERT_TRUE(dir.ok()) << dir.status().message();
    first = (*dir)->instance_id();
    EXPECT_EQ(first.size(), 8u);
    EXPECT_EQ((*dir)->path(), (root_ / "escrow").string());
  }
  auto again = StateDir::Open(root_.string(), "escrow");
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ((*again)->instance_id(), first);
  // No temporary file is left behind by the durable write.
  EXPECT_FALSE(fs::exists(root_ / "escrow" / "instance.id.tmp"));
}

TEST_F(StateDirTest, EachApplicationHasItsOwnDirAndId) {
  auto a = StateDir::Open(root_.string(), "escrow");
  auto b = StateDir::Open(root_.string(), "checkout");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE((*a)->path(), (*b)->path());
  EXPECT_TRUE(fs::exists(root_ / "checkout" / "instance.id"));
}

TEST_F(StateDirTest, ASecondUserIsRefusedNamingTheDirAndPid) {
  auto held = StateDir::Open(root_.string(), "escrow");
  ASSERT_TRUE(held.ok());
  auto second = StateDir::Open(root_.string(), "escrow");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  const std::string& msg = second.status().message();
  EXPECT_NE(msg.find("state dir " + (root_ / "escrow").string() + " is in use by process " +
                     std::to_string(getpid())),
            std::string::npos)
      << msg;
  EXPECT_NE(msg.find("--state-dir"), std::string::npos) << msg;
  held->reset();  // released: the next one gets in
  EXPECT_TRUE(StateDir::Open(root_.string(), "escrow").ok());
}

TEST_F(StateDirTest, ADamagedInstanceIdIsAnErrorAndIsNotReplaced) {
  fs::create_directories(root_ / "escrow");
  std::ofstream(root_ / "escrow" / "instance.id") << "not-an-id\n";
  auto dir = StateDir::Open(root_.string(), "escrow");
  ASSERT_FALSE(dir.ok());
  EXPECT_NE(dir.status().message().find("instance.id does not hold an instance id"), std::string::npos)
      << dir.status().message();
  std::ifstream in(root_ / "escrow" / "instance.id");
  std::string kept;
  std::getline(in, kept);
  EXPECT_EQ(kept, "not-an-id");
}

TEST_F(StateDirTest, AnApplicationIdThatIsNoDirectoryNameIsInvalid) {
  for (const char* id : {"", ".", "..", "a/b"}) {
    auto dir = StateDir::Open(root_.string(), id);
    ASSERT_FALSE(dir.ok()) << id;
    EXPECT_EQ(dir.status().code(), StatusCode::kInvalidArgument) << id;
  }
}

}  // namespace
}  // namespace topo::runtime
