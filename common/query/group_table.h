// GroupTable: the hash table of GROUP BY and SAMPLE BY. A group key is a
// fixed number of 64-bit words (one per key column: the integer or float
// bits, a bucket start, or a string's id in a StringPool); the table hands
// out dense group ids 0, 1, 2... in order of first appearance.
//
// Open addressing with linear probing, load factor at most 1/2. Used by one
// thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace backtrace::query {

class GroupTable {
 public:
  explicit GroupTable(size_t key_words);

  // The id of the group with this key (key_words words), added if new.
  uint32_t FindOrAdd(const uint64_t* key);

  size_t size() const { return groups_; }
  size_t key_words() const { return key_words_; }
  // The key of group `group`.
  const uint64_t* key(size_t group) const { return keys_.data() + group * key_words_; }
  // Bytes held by the table.
  size_t MemoryBytes() const { return keys_.capacity() * 8 + slots_.capacity() * 4; }

 private:
  uint64_t Hash(const uint64_t* key) const;
  void Grow();

  size_t key_words_;
  size_t groups_ = 0;
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> slots_;  // group id + 1; 0 is empty
  size_t mask_ = 0;
};

// Interns strings as dense ids, so that string keys are one word.
class StringPool {
 public:
  uint64_t Intern(std::string_view value);
  std::string_view at(uint64_t id) const { return strings_[id]; }
  size_t MemoryBytes() const { return bytes_; }

 private:
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view value) const { return std::hash<std::string_view>()(value); }
  };
  std::unordered_map<std::string, uint64_t, Hash, std::equal_to<>> ids_;
  std::vector<std::string> strings_;
  size_t bytes_ = 0;
};

}  // namespace backtrace::query
