#include "admin.h"

#include <arpa/inet.h>
#include <netdb.h>

#include <chrono>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "stack_db.h"
#include "tdm/common/fetcher.h"
#include "tdm/common/kafka.h"
#include "tdm/common/messages.h"
#include "tdm/common/pg.h"
#include "tdm/common/url.h"
#include "tdm/crawler/scope.h"
#include "tdm/matcher/image_signal.h"
#include "tdm/matcher/profile_hashes.h"
#include "tdm/matcher/profile_index.h"

namespace tdm::cli {
namespace {

using nlohmann::json;

// Every PDQ hash a registered photo contributes, computed in memory: its own,
// its rotations and mirrors, and a grid of crops, so that edited reposts match.
std::vector<matcher::VariantHash> RegisteredPhotoHashes(
    std::span<const uint8_t> bytes, const Result<matcher::ImageSignal>& signal) {
  if (!signal.ok()) return {};
  auto variants = matcher::ComputeProfileHashes(bytes);
  if (!variants.ok()) return {{"orig", signal->pdq, signal->quality}};
  std::vector<matcher::VariantHash> out;
  out.reserve(variants->size());
  for (auto& v : *variants) out.push_back({std::move(v.variant), v.pdq, v.quality});
  return out;
}

}  // namespace

Result<std::string> Dsn(const Home& home) {
  // Data commands need only PostgreSQL; Kafka may be absent for them.
  return ResolvePgDsn(home, std::nullopt);
}

std::string Pad(std::string s, size_t width) {
  if (s.size() < width) s.resize(width, ' ');
  return s;
}

namespace {

// The addresses a host name resolves to, for the SSRF check at `site add`.
std::vector<std::string> Resolve(const std::string& host) {
  std::vector<std::string> out;
  std::string h = host;
  if (h.size() > 2 && h.front() == '[') h = h.substr(1, h.size() - 2);
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (getaddrinfo(h.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* p = res; p; p = p->ai_next) {
    char buf[INET6_ADDRSTRLEN] = {0};
    if (p->ai_family == AF_INET) {
      inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(p->ai_addr)->sin_addr, buf, sizeof(buf));
    } else if (p->ai_family == AF_INET6) {
      inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(p->ai_addr)->sin6_addr, buf,
                sizeof(buf));
    }
    if (buf[0]) out.push_back(buf);
  }
  freeaddrinfo(res);
  return out;
}

}  // namespace

Result<int64_t> AddSubject(const Home& home, const SubjectInput& in) {
  if (in.name.empty()) return Status::InvalidArgument("--name is required");
  if (in.auto_confirm_distance < -1 || in.auto_confirm_distance > 31) {
    return Status::InvalidArgument("--auto-confirm-distance must be -1 (never) to 31");
  }
  if (!in.email.empty() && in.email.find('@') == std::string::npos) {
    return Status::InvalidArgument("--email '" + in.email + "' is not an email address");
  }
  return InStackDb(home, [&](pqxx::work& tx) {
    return tx
        .exec_params1(
            "INSERT INTO subjects (name, email, phone, postal_address)"
            " VALUES ($1, NULLIF($2, ''), NULLIF($3, ''), NULLIF($4, '')) RETURNING id",
            in.name, in.email, in.phone, in.postal_address)[0]
        .as<int64_t>();
  });
}

Result<ProfileReport> AddProfiles(const Home& home, int64_t subject_id,
                                  const std::vector<std::string>& files) {
  if (files.empty()) return Status::InvalidArgument("give at least one photo file");
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  if (Status s = RequireLiveSubject(home, subject_id); !s.ok()) return s;
  PgSession pg(*dsn);
  ProfileReport report;
  for (const std::string& file : files) {
    auto read = ReadPhoto(file, report);
    if (!read) continue;
    std::string bytes = std::move(*read);
    const auto span =
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size());
    auto signal = matcher::ComputeImageSignal(span, {}, matcher::JpegLuma::kFromRgb);
    auto variants = RegisteredPhotoHashes(span, signal);
    std::string().swap(bytes);  // the photo is dropped here; only its hashes go on
    if (!signal.ok()) {
      report.refused.push_back(file + ": " + signal.status().message());
      continue;
    }
    if (signal->quality < 50) {
      report.refused.push_back(file + ": too featureless to match on (PDQ quality " +
                               std::to_string(signal->quality) + ")");
      continue;
    }
    const std::string label = std::filesystem::path(file).filename().string();
    auto inserted = pg.Transact([&](pqxx::work& tx) {
      auto r = tx.exec_params(
          "INSERT INTO hash_profiles (subject_id, pdq, quality, sha256, md5, label)"
          " VALUES ($1, decode($2, 'hex'), $3, decode($4, 'hex'), decode($5, 'hex'), $6)"
          " ON CONFLICT DO NOTHING RETURNING id",
          subject_id, signal->pdq.ToHex(), signal->quality, signal->sha256_hex, signal->md5_hex,
          label);
      if (r.empty()) return false;
      const int64_t profile_id = r[0][0].as<int64_t>();
      std::vector<std::string> names, hexes, qualities;
      for (const auto& v : variants) {
        names.push_back(v.variant);
        hexes.push_back(v.pdq.ToHex());
        qualities.push_back(std::to_string(v.quality));
      }
      tx.exec_params(
          "INSERT INTO profile_hashes (profile_id, variant, pdq, quality)"
          " SELECT $1, v, decode(p, 'hex'), q::smallint"
          " FROM unnest($2::text[], $3::text[], $4::text[]) AS t(v, p, q) ON CONFLICT DO NOTHING",
          profile_id, PgTextArray(names), PgTextArray(hexes), PgTextArray(qualities));
      return true;
    });
    if (!inserted.ok()) return inserted.status();
    if (*inserted) report.hashes += static_cast<int>(variants.size());
    (*inserted ? report.added : report.already_known)++;
  }
  return report;
}

Status RequireLiveSubject(const Home& home, int64_t subject_id) {
  auto exists = InStackDb(home, [&](pqxx::work& tx) {
    return !tx.exec_params("SELECT 1 FROM subjects WHERE id = $1 AND withdrawn_at IS NULL",
                           subject_id)
                .empty();
  });
  if (!exists.ok()) return exists.status();
  return *exists ? Status::Ok() : Status::NotFound("subject " + std::to_string(subject_id));
}

std::optional<std::string> ReadPhoto(const std::string& file, ProfileReport& report) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    report.refused.push_back(file + ": cannot read");
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Status DeleteById(const Home& home, const std::string& table, int64_t id, const std::string& what) {
  auto deleted = InStackDb(home, [&](pqxx::work& tx) {
    return !tx.exec_params("DELETE FROM " + table + " WHERE id = $1 RETURNING id", id).empty();
  });
  if (!deleted.ok()) return deleted.status();
  if (!*deleted) return Status::NotFound(what + " " + std::to_string(id));
  return Status::Ok();
}

Status DeleteProfile(const Home& home, int64_t profile_id) {
  return DeleteById(home, "hash_profiles", profile_id, "profile");
}

Result<int64_t> AddSite(const Home& home, const std::string& name, const std::string& url_text,
                        bool allow_private) {
  if (name.empty()) return Status::InvalidArgument("--name is required");
  auto url = Url::Parse(url_text);
  if (!url.ok()) return Status::InvalidArgument("'" + url_text + "': " + url.status().message());
  if (!allow_private) {
    auto addresses = Resolve(url->host());
    if (addresses.empty()) {
      return Status::InvalidArgument("cannot resolve " + url->host());
    }
    for (const auto& a : addresses) {
      if (IsPrivateAddress(a)) {
        return Status::Refused(url->host() + " resolves to " + a +
                               ", a loopback or private address; pass --allow-private to watch it");
      }
    }
  }
  const auto scope = crawler::Scope::FromSeed(*url);
  return InStackDb(home, [&](pqxx::work& tx) {
    return tx
        .exec_params1(
            "INSERT INTO sites (name, seed_url, scope_prefix, allow_private)"
            " VALUES ($1, $2, $3, $4) ON CONFLICT (seed_url) DO UPDATE SET name = $1,"
            " allow_private = $4 RETURNING id",
            name, url->Spec(), scope.path_prefix(), allow_private)[0]
        .as<int64_t>();
  });
}

Result<int64_t> StartCrawl(const Home& home, int64_t site_id) {
  auto endpoints = ResolveEndpoints(home, std::nullopt, std::nullopt);
  if (!endpoints.ok()) return endpoints.status();
  PgSession pg(endpoints->pg_dsn);
  auto item = pg.Transact([&](pqxx::work& tx) -> std::optional<FrontierItem> {
    auto site = tx.exec_params("SELECT seed_url FROM sites WHERE id = $1", site_id);
    if (site.empty()) return std::nullopt;
    FrontierItem f;
    f.site_id = site_id;
    f.url = site[0][0].as<std::string>();
    f.crawl_id =
        tx.exec_params1("INSERT INTO crawls (site_id) VALUES ($1) RETURNING id", site_id)[0]
            .as<int64_t>();
    tx.exec_params("INSERT INTO crawl_urls (crawl_id, url, depth) VALUES ($1, $2, 0)", f.crawl_id,
                   f.url);
    return f;
  });
  if (!item.ok()) return item.status();
  if (!item->has_value()) return Status::NotFound("site " + std::to_string(site_id));
  auto producer = MakeKafkaProducer({endpoints->kafka_bootstrap, "tdm-cli"});
  if (!producer.ok()) return producer.status();
  Status s = (*producer)->Publish(kFrontierTopic, HostKeyOf((*item)->url), (*item)->Encode());
  if (s.ok()) s = (*producer)->Flush(std::chrono::seconds(15));
  // Even if this publish is lost, the crawler's reconcile sweep republishes
  // the queued seed from PostgreSQL.
  if (!s.ok()) return s;
  return (*item)->crawl_id;
}

std::string CrawlReport::Summary() const {
  std::ostringstream o;
  o.setf(std::ios::fixed);
  o.precision(1);
  o << "pages " << pages << " (" << pages_failed << " failed";
  if (pages_retrying > 0) o << ", " << pages_retrying << " to retry later";
  o << "), images " << images << " (" << images_failed << " failed), matches " << matches << " ("
    << pending_review << " waiting for review), drafts " << drafts << ", seconds " << seconds;
  return o.str();
}

Result<CrawlReport> WaitForCrawl(const Home& home, int64_t crawl_id, double timeout_s) {
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  PgSession pg(*dsn);
  const auto start = std::chrono::steady_clock::now();
  int quiet_polls = 0;
  while (true) {
    auto r = pg.Transact([&](pqxx::work& tx) {
      auto row = tx.exec_params1(
          "SELECT"
          " (SELECT count(*) FROM crawl_urls WHERE crawl_id = $1 AND state IN "
          "('queued','fetching') AND (retry_at IS NULL OR deferred)),"
          " (SELECT count(*) FROM image_refs WHERE crawl_id = $1 AND state = 'queued'),"
          " (SELECT count(*) FROM matches m JOIN sightings s ON s.id = m.sighting_id"
          "   LEFT JOIN takedown_items i ON i.match_id = m.id"
          "   WHERE s.crawl_id = $1 AND m.status = 'confirmed' AND i.id IS NULL),"
          " (SELECT count(*) FROM crawl_urls WHERE crawl_id = $1 AND state = 'done'),"
          " (SELECT count(*) FROM crawl_urls WHERE crawl_id = $1 AND state = 'failed'),"
          " (SELECT count(DISTINCT image_url) FROM image_refs WHERE crawl_id = $1 AND state = "
          "'done'),"
          " (SELECT count(DISTINCT image_url) FROM image_refs WHERE crawl_id = $1 AND state = "
          "'failed'),"
          " (SELECT count(*) FROM matches m JOIN sightings s ON s.id = m.sighting_id"
          "   WHERE s.crawl_id = $1),"
          " (SELECT count(*) FROM matches m JOIN sightings s ON s.id = m.sighting_id"
          "   WHERE s.crawl_id = $1 AND m.status = 'pending_review'),"
          " (SELECT count(DISTINCT i.takedown_id) FROM takedown_items i"
          "   JOIN matches m ON m.id = i.match_id JOIN sightings s ON s.id = m.sighting_id"
          "   WHERE s.crawl_id = $1),"
          // Pages a busy or failing server made us retry later: not waited for.
          " (SELECT count(*) FROM crawl_urls WHERE crawl_id = $1 AND state = 'queued'"
          "   AND retry_at IS NOT NULL AND NOT deferred)",
          crawl_id);
      CrawlReport rep;
      rep.crawl_id = crawl_id;
      const int64_t pending = row[0].as<int64_t>() + row[1].as<int64_t>() + row[2].as<int64_t>();
      rep.pages = row[3].as<int64_t>() + row[4].as<int64_t>() + row[10].as<int64_t>();
      rep.pages_failed = row[4].as<int64_t>();
      rep.images = row[5].as<int64_t>() + row[6].as<int64_t>();
      rep.images_failed = row[6].as<int64_t>();
      rep.matches = row[7].as<int64_t>();
      rep.pending_review = row[8].as<int64_t>();
      rep.drafts = row[9].as<int64_t>();
      rep.pages_retrying = row[10].as<int64_t>();
      if (pending == 0) {
        tx.exec_params("UPDATE crawls SET finished_at = coalesce(finished_at, now()) WHERE id = $1",
                       crawl_id);
      }
      return std::make_pair(pending, rep);
    });
    if (!r.ok()) return r.status();
    const double elapsed =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    quiet_polls = r->first == 0 ? quiet_polls + 1 : 0;
    if (quiet_polls >= 2) {
      r->second.seconds = elapsed;
      return r->second;
    }
    if (elapsed > timeout_s) {
      return Status::Unavailable("crawl " + std::to_string(crawl_id) + " still has " +
                                 std::to_string(r->first) + " item(s) pending after " +
                                 std::to_string(static_cast<int>(timeout_s)) +
                                 " s; is the stack running (tdm status)?");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
}

Result<std::vector<int64_t>> ListTakedownIdsForSubject(const Home& home, int64_t subject_id) {
  return InStackDb(home, [&](pqxx::work& tx) {
    std::vector<int64_t> out;
    for (const auto& r :
         tx.exec_params("SELECT id FROM takedowns WHERE subject_id = $1 ORDER BY id", subject_id)) {
      out.push_back(r[0].as<int64_t>());
    }
    return out;
  });
}

Result<std::vector<std::string>> MatchedImageUrls(const Home& home, int64_t subject_id) {
  return InStackDb(home, [&](pqxx::work& tx) {
    std::vector<std::string> out;
    for (const auto& r :
         tx.exec_params("SELECT DISTINCT i.image_url FROM takedown_items i JOIN takedowns t"
                        " ON t.id = i.takedown_id WHERE t.subject_id = $1 ORDER BY 1",
                        subject_id)) {
      out.push_back(r[0].as<std::string>());
    }
    return out;
  });
}

}  // namespace tdm::cli
