#include "tdm/matcher/pdq_index.h"

#include <sys/mman.h>

#include <algorithm>
#include <bit>
#include <cassert>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

namespace tdm::matcher {
namespace {

constexpr int kChunks = 16;
constexpr int kChunkBits = 16;
constexpr size_t kBuckets = size_t{1} << kChunkBits;  // chunk values per table
constexpr size_t kOffsetsPerChunk = kBuckets + 1;
constexpr size_t kIdPadding = 4;
// Candidates whose hash is requested from memory ahead of its verification:
// enough to keep a dozen cache misses in flight.
constexpr uint32_t kPrefetchAhead = 12;

constexpr size_t kHugePage = size_t{2} << 20;

static_assert(std::endian::native == std::endian::little, "ids are stored little-endian");

uint32_t Chunk(const uint64_t* words, int c) {
  return static_cast<uint32_t>(words[c >> 2] >> ((c & 3) * kChunkBits)) & 0xFFFF;
}

uint32_t ReadId(const uint8_t* ids, uint32_t pos, int id_bytes, uint32_t mask) {
  uint32_t id;
  std::memcpy(&id, ids + static_cast<size_t>(pos) * id_bytes, sizeof(id));
  return id & mask;
}

bool LaneWithin(uint64_t x, int lane, int flips) {
  return std::popcount((x >> (lane * kChunkBits)) & 0xFFFF) <= flips;
}

// True when chunk `chunk` is the first one in which the query and a hash
// (`x` = their XOR) differ by at most `flips` bits: only that chunk's probe
// reports the hash, so each hit comes out once without a visited set.
bool FirstChunkWithin(const uint64_t x[4], int chunk, int flips) {
  for (int c = 0; c < chunk; ++c) {
    if (LaneWithin(x[c >> 2], c & 3, flips)) return false;
  }
  return true;
}

struct Query {
  const uint64_t* hashes;  // size() * 4 words
  const uint8_t* ids;      // this chunk's ids
  int id_bytes;
  uint32_t id_mask;
  const uint64_t* words;  // the query's 4 words
  int radius;
  int chunk;
  int flips;
};

// Verifies ids [begin, end) of one bucket. Built twice (with and without
// the POPCNT instruction) and picked at load time: the baseline x86-64 ABI
// has no popcount, and this loop is where a query spends its time.
__attribute__((target_clones("popcnt", "default"))) void ScanBucket(
    const Query& q, uint32_t begin, uint32_t end, std::vector<PdqIndex::Hit>* out) {
  const uint32_t warm = std::min(end, begin + kPrefetchAhead);
  for (uint32_t j = begin; j < warm; ++j) {
    __builtin_prefetch(q.hashes + size_t{4} * ReadId(q.ids, j, q.id_bytes, q.id_mask));
  }
  for (uint32_t j = begin; j < end; ++j) {
    if (j + kPrefetchAhead < end) {
      const uint32_t ahead = ReadId(q.ids, j + kPrefetchAhead, q.id_bytes, q.id_mask);
      __builtin_prefetch(q.hashes + size_t{4} * ahead);
    }
    const uint32_t id = ReadId(q.ids, j, q.id_bytes, q.id_mask);
    const uint64_t* h = q.hashes + size_t{4} * id;
    const uint64_t x[4] = {h[0] ^ q.words[0], h[1] ^ q.words[1], h[2] ^ q.words[2],
                           h[3] ^ q.words[3]};
    const int distance =
        std::popcount(x[0]) + std::popcount(x[1]) + std::popcount(x[2]) + std::popcount(x[3]);
    if (distance <= q.radius && FirstChunkWithin(x, q.chunk, q.flips)) {
      out->push_back({id, distance});
    }
  }
}

// Zero-filled memory aligned to, and rounded up to, 2 MB huge pages, which
// the kernel is asked to back with transparent huge pages before the first
// touch (a no-op where THP is off). Returns the rounded size in *bytes.
void* AllocateHugePages(size_t* bytes) {
  *bytes = (*bytes + kHugePage - 1) / kHugePage * kHugePage;
  void* p = std::aligned_alloc(kHugePage, *bytes);
  if (p == nullptr) throw std::bad_alloc();
  madvise(p, *bytes, MADV_HUGEPAGE);
  std::memset(p, 0, *bytes);
  return p;
}

void SortHits(std::vector<PdqIndex::Hit>* hits) {
  std::sort(hits->begin(), hits->end(), [](const PdqIndex::Hit& a, const PdqIndex::Hit& b) {
    return a.distance != b.distance ? a.distance < b.distance : a.id < b.id;
  });
}

}  // namespace

void PdqIndex::Build(std::vector<PdqHash> hashes) {
  assert(hashes.size() < std::numeric_limits<uint32_t>::max());
  // Drop the old tables first so that a rebuild does not hold two indexes.
  hashes_.reset();
  ids_.reset();
  offsets_ = {};
  size_ = hashes_capacity_ = ids_capacity_ = 0;

  const size_t n = hashes.size();
  if (n == 0) return;
  hashes_capacity_ = n * sizeof(StoredHash);
  hashes_.reset(static_cast<StoredHash*>(AllocateHugePages(&hashes_capacity_)));
  size_ = n;
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(hashes_[i].words, hashes[i].words.data(), sizeof(StoredHash));
  }
  std::vector<PdqHash>().swap(hashes);

  id_bytes_ = n <= (size_t{1} << 24) ? 3 : 4;
  offsets_.assign(kChunks * kOffsetsPerChunk, 0);
  ids_capacity_ = kChunks * n * id_bytes_ + kIdPadding;
  ids_.reset(static_cast<uint8_t*>(AllocateHugePages(&ids_capacity_)));
  std::vector<uint32_t> cursor(kBuckets);
  for (int c = 0; c < kChunks; ++c) {
    // Counting sort of the ids by chunk value: count, prefix-sum, scatter.
    uint32_t* offsets = &offsets_[c * kOffsetsPerChunk];
    for (size_t i = 0; i < n; ++i) ++offsets[Chunk(hashes_[i].words, c) + 1];
    for (size_t v = 0; v < kBuckets; ++v) offsets[v + 1] += offsets[v];
    std::copy(offsets, offsets + kBuckets, cursor.begin());
    uint8_t* ids = &ids_[c * n * id_bytes_];
    for (size_t i = 0; i < n; ++i) {
      const uint32_t id = static_cast<uint32_t>(i);
      const uint32_t pos = cursor[Chunk(hashes_[i].words, c)]++;
      std::memcpy(ids + static_cast<size_t>(pos) * id_bytes_, &id, id_bytes_);
    }
  }
}

std::vector<PdqIndex::Hit> PdqIndex::Search(const PdqHash& query, int radius) const {
  std::vector<Hit> hits;
  if (radius < 0 || size_ == 0) return hits;
  if (radius > kMaxIndexedRadius) return ScanAll(query, radius);

  const size_t n = size_;
  Query q{hashes_[0].words,   nullptr, id_bytes_, id_bytes_ == 4 ? 0xFFFFFFFFu : 0xFFFFFFu,
          query.words.data(), radius,  0,         radius / kChunks};
  for (int c = 0; c < kChunks; ++c) {
    q.ids = &ids_[c * n * id_bytes_];
    q.chunk = c;
    const uint32_t* offsets = &offsets_[c * kOffsetsPerChunk];
    const uint32_t value = Chunk(query.words.data(), c);
    ScanBucket(q, offsets[value], offsets[value + 1], &hits);
    if (q.flips == 0) continue;
    for (int b = 0; b < kChunkBits; ++b) {
      const uint32_t neighbour = value ^ (1u << b);
      ScanBucket(q, offsets[neighbour], offsets[neighbour + 1], &hits);
    }
  }
  SortHits(&hits);
  return hits;
}

std::vector<PdqIndex::Hit> PdqIndex::ScanAll(const PdqHash& query, int radius) const {
  std::vector<Hit> hits;
  for (size_t i = 0; i < size_; ++i) {
    int distance = 0;
    for (int w = 0; w < 4; ++w) distance += std::popcount(hashes_[i].words[w] ^ query.words[w]);
    if (distance <= radius) hits.push_back({static_cast<uint32_t>(i), distance});
  }
  SortHits(&hits);
  return hits;
}

size_t PdqIndex::MemoryBytes() const {
  return hashes_capacity_ + offsets_.capacity() * sizeof(uint32_t) + ids_capacity_;
}

void PdqIndex::FreeDeleter::operator()(void* p) const { std::free(p); }

}  // namespace tdm::matcher
