#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// The operations behind the CLI's data commands, against the stack that the
// home folder names. Each prints what a person needs and returns the id it
// created or acted on (the CLI prints ids as the last word of the last line).

struct SubjectInput {
  std::string name, email, phone, postal_address;
  int auto_confirm_distance = 10;  // -1: every match waits for review
};
// The stack's PostgreSQL DSN; `Pad` left-aligns a table column.
Result<std::string> Dsn(const Home& home);
std::string Pad(std::string s, size_t width);

Result<int64_t> AddSubject(const Home& home, const SubjectInput& in);

// Hashes each photo in memory and stores only the hashes. Photos that are not
// decodable images are refused by name in `refused` and the rest still stored.
struct ProfileReport {
  int added = 0;
  int hashes = 0;  // PDQ hashes stored, variants included
  int already_known = 0;
  std::vector<std::string> refused;  // "file: reason"
};
Result<ProfileReport> AddProfiles(const Home& home, int64_t subject_id,
                                  const std::vector<std::string>& files);

// NotFound unless the subject exists and has not withdrawn.
Status RequireLiveSubject(const Home& home, int64_t subject_id);
// A photo's bytes; when it cannot be read, nullopt and "<file>: cannot read"
// in report.refused.
std::optional<std::string> ReadPhoto(const std::string& file, ProfileReport& report);

// Deletes row `id` of `table` (a table name from the code, never from input);
// NotFound("<what> <id>") when there is none.
Status DeleteById(const Home& home, const std::string& table, int64_t id, const std::string& what);

// Deletes a registered photo's hashes; a running matcher drops them within
// seconds. Matches already made stay, for the record.
Status DeleteProfile(const Home& home, int64_t profile_id);

Result<int64_t> AddSite(const Home& home, const std::string& name, const std::string& url,
                        bool allow_private);

struct CrawlReport {
  int64_t crawl_id = 0;
  int64_t pages = 0, pages_failed = 0;
  int64_t pages_retrying = 0;  // queued again after a 429, 5xx or network failure
  int64_t images = 0, images_failed = 0;
  int64_t matches = 0, pending_review = 0, drafts = 0;
  double seconds = 0;
  std::string Summary() const;
};
Result<int64_t> StartCrawl(const Home& home, int64_t site_id);
// Returns once the frontier is drained (pages scheduled for a retry later are
// counted, not waited for), every image found was matched and every match
// drafted, or with Unavailable after `timeout_s`.
Result<CrawlReport> WaitForCrawl(const Home& home, int64_t crawl_id, double timeout_s);

Result<std::vector<int64_t>> ListTakedownIdsForSubject(const Home& home, int64_t subject_id);
// The image URLs listed in the subject's takedown requests.
Result<std::vector<std::string>> MatchedImageUrls(const Home& home, int64_t subject_id);

}  // namespace tdm::cli
