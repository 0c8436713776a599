#include "common/query/group_table.h"

#include <cstring>

namespace backtrace::query {

GroupTable::GroupTable(size_t key_words) : key_words_(key_words) {
  slots_.assign(64, 0);
  mask_ = slots_.size() - 1;
}

uint64_t GroupTable::Hash(const uint64_t* key) const {
  uint64_t hash = 0x9e3779b97f4a7c15ull;
  for (size_t i = 0; i < key_words_; ++i) {
    hash ^= key[i] + 0x9e3779b97f4a7c15ull + (hash << 6) + (hash >> 2);
    hash *= 0xff51afd7ed558ccdull;
    hash ^= hash >> 33;
  }
  return hash;
}

uint32_t GroupTable::FindOrAdd(const uint64_t* key) {
  size_t slot = Hash(key) & mask_;
  while (true) {
    uint32_t entry = slots_[slot];
    if (entry == 0) break;
    const uint64_t* existing = keys_.data() + (entry - 1) * key_words_;
    if (std::memcmp(existing, key, key_words_ * 8) == 0) return entry - 1;
    slot = (slot + 1) & mask_;
  }
  uint32_t group = static_cast<uint32_t>(groups_++);
  keys_.insert(keys_.end(), key, key + key_words_);
  slots_[slot] = group + 1;
  if (groups_ * 2 > slots_.size()) Grow();
  return group;
}

void GroupTable::Grow() {
  std::vector<uint32_t> slots(slots_.size() * 2, 0);
  mask_ = slots.size() - 1;
  for (size_t group = 0; group < groups_; ++group) {
    size_t slot = Hash(key(group)) & mask_;
    while (slots[slot] != 0) slot = (slot + 1) & mask_;
    slots[slot] = static_cast<uint32_t>(group + 1);
  }
  slots_ = std::move(slots);
}

uint64_t StringPool::Intern(std::string_view value) {
  auto found = ids_.find(value);
  if (found != ids_.end()) return found->second;
  uint64_t id = strings_.size();
  strings_.emplace_back(value);
  ids_.emplace(std::string(value), id);
  bytes_ += 2 * value.size() + 96;
  return id;
}

}  // namespace backtrace::query
