#include "tdm/notifier/lifecycle.h"

#include <algorithm>
#include <array>
#include <utility>

namespace tdm::notifier {
namespace {

using S = TakedownStatus;

constexpr std::array<std::pair<S, const char*>, 10> kNames = {{
    {S::kDraft, "draft"},
    {S::kApproved, "approved"},
    {S::kSent, "sent"},
    {S::kAcknowledged, "acknowledged"},
    {S::kRemoved, "removed"},
    {S::kPartiallyRemoved, "partially_removed"},
    {S::kRejected, "rejected"},
    {S::kOverdue, "overdue"},
    {S::kEscalated, "escalated"},
    {S::kWithdrawn, "withdrawn"},
}};

// What may follow each status, as the header's diagram says.
std::vector<S> Moves(S from) {
  switch (from) {
    case S::kDraft:
      return {S::kApproved, S::kWithdrawn};
    case S::kApproved:
      return {S::kDraft, S::kSent, S::kWithdrawn};
    case S::kSent:
    case S::kAcknowledged:
      return from == S::kSent
                 ? std::vector<S>{S::kAcknowledged, S::kRemoved, S::kPartiallyRemoved, S::kRejected,
                                  S::kOverdue}
                 : std::vector<S>{S::kRemoved, S::kPartiallyRemoved, S::kRejected, S::kOverdue};
    case S::kPartiallyRemoved:
      return {S::kRemoved, S::kOverdue, S::kEscalated};
    case S::kRejected:
      return {S::kEscalated};
    case S::kOverdue:
      return {S::kRemoved, S::kPartiallyRemoved, S::kEscalated};
    case S::kEscalated:
      return {S::kAcknowledged, S::kRemoved, S::kPartiallyRemoved, S::kRejected, S::kOverdue};
    case S::kRemoved:
    case S::kWithdrawn:
      break;
  }
  return {};
}

}  // namespace

const char* StatusName(TakedownStatus status) {
  for (const auto& [s, name] : kNames) {
    if (s == status) return name;
  }
  return "draft";
}

std::optional<TakedownStatus> ParseStatus(std::string_view name) {
  for (const auto& [s, n] : kNames) {
    if (n == name) return s;
  }
  return std::nullopt;
}

std::vector<TakedownStatus> AllStatuses() {
  std::vector<TakedownStatus> out;
  for (const auto& [s, name] : kNames) out.push_back(s);
  return out;
}

std::vector<TakedownStatus> NextStatuses(TakedownStatus from) { return Moves(from); }

bool CanMove(TakedownStatus from, TakedownStatus to) {
  const std::vector<S> next = Moves(from);
  return std::find(next.begin(), next.end(), to) != next.end();
}

}  // namespace tdm::notifier
