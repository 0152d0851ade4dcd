#pragma once

// Recrawls: the scheduler that puts a watched site's due pages back on the
// frontier.
//
// PostgreSQL holds every schedule (sites.recrawl_every_secs) and every page's
// next visit (site_pages.next_due, set by the crawler after each fetch; see
// recrawl.h), so the scheduler keeps no state of its own: a restarted crawler
// simply carries on. Every crawler process runs one, but only the one holding
// the scheduler's advisory lock acts; the lock lives with its database
// session, so when that process dies or loses its connection another takes
// over at its next tick.

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "tdm/common/kafka.h"
#include "tdm/common/messages.h"
#include "tdm/common/status.h"

namespace tdm::crawler {

class CrawlerMetrics;

// The scheduler's view of PostgreSQL. Errors: Unavailable when the database
// is away (the lock is then lost with the session).
class ScheduleStore {
 public:
  virtual ~ScheduleStore() = default;
  // True while this store holds the scheduler lock; takes it when free.
  virtual Result<bool> Lead() = 0;
  // In one transaction: marks recrawls with nothing left to fetch finished;
  // gives each scheduled site's seed a history row if it has none (due now);
  // puts up to `limit` due pages (oldest first) into their site's open
  // recrawl (a crawl of kind 'recrawl', opened when there is none), queued;
  // and moves their next_due on by their interval, so a page whose fetch
  // never completes comes back later instead of every tick. Returns the
  // pages to publish; a page already queued in the open recrawl is not
  // returned again.
  virtual Result<std::vector<FrontierItem>> EnqueueDue(size_t limit) = 0;
};

std::unique_ptr<ScheduleStore> MakePgScheduleStore(const std::string& dsn);

// Runs one scheduling round per Tick() (the crawler service calls it every
// few seconds). Borrowed dependencies must outlive it. Not thread-safe.
class RecrawlScheduler {
 public:
  RecrawlScheduler(ScheduleStore& store, Producer& producer, CrawlerMetrics& metrics,
                   size_t max_pages_per_tick = 10000);
  // Ok also when another process is the active scheduler. Published pages
  // that are lost are republished by the crawler's reconcile sweep (they are
  // queued in PostgreSQL first).
  Status Tick();
  bool leading() const { return leading_; }

 private:
  ScheduleStore& store_;
  Producer& producer_;
  CrawlerMetrics& metrics_;
  size_t max_pages_per_tick_;
  bool leading_ = false;
};

}  // namespace tdm::crawler
