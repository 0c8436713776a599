// The fault-injection layer beneath the file layer: rule grammar, which
// operations a rule hits, partial writes, and simulated power loss of
// unsynced data and directory entries. Real files throughout.
#include <gtest/gtest.h>

#include <fcntl.h>

#include <cerrno>
#include <functional>
#include <string>
#include <vector>

#include "common/base/fault_injection.h"
#include "common/base/file.h"
#include "common/base/power_loss.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

using testing::TemporaryDirectory;

class FaultInjection : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fault::Available()) GTEST_SKIP() << "built without BACKTRACE_FAULT_INJECTION";
  }
  void TearDown() override {
    fault::ClearRules();
    power_loss::Stop();
  }
};

fault::Rule RuleFor(fault::Operation operation, std::string pattern, int error_number) {
  fault::Rule rule;
  rule.operation = operation;
  rule.pattern = std::move(pattern);
  rule.error_number = error_number;
  return rule;
}

Status WriteFile(const std::string& path, std::string_view data, bool sync) {
  ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY | O_CREAT | O_APPEND));
  RETURN_IF_ERROR(io::WriteAll(file, data.data(), data.size()));
  if (sync) RETURN_IF_ERROR(io::SyncData(file));
  return file.Close();
}

std::string Contents(const std::string& path) {
  Result<std::string> contents = io::ReadWholeFile(path);
  return contents.ok() ? *contents : "<" + contents.status().ToString() + ">";
}

TEST(FaultRules, ParseTheDocumentedGrammar) {
  auto rules = fault::ParseRules(
      "write:wal/*:enospc:after=200:times=5:partial;sync:*.col:eio:in=backtrace-worker;"
      "rename:*:28:probability=0.5:seed=7");
  ASSERT_TRUE(rules.ok()) << rules.status().ToString();
  ASSERT_EQ(rules->size(), 3u);
  const fault::Rule& write = (*rules)[0];
  EXPECT_EQ(write.operation, fault::Operation::kWrite);
  EXPECT_EQ(write.pattern, "wal/*");
  EXPECT_EQ(write.error_number, ENOSPC);
  EXPECT_EQ(write.after, 200u);
  EXPECT_EQ(write.times, 5u);
  EXPECT_TRUE(write.partial);
  EXPECT_EQ((*rules)[1].operation, fault::Operation::kSync);
  EXPECT_EQ((*rules)[1].error_number, EIO);
  EXPECT_EQ((*rules)[1].program, "backtrace-worker");
  EXPECT_EQ((*rules)[2].error_number, 28);
  EXPECT_DOUBLE_EQ((*rules)[2].probability, 0.5);
  EXPECT_EQ((*rules)[2].seed, 7u);
}

TEST(FaultRules, MalformedRulesAreRefusedNamingTheField) {
  for (const char* text : {"write:wal/*", "scribble:*:eio", "write:*:enoent?", "write::eio",
                           "write:*:eio:after=x", "write:*:eio:probability=2", "write:*:eio:bogus"}) {
    auto rules = fault::ParseRules(text);
    EXPECT_EQ(rules.status().code(), StatusCode::kInvalidArgument) << text;
    EXPECT_NE(rules.status().message().find(text), std::string::npos) << rules.status().message();
  }
}

TEST_F(FaultInjection, RuleFailsMatchingOperationsAfterSkippingAndForTimes) {
  TemporaryDirectory directory;
  fault::Rule rule = RuleFor(fault::Operation::kWrite, "wal/*.log", ENOSPC);
  rule.after = 2;
  rule.times = 3;
  fault::AddRule(rule);
  ASSERT_TRUE(io::CreateDirectories(directory.Join("wal")).ok());
  std::string path = directory.Join("wal/a.log");
  uint64_t before = fault::InjectedCount();
  std::vector<StatusCode> codes;
  for (int i = 0; i < 7; ++i) codes.push_back(WriteFile(path, "x", false).code());
  std::vector<StatusCode> expected = {StatusCode::kOk,      StatusCode::kOk,
                                      StatusCode::kNoSpace, StatusCode::kNoSpace,
                                      StatusCode::kNoSpace, StatusCode::kOk,
                                      StatusCode::kOk};
  EXPECT_EQ(codes, expected);
  EXPECT_EQ(fault::InjectedCount() - before, 3u);
  EXPECT_EQ(Contents(path), "xxxx");
  // Other paths and other operations are untouched.
  fault::AddRule(RuleFor(fault::Operation::kWrite, "wal/*.log", ENOSPC));
  EXPECT_TRUE(WriteFile(directory.Join("other.log"), "y", true).ok());
}

TEST_F(FaultInjection, EveryOperationKindCanFailAndNamesThePath) {
  TemporaryDirectory directory;
  std::string path = directory.Join("file");
  ASSERT_TRUE(WriteFile(path, "data", true).ok());
  struct Case {
    fault::Operation operation;
    std::function<Status()> run;
  };
  std::vector<Case> cases = {
      {fault::Operation::kOpen, [&] { return io::OpenFile(path, O_RDONLY).status(); }},
      {fault::Operation::kRead, [&] { return io::ReadWholeFile(path).status(); }},
      {fault::Operation::kSync,
       [&]() -> Status {
         ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_RDONLY));
         return io::SyncData(file);
       }},
      {fault::Operation::kSyncDirectory, [&] { return io::SyncDirectory(directory.path()); }},
      {fault::Operation::kRename, [&] { return io::RenameFile(path, path + ".2"); }},
      {fault::Operation::kTruncate,
       [&]() -> Status {
         ASSIGN_OR_RETURN(io::File file, io::OpenFile(path, O_WRONLY));
         return io::Truncate(file, 1);
       }},
      {fault::Operation::kMap, [&] { return io::MappedFile::Open(path).status(); }},
      {fault::Operation::kRemove, [&] { return io::RemoveFile(path); }},
      {fault::Operation::kMakeDirectory,
       [&] { return io::CreateDirectories(directory.Join("new/deeper")); }},
  };
  for (const Case& test : cases) {
    SCOPED_TRACE(std::string(fault::OperationName(test.operation)));
    fault::AddRule(RuleFor(test.operation, "*", EIO));
    Status status = test.run();
    EXPECT_EQ(status.code(), StatusCode::kIoError) << status.ToString();
    EXPECT_NE(status.message().find("injected fault"), std::string::npos) << status.ToString();
    fault::ClearRules();
  }
  EXPECT_EQ(Contents(path), "data");
  EXPECT_FALSE(io::PathExists(directory.Join("new")));
}

TEST_F(FaultInjection, PartialWriteWritesHalfThenFails) {
  TemporaryDirectory directory;
  fault::Rule rule = RuleFor(fault::Operation::kWrite, "*", ENOSPC);
  rule.partial = true;
  rule.times = 1;
  fault::AddRule(rule);
  std::string path = directory.Join("partial");
  EXPECT_EQ(WriteFile(path, "0123456789", false).code(), StatusCode::kNoSpace);
  EXPECT_EQ(Contents(path), "01234");
}

TEST_F(FaultInjection, ProbabilityIsReproducibleBySeed) {
  TemporaryDirectory directory;
  auto pattern = [&](uint64_t seed) {
    fault::ClearRules();
    fault::Rule rule = RuleFor(fault::Operation::kOpen, "*probe", EIO);
    rule.probability = 0.5;
    rule.seed = seed;
    fault::AddRule(rule);
    std::string outcomes;
    for (int i = 0; i < 64; ++i) {
      outcomes += io::OpenFile(directory.Join("probe"), O_WRONLY | O_CREAT).ok() ? '.' : 'x';
    }
    return outcomes;
  };
  std::string first = pattern(11);
  EXPECT_EQ(first, pattern(11));
  EXPECT_NE(first, pattern(12));
  EXPECT_NE(first.find('x'), std::string::npos);
  EXPECT_NE(first.find('.'), std::string::npos);
}

TEST_F(FaultInjection, RulesFromTheEnvironmentApplyOnlyToTheirProgram) {
  TemporaryDirectory directory;
  ASSERT_EQ(::setenv("BACKTRACE_FAULTS",
                     "open:*mine:eio:in=this-test;open:*theirs:eio:in=another-program", 1),
            0);
  Status loaded = fault::LoadRulesFromEnvironment("this-test");
  ::unsetenv("BACKTRACE_FAULTS");
  ASSERT_TRUE(loaded.ok()) << loaded.ToString();
  EXPECT_FALSE(io::OpenFile(directory.Join("mine"), O_WRONLY | O_CREAT).ok());
  EXPECT_TRUE(io::OpenFile(directory.Join("theirs"), O_WRONLY | O_CREAT).ok());

  ASSERT_EQ(::setenv("BACKTRACE_FAULTS", "open:*:nonsense", 1), 0);
  EXPECT_EQ(fault::LoadRulesFromEnvironment("this-test").code(), StatusCode::kInvalidArgument);
  ::unsetenv("BACKTRACE_FAULTS");
}

TEST_F(FaultInjection, PowerLossNeverTouchesSyncedDataAndCanLoseUnsyncedData) {
  uint64_t lost = 0, kept = 0;
  for (uint64_t seed = 0; seed < 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TemporaryDirectory directory;
    std::string path = directory.Join("file");
    ASSERT_TRUE(WriteFile(path, "synced;", true).ok());
    ASSERT_TRUE(io::SyncDirectory(directory.path()).ok());
    ASSERT_TRUE(power_loss::Start(directory.path()).ok());
    ASSERT_TRUE(WriteFile(path, std::string(10000, 'u'), false).ok());
    power_loss::CutPower();
    EXPECT_EQ(WriteFile(path, "after the cut", true).code(), StatusCode::kIoError);
    power_loss::Outcome outcome = power_loss::RestorePower(seed);
    EXPECT_EQ(outcome.files_changed, 1u);
    EXPECT_EQ(outcome.unsynced_bytes, 10000u);
    std::string after = Contents(path);
    ASSERT_EQ(after.substr(0, 7), "synced;") << outcome.description;
    EXPECT_LE(after.size(), 7u + 10000u);
    if (after.size() == 7) ++lost;
    if (after == "synced;" + std::string(10000, 'u')) ++kept;
    // Power is back: the file layer works again.
    EXPECT_TRUE(WriteFile(path, "!", true).ok());
  }
  EXPECT_GT(lost, 0u);
  EXPECT_GT(kept, 0u);
}

TEST_F(FaultInjection, PowerLossCanUndoUnsyncedCreationsAndRenamesButNotSyncedOnes) {
  uint64_t undone = 0;
  for (uint64_t seed = 0; seed < 30; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TemporaryDirectory directory;
    ASSERT_TRUE(power_loss::Start(directory.path()).ok());
    ASSERT_TRUE(WriteFile(directory.Join("durable.tmp"), "d", true).ok());
    ASSERT_TRUE(io::RenameFile(directory.Join("durable.tmp"), directory.Join("durable")).ok());
    ASSERT_TRUE(io::SyncDirectory(directory.path()).ok());
    ASSERT_TRUE(WriteFile(directory.Join("fresh.tmp"), "f", true).ok());
    ASSERT_TRUE(io::RenameFile(directory.Join("fresh.tmp"), directory.Join("fresh")).ok());
    power_loss::CutPower();
    power_loss::Outcome outcome = power_loss::RestorePower(seed);
    EXPECT_EQ(Contents(directory.Join("durable")), "d");
    EXPECT_EQ(outcome.directory_operations, 2u);
    bool fresh = io::PathExists(directory.Join("fresh"));
    bool temporary = io::PathExists(directory.Join("fresh.tmp"));
    // A prefix of (create fresh.tmp, rename to fresh) survives.
    switch (outcome.directory_operations_undone) {
      case 0: EXPECT_TRUE(fresh && !temporary); break;
      case 1: EXPECT_TRUE(!fresh && temporary); break;
      case 2: EXPECT_TRUE(!fresh && !temporary); break;
      default: ADD_FAILURE() << outcome.description;
    }
    undone += outcome.directory_operations_undone;
  }
  EXPECT_GT(undone, 0u);
}

}  // namespace
}  // namespace backtrace
