#pragma once

// What decides where a takedown notice goes and under which law: a site's
// contact and jurisdiction, a subject's situation, a request's regimes, and
// each regime's removal deadline. Each change makes the notifier prepare the
// affected drafts again (recipients, regimes, text); approved or sent
// requests are never changed behind their approver's back.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"

namespace tdm::cli {

// Sets (or, with an empty email, clears) the address a site's notices go to
// first: its designated agent or abuse desk. Errors: InvalidArgument for an
// implausible address; NotFound for an unknown site.
Result<std::string> SetSiteContact(const Home& home, int64_t site_id, const std::string& email);

// Where a site operates: "us", "eu", "other" or "unknown".
Result<std::string> SetSiteJurisdiction(const Home& home, int64_t site_id,
                                        const std::string& jurisdiction);

// A subject's situation: whether they own the copyright in their registered
// photos ("yes", "no", "unknown") and where they live ("us", "eu", "other",
// "unknown"); unset fields are kept.
struct SubjectSituationChange {
  std::optional<std::string> owns_copyright;
  std::optional<std::string> region;
};
Result<std::string> SetSubjectSituation(const Home& home, int64_t subject_id,
                                        const SubjectSituationChange& change);

// A subject's contact details as their notices give them; unset fields are
// kept, an empty one clears it (name excepted). Errors: InvalidArgument for an
// empty or over-long name or an implausible email; NotFound.
struct SubjectDetailsChange {
  std::optional<std::string> name, email, phone, postal_address;
};
Result<std::string> SetSubjectDetails(const Home& home, int64_t subject_id,
                                      const SubjectDetailsChange& change);

// Sets a draft's (or approved request's, which goes back to draft) regimes,
// recorded as chosen by `actor`; {"auto"} hands the choice back to tdm.
// Errors: InvalidArgument for an unknown regime or a request past approval.
Result<std::string> SetTakedownRegimes(const Home& home, int64_t takedown_id,
                                       const std::vector<std::string>& regimes,
                                       const std::string& actor);

// A regime's removal deadline (and how often its URLs are re-checked), e.g.
// "48h", "7d"; applies to requests sent from now on. No durations: prints
// the table.
Result<std::string> SetRegimeDeadline(const Home& home, const std::string& regime,
                                      const std::optional<std::string>& deadline,
                                      const std::optional<std::string>& check_every,
                                      const std::string& actor);
Result<std::string> ListRegimeSettings(const Home& home);

// Loads the notice templates in `dir` (default: the ones the notifier uses)
// and drafts a sample notice with complete details from each, listing any
// statutory element a template lacks. For legal teams after editing them:
// the notifier loads templates at start. Errors: the load error (file:line).
Result<std::string> CheckTemplates(const std::optional<std::string>& dir, bool* all_complete);

}  // namespace tdm::cli
