#include "common/schema/column_vector.h"

namespace backtrace {

ColumnVector::ColumnVector(ColumnType type) : type_(type) {
  switch (type) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: values_ = std::vector<int64_t>(); break;
    case ColumnType::kUInt64: values_ = std::vector<uint64_t>(); break;
    case ColumnType::kFloat64: values_ = std::vector<double>(); break;
    case ColumnType::kString: values_ = StringValues(); break;
  }
}

size_t ColumnVector::size() const {
  return std::visit([](const auto& values) { return values.size(); }, values_);
}

Value ColumnVector::ValueAt(size_t row) const {
  switch (type_) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: return int64s()[row];
    case ColumnType::kUInt64: return uint64s()[row];
    case ColumnType::kFloat64: return float64s()[row];
    case ColumnType::kString: return std::string(strings().at(row));
  }
  return int64_t{0};
}

void ColumnVector::Append(const Value& value) {
  switch (type_) {
    case ColumnType::kInt64:
    case ColumnType::kTimestamp: int64s().push_back(std::get<int64_t>(value)); break;
    case ColumnType::kUInt64: uint64s().push_back(std::get<uint64_t>(value)); break;
    case ColumnType::kFloat64: float64s().push_back(std::get<double>(value)); break;
    case ColumnType::kString: strings().push_back(std::get<std::string>(value)); break;
  }
}

void ColumnVector::Clear() {
  std::visit([](auto& values) { values.clear(); }, values_);
}

void ColumnVector::Reserve(size_t rows) {
  if (type_ == ColumnType::kString) {
    strings().offsets.reserve(rows + 1);
    return;
  }
  std::visit(
      [rows](auto& values) {
        if constexpr (!std::is_same_v<std::decay_t<decltype(values)>, StringValues>) {
          values.reserve(rows);
        }
      },
      values_);
}

size_t ColumnVector::ByteSize() const {
  if (type_ == ColumnType::kString) return strings().bytes.size() + 4 * strings().size();
  return 8 * size();
}

}  // namespace backtrace
