#pragma once

// `tdm takedowns export --format csv|lumen-json|eml`: records for legal
// teams, for the Lumen database, and notices as RFC 5322 messages for teams
// that send from their own mail.

#include <filesystem>
#include <optional>
#include <string>

#include "takedowns.h"

namespace tdm::cli {

// csv: one row per listed URL (request, status, regimes, recipient and its
// source, sent, deadline, Message-ID, page, image, its state and why);
// cells that a spreadsheet would run as a formula are prefixed with "'".
// lumen-json: one Lumen notice per sent request (the subject's identity is
// left out: Lumen publishes notices). eml: one .eml file per approved or
// later request into `out_dir` (default ./tdm-eml), From the configured
// sender; an approved one gets its Message-ID fixed, so a later
// `tdm takedowns send` is the same message. Returns the text (csv, json) or
// a summary of the files written.
Result<std::string> ExportTakedowns(const Home& home, const std::string& format,
                                    const TakedownFilter& filter,
                                    const std::optional<std::filesystem::path>& out_dir);

}  // namespace tdm::cli
