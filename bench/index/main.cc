// bench_index: exact PDQ radius search at scale, three engines in one run.
//
//   linear  a plain scan over a contiguous hash array (the ground truth)
//   tdm     tdm::matcher::PdqIndex (multi-index hashing, CSR tables)
//   faiss   faiss::IndexBinaryMultiHash(256, nhash=16, b=16), nflip=1, as
//           ThreatExchange's PDQMultiHashIndex / HMA configure it
//
// For each distribution and size it prints one markdown row per engine:
// build time, structure bytes, RSS growth after the build and at its peak,
// per-query latency, and recall against the linear scan. Single-threaded.
//
// Usage: bench_index [--sizes=1000000,10000000] [--queries=1000]
//                    [--linear_queries=N] [--dists=uniform,clustered,skewed]
//                    [--no_faiss]

#include <faiss/IndexBinaryFlat.h>
#include <faiss/IndexBinaryHash.h>
#include <faiss/impl/AuxIndexStructures.h>
#include <malloc.h>
#include <omp.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "tdm/matcher/pdq_index.h"

namespace {

using tdm::matcher::PdqHash;
using tdm::matcher::PdqIndex;
using Clock = std::chrono::steady_clock;
using Ids = std::vector<uint32_t>;

constexpr int kRadius = 31;  // tdm's match threshold, inclusive

struct Options {
  std::vector<size_t> sizes = {1000000, 10000000};
  size_t queries = 1000;
  size_t linear_queries = 0;  // 0: time the linear scan on every query
  std::vector<std::string> dists = {"uniform", "clustered", "skewed"};
  bool faiss = true;  // --no_faiss skips the slowest engine when re-measuring
};

std::vector<std::string> Split(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream in(s);
  for (std::string item; std::getline(in, item, ',');) out.push_back(item);
  return out;
}

bool ParseOptions(int argc, char** argv, Options* o) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const size_t eq = arg.find('=');
    const std::string key = arg.substr(0, eq);
    const std::string value = eq == std::string::npos ? "" : arg.substr(eq + 1);
    if (key == "--sizes") {
      o->sizes.clear();
      for (const auto& s : Split(value)) o->sizes.push_back(std::stoull(s));
    } else if (key == "--queries") {
      o->queries = std::stoull(value);
    } else if (key == "--linear_queries") {
      o->linear_queries = std::stoull(value);
    } else if (key == "--no_faiss") {
      o->faiss = false;
    } else if (key == "--dists") {
      o->dists = Split(value);
    } else {
      std::fprintf(stderr, "unknown flag %s\n", arg.c_str());
      return false;
    }
  }
  return true;
}

// ---- process memory -------------------------------------------------------

long StatusKb(const char* field) {
  std::ifstream in("/proc/self/status");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::strlen(field)));
  }
  return -1;
}

// Makes VmHWM restart from the current RSS (Linux "clear_refs" 5).
void ResetPeakRss() { std::ofstream("/proc/self/clear_refs") << "5"; }

double Mb(double bytes) { return bytes / 1e6; }

// ---- data -----------------------------------------------------------------

PdqHash RandomHash(std::mt19937_64& rng) {
  PdqHash h;
  for (auto& w : h.words) w = rng();
  return h;
}

// Flips `bits` distinct random bits.
PdqHash Flip(PdqHash h, int bits, std::mt19937_64& rng) {
  PdqHash flipped;
  for (int done = 0; done < bits;) {
    const int k = static_cast<int>(rng() & 255);
    if (flipped.GetBit(k)) continue;
    flipped.SetBit(k);
    ++done;
  }
  for (int w = 0; w < 4; ++w) h.words[w] ^= flipped.words[w];
  return h;
}

struct Dataset {
  std::vector<PdqHash> hashes;
  std::vector<PdqHash> queries;
};

// uniform:   independent random hashes.
// clustered: 100k random centres, members 0..20 bits from their centre.
// skewed:    uniform, except 1% of all hashes sit 0..10 bits from one centre
//            (a flood of near-identical images: one huge bucket per chunk).
// Queries: half are a stored hash with 0..31 bits flipped, half random.
Dataset MakeDataset(const std::string& dist, size_t n, size_t num_queries) {
  std::mt19937_64 rng(0x7d3 + n);
  Dataset d;
  d.hashes.reserve(n);
  if (dist == "clustered") {
    std::vector<PdqHash> centres(100000);
    for (auto& c : centres) c = RandomHash(rng);
    for (size_t i = 0; i < n; ++i) {
      d.hashes.push_back(Flip(centres[rng() % centres.size()], rng() % 21, rng));
    }
  } else {
    const PdqHash blank = RandomHash(rng);
    const size_t flood = dist == "skewed" ? n / 100 : 0;
    for (size_t i = 0; i < n; ++i) {
      d.hashes.push_back(i < flood ? Flip(blank, rng() % 11, rng) : RandomHash(rng));
    }
    std::shuffle(d.hashes.begin(), d.hashes.end(), rng);
  }
  for (size_t q = 0; q < num_queries; ++q) {
    d.queries.push_back(q % 2 == 0 ? Flip(d.hashes[rng() % n], rng() % 32, rng) : RandomHash(rng));
  }
  return d;
}

// ---- engines --------------------------------------------------------------

Ids LinearScan(const std::vector<PdqHash>& hashes, const PdqHash& q) {
  Ids ids;
  for (size_t i = 0; i < hashes.size(); ++i) {
    const auto& w = hashes[i].words;
    const int d = std::popcount(w[0] ^ q.words[0]) + std::popcount(w[1] ^ q.words[1]) +
                  std::popcount(w[2] ^ q.words[2]) + std::popcount(w[3] ^ q.words[3]);
    if (d <= kRadius) ids.push_back(static_cast<uint32_t>(i));
  }
  return ids;
}

struct Row {
  std::string engine;
  double build_s = 0;
  double struct_bytes = 0;
  double rss_delta = 0;
  double peak_delta = 0;
  std::vector<double> latencies_us = {};
  double recall = 1;
  size_t false_hits = 0;
};

// Times `search` on each query (all of them, or the first `limit`) and
// scores its ids against `truth`.
void RunQueries(const Dataset& d, const std::vector<Ids>& truth, size_t limit,
                const std::function<Ids(const PdqHash&)>& search, Row* row) {
  size_t want = 0, found = 0;
  const size_t count = limit == 0 ? d.queries.size() : std::min(limit, d.queries.size());
  for (size_t i = 0; i < count; ++i) {
    const auto start = Clock::now();
    Ids ids = search(d.queries[i]);
    row->latencies_us.push_back(
        std::chrono::duration<double, std::micro>(Clock::now() - start).count());
    std::sort(ids.begin(), ids.end());
    Ids common;
    std::set_intersection(ids.begin(), ids.end(), truth[i].begin(), truth[i].end(),
                          std::back_inserter(common));
    want += truth[i].size();
    found += common.size();
    row->false_hits += ids.size() - common.size();
  }
  row->recall = want == 0 ? 1.0 : static_cast<double>(found) / static_cast<double>(want);
}

// Runs `build`, recording its time and the process's RSS growth.
void MeasureBuild(const std::function<void()>& build, Row* row) {
  malloc_trim(0);
  const long before_kb = StatusKb("VmRSS:");
  ResetPeakRss();
  const auto start = Clock::now();
  build();
  row->build_s = std::chrono::duration<double>(Clock::now() - start).count();
  row->rss_delta = (StatusKb("VmRSS:") - before_kb) * 1024.0;
  row->peak_delta = (StatusKb("VmHWM:") - before_kb) * 1024.0;
}

Row RunTdm(const Dataset& d, const std::vector<Ids>& truth) {
  Row row{.engine = "tdm PdqIndex"};
  PdqIndex index;
  MeasureBuild([&] { index.Build(d.hashes); }, &row);
  row.struct_bytes = static_cast<double>(index.MemoryBytes());
  RunQueries(
      d, truth, 0,
      [&](const PdqHash& q) {
        Ids ids;
        for (const auto& hit : index.Search(q, kRadius)) ids.push_back(hit.id);
        return ids;
      },
      &row);
  return row;
}

// Bytes held by the hash maps: buckets, nodes (key + vector + next pointer,
// rounded to malloc's 16) and the id vectors' capacity.
double FaissBytes(const faiss::IndexBinaryMultiHash& index) {
  double bytes = static_cast<double>(index.storage->xb.capacity());
  for (const auto& map : index.maps) {
    bytes += map.bucket_count() * sizeof(void*);
    for (const auto& [key, ids] : map) bytes += 48 + ids.capacity() * sizeof(ids[0]);
  }
  return bytes;
}

Row RunFaiss(const Dataset& d, const std::vector<Ids>& truth) {
  Row row{.engine = "faiss MultiHash"};
  auto index = std::make_unique<faiss::IndexBinaryMultiHash>(256, 16, 16);
  index->nflip = 1;  // radius 31 over 16 maps: some map differs by <= 1 bit
  MeasureBuild(
      [&] {
        index->add(static_cast<faiss::IndexBinary::idx_t>(d.hashes.size()),
                   reinterpret_cast<const uint8_t*>(d.hashes.data()));
      },
      &row);
  row.struct_bytes = FaissBytes(*index);
  RunQueries(
      d, truth, 0,
      [&](const PdqHash& q) {
        faiss::RangeSearchResult result(1);
        // faiss keeps distances strictly below the radius.
        index->range_search(1, reinterpret_cast<const uint8_t*>(q.words.data()), kRadius + 1,
                            &result);
        Ids ids;
        for (size_t j = result.lims[0]; j < result.lims[1]; ++j) {
          ids.push_back(static_cast<uint32_t>(result.labels[j]));
        }
        return ids;
      },
      &row);
  return row;
}

double Percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * v.size()))];
}

void PrintRow(const std::string& dist, size_t n, const Row& r) {
  double mean = 0;
  for (double l : r.latencies_us) mean += l;
  mean /= static_cast<double>(r.latencies_us.size());
  std::printf(
      "| %s | %zuM | %s | %.1f | %.0f | %.0f | %.0f | %zu | %.1f | %.1f | %.1f | %.4f | %zu |\n",
      dist.c_str(), n / 1000000, r.engine.c_str(), r.build_s, Mb(r.struct_bytes), Mb(r.rss_delta),
      Mb(r.peak_delta), r.latencies_us.size(), mean, Percentile(r.latencies_us, 0.5),
      Percentile(r.latencies_us, 0.99), r.recall, r.false_hits);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  if (!ParseOptions(argc, argv, &options)) return 2;
  omp_set_num_threads(1);
  std::printf(
      "| data | n | engine | build s | structure MB | RSS delta MB | build peak MB | queries | "
      "mean us | p50 us | p99 us | recall | false hits |\n"
      "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
  for (const auto& dist : options.dists) {
    for (size_t n : options.sizes) {
      const Dataset d = MakeDataset(dist, n, options.queries);
      // Ground truth for every query; the timing keeps the first
      // linear_queries of them when that is set.
      std::vector<Ids> truth;
      Row linear{.engine = "linear scan", .struct_bytes = 32.0 * n};
      size_t hits = 0;
      for (size_t i = 0; i < d.queries.size(); ++i) {
        const auto start = Clock::now();
        truth.push_back(LinearScan(d.hashes, d.queries[i]));
        hits += truth.back().size();
        if (options.linear_queries == 0 || i < options.linear_queries) {
          linear.latencies_us.push_back(
              std::chrono::duration<double, std::micro>(Clock::now() - start).count());
        }
      }
      PrintRow(dist, n, linear);
      PrintRow(dist, n, RunTdm(d, truth));
      malloc_trim(0);
      if (options.faiss) PrintRow(dist, n, RunFaiss(d, truth));
      malloc_trim(0);
      std::fprintf(stderr, "%s n=%zu: %zu hits over %zu queries, process peak RSS %ld MB\n",
                   dist.c_str(), n, hits, d.queries.size(), StatusKb("VmHWM:") / 1000);
    }
  }
  return 0;
}
