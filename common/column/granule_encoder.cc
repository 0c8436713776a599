#include "common/column/granule_encoder.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "common/base/crc32c.h"
#include "common/column/float_encoding.h"
#include "common/column/integer_encoding.h"

namespace backtrace::column {
namespace {

// Payloads smaller than this are never worth a zstd frame.
constexpr size_t kMinimumCompressibleBytes = 32;

}  // namespace

std::string ZoneMapString(std::string_view value, bool* truncated) {
  *truncated = value.size() > kMaxZoneMapStringBytes;
  return std::string(value.substr(0, kMaxZoneMapStringBytes));
}

GranuleEncoder::GranuleEncoder(ColumnType type, const ColumnFileOptions& options,
                               const StringDictionary* dictionary)
    : type_(type), options_(options), dictionary_(dictionary), compressor_(options.zstd_level) {}

Result<GranuleCodec> GranuleEncoder::ChooseCodec() {
  if (options_.zstd_minimum_saving >= 1.0 || payload_.size() < kMinimumCompressibleBytes) {
    return GranuleCodec::kNone;
  }
  RETURN_IF_ERROR(compressor_.Compress(payload_.data(), payload_.size(), &compressed_));
  double limit = static_cast<double>(payload_.size()) * (1.0 - options_.zstd_minimum_saving);
  return static_cast<double>(compressed_.size()) <= limit ? GranuleCodec::kZstd
                                                          : GranuleCodec::kNone;
}

Status GranuleEncoder::Store(GranuleCodec codec, std::string* file, uint32_t* stored_bytes,
                             uint32_t* decoded_bytes, uint32_t* checksum) {
  const std::string& stored = codec == GranuleCodec::kZstd ? compressed_ : payload_;
  if (payload_.size() > std::numeric_limits<uint32_t>::max()) {
    return Status::InvalidArgument("a granule of " + std::to_string(payload_.size()) +
                                   " encoded bytes exceeds 4 GiB; use fewer rows per granule");
  }
  *stored_bytes = static_cast<uint32_t>(stored.size());
  *decoded_bytes = static_cast<uint32_t>(payload_.size());
  *checksum = crc32c::Value(stored.data(), stored.size());
  file->append(stored);
  return Status::Ok();
}

void GranuleEncoder::EncodeIntegers(const ColumnVector& values, size_t begin, size_t end,
                                    GranuleInfo* granule) {
  const size_t count = end - begin;
  const bool is_signed = type_ != ColumnType::kUInt64;
  // int64_t and uint64_t may alias each other.
  const uint64_t* data = is_signed
                             ? reinterpret_cast<const uint64_t*>(values.int64s().data() + begin)
                             : values.uint64s().data() + begin;
  if (is_signed) {
    int64_t minimum = static_cast<int64_t>(data[0]), maximum = minimum;
    Int128 sum = 0;
    for (size_t i = 0; i < count; ++i) {
      int64_t value = static_cast<int64_t>(data[i]);
      minimum = value < minimum ? value : minimum;
      maximum = value > maximum ? value : maximum;
      sum += value;
    }
    granule->min = minimum;
    granule->max = maximum;
    granule->integer_sum = sum;
  } else {
    uint64_t minimum = data[0], maximum = minimum;
    unsigned __int128 sum = 0;
    for (size_t i = 0; i < count; ++i) {
      minimum = data[i] < minimum ? data[i] : minimum;
      maximum = data[i] > maximum ? data[i] : maximum;
      sum += data[i];
    }
    granule->min = minimum;
    granule->max = maximum;
    granule->integer_sum = static_cast<Int128>(sum);
  }
  IntegerPlan plan = PlanIntegers(data, count, is_signed);
  granule->encoding = static_cast<GranuleEncoding>(plan.encoding);
  EncodeIntegerBody(data, count, plan, &payload_);
}

void GranuleEncoder::EncodeFloats(const ColumnVector& values, size_t begin, size_t end,
                                  GranuleInfo* granule) {
  const size_t count = end - begin;
  const double* data = values.float64s().data() + begin;
  // Written so that it vectorises: a NaN never wins a comparison, so it
  // leaves the minimum and maximum alone.
  double minimum = std::numeric_limits<double>::infinity();
  double maximum = -minimum;
  size_t nans = 0;
  for (size_t i = 0; i < count; ++i) {
    double value = data[i];
    nans += value != value;
    minimum = value < minimum ? value : minimum;
    maximum = value > maximum ? value : maximum;
  }
  // -0.0 and +0.0 compare equal; the zone map puts -0.0 first.
  if (minimum == 0.0 || maximum == 0.0) {
    bool negative_zero = false, positive_zero = false;
    for (size_t i = 0; i < count; ++i) {
      if (data[i] == 0.0) {
        (std::signbit(data[i]) ? negative_zero : positive_zero) = true;
      }
    }
    if (minimum == 0.0) minimum = negative_zero ? -0.0 : 0.0;
    if (maximum == 0.0) maximum = positive_zero ? 0.0 : -0.0;
  }
  double sum = 0;
  for (size_t i = 0; i < count; ++i) sum += data[i];
  granule->float_sum = sum;
  granule->has_nan = nans > 0;
  if (nans < count) {
    granule->min = minimum;
    granule->max = maximum;
  } else {
    double nan;
    std::memcpy(&nan, &kCanonicalNanBits, 8);
    granule->all_nan = true;
    granule->min = nan;
    granule->max = nan;
  }
  if (EncodeDecimal(data, count, &payload_)) {
    granule->encoding = GranuleEncoding::kDecimal;
  } else {
    EncodeByteShuffle(data, count, &payload_);
    granule->encoding = GranuleEncoding::kByteShuffle;
  }
}

void GranuleEncoder::EncodeStrings(const ColumnVector& values, size_t begin, size_t end,
                                   GranuleInfo* granule) {
  const StringValues& strings = values.strings();
  std::string_view minimum, maximum;
  if (dictionary_ != nullptr) {
    std::vector<uint64_t> codes(end - begin);
    for (size_t row = begin; row < end; ++row) codes[row - begin] = dictionary_->code(row);
    uint64_t minimum_code = codes[0], maximum_code = codes[0];
    for (uint64_t code : codes) {
      minimum_code = code < minimum_code ? code : minimum_code;
      maximum_code = code > maximum_code ? code : maximum_code;
    }
    // Codes follow the byte-wise order of the sorted dictionary.
    minimum = dictionary_->entries.at(minimum_code);
    maximum = dictionary_->entries.at(maximum_code);
    EncodeIntegerSequence(codes.data(), codes.size(), /*is_signed=*/false, &payload_);
    granule->encoding = GranuleEncoding::kDictionary;
  } else {
    minimum = maximum = strings.at(begin);
    for (size_t row = begin + 1; row < end; ++row) {
      std::string_view value = strings.at(row);
      if (value < minimum) minimum = value;
      if (value > maximum) maximum = value;
    }
    EncodePlainStrings(strings, begin, end, &payload_);
    granule->encoding = GranuleEncoding::kPlainStrings;
  }
  granule->min = ZoneMapString(minimum, &granule->min_truncated);
  granule->max = ZoneMapString(maximum, &granule->max_truncated);
}

Status GranuleEncoder::Encode(const ColumnVector& values, size_t begin, size_t end,
                              std::string* file, GranuleInfo* granule) {
  payload_.clear();
  granule->offset = file->size();
  granule->rows = static_cast<uint32_t>(end - begin);
  switch (type_) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp:
    case ColumnType::kUInt64: EncodeIntegers(values, begin, end, granule); break;
    case ColumnType::kFloat64: EncodeFloats(values, begin, end, granule); break;
    case ColumnType::kString: EncodeStrings(values, begin, end, granule); break;
  }
  ASSIGN_OR_RETURN(GranuleCodec codec, ChooseCodec());
  if (granule->encoding == GranuleEncoding::kByteShuffle && codec == GranuleCodec::kNone) {
    // Shuffling only helps zstd; without it, plain decodes faster.
    payload_.assign(reinterpret_cast<const char*>(values.float64s().data() + begin),
                    8 * (end - begin));
    granule->encoding = GranuleEncoding::kPlain;
  }
  granule->codec = codec;
  return Store(codec, file, &granule->stored_bytes, &granule->decoded_bytes, &granule->checksum);
}

Status GranuleEncoder::EncodeDictionary(const StringValues& entries, std::string* file,
                                        DictionaryLocation* location) {
  payload_.clear();
  EncodePlainStrings(entries, 0, entries.size(), &payload_);
  ASSIGN_OR_RETURN(GranuleCodec codec, ChooseCodec());
  location->offset = file->size();
  location->entries = static_cast<uint32_t>(entries.size());
  location->codec = codec;
  return Store(codec, file, &location->stored_bytes, &location->decoded_bytes,
               &location->checksum);
}

}  // namespace backtrace::column
