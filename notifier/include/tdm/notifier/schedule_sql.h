#pragma once

// SQL expressions for a request's schedule, shared by the notifier's stores
// and the CLI's `takedowns mark`, so that a notice sent (or removed) by hand
// is timed exactly like one tdm sent (or checked). They read a takedowns row
// aliased `t`.

namespace tdm::notifier {

// The shortest removal deadline and re-check interval over the request's
// regimes (regime_settings; 7 days and 6 hours for a regime without one).
inline constexpr const char* kDeadlineSql =
    "coalesce((SELECT min(deadline) FROM regime_settings WHERE regime = ANY(t.regimes)),"
    " interval '7 days')";
inline constexpr const char* kCheckEverySql =
    "coalesce((SELECT min(check_every) FROM regime_settings WHERE regime = ANY(t.regimes)),"
    " interval '6 hours')";

// How long and how often a removed request's URLs stay watched for the
// content coming back.
inline constexpr const char* kWatchFor = "interval '90 days'";
inline constexpr const char* kWatchEvery = "interval '7 days'";

}  // namespace tdm::notifier
