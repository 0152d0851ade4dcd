#pragma once

// PdqIndex: exact Hamming-radius search over millions of PDQ hashes.
//
// Multi-index hashing (Norouzi, Punjani, Fleet, "Fast Search in Hamming
// Space with Multi-Index Hashing", CVPR 2012): the 256 bits are cut into 16
// chunks of 16 bits. If two hashes differ in at most r bits, then by
// pigeonhole at least one chunk differs in at most floor(r / 16) bits, so a
// search probes, in each chunk's table, the query's chunk value and (for
// r >= 16) its 16 one-bit neighbours, then verifies every candidate with the
// full 256-bit distance. Nothing within the radius is ever missed: the result
// equals a brute-force scan's, for any radius (radii above 31 fall back to a
// linear scan, since the probing would stop paying for itself).
//
// Memory: the hashes (32 bytes each) plus one id per hash per chunk stored
// as a compressed sparse row table (65537 offsets + ids sorted by chunk
// value). Ids take 3 bytes while size() <= 2^24 and 4 bytes above, so about
// 80 bytes per hash (800 MB for 10 million) or 96 bytes per hash beyond.
//
// Cost: a query reads 16 (r < 16) or 272 (r >= 16) buckets. On uniformly
// random data a bucket holds size() / 65536 ids on average; clustered data
// can concentrate many ids in one bucket, and a query that lands on such a
// bucket verifies all of them (still exact, just slower). See
// bench/index/RESULTS.md for measured latencies.
//
// Ownership and thread-safety: the index owns a copy of the hashes. Search(),
// size() and MemoryBytes() are const and touch no shared mutable state, so
// any number of threads may call them at once on a built index. Build() must
// not run concurrently with anything else on the same object.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <vector>

#include "tdm/matcher/pdq.h"

namespace tdm::matcher {

class PdqIndex {
 public:
  // Largest radius answered by the multi-index probe; larger ones scan.
  static constexpr int kMaxIndexedRadius = 31;

  struct Hit {
    uint32_t id = 0;   // position of the hash in the vector given to Build()
    int distance = 0;  // Hamming distance to the query, 0..256

    friend bool operator==(const Hit&, const Hit&) = default;
  };

  PdqIndex() = default;
  PdqIndex(const PdqIndex&) = delete;
  PdqIndex& operator=(const PdqIndex&) = delete;
  PdqIndex(PdqIndex&&) noexcept = default;
  PdqIndex& operator=(PdqIndex&&) noexcept = default;

  // Replaces the contents with `hashes`; hash i gets id i. Duplicates are
  // allowed and kept as separate ids. Takes O(n) time (a counting sort per
  // chunk) and frees `hashes` before building the tables, so peak memory
  // stays near the final MemoryBytes(). At most 2^32 - 1 hashes (asserted).
  void Build(std::vector<PdqHash> hashes);

  size_t size() const { return size_; }

  // Every stored hash within `radius` bits of `query` (inclusive), each once,
  // ordered by (distance, id). A negative radius matches nothing.
  std::vector<Hit> Search(const PdqHash& query, int radius) const;

  // Bytes held by the index's own arrays (hashes, offsets, ids).
  size_t MemoryBytes() const;

 private:
  // A hash padded to its own half cache line, so verifying a candidate
  // touches exactly one cache line.
  struct alignas(32) StoredHash {
    uint64_t words[4];
  };

  // Frees memory from AllocateHugePages() in pdq_index.cc.
  struct FreeDeleter {
    void operator()(void* p) const;
  };

  std::vector<Hit> ScanAll(const PdqHash& query, int radius) const;

  // Candidates are verified in random order, so the hashes and ids live in
  // buffers backed by transparent huge pages where the kernel allows it:
  // fewer TLB misses per candidate.
  std::unique_ptr<StoredHash[], FreeDeleter> hashes_;
  size_t size_ = 0;
  // offsets_[c * 65537 + v] .. offsets_[c * 65537 + v + 1]: the slice of
  // chunk c's ids whose chunk value is v.
  std::vector<uint32_t> offsets_;
  // Chunk c's ids start at byte c * size() * id_bytes_; little-endian ids of
  // id_bytes_ bytes each, plus 4 bytes of padding so that every id can be
  // read with one unaligned 4-byte load.
  std::unique_ptr<uint8_t[], FreeDeleter> ids_;
  size_t ids_capacity_ = 0;
  size_t hashes_capacity_ = 0;
  int id_bytes_ = 4;
};

}  // namespace tdm::matcher
