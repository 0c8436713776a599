// Writing a column file: the values of one column of one block, encoded and
// compressed granule by granule (docs/column_file_format.md).
//
// The functions are stateless; callable from any thread, concurrently for
// different paths.
#pragma once

#include <string>

#include "common/base/status.h"
#include "common/column/column_file.h"
#include "common/schema/column_vector.h"

namespace backtrace::column {

// Encodes `values` as a whole column file in memory and fills *summary (may
// be nullptr). Errors: kInvalidArgument for bad options, a string longer
// than kMaxStringBytes, a granule over 4 GiB or more than 2^32 granules;
// kResourceExhausted when zstd cannot allocate.
[[nodiscard]] Result<std::string> EncodeColumnFile(const ColumnVector& values,
                                                   const ColumnFileOptions& options,
                                                   ColumnFileSummary* summary);

// Writes the column file of `values` to `path` (created or truncated) and
// fsyncs it before returning. The caller writes to a temporary name, renames
// and fsyncs the directory. Errors are those of EncodeColumnFile and of the
// file layer (kNoSpace, kIoError, ...); on error a partial file may remain at
// `path` and the caller removes it.
[[nodiscard]] Result<ColumnFileSummary> WriteColumnFile(const std::string& path,
                                                        const ColumnVector& values,
                                                        const ColumnFileOptions& options = {});

}  // namespace backtrace::column
