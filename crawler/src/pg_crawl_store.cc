#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "tdm/common/pg_adapter.h"
#include "tdm/crawler/crawl_store.h"

namespace tdm::crawler {
namespace {

using CrawlUrl = std::pair<int64_t, std::string>;

// Header values from the web go into text columns: printable ASCII only, and
// not much of it (PostgreSQL refuses invalid UTF-8, which would fail the batch).
std::string HeaderText(const std::string& value) {
  std::string out;
  for (char c : value) {
    if (c >= 0x20 && c < 0x7f) out += c;
    if (out.size() >= 256) break;
  }
  return out;
}

std::vector<std::string> JsonList(const pqxx::field& f) {
  if (f.is_null()) return {};
  return nlohmann::json::parse(f.as<std::string>()).get<std::vector<std::string>>();
}

// Sites and crawl kinds of the crawls in `crawl_ids`, by crawl id.
std::map<int64_t, std::pair<SiteSettings, bool>> LoadCrawls(pqxx::work& tx,
                                                            const std::vector<int64_t>& crawl_ids) {
  auto rows = tx.exec_params(
      "SELECT c.id, c.kind = 'recrawl', s.id, s.seed_url, s.allow_private, s.max_pages,"
      " s.max_depth, s.crawl_delay_ms, s.max_concurrency, s.obey_robots,"
      " array_to_json(s.include_patterns)::text, array_to_json(s.exclude_patterns)::text,"
      " array_to_json(x.headers)::text, x.cookie, s.recrawl_every_secs, s.max_url_length,"
      " s.max_query_params, s.max_path_segments, s.calendar_window_days"
      " FROM crawls c JOIN sites s ON s.id = c.site_id"
      " LEFT JOIN site_secrets x ON x.site_id = s.id WHERE c.id = ANY($1::bigint[])",
      PgNumberArray(crawl_ids));
  std::map<int64_t, std::pair<SiteSettings, bool>> out;
  for (const auto& r : rows) {
    SiteSettings site;
    site.site_id = r[2].as<int64_t>();
    site.seed_url = r[3].as<std::string>();
    site.allow_private = r[4].as<bool>();
    site.max_pages = r[5].as<int>();
    site.max_depth = r[6].as<int>();
    if (!r[7].is_null()) site.crawl_delay_ms = r[7].as<int>();
    if (!r[8].is_null()) site.max_concurrency = r[8].as<int>();
    site.obey_robots = r[9].as<bool>();
    site.include_patterns = JsonList(r[10]);
    site.exclude_patterns = JsonList(r[11]);
    site.session_headers = JsonList(r[12]);
    site.session_cookie = r[13].as<std::string>("");
    if (!r[14].is_null()) site.recrawl_every = std::chrono::seconds(r[14].as<int>());
    if (!r[15].is_null()) site.max_url_length = r[15].as<int>();
    if (!r[16].is_null()) site.max_query_params = r[16].as<int>();
    if (!r[17].is_null()) site.max_path_segments = r[17].as<int>();
    if (!r[18].is_null()) site.calendar_window_days = r[18].as<int>();
    out.emplace(r[0].as<int64_t>(), std::make_pair(std::move(site), r[1].as<bool>()));
  }
  return out;
}

class PgCrawlStore final : public CrawlStore {
 public:
  explicit PgCrawlStore(std::string dsn) : pg_(std::move(dsn)) {}

  Result<std::vector<std::optional<PageClaim>>> Claim(
      const std::vector<FrontierItem>& items) override {
    std::vector<std::optional<PageClaim>> out(items.size());
    if (items.empty()) return out;
    std::vector<int64_t> crawl_ids;
    std::vector<std::string> urls;
    for (const FrontierItem& item : items) {
      crawl_ids.push_back(item.crawl_id);
      urls.push_back(item.url);
    }
    return pg_.Transact([&](pqxx::work& tx) {
      const std::string ids = PgNumberArray(crawl_ids), url_list = PgTextArray(urls);
      auto claimed = tx.exec_params(
          "WITH m AS (SELECT DISTINCT crawl_id, url"
          "           FROM unnest($1::bigint[], $2::text[]) AS m(crawl_id, url))"
          " UPDATE crawl_urls u SET state = 'fetching', attempts = u.attempts + 1,"
          " updated_at = now() FROM m WHERE u.crawl_id = m.crawl_id AND u.url = m.url"
          " AND u.state IN ('queued', 'fetching')"
          " RETURNING u.crawl_id, u.url, u.depth, u.attempts, u.kind",
          ids, url_list);
      if (claimed.empty()) return out;
      const auto crawls = LoadCrawls(tx, crawl_ids);
      std::map<CrawlUrl, PageHistory> history;
      for (const auto& r : tx.exec_params(
               "SELECT c.id, sp.url, sp.etag, sp.last_modified, sp.content_digest,"
               " sp.interval_secs FROM unnest($1::bigint[], $2::text[]) AS m(crawl_id, url)"
               " JOIN crawls c ON c.id = m.crawl_id"
               " JOIN site_pages sp ON sp.site_id = c.site_id AND sp.url = m.url",
               ids, url_list)) {
        PageHistory h;
        h.etag = r[2].as<std::string>("");
        h.last_modified = r[3].as<std::string>("");
        if (!r[4].is_null()) h.content_digest = r[4].as<int64_t>();
        h.interval = std::chrono::seconds(r[5].as<int>());
        history.emplace(CrawlUrl{r[0].as<int64_t>(), r[1].as<std::string>()}, std::move(h));
      }
      std::map<CrawlUrl, PageClaim> by_key;
      for (const auto& r : claimed) {
        const int64_t crawl_id = r[0].as<int64_t>();
        auto crawl = crawls.find(crawl_id);
        if (crawl == crawls.end()) continue;  // deleted meanwhile
        PageClaim c;
        c.site = crawl->second.first;
        c.recrawl = crawl->second.second;
        c.depth = r[2].as<int>();
        c.attempts = r[3].as<int>();
        c.kind = ParsePageKind(r[4].as<std::string>());
        CrawlUrl key{crawl_id, r[1].as<std::string>()};
        if (auto h = history.find(key); h != history.end()) c.history = h->second;
        by_key.emplace(std::move(key), std::move(c));
      }
      for (size_t i = 0; i < items.size(); ++i) {
        auto it = by_key.find({items[i].crawl_id, items[i].url});
        if (it == by_key.end()) continue;
        out[i] = std::move(it->second);
        by_key.erase(it);  // a duplicate later in the batch gets nullopt
      }
      return out;
    });
  }

  Result<RecordedLinks> Record(const std::vector<PageResult>& pages) override {
    return pg_.Transact([&](pqxx::work& tx) {
      RecordedLinks out;
      if (pages.empty()) return out;
      RecordStates(tx, pages);
      RecordHistory(tx, pages);
      out.pages = AddPages(tx, pages);
      out.images = AddImages(tx, pages);
      return out;
    });
  }

  Result<double> FrontierLag() override {
    return pg_.Transact([](pqxx::work& tx) {
      return tx
          .exec1(
              "SELECT coalesce(extract(epoch FROM now() - min(updated_at)), 0)::float8"
              " FROM crawl_urls WHERE state = 'queued'")[0]
          .as<double>();
    });
  }

  Result<RecordedLinks> Requeue(std::chrono::seconds older_than, int max_attempts) override {
    return pg_.Transact([&](pqxx::work& tx) {
      RecordedLinks out;
      const std::string age = std::to_string(older_than.count()) + " seconds";
      // Due: a retry whose time has come, or work whose message was lost.
      const std::string due =
          " (CASE WHEN retry_at IS NOT NULL THEN retry_at <= now()"
          " ELSE updated_at < now() - $1::interval END)";
      tx.exec_params(
          "UPDATE crawl_urls SET state = 'failed', retry_at = NULL, error = 'gave up after ' ||"
          " attempts || ' attempts' || coalesce(': ' || error, ''), updated_at = now()"
          " WHERE state IN ('queued', 'fetching') AND attempts >= $2 AND" +
              due,
          age, max_attempts);
      auto pages = tx.exec_params(
          "UPDATE crawl_urls u SET state = 'queued', retry_at = NULL, updated_at = now()"
          " FROM crawls c WHERE c.id = u.crawl_id AND u.state IN ('queued', 'fetching') AND" +
              std::string(" (CASE WHEN u.retry_at IS NOT NULL THEN u.retry_at <= now()"
                          " ELSE u.updated_at < now() - $1::interval END)") +
              " RETURNING u.crawl_id, c.site_id, u.url, u.depth",
          age);
      for (const auto& row : pages) {
        out.pages.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                             row[3].as<int>()});
      }
      tx.exec_params(
          "UPDATE image_refs SET state = 'failed', error = 'gave up after ' || attempts ||"
          " ' attempts', updated_at = now() WHERE state = 'queued'"
          " AND updated_at < now() - $1::interval AND attempts >= $2",
          age, max_attempts);
      auto images = tx.exec_params(
          "UPDATE image_refs r SET attempts = attempts + 1, updated_at = now()"
          " FROM crawls c JOIN sites s ON s.id = c.site_id"
          " WHERE c.id = r.crawl_id AND r.state = 'queued' AND r.updated_at < now() - $1::interval"
          " RETURNING r.crawl_id, c.site_id, r.page_url, r.image_url, s.allow_private",
          age);
      for (const auto& row : images) {
        out.images.push_back({row[0].as<int64_t>(), row[1].as<int64_t>(), row[2].as<std::string>(),
                              row[3].as<std::string>(), row[4].as<bool>()});
      }
      return out;
    });
  }

 private:
  // Each page's state: done, failed, or queued again until its retry time
  // (republished by Requeue once due).
  static void RecordStates(pqxx::work& tx, const std::vector<PageResult>& pages) {
    std::vector<int64_t> crawl_ids, bytes;
    std::vector<int> statuses;
    std::vector<double> retry;
    std::vector<std::string> urls, states, types, errors;
    std::vector<int> given_back;  // a deferred page's claim was not an attempt
    for (const PageResult& p : pages) {
      const PageOutcome& o = *p.outcome;
      crawl_ids.push_back(p.item->crawl_id);
      urls.push_back(p.item->url);
      states.push_back(o.retry_after ? "queued" : o.ok ? "done" : "failed");
      statuses.push_back(o.http_status);
      types.push_back(HeaderText(o.content_type));
      bytes.push_back(o.bytes);
      errors.push_back(o.error);
      retry.push_back(o.retry_after ? static_cast<double>(o.retry_after->count()) : -1.0);
      given_back.push_back(o.deferred ? 1 : 0);
    }
    tx.exec_params(
        "UPDATE crawl_urls u SET state = m.state, http_status = NULLIF(m.status, 0),"
        " content_type = NULLIF(m.ctype, ''), bytes = m.bytes, error = NULLIF(m.error, ''),"
        " retry_at = CASE WHEN m.retry < 0 THEN NULL"
        "            ELSE now() + make_interval(secs => m.retry) END, updated_at = now(),"
        " attempts = greatest(0, u.attempts - m.given_back), deferred = m.given_back = 1"
        " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::int[], $5::text[], $6::bigint[],"
        "             $7::text[], $8::float8[], $9::int[])"
        "      AS m(crawl_id, url, state, status, ctype, bytes, error, retry, given_back)"
        " WHERE u.crawl_id = m.crawl_id AND u.url = m.url",
        PgNumberArray(crawl_ids), PgTextArray(urls), PgTextArray(states), PgNumberArray(statuses),
        PgTextArray(types), PgNumberArray(bytes), PgTextArray(errors), PgNumberArray(retry),
        PgNumberArray(given_back));
  }

  // The site's history of every page fetched (site_pages): validators,
  // digest, counts and the adapted interval until its next visit.
  static void RecordHistory(pqxx::work& tx, const std::vector<PageResult>& pages) {
    // One row per (site, url): a statement may not update a row twice.
    std::map<std::pair<int64_t, std::string>, const PageResult*> rows;
    for (const PageResult& p : pages) {
      if (p.outcome->revisit_after) rows[{p.claim->site.site_id, p.item->url}] = &p;
    }
    if (rows.empty()) return;
    std::vector<int64_t> site_ids, digests;
    std::vector<int> depths, intervals;
    std::vector<bool> not_modified, has_digest;
    std::vector<std::string> urls, kinds, etags, modified;
    for (const auto& [key, p] : rows) {
      const PageOutcome& o = *p->outcome;
      site_ids.push_back(key.first);
      urls.push_back(key.second);
      depths.push_back(p->claim->depth);
      kinds.push_back(PageKindName(p->claim->kind));
      etags.push_back(HeaderText(o.etag));
      modified.push_back(HeaderText(o.last_modified));
      has_digest.push_back(o.content_digest.has_value());
      digests.push_back(o.content_digest.value_or(0));
      not_modified.push_back(o.not_modified);
      intervals.push_back(static_cast<int>(o.revisit_after->count()));
    }
    tx.exec_params(
        "INSERT INTO site_pages AS p (site_id, url, depth, kind, etag, last_modified,"
        " content_digest, fetches, not_modified, last_fetched, last_changed, interval_secs,"
        " next_due)"
        " SELECT m.site_id, m.url, m.depth, m.kind, NULLIF(m.etag, ''), NULLIF(m.lm, ''),"
        " CASE WHEN m.has_digest THEN m.digest END, 1, m.nm::int, now(), now(), m.secs,"
        " now() + make_interval(secs => m.secs)"
        " FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[], $5::text[], $6::text[],"
        "             $7::bool[], $8::bigint[], $9::bool[], $10::int[])"
        "      AS m(site_id, url, depth, kind, etag, lm, has_digest, digest, nm, secs)"
        " ON CONFLICT (site_id, url) DO UPDATE SET depth = least(p.depth, EXCLUDED.depth),"
        " kind = CASE WHEN EXCLUDED.kind = 'index' THEN 'index' ELSE p.kind END,"
        " etag = EXCLUDED.etag, last_modified = EXCLUDED.last_modified,"
        " content_digest = coalesce(EXCLUDED.content_digest, p.content_digest),"
        " fetches = p.fetches + 1, not_modified = p.not_modified + EXCLUDED.not_modified,"
        " changes = p.changes + coalesce(EXCLUDED.content_digest <> p.content_digest, false)::int,"
        " last_fetched = now(),"
        " last_changed = CASE WHEN coalesce(EXCLUDED.content_digest <> p.content_digest,"
        "   p.content_digest IS NULL AND EXCLUDED.content_digest IS NOT NULL) THEN now()"
        "   ELSE p.last_changed END,"
        " interval_secs = EXCLUDED.interval_secs, next_due = EXCLUDED.next_due",
        PgNumberArray(site_ids), PgTextArray(urls), PgNumberArray(depths), PgTextArray(kinds),
        PgTextArray(etags), PgTextArray(modified), PgNumberArray(has_digest),
        PgNumberArray(digests), PgNumberArray(not_modified), PgNumberArray(intervals));
  }

  // The pages found that the crawl does not have yet (in a recrawl: that the
  // site never had), within each crawl's page budget and depth cap.
  static std::vector<FrontierItem> AddPages(pqxx::work& tx, const std::vector<PageResult>& pages) {
    std::vector<FrontierItem> candidates;
    std::vector<std::string> kinds;
    std::vector<bool> recrawl;
    std::map<int64_t, int> max_pages;
    std::set<CrawlUrl> seen;
    for (const PageResult& p : pages) {
      const PageOutcome& o = *p.outcome;
      if (o.new_pages.empty() || p.claim->depth >= p.claim->site.max_depth) continue;
      max_pages[p.item->crawl_id] = p.claim->site.max_pages;
      for (const std::string& url : o.new_pages) {
        if (!seen.insert({p.item->crawl_id, url}).second) continue;
        candidates.push_back({p.item->crawl_id, p.item->site_id, url, p.claim->depth + 1});
        auto listed = [&](const std::vector<std::string>& list) {
          return std::find(list.begin(), list.end(), url) != list.end();
        };
        kinds.push_back(PageKindName(listed(o.image_pages)   ? PageKind::kImagePage
                                     : listed(o.index_pages) ? PageKind::kIndex
                                                             : PageKind::kPage));
        recrawl.push_back(p.claim->recrawl);
      }
    }
    if (candidates.empty()) return {};
    std::vector<int64_t> crawl_ids, site_ids;
    std::vector<std::string> urls;
    for (const FrontierItem& c : candidates) {
      crawl_ids.push_back(c.crawl_id);
      site_ids.push_back(c.site_id);
      urls.push_back(c.url);
    }
    auto fresh = tx.exec_params(
        "SELECT m.i - 1 FROM unnest($1::bigint[], $2::text[], $3::bigint[], $4::bool[])"
        "   WITH ORDINALITY AS m(crawl_id, url, site_id, recrawl, i)"
        " WHERE NOT EXISTS (SELECT 1 FROM crawl_urls u"
        "                   WHERE u.crawl_id = m.crawl_id AND u.url = m.url)"
        "   AND NOT (m.recrawl AND EXISTS (SELECT 1 FROM site_pages sp"
        "            WHERE sp.site_id = m.site_id AND sp.url = m.url))"
        " ORDER BY m.i",
        PgNumberArray(crawl_ids), PgTextArray(urls), PgNumberArray(site_ids),
        PgNumberArray(recrawl));
    if (fresh.empty()) return {};
    std::map<int64_t, int64_t> known;  // pages each crawl already has
    std::vector<int64_t> budget_ids;
    for (const auto& [id, cap] : max_pages) budget_ids.push_back(id);
    for (const auto& r : tx.exec_params(
             "SELECT crawl_id, count(*) FROM crawl_urls WHERE crawl_id = ANY($1::bigint[])"
             " GROUP BY crawl_id",
             PgNumberArray(budget_ids))) {
      known[r[0].as<int64_t>()] = r[1].as<int64_t>();
    }
    std::vector<int64_t> ins_crawl;
    std::vector<int> ins_depth;
    std::vector<std::string> ins_url, ins_kind;
    std::map<CrawlUrl, const FrontierItem*> accepted;
    for (const auto& r : fresh) {
      const size_t i = r[0].as<size_t>();
      const FrontierItem& c = candidates[i];
      if (known[c.crawl_id] >= max_pages[c.crawl_id]) continue;
      ++known[c.crawl_id];
      ins_crawl.push_back(c.crawl_id);
      ins_url.push_back(c.url);
      ins_depth.push_back(c.depth);
      ins_kind.push_back(kinds[i]);
      accepted[{c.crawl_id, c.url}] = &c;
    }
    std::vector<FrontierItem> out;
    if (accepted.empty()) return out;
    // A concurrent crawler may have added some meanwhile: only rows this
    // statement inserted are ours to publish.
    for (const auto& r :
         tx.exec_params("INSERT INTO crawl_urls (crawl_id, url, depth, kind)"
                        " SELECT * FROM unnest($1::bigint[], $2::text[], $3::int[], $4::text[])"
                        " ON CONFLICT DO NOTHING RETURNING crawl_id, url",
                        PgNumberArray(ins_crawl), PgTextArray(ins_url), PgNumberArray(ins_depth),
                        PgTextArray(ins_kind))) {
      auto it = accepted.find({r[0].as<int64_t>(), r[1].as<std::string>()});
      if (it != accepted.end()) out.push_back(*it->second);
    }
    return out;
  }

  // The image refs found that the crawl does not have yet (in a recrawl: not
  // already sighted on that page).
  static std::vector<ImageItem> AddImages(pqxx::work& tx, const std::vector<PageResult>& pages) {
    std::vector<int64_t> crawl_ids;
    std::vector<bool> recrawl;
    std::vector<std::string> page_urls, image_urls, hows;
    std::map<std::tuple<int64_t, std::string, std::string>, ImageItem> items;
    for (const PageResult& p : pages) {
      for (const FoundImage& img : p.outcome->images) {
        ImageItem item{p.item->crawl_id, p.item->site_id, p.item->url, img.url,
                       p.claim->site.allow_private};
        if (!items.emplace(std::make_tuple(item.crawl_id, item.page_url, item.image_url), item)
                 .second) {
          continue;
        }
        crawl_ids.push_back(item.crawl_id);
        page_urls.push_back(item.page_url);
        image_urls.push_back(item.image_url);
        hows.push_back(img.how);
        recrawl.push_back(p.claim->recrawl);
      }
    }
    std::vector<ImageItem> out;
    if (items.empty()) return out;
    for (const auto& r : tx.exec_params(
             "INSERT INTO image_refs (crawl_id, page_url, image_url, how)"
             " SELECT m.crawl_id, m.page, m.image, m.how"
             " FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bool[])"
             "      WITH ORDINALITY AS m(crawl_id, page, image, how, recrawl, i)"
             " WHERE NOT (m.recrawl AND EXISTS (SELECT 1 FROM sightings s"
             "            WHERE s.page_url = m.page AND s.image_url = m.image))"
             " ORDER BY m.i ON CONFLICT DO NOTHING RETURNING crawl_id, page_url, image_url",
             PgNumberArray(crawl_ids), PgTextArray(page_urls), PgTextArray(image_urls),
             PgTextArray(hows), PgNumberArray(recrawl))) {
      auto it = items.find(
          std::make_tuple(r[0].as<int64_t>(), r[1].as<std::string>(), r[2].as<std::string>()));
      if (it != items.end()) out.push_back(it->second);
    }
    return out;
  }

  PgSession pg_;
};

}  // namespace

std::unique_ptr<CrawlStore> MakePgCrawlStore(const std::string& dsn) {
  return std::make_unique<PgCrawlStore>(dsn);
}

}  // namespace tdm::crawler
