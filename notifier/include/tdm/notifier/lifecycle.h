#pragma once

// The life of a takedown request, from draft to removal.
//
//   draft -> approved -> sent -> acknowledged -> removed | partially_removed
//                                             | rejected | overdue -> escalated
//
// A person approves a draft (nothing reaches a third party before that); an
// approved request may go back to draft for changes (its regime, say); a sent
// request is acknowledged by the host, or not; the content is removed,
// partly removed, or the host refuses; past its deadline the request is
// overdue, and an overdue, refused or partly honoured request can be
// escalated (the host's abuse contact, the registrar, search engines). A
// draft or approved request can be withdrawn (by the subject). removed and
// withdrawn are final: content seen again later opens a new request.
//
// Every move is recorded with who, when and why in takedown_events, which
// PostgreSQL keeps append-only. Pure functions: call them from any thread.

#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tdm::notifier {

enum class TakedownStatus {
  kDraft,
  kApproved,
  kSent,
  kAcknowledged,
  kRemoved,
  kPartiallyRemoved,
  kRejected,
  kOverdue,
  kEscalated,
  kWithdrawn,
};

// "draft", "approved", "sent", "acknowledged", "removed",
// "partially_removed", "rejected", "overdue", "escalated", "withdrawn".
const char* StatusName(TakedownStatus status);
std::optional<TakedownStatus> ParseStatus(std::string_view name);
std::vector<TakedownStatus> AllStatuses();

// The statuses a request may move to from `from`, in the order above.
std::vector<TakedownStatus> NextStatuses(TakedownStatus from);
bool CanMove(TakedownStatus from, TakedownStatus to);

}  // namespace tdm::notifier
