#include "common/text/csv_tokenizer.h"

#include <algorithm>
#include <array>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace backtrace {
namespace {

// Bytes that end the run of an unquoted field.
constexpr std::array<bool, 256> MakeStopTable() {
  std::array<bool, 256> table{};
  table[static_cast<unsigned char>(',')] = true;
  table[static_cast<unsigned char>('\n')] = true;
  table[static_cast<unsigned char>('\r')] = true;
  table[static_cast<unsigned char>('"')] = true;
  return table;
}
constexpr std::array<bool, 256> kStop = MakeStopTable();

inline bool IsStop(char c) { return kStop[static_cast<unsigned char>(c)]; }

// The first byte at or after p that ends an unquoted run: ',', LF, CR or '"'.
// The sentinel guarantees one within the padding.
inline const char* FindStop(const char* p) {
#if defined(__SSE2__)
  const __m128i comma = _mm_set1_epi8(',');
  const __m128i line_feed = _mm_set1_epi8('\n');
  const __m128i carriage_return = _mm_set1_epi8('\r');
  const __m128i quote = _mm_set1_epi8('"');
  while (true) {
    const __m128i block = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i stops =
        _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(block, comma), _mm_cmpeq_epi8(block, line_feed)),
                     _mm_or_si128(_mm_cmpeq_epi8(block, carriage_return),
                                  _mm_cmpeq_epi8(block, quote)));
    const unsigned mask = static_cast<unsigned>(_mm_movemask_epi8(stops));
    if (mask != 0) return p + __builtin_ctz(mask);
    p += 16;
  }
#else
  while (!IsStop(*p)) ++p;
  return p;
#endif
}

void NoteProblem(CsvRecord* record, CsvProblem problem) {
  if (record->problem == CsvProblem::kNone) {
    record->problem = problem;
    record->problem_field = record->fields.size();
  }
}

}  // namespace

CsvScan ScanCsvRecord(const char* data, size_t size, bool at_end, CsvRecord* record) {
  const char* const end = data + size;
  record->fields.clear();
  record->inner_newlines = 0;
  record->problem = CsvProblem::kNone;
  record->problem_field = 0;
  if (size == 0) return at_end ? CsvScan::kEnd : CsvScan::kNeedMore;
  if (data[0] == '\n') {
    record->bytes = 1;
    return CsvScan::kEmptyLine;
  }
  if (data[0] == '\r') {
    if (size == 1 && !at_end) return CsvScan::kNeedMore;
    if (size == 1 || data[1] == '\n') {
      record->bytes = size == 1 ? 1 : 2;
      return CsvScan::kEmptyLine;
    }
  }

  const char* p = data;
  while (true) {
    // One field starts at p.
    CsvField field;
    const char* line_end = nullptr;  // set when the record ends after this field
    if (*p == '"' && p < end) {
      const char* content = p + 1;
      const char* search = content;
      while (true) {
        const void* found = std::memchr(search, '"', static_cast<size_t>(end - search));
        if (found == nullptr) {
          if (!at_end) return CsvScan::kNeedMore;
          NoteProblem(record, CsvProblem::kUnterminatedQuote);
          record->inner_newlines += static_cast<uint32_t>(std::count(content, end, '\n'));
          field.data = content;
          field.size = static_cast<uint32_t>(end - content);
          field.quoted = true;
          record->fields.push_back(field);
          record->bytes = size;
          return CsvScan::kRecord;
        }
        const char* quote = static_cast<const char*>(found);
        if (quote + 1 == end && !at_end) return CsvScan::kNeedMore;
        if (quote + 1 < end && quote[1] == '"') {
          field.has_escaped_quotes = true;
          search = quote + 2;
          continue;
        }
        record->inner_newlines += static_cast<uint32_t>(std::count(content, quote, '\n'));
        field.data = content;
        field.size = static_cast<uint32_t>(quote - content);
        field.quoted = true;
        p = quote + 1;
        break;
      }
      // After the closing quote: a separator, a line end or the end.
      if (p < end && *p != ',' && *p != '\n' && *p != '\r') {
        NoteProblem(record, CsvProblem::kTextAfterClosingQuote);
        while (*p != ',' && *p != '\n' && *p != '\r') ++p;  // the sentinel stops it
      }
    } else {
      field.data = p;
      while (true) {
        p = FindStop(p);
        if (*p == '"' && p < end) {
          NoteProblem(record, CsvProblem::kQuoteInUnquotedField);
          ++p;
          continue;
        }
        break;
      }
      field.size = static_cast<uint32_t>(p - field.data);
    }
    // p is at ',', '\n', '\r' or the end (which holds the sentinel).
    while (*p == '\r' && p < end) {
      if (p + 1 == end) {
        if (!at_end) return CsvScan::kNeedMore;
        line_end = end;
        break;
      }
      if (p[1] == '\n') {
        line_end = p + 2;
        break;
      }
      // A lone CR is taken literally as part of the field.
      NoteProblem(record, CsvProblem::kLoneCarriageReturn);
      ++p;
      while (*p != ',' && *p != '\n' && *p != '\r') ++p;
      field.size = static_cast<uint32_t>(p - field.data);
    }
    if (line_end == nullptr) {
      if (p == end) {
        if (!at_end) return CsvScan::kNeedMore;
        line_end = end;
      } else if (*p == '\n') {
        line_end = p + 1;
      }
    }
    record->fields.push_back(field);
    if (line_end != nullptr) {
      record->bytes = static_cast<size_t>(line_end - data);
      return CsvScan::kRecord;
    }
    ++p;  // past the ','
  }
}

}  // namespace backtrace
