#pragma once

// `tdm takedowns ...`: listing requests and moving them through their
// lifecycle (notifier/include/tdm/notifier/lifecycle.h), each move recorded
// with who and why.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "tdm/common/home.h"
#include "tdm/common/status.h"
#include "tdm/notifier/lifecycle.h"

namespace tdm::cli {

struct TakedownFilter {
  std::optional<notifier::TakedownStatus> status;
  std::optional<int64_t> subject_id;
  std::optional<int64_t> site_id;  // requests with an item sighted on the site
  bool overdue = false;            // overdue, or sent/acknowledged and past the deadline
};

// A table, or with `json` an array of requests with their status, host,
// regimes, what is still missing and their items (page and image URLs).
Result<std::string> ListTakedowns(const Home& home, bool json, const TakedownFilter& filter = {});
Result<std::string> ShowTakedown(const Home& home, int64_t takedown_id);

// Moves request `id` to `to` if the lifecycle allows it, recording who
// (`actor`) and why. Approval is refused while the draft lacks a required
// detail, naming it. Errors: NotFound, InvalidArgument naming the current
// status and the moves it allows. Returns a one-line description.
Result<std::string> MoveTakedown(const Home& home, int64_t id, notifier::TakedownStatus to,
                                 const std::string& actor, const std::string& reason);

// The request's events, oldest first: time, from -> to, who, why.
Result<std::string> TakedownHistory(const Home& home, int64_t id);

// Who is acting: `by` when given, else the login name ($SUDO_USER, $USER).
std::string ActorName(const std::optional<std::string>& by);

}  // namespace tdm::cli
