#include "tdm/crawler/scheduler.h"

#include <spdlog/spdlog.h>

#include "tdm/common/url.h"
#include "tdm/crawler/crawler.h"

namespace tdm::crawler {

RecrawlScheduler::RecrawlScheduler(ScheduleStore& store, Producer& producer,
                                   CrawlerMetrics& metrics, size_t max_pages_per_tick)
    : store_(store),
      producer_(producer),
      metrics_(metrics),
      max_pages_per_tick_(max_pages_per_tick) {}

Status RecrawlScheduler::Tick() {
  auto lead = store_.Lead();
  const bool was_leading = leading_;
  leading_ = lead.ok() && *lead;
  metrics_.SchedulerActive(leading_);
  if (leading_ != was_leading) {
    spdlog::info(leading_ ? "recrawl scheduler: active (holds the scheduler lock)"
                          : "recrawl scheduler: standing by (another process holds the lock)");
  }
  if (!lead.ok()) return lead.status();
  if (!leading_) return Status::Ok();
  auto due = store_.EnqueueDue(max_pages_per_tick_);
  if (!due.ok()) return due.status();
  if (due->empty()) return Status::Ok();
  for (const FrontierItem& page : *due) {
    if (Status s = producer_.Publish(kFrontierTopic, HostKeyOf(page.url), page.Encode()); !s.ok()) {
      return s;
    }
  }
  metrics_.RecrawlQueued(due->size());
  spdlog::info("recrawl scheduler: {} due page(s) queued", due->size());
  return producer_.Flush(std::chrono::seconds(30));
}

}  // namespace tdm::crawler
