#include "common/catalog/catalog_records.h"

#include "common/base/coding.h"
#include "common/catalog/record_coding.h"
#include "common/schema/table_schema_codec.h"

namespace backtrace::catalog_record {
namespace {

namespace format = catalog_format;

const uint8_t* Bytes(std::string_view text) { return reinterpret_cast<const uint8_t*>(text.data()); }

std::string PrefixedId(char prefix, uint64_t id) {
  std::string key(1, prefix);
  coding::PutBigEndian64(&key, id);
  return key;
}

}  // namespace

std::string FormatKey() { return std::string(1, format::kFormatKey); }
std::string StateKey() { return std::string(1, format::kStateKey); }
std::string WalCheckpointKey() { return std::string(1, format::kWalCheckpointKey); }
std::string TableKey(uint64_t table_id) { return PrefixedId(format::kTablePrefix, table_id); }
std::string ProducerKey(uint64_t producer_id) { return PrefixedId(format::kProducerPrefix, producer_id); }
std::string BlockLocatorKey(uint64_t block_id) { return PrefixedId(format::kBlockLocatorPrefix, block_id); }
std::string BlockTablePrefix(uint64_t table_id) { return PrefixedId(format::kBlockPrefix, table_id); }

std::string TableNameKey(std::string_view table_name) {
  std::string key(1, format::kTableNamePrefix);
  key.append(table_name);
  return key;
}

std::string BlockClassPrefix(uint64_t table_id, int span_class) {
  std::string key = BlockTablePrefix(table_id);
  key.push_back(static_cast<char>(span_class));
  return key;
}

std::string BlockKey(const BlockKeyParts& parts) {
  std::string key = BlockClassPrefix(parts.table_id, parts.span_class);
  coding::PutBigEndian64(&key, coding::OrderPreservingFromSigned(parts.max_time));
  coding::PutBigEndian64(&key, parts.block_id);
  return key;
}

std::string RetiredKey(uint64_t retired_sequence, uint64_t block_id) {
  std::string key = PrefixedId(format::kRetiredPrefix, retired_sequence);
  coding::PutBigEndian64(&key, block_id);
  return key;
}

std::string PrefixEnd(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty() && static_cast<uint8_t>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<uint8_t>(end.back()) + 1);
  return end;
}

bool ParseBlockKey(std::string_view key, BlockKeyParts* parts) {
  if (key.size() != format::kBlockKeySize || key[0] != format::kBlockPrefix) return false;
  const uint8_t* bytes = Bytes(key);
  parts->table_id = coding::DecodeBigEndian64(bytes + 1);
  parts->span_class = bytes[9];
  parts->max_time = coding::SignedFromOrderPreserving(coding::DecodeBigEndian64(bytes + 10));
  parts->block_id = coding::DecodeBigEndian64(bytes + 18);
  return parts->span_class < format::kSpanClassCount;
}

bool ParseProducerKey(std::string_view key, uint64_t* producer_id) {
  if (key.size() != 9 || key[0] != format::kProducerPrefix) return false;
  *producer_id = coding::DecodeBigEndian64(Bytes(key) + 1);
  return true;
}

bool ParseRetiredKey(std::string_view key, uint64_t* retired_sequence, uint64_t* block_id) {
  if (key.size() != format::kRetiredKeySize || key[0] != format::kRetiredPrefix) return false;
  *retired_sequence = coding::DecodeBigEndian64(Bytes(key) + 1);
  *block_id = coding::DecodeBigEndian64(Bytes(key) + 9);
  return true;
}

std::string EncodeFormatValue() {
  std::string value(format::kFormatMagic);
  coding::PutFixed32(&value, format::kFormatVersion);
  return value;
}

Status CheckFormatValue(std::string_view value) {
  if (value.size() != format::kFormatMagic.size() + 4 ||
      value.substr(0, format::kFormatMagic.size()) != format::kFormatMagic) {
    return Status::Corruption("the format key does not hold the catalog magic; not a BacktraceDB catalog");
  }
  uint32_t version = coding::DecodeFixed32(Bytes(value) + format::kFormatMagic.size());
  if (version != format::kFormatVersion) {
    return Status::NotSupported("catalog format version " + std::to_string(version) +
                                "; this build reads version " +
                                std::to_string(format::kFormatVersion));
  }
  return Status::Ok();
}

std::string EncodeState(const CatalogState& state) {
  std::string value(1, static_cast<char>(format::kStateVersion));
  coding::PutFixed64(&value, state.sequence);
  coding::PutFixed64(&value, state.next_table_id);
  coding::PutFixed64(&value, state.next_block_id);
  Seal(&value);
  return value;
}

Result<CatalogState> DecodeState(std::string_view value) {
  ASSIGN_OR_RETURN(std::string_view body, Unseal(value, "version key"));
  Reader reader(body);
  uint8_t version = 0;
  CatalogState state;
  if (!reader.GetByte(&version) || version != format::kStateVersion ||
      !reader.GetFixed64(&state.sequence) || !reader.GetFixed64(&state.next_table_id) ||
      !reader.GetFixed64(&state.next_block_id) || reader.remaining() != 0) {
    return Status::Corruption("version key value is malformed (" + std::to_string(value.size()) +
                              " bytes, version " + std::to_string(version) + ")");
  }
  if (state.next_table_id == 0 || state.next_block_id == 0) {
    return Status::Corruption("version key value holds a zero next id");
  }
  return state;
}

std::string EncodeTableEntry(const TableInfo& table) {
  std::string value(1, static_cast<char>(format::kTableEntryVersion));
  coding::PutVarint64(&value, table.table_id);
  coding::PutVarint64(&value, table.created_sequence);
  coding::PutFixed64(&value, table.dropped_sequence);
  coding::PutFixed64(&value, table.span_class_mask);
  coding::PutFixed64(&value, table.wal_watermark);
  PutLengthPrefixed(&value, SerializeTableSchema(table.schema));
  Seal(&value);
  return value;
}

Result<TableInfo> DecodeTableEntry(std::string_view value) {
  ASSIGN_OR_RETURN(std::string_view body, Unseal(value, "table entry"));
  Reader reader(body);
  uint8_t version = 0;
  if (!reader.GetByte(&version)) return Status::Corruption("table entry is empty");
  if (version != format::kTableEntryVersion) {
    return Status::NotSupported("table entry has version " + std::to_string(version) +
                                "; this build reads version " +
                                std::to_string(format::kTableEntryVersion));
  }
  TableInfo table;
  std::string_view schema_bytes;
  if (!reader.GetVarint(&table.table_id) || !reader.GetVarint(&table.created_sequence) ||
      !reader.GetFixed64(&table.dropped_sequence) || !reader.GetFixed64(&table.span_class_mask) ||
      !reader.GetFixed64(&table.wal_watermark) ||
      !reader.GetLengthPrefixed(body.size(), &schema_bytes) || reader.remaining() != 0) {
    return Status::Corruption("table entry is malformed");
  }
  Result<TableSchema> schema = DeserializeTableSchema(schema_bytes);
  if (!schema.ok()) {
    return Status::Corruption("table entry of table " + std::to_string(table.table_id) + ": " +
                              schema.status().message());
  }
  table.schema = std::move(schema).value();
  return table;
}

std::string EncodeBlockLocation(const BlockLocation& location) {
  std::string value;
  coding::PutFixed64(&value, location.table_id);
  value.push_back(static_cast<char>(location.span_class));
  coding::PutFixed64(&value, static_cast<uint64_t>(location.max_time));
  return value;
}

Result<BlockLocation> DecodeBlockLocation(std::string_view value) {
  if (value.size() != format::kBlockLocatorValueSize ||
      static_cast<uint8_t>(value[8]) >= format::kSpanClassCount) {
    return Status::Corruption("block locator value is malformed (" + std::to_string(value.size()) +
                              " bytes)");
  }
  BlockLocation location;
  location.table_id = coding::DecodeFixed64(Bytes(value));
  location.span_class = static_cast<uint8_t>(value[8]);
  location.max_time = static_cast<int64_t>(coding::DecodeFixed64(Bytes(value) + 9));
  return location;
}

std::string EncodeFixed64Value(uint64_t value) {
  std::string encoded;
  coding::PutFixed64(&encoded, value);
  return encoded;
}

Result<uint64_t> DecodeFixed64Value(std::string_view value, std::string_view what) {
  if (value.size() != 8) {
    return Status::Corruption(std::string(what) + " value is " + std::to_string(value.size()) +
                              " bytes, not 8");
  }
  return coding::DecodeFixed64(Bytes(value));
}

}  // namespace backtrace::catalog_record
