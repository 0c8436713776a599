#include "common/query/block_reader.h"

namespace backtrace::query {

BlockReader::BlockReader(TableSource& source, const BlockMeta& block, const TableSchema& schema,
                         uint64_t* next_file_serial)
    : source_(source),
      block_(block),
      schema_(schema),
      next_file_serial_(next_file_serial),
      columns_(schema.columns.size()) {}

Status BlockReader::Mismatch(size_t column, const std::string& what) const {
  return Status::Corruption("block " + std::to_string(block_.block_id) + " of table " +
                            schema_.name + ": column file of " + schema_.columns[column].name +
                            " " + what);
}

Result<const column::ColumnFileReader*> BlockReader::Reader(size_t column) {
  ColumnState& state = columns_[column];
  if (state.reader) return state.reader.get();
  ASSIGN_OR_RETURN(auto reader, source_.OpenColumn(block_, column));
  if (reader == nullptr) return Status::Internal("TableSource::OpenColumn returned no reader");
  if (reader->type() != schema_.columns[column].type) {
    return Mismatch(column, "holds " + std::string(ColumnTypeName(reader->type())) +
                                " values but the schema says " +
                                std::string(ColumnTypeName(schema_.columns[column].type)));
  }
  if (reader->rows() != block_.row_count) {
    return Mismatch(column, "has " + std::to_string(reader->rows()) + " rows but the block has " +
                                std::to_string(block_.row_count));
  }
  if (!layout_known_) {
    layout_known_ = true;
    granule_count_ = reader->granule_count();
    for (const auto& granule : reader->granules()) {
      first_rows_.push_back(granule.first_row);
      granule_rows_.push_back(granule.rows);
    }
  } else {
    if (reader->granule_count() != granule_count_) {
      return Mismatch(column, "has " + std::to_string(reader->granule_count()) +
                                  " granules where other columns have " +
                                  std::to_string(granule_count_));
    }
    for (size_t g = 0; g < granule_count_; ++g) {
      if (reader->granule(g).first_row != first_rows_[g] ||
          reader->granule(g).rows != granule_rows_[g]) {
        return Mismatch(column, "has granule " + std::to_string(g) +
                                    " at other rows than the other columns");
      }
    }
  }
  state.reader = std::move(reader);
  state.file_serial = (*next_file_serial_)++;
  return state.reader.get();
}

Result<ColumnSlice> BlockReader::Decode(size_t column, size_t granule) {
  ASSIGN_OR_RETURN(const column::ColumnFileReader* reader, Reader(column));
  ColumnState& state = columns_[column];
  if (state.decoded_granule != granule) {
    if (!state.decoded) state.decoded = std::make_unique<ColumnVector>(reader->type());
    state.decoded->Clear();
    state.decoded_granule = SIZE_MAX;
    RETURN_IF_ERROR(reader->ReadGranule(granule, state.decoded.get()));
    if (state.decoded->size() != granule_rows_[granule]) {
      return Mismatch(column, "decoded " + std::to_string(state.decoded->size()) +
                                  " rows for granule " + std::to_string(granule));
    }
    state.decoded_granule = granule;
  }
  return ColumnSlice::Of(*state.decoded);
}

Status BlockReader::Codes(size_t column, size_t granule, const uint32_t** codes,
                          const StringValues** dictionary, uint64_t* file_serial) {
  ASSIGN_OR_RETURN(const column::ColumnFileReader* reader, Reader(column));
  ColumnState& state = columns_[column];
  *codes = nullptr;
  *dictionary = reader->dictionary();
  *file_serial = state.file_serial;
  if (*dictionary == nullptr) return Status::Ok();
  if (state.codes_granule != granule) {
    state.codes.clear();
    state.codes_granule = SIZE_MAX;
    RETURN_IF_ERROR(reader->ReadGranuleCodes(granule, &state.codes));
    if (state.codes.size() != granule_rows_[granule]) {
      return Mismatch(column, "decoded " + std::to_string(state.codes.size()) +
                                  " codes for granule " + std::to_string(granule));
    }
    state.codes_granule = granule;
  }
  *codes = state.codes.data();
  return Status::Ok();
}

}  // namespace backtrace::query
