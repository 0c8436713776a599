#include "common/wal/wal_directory.h"

#include <algorithm>
#include <string_view>

#include "common/base/file.h"
#include "common/wal/wal_format.h"

namespace backtrace::wal {

Result<std::vector<SegmentFile>> ListSegments(const std::string& directory) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, io::ListDirectory(directory));
  std::vector<SegmentFile> segments;
  for (std::string& name : names) {
    std::optional<uint64_t> first_lsn = ParseSegmentFileName(name);
    if (first_lsn.has_value()) segments.push_back(SegmentFile{*first_lsn, std::move(name)});
  }
  // Zero-padded names sort like their numbers; sort by number all the same.
  std::sort(segments.begin(), segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.first_lsn < b.first_lsn; });
  return segments;
}

Result<std::vector<std::string>> ListTemporarySegments(const std::string& directory) {
  ASSIGN_OR_RETURN(std::vector<std::string> names, io::ListDirectory(directory));
  std::vector<std::string> temporaries;
  for (std::string& name : names) {
    std::string_view view(name);
    if (view.size() <= kTemporarySuffix.size() ||
        view.substr(view.size() - kTemporarySuffix.size()) != kTemporarySuffix) {
      continue;
    }
    view.remove_suffix(kTemporarySuffix.size());
    if (ParseSegmentFileName(view).has_value()) temporaries.push_back(std::move(name));
  }
  return temporaries;
}

}  // namespace backtrace::wal
