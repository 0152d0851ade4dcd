#include "tdm/demo/leak_site.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <deque>
#include <fstream>
#include <iterator>
#include <map>
#include <opencv2/imgcodecs.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "tdm/demo/static_server.h"

namespace tdm::demo {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Resolves `ref` against directory `base` ("/forum/threads/"), like a browser
// would for a path-only URL: drops query and fragment, folds "." and "..".
std::string Resolve(const std::string& base, std::string ref) {
  ref = ref.substr(0, ref.find_first_of("?#"));
  const std::string joined = ref[0] == '/' ? ref : base + ref;
  std::vector<std::string> parts;
  std::stringstream in(joined);
  std::string seg;
  while (std::getline(in, seg, '/')) {
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") {
      if (!parts.empty()) parts.pop_back();
    } else {
      parts.push_back(seg);
    }
  }
  std::string out;
  for (const auto& p : parts) out += "/" + p;
  return out;
}

struct Refs {
  std::set<std::string> pages;   // <a href> to non-images, <link rel=next|prev>
  std::set<std::string> images;  // img src/data-src/srcset, og:image, <a href> to .jpg/.png
};

// A small regex extractor: enough for the generator's HTML, and independent of it.
Refs Extract(const std::string& page_path, const std::string& html) {
  Refs refs;
  std::string base = page_path.substr(0, page_path.rfind('/') + 1);
  const std::regex tag_re(R"(<(\w+)([^>]*)>)");
  const std::regex attr_re(R"(([\w-]+)\s*=\s*(?:"([^"]*)\"|'([^']*)'|([^\s>]+)))");
  for (std::sregex_iterator t(html.begin(), html.end(), tag_re), end; t != end; ++t) {
    std::string name = (*t)[1];
    std::transform(name.begin(), name.end(), name.begin(), ::tolower);
    std::map<std::string, std::string> attrs;
    const std::string attr_text = (*t)[2];
    for (std::sregex_iterator a(attr_text.begin(), attr_text.end(), attr_re); a != end; ++a) {
      std::string key = (*a)[1];
      std::transform(key.begin(), key.end(), key.begin(), ::tolower);
      attrs[key] = (*a)[2].matched ? (*a)[2] : (*a)[3].matched ? (*a)[3] : (*a)[4];
    }
    auto add_image = [&](const std::string& ref) {
      if (!ref.empty() && ref.rfind("data:", 0) != 0) refs.images.insert(Resolve(base, ref));
    };
    if (name == "base") base = attrs["href"];
    if (name == "img") {
      add_image(attrs["src"]);
      add_image(attrs["data-src"]);
      std::stringstream candidates(attrs["srcset"]);
      std::string candidate;
      while (std::getline(candidates, candidate, ',')) {
        std::stringstream words(candidate);
        std::string url;
        words >> url;
        add_image(url);
      }
    } else if (name == "meta" && attrs["property"] == "og:image") {
      add_image(attrs["content"]);
    } else if (name == "a" ||
               (name == "link" && (attrs["rel"] == "next" || attrs["rel"] == "prev"))) {
      const std::string path = Resolve(base, attrs["href"]);
      const std::string ext = fs::path(path).extension().string();
      (ext == ".jpg" || ext == ".png" ? refs.images : refs.pages).insert(path);
    }
  }
  return refs;
}

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

class LeakSiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    out_ = fs::path(::testing::TempDir()) / ("leak_site_test_" + std::to_string(::getpid()));
    fs::remove_all(out_);
    const auto start = std::chrono::steady_clock::now();
    auto site = GenerateLeakSite({fs::path(TDM_ASSETS_DIR) / "johns", out_ / "a", 7});
    elapsed_ = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(site.ok()) << site.status().ToString();
    site_ = *site;
  }
  void TearDown() override { fs::remove_all(out_); }

  fs::path out_;
  LeakSite site_;
  std::chrono::steady_clock::duration elapsed_{};
};

TEST_F(LeakSiteTest, PagesExistOrAreListedBadPagesAndCrawlClosureIsExact) {
  EXPECT_EQ(site_.seed_path, "/forum/index.html");
  EXPECT_TRUE(Contains(site_.in_scope_pages, site_.seed_path));
  EXPECT_GE(site_.in_scope_pages.size(), 3u + 8u + 4u);
  for (const auto& page : site_.in_scope_pages) {
    EXPECT_EQ(page.rfind("/forum/", 0), 0u) << page;
    EXPECT_TRUE(fs::is_regular_file(site_.root / page.substr(1)) || Contains(site_.bad_pages, page))
        << page;
  }
  for (const auto& bad : site_.bad_pages) EXPECT_TRUE(Contains(site_.in_scope_pages, bad)) << bad;
  for (const auto& link : site_.out_of_scope_links) {
    EXPECT_TRUE(fs::is_regular_file(site_.root / link.substr(1))) << link;
    EXPECT_NE(link.rfind("/forum/", 0), 0u) << link;
  }
  // A breadth-first crawl scoped to /forum/ reaches exactly in_scope_pages and
  // sees every out-of-scope link.
  std::set<std::string> seen{site_.seed_path}, out_of_scope;
  std::deque<std::string> queue{site_.seed_path};
  while (!queue.empty()) {
    const std::string page = queue.front();
    queue.pop_front();
    const fs::path file = site_.root / page.substr(1);
    if (fs::path(page).extension() != ".html" || !fs::exists(file)) continue;
    for (const auto& link : Extract(page, ReadFile(file)).pages) {
      if (link.rfind("/forum/", 0) != 0) {
        out_of_scope.insert(link);
      } else if (seen.insert(link).second) {
        queue.push_back(link);
      }
    }
  }
  EXPECT_EQ(seen, std::set<std::string>(site_.in_scope_pages.begin(), site_.in_scope_pages.end()));
  EXPECT_EQ(out_of_scope, std::set<std::string>(site_.out_of_scope_links.begin(),
                                                site_.out_of_scope_links.end()));
}

TEST_F(LeakSiteTest, EveryReferencedImageIsInExactlyOneList) {
  std::set<std::string> referenced;
  int base_href_pages = 0, og_images = 0, srcsets = 0, lazy = 0;
  for (const auto& page : site_.in_scope_pages) {
    const fs::path file = site_.root / page.substr(1);
    if (fs::path(page).extension() != ".html" || !fs::exists(file)) continue;
    const std::string html = ReadFile(file);
    base_href_pages += html.find("<base href=") != std::string::npos;
    og_images += html.find("og:image") != std::string::npos;
    srcsets += html.find("srcset=") != std::string::npos;
    lazy += html.find("data-src=") != std::string::npos;
    EXPECT_EQ(html.find("://"), std::string::npos) << page;  // never another host
    const Refs refs = Extract(page, html);
    referenced.insert(refs.images.begin(), refs.images.end());
  }
  EXPECT_EQ(base_href_pages, 1);
  EXPECT_GE(og_images, 1);
  EXPECT_GE(srcsets, 3);
  EXPECT_GE(lazy, 3);
  std::set<std::string> listed;
  for (const auto* list :
       {&site_.victim_copies, &site_.face_only, &site_.decoys, &site_.broken_images}) {
    for (const auto& path : *list) {
      EXPECT_TRUE(listed.insert(path).second) << "listed twice: " << path;
    }
  }
  EXPECT_EQ(referenced, listed);
  EXPECT_EQ(site_.victim_copies.size(), 18u);  // 3 photos x 6 edits
  EXPECT_EQ(site_.face_only.size(), 2u);       // a face-swap fake, an unregistered photo
  EXPECT_GE(site_.decoys.size(), 22u + 12u);
  EXPECT_EQ(site_.broken_images.size(), 3u);
  const std::regex name_re(R"(/forum/media/img-\d{4}\.(jpg|png))");
  for (const auto& path : listed) EXPECT_TRUE(std::regex_match(path, name_re)) << path;
}

TEST_F(LeakSiteTest, ImagesDecodeUnlessBroken) {
  for (const auto* list : {&site_.victim_copies, &site_.decoys}) {
    for (const auto& path : *list) {
      EXPECT_FALSE(cv::imread((site_.root / path.substr(1)).string()).empty()) << path;
    }
  }
  int missing = 0;
  for (const auto& path : site_.broken_images) {
    const fs::path file = site_.root / path.substr(1);
    missing += !fs::exists(file);
    const std::string bytes = ReadFile(file);
    if (bytes.empty()) continue;
    EXPECT_TRUE(
        cv::imdecode(std::vector<uchar>(bytes.begin(), bytes.end()), cv::IMREAD_COLOR).empty())
        << path;
  }
  EXPECT_EQ(missing, 1);
}

TEST_F(LeakSiteTest, VictimOriginalsAreOutsideRootAndNeverServedVerbatim) {
  ASSERT_EQ(site_.victim_photos.size(), 3u);
  const std::string root = fs::canonical(site_.root).string() + "/";
  std::set<std::string> site_bytes;
  uintmax_t total = 0;
  for (const auto& entry : fs::recursive_directory_iterator(site_.root)) {
    if (!entry.is_regular_file()) continue;
    site_bytes.insert(ReadFile(entry.path()));
    total += entry.file_size();
  }
  EXPECT_LT(total, 3u * 1024 * 1024);
  for (const auto& photo : site_.victim_photos) {
    EXPECT_NE(fs::canonical(photo).string().rfind(root, 0), 0u) << photo;
    const std::string bytes = ReadFile(photo);
    EXPECT_FALSE(bytes.empty());
    EXPECT_EQ(site_bytes.count(bytes), 0u) << photo;
  }
}

TEST_F(LeakSiteTest, DeterministicForASeed) {
  auto again = GenerateLeakSite({fs::path(TDM_ASSETS_DIR) / "johns", out_ / "b", 7});
  auto other = GenerateLeakSite({fs::path(TDM_ASSETS_DIR) / "johns", out_ / "c", 8});
  ASSERT_TRUE(again.ok() && other.ok());
  EXPECT_EQ(again->victim_copies, site_.victim_copies);
  EXPECT_EQ(again->decoys, site_.decoys);
  EXPECT_EQ(again->in_scope_pages, site_.in_scope_pages);
  auto snapshot = [](const fs::path& root) {
    std::map<std::string, std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
      if (e.is_regular_file()) files[fs::relative(e.path(), root).string()] = ReadFile(e.path());
    }
    return files;
  };
  EXPECT_TRUE(snapshot(site_.root) == snapshot(again->root));
  EXPECT_TRUE(snapshot(out_ / "a" / "victim") == snapshot(out_ / "b" / "victim"));
  EXPECT_FALSE(snapshot(site_.root) == snapshot(other->root));
  // Regenerating over an existing output replaces it.
  auto replaced = GenerateLeakSite({fs::path(TDM_ASSETS_DIR) / "johns", out_ / "c", 7});
  ASSERT_TRUE(replaced.ok());
  EXPECT_TRUE(snapshot(site_.root) == snapshot(replaced->root));
}

TEST_F(LeakSiteTest, ServedOverLoopback) {
  StaticServer server(site_.root);
  auto port = server.Start();
  ASSERT_TRUE(port.ok());
  auto get = [&](const std::string& path) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(*port);
    EXPECT_EQ(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
    const std::string req = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
    EXPECT_GT(::send(fd, req.data(), req.size(), MSG_NOSIGNAL), 0);
    std::string out;
    char buf[4096];
    for (ssize_t n; (n = ::recv(fd, buf, sizeof(buf), 0)) > 0;) out.append(buf, n);
    ::close(fd);
    return out;
  };
  EXPECT_EQ(get(site_.seed_path).rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(get("/forum/threads/thread-09.html").rfind("HTTP/1.1 404", 0), 0u);
  EXPECT_EQ(get("/forum/fault/drop-thread.html"), "");
  EXPECT_NE(get("/forum/files/rules.pdf").find("Content-Type: application/pdf"), std::string::npos);
}

TEST(LeakSiteErrorTest, MissingPhotosIsInvalidArgument) {
  auto site = GenerateLeakSite({"/nonexistent/johns", fs::path(::testing::TempDir()) / "x", 7});
  ASSERT_FALSE(site.ok());
  EXPECT_EQ(site.status().code(), Status::Code::kInvalidArgument);
}

}  // namespace
}  // namespace tdm::demo
