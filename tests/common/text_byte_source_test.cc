#include "common/text/byte_source.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/base/file.h"
#include "common/text/csv_reader.h"
#include "tests/testing/temporary_directory.h"

namespace backtrace {
namespace {

const CsvReader::Columns kColumns = {{"id", ColumnType::kInt64}, {"name", ColumnType::kString}};

std::string MakeCsv(int rows) {
  std::string csv = "name,id\n";
  for (int i = 0; i < rows; ++i) csv += "\"row " + std::to_string(i) + "\"," + std::to_string(i) + "\n";
  return csv;
}

// Reads every row of `source` and checks that it is MakeCsv(rows).
void ExpectRows(std::unique_ptr<ByteSource> source, int rows) {
  Result<CsvReader> reader = CsvReader::Open(kColumns, std::move(source));
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  std::vector<ColumnVector> batch;
  int next = 0;
  while (true) {
    Result<size_t> count = reader->ReadBatch(1000, &batch);
    ASSERT_TRUE(count.ok()) << count.status().ToString();
    if (*count == 0) break;
    for (size_t row = 0; row < *count; ++row, ++next) {
      ASSERT_EQ(batch[0].int64s()[row], next);
      ASSERT_EQ(batch[1].strings().at(row), "row " + std::to_string(next));
    }
  }
  EXPECT_EQ(next, rows);
}

// Writes `data` into a new pipe from another thread, in small pieces, and
// returns the read end.
io::File PipeFeeding(const std::string& data, std::thread* writer) {
  int ends[2];
  EXPECT_EQ(::pipe(ends), 0);
  io::File read_end(ends[0], "<pipe>");
  *writer = std::thread([write_descriptor = ends[1], &data] {
    io::File write_end(write_descriptor, "<pipe writer>");
    for (size_t offset = 0; offset < data.size(); offset += 1000) {
      size_t size = std::min<size_t>(1000, data.size() - offset);
      EXPECT_TRUE(io::WriteAll(write_end, data.data() + offset, size).ok());
    }
  });
  return read_end;
}

TEST(FileByteSource, ReadsAPipeToItsEnd) {
  const std::string csv = MakeCsv(20'000);
  std::thread writer;
  io::File read_end = PipeFeeding(csv, &writer);
  ExpectRows(std::make_unique<FileByteSource>(std::move(read_end)), 20'000);
  writer.join();
}

TEST(FileByteSource, ReadsStandardInput) {
  const std::string csv = MakeCsv(5'000);
  std::thread writer;
  io::File read_end = PipeFeeding(csv, &writer);
  const int saved_stdin = ::dup(STDIN_FILENO);
  ASSERT_GE(saved_stdin, 0);
  ASSERT_EQ(::dup2(read_end.descriptor(), STDIN_FILENO), STDIN_FILENO);
  ASSERT_TRUE(read_end.Close().ok());
  ExpectRows(std::make_unique<FileByteSource>(io::File(::dup(STDIN_FILENO), "<stdin>")), 5'000);
  writer.join();
  ASSERT_EQ(::dup2(saved_stdin, STDIN_FILENO), STDIN_FILENO);
  ::close(saved_stdin);
}

TEST(FileByteSource, ReadsARegularFile) {
  testing::TemporaryDirectory directory;
  const std::string path = directory.Join("orders.csv");
  ASSERT_TRUE(io::WriteFileDurably(path, MakeCsv(3'000)).ok());
  Result<io::File> file = io::OpenFile(path, O_RDONLY);
  ASSERT_TRUE(file.ok());
  ExpectRows(std::make_unique<FileByteSource>(std::move(*file)), 3'000);
}

TEST(FileByteSource, ReadErrorNamesTheSource) {
  testing::TemporaryDirectory directory;
  Result<io::File> file = io::OpenFile(directory.path(), O_RDONLY | O_DIRECTORY);
  ASSERT_TRUE(file.ok());
  Result<CsvReader> reader =
      CsvReader::Open(kColumns, std::make_unique<FileByteSource>(std::move(*file)));
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kIoError);
  EXPECT_NE(reader.status().message().find("reading CSV from " + directory.path()),
            std::string::npos)
      << reader.status().message();
}

TEST(StringByteSource, ServesItsBytesInPiecesThenEnds) {
  StringByteSource source("abcdefg");
  char buffer[4];
  std::string seen;
  while (true) {
    Result<size_t> got = source.Read(buffer, sizeof(buffer));
    ASSERT_TRUE(got.ok());
    if (*got == 0) break;
    EXPECT_LE(*got, sizeof(buffer));
    seen.append(buffer, *got);
  }
  EXPECT_EQ(seen, "abcdefg");
  EXPECT_EQ(source.name(), "<memory>");
}

}  // namespace
}  // namespace backtrace
