#include "hashes.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>

#include "admin.h"
#include "stack_db.h"
#include "tdm/matcher/image_signal.h"

namespace tdm::cli {
namespace {

namespace fs = std::filesystem;

std::vector<std::string> ExpandPaths(const std::vector<std::string>& paths) {
  std::vector<std::string> out;
  for (const auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::end(it);
           it.increment(ec)) {
        if (it->is_regular_file(ec)) found.push_back(it->path().string());
      }
      std::sort(found.begin(), found.end());
      out.insert(out.end(), found.begin(), found.end());
    } else {
      out.push_back(p);
    }
  }
  return out;
}

void Progress(size_t done, size_t total) {
  constexpr int kWidth = 30;
  const int filled = static_cast<int>(kWidth * done / std::max<size_t>(total, 1));
  std::cerr << "\r[" << std::string(filled, '=') << std::string(kWidth - filled, ' ') << "] "
            << done << "/" << total << " files" << (done == total ? "\n" : "") << std::flush;
}

std::string Trim(const std::string& s) {
  const auto a = s.find_first_not_of(" \t\r\n");
  if (a == std::string::npos) return "";
  return s.substr(a, s.find_last_not_of(" \t\r\n") - a + 1);
}

// One line of a hash list: nullopt for blank, comment and header lines.
Result<std::optional<std::pair<std::string, int>>> ParseListLine(std::string line) {
  if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
  line = Trim(line);
  if (line.empty()) return std::optional<std::pair<std::string, int>>();
  if (line.rfind("pdq ", 0) == 0) {  // python-threatexchange "pdq HEX"
    line = Trim(line.substr(4));
  }
  std::vector<std::string> fields;
  std::stringstream ss(line);
  for (std::string f; std::getline(ss, f, ',');) fields.push_back(Trim(f));
  if (fields.empty()) return std::optional<std::pair<std::string, int>>();
  const std::string lower = [&] {
    std::string l = fields[0];
    std::transform(l.begin(), l.end(), l.begin(), ::tolower);
    return l;
  }();
  if (lower == "hash" || lower == "pdq" || lower == "pdq_hex" || lower == "signal") {
    return std::optional<std::pair<std::string, int>>();  // a CSV header
  }
  auto pdq = matcher::PdqHash::FromHex(fields[0]);
  if (!pdq.ok()) return Status::InvalidArgument("not a 64-digit PDQ hex hash");
  int quality = 100;  // lists without a quality column are taken as matchable
  if (fields.size() > 1 && !fields[1].empty()) {
    char* end = nullptr;
    long q = std::strtol(fields[1].c_str(), &end, 10);
    if (*end != '\0' || q < 0 || q > 100) return Status::InvalidArgument("quality must be 0..100");
    quality = static_cast<int>(q);
  }
  return std::optional<std::pair<std::string, int>>(std::make_pair(pdq->ToHex(), quality));
}

}  // namespace

int HashFiles(const std::vector<std::string>& paths, bool json) {
  const std::vector<std::string> files = ExpandPaths(paths);
  const bool bar = isatty(STDERR_FILENO) && files.size() >= 20;
  int refused = 0;
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& file = files[i];
    std::string bytes;
    {
      std::ifstream in(file, std::ios::binary);
      if (in) bytes.assign(std::istreambuf_iterator<char>(in), {});
    }
    auto signal = matcher::ComputeImageSignal(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), {},
        matcher::JpegLuma::kFromRgb);  // exact: these hashes are for sharing
    if (bar) std::cerr << "\r\033[K";
    if (!signal.ok()) {
      ++refused;
      std::cerr << "tdm: refused " << file << ": " << signal.status().message() << "\n";
    } else if (json) {
      std::cout << nlohmann::json{{"file", file},
                                  {"pdq", signal->pdq.ToHex()},
                                  {"quality", signal->quality},
                                  {"sha256", signal->sha256_hex},
                                  {"md5", signal->md5_hex}}
                       .dump()
                << "\n";
    } else {
      std::cout << file << "\t" << signal->pdq.ToHex() << "\t" << signal->quality << "\t"
                << signal->sha256_hex << "\t" << signal->md5_hex << "\n";
    }
    if (bar) Progress(i + 1, files.size());
  }
  return refused;
}

Result<ImportReport> ImportHashes(const Home& home, const std::string& file,
                                  std::optional<int64_t> subject, const std::string& list) {
  if (subject.has_value() == !list.empty()) {
    return Status::InvalidArgument("give either --subject ID or --list NAME");
  }
  std::ifstream in(file);
  if (!in) return Status::NotFound(file);
  auto dsn = Dsn(home);
  if (!dsn.ok()) return dsn.status();
  PgSession pg(*dsn);
  ImportReport report;
  auto owner = pg.Transact([&](pqxx::work& tx) -> std::optional<int64_t> {
    if (subject) {
      auto r = tx.exec_params("SELECT id FROM subjects WHERE id = $1 AND withdrawn_at IS NULL",
                              *subject);
      return r.empty() ? std::nullopt : std::optional<int64_t>(*subject);
    }
    auto r = tx.exec_params(
        "SELECT id FROM subjects WHERE name = $1 AND consent_scope = 'shared-hash-list'", list);
    if (!r.empty()) return r[0][0].as<int64_t>();
    return tx
        .exec_params1(
            "INSERT INTO subjects (name, consent_scope) VALUES ($1, 'shared-hash-list')"
            " RETURNING id",
            list)[0]
        .as<int64_t>();
  });
  if (!owner.ok()) return owner.status();
  if (!owner->has_value()) return Status::NotFound("subject " + std::to_string(*subject));
  report.subject_id = **owner;
  const std::string label = "import:" + fs::path(file).filename().string();
  std::vector<std::pair<std::string, int>> hashes;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    auto parsed = ParseListLine(line);
    if (!parsed.ok()) {
      report.refused.push_back("line " + std::to_string(n) + ": " + parsed.status().message());
    } else if (parsed->has_value()) {
      hashes.push_back(**parsed);
    }
  }
  auto added = pg.Transact([&](pqxx::work& tx) {
    int imported = 0;
    for (const auto& [hex, quality] : hashes) {
      auto r = tx.exec_params(
          "INSERT INTO hash_profiles (subject_id, pdq, quality, label, source)"
          " VALUES ($1, decode($2, 'hex'), $3, $4, 'import') ON CONFLICT DO NOTHING RETURNING id",
          report.subject_id, hex, quality, label);
      if (r.empty()) continue;
      tx.exec_params(
          "INSERT INTO profile_hashes (profile_id, variant, pdq, quality)"
          " VALUES ($1, 'orig', decode($2, 'hex'), $3)",
          r[0][0].as<int64_t>(), hex, quality);
      ++imported;
    }
    return imported;
  });
  if (!added.ok()) return added.status();
  report.imported = *added;
  report.duplicates = static_cast<int>(hashes.size()) - *added;
  return report;
}

Result<std::string> ExportHashes(const Home& home, int64_t subject_id, bool csv) {
  return InStackDb(home, [&](pqxx::work& tx) {
    std::string out;
    for (const auto& r : tx.exec_params(
             "SELECT encode(p.pdq, 'hex'), p.quality FROM hash_profiles p"
             " JOIN subjects s ON s.id = p.subject_id"
             " WHERE ($1 = 0 OR p.subject_id = $1) AND s.withdrawn_at IS NULL ORDER BY p.id",
             subject_id)) {
      out += r[0].as<std::string>();
      if (csv) out += "," + r[1].as<std::string>();
      out += "\n";
    }
    return out;
  });
}

}  // namespace tdm::cli
