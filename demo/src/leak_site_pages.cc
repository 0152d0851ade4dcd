// The pages of the fake leak forum: a paginated index, eight threads that
// reference images in the ways real sites do, bad pages and scope traps.
//
// Layout (all links relative or root-relative, never to another host):
//   /forum/index.html, index-2.html, index-3.html   rel=next/prev + numbered links
//   /forum/threads/thread-01.html .. thread-08.html  images; thread-06 has <base href>
//   /forum/media/img-NNNN.{jpg,png}                   every image
//   /forum/files/rules.pdf, dump.bin                  bad pages: not HTML
//   /forum/threads/thread-09.html                     bad page: 404
//   /forum/fault/drop-thread.html                     bad page: dropped by StaticServer
//   /admin/login.html, /forum-archive/old-thread.html, /private/a.html   out of scope

#include <map>
#include <string>

#include "tdm/demo/leak_site.h"

namespace tdm::demo::leak_site_internal {
namespace {

constexpr int kThreads = 8;
constexpr int kBaseHrefThread = 6;  // 1-based
constexpr int kOgImageThread = 5;
constexpr const char* kDataUriPixel =
    "data:image/gif;base64,R0lGODlhAQABAAAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==";

std::string ThreadName(int n) {
  return (n < 10 ? "thread-0" : "thread-") + std::to_string(n) + ".html";
}

// How a thread page spells a link to a media file or a sibling thread.
struct PageContext {
  bool base_href = false;  // <base href="/forum/media/">: relative paths resolve there
  std::string Media(const std::string& file) const { return base_href ? file : "../media/" + file; }
  std::string Thread(int n) const {
    return base_href ? "/forum/threads/" + ThreadName(n) : ThreadName(n);
  }
};

std::string Page(const std::string& title, const std::string& head_extra, const std::string& body) {
  return "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" + title +
         " - leakz forum</title>\n" + head_extra + "</head>\n<body>\n<h1>" + title + "</h1>\n" +
         body + "</body>\n</html>\n";
}

// One single-image reference; `form` picks among the ways sites embed images.
std::string SingleRef(int form, const std::string& file, const std::string& placeholder,
                      const PageContext& ctx) {
  const std::string rel = ctx.Media(file);
  const std::string root = "/forum/media/" + file;
  switch (form % 6) {
    case 0:
      return "<img src=\"" + rel + "\" alt=\"\">";
    case 1:
      return "<img src=\"" + root + "\" width=\"150\">";
    case 2:
      return "<img class=\"lazy\" src=\"" + std::string(kDataUriPixel) + "\" data-src=\"" + rel +
             "\">";
    case 3:
      return "<img class=\"lazy\" src=\"" + ctx.Media(placeholder) + "\" data-src=\"" + root +
             "\">";
    case 4:
      return "<a href=\"" + rel + "\">download full size</a>";
    default:
      return "<IMG SRC='" + rel + "' ALT=photo>";
  }
}

// One reference to a photo in two sizes.
std::string PairRef(int form, const std::string& small, const std::string& large,
                    const PageContext& ctx) {
  const std::string s = ctx.Media(small), l = ctx.Media(large);
  switch (form % 3) {
    case 0:
      return "<img src=\"" + s + "\" srcset=\"" + s + " 1x, " + l + " 2x\">";
    case 1:
      return "<img src=\"" + s + "\"\n     srcset=\"/forum/media/" + small + " 150w,/forum/media/" +
             large + " 300w\" sizes=\"(max-width: 600px) 150px, 300px\">";
    default:
      return "<a href=\"" + l + "\"><img src=\"" + s + "\" alt=\"thumbnail\"></a>";
  }
}

std::string Post(int n, const std::string& content) {
  return "<div class=\"post\" id=\"post-" + std::to_string(n) + "\">\n<p>Post #" +
         std::to_string(n) + "</p>\n" + content + "\n</div>\n";
}

std::string IndexPage(int page, const std::vector<std::string>& thread_links,
                      const std::string& extra_body) {
  auto name = [](int p) {
    return p == 1 ? std::string("index.html") : "index-" + std::to_string(p) + ".html";
  };
  std::string head, nav = "<nav class=\"pages\">";
  if (page > 1) head += "<link rel=\"prev\" href=\"" + name(page - 1) + "\">\n";
  if (page < 3) head += "<link rel=\"next\" href=\"" + name(page + 1) + "\">\n";
  for (int p = 1; p <= 3; ++p) nav += " <a href=\"" + name(p) + "\">" + std::to_string(p) + "</a>";
  if (page < 3) nav += " <a rel=\"next\" href=\"" + name(page + 1) + "\">Next &raquo;</a>";
  nav += "</nav>\n";
  std::string body = "<ul class=\"threads\">\n";
  for (const auto& link : thread_links) body += "<li>" + link + "</li>\n";
  body += "</ul>\n" + extra_body + nav;
  return Page("Forum index, page " + std::to_string(page), head, body);
}

}  // namespace

std::vector<SiteFile> MakePages(const ImageSet& images, uint32_t seed, LeakSite& site) {
  // Sort the images into pairs, the placeholder and singles, then shuffle.
  std::map<int, std::pair<std::string, std::string>> pair_files;  // id -> (small, large)
  std::vector<std::string> singles;
  std::string placeholder;
  for (const SiteImage& image : images.images) {
    if (image.placeholder) {
      placeholder = image.file;
    } else if (image.pair >= 0) {
      (image.large ? pair_files[image.pair].second : pair_files[image.pair].first) = image.file;
    } else {
      singles.push_back(image.file);
    }
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& [id, files] : pair_files) pairs.push_back(files);
  std::vector<std::string> shuffled_singles;
  for (size_t i : ShuffledIndices(singles.size(), seed + 2)) shuffled_singles.push_back(singles[i]);
  std::vector<std::pair<std::string, std::string>> shuffled_pairs;
  for (size_t i : ShuffledIndices(pairs.size(), seed + 3)) shuffled_pairs.push_back(pairs[i]);

  // Deal images to threads: pair p to thread p, single i to thread i % kThreads.
  std::vector<std::vector<std::string>> posts(kThreads);
  std::vector<std::string> head_extra(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    const PageContext ctx{t + 1 == kBaseHrefThread};
    if (ctx.base_href) head_extra[t] += "<base href=\"/forum/media/\">\n";
    if (t < static_cast<int>(shuffled_pairs.size())) {
      const auto& [small, large] = shuffled_pairs[t];
      posts[t].push_back(PairRef(t, small, large, ctx));
    }
  }
  std::string latest_thumbnail;
  for (size_t i = 0; i < shuffled_singles.size(); ++i) {
    const int t = static_cast<int>(i % kThreads);
    const int form = static_cast<int>(i / kThreads) + t;
    const std::string& file = shuffled_singles[i];
    const PageContext ctx{t + 1 == kBaseHrefThread};
    if (t + 1 == kOgImageThread && i / kThreads == 0) {
      head_extra[t] += "<meta property=\"og:image\" content=\"/forum/media/" + file + "\">\n";
      continue;
    }
    if (t == 0 && latest_thumbnail.empty()) latest_thumbnail = file;
    posts[t].push_back(SingleRef(form, file, placeholder, ctx));
  }

  std::vector<SiteFile> files;
  auto add_page = [&](const std::string& path, std::string content) {
    site.in_scope_pages.push_back("/" + path);
    files.push_back({path, std::move(content)});
  };

  // Threads: posts, neighbour links, and the odd link a crawler must handle.
  for (int t = 0; t < kThreads; ++t) {
    const int n = t + 1;
    const PageContext ctx{n == kBaseHrefThread};
    std::string body;
    for (size_t p = 0; p < posts[t].size(); ++p) body += Post(static_cast<int>(p) + 1, posts[t][p]);
    body += "<p class=\"nav\"><a href=\"" +
            std::string(ctx.base_href ? "/forum/index.html" : "../index.html") +
            "\">Back to the index</a>";
    if (n > 1) body += " <a href=\"" + ctx.Thread(n - 1) + "\" rel=\"prev\">Previous thread</a>";
    if (n < kThreads) body += " <a href=\"" + ctx.Thread(n + 1) + "\">Next thread</a>";
    body += "</p>\n";
    if (n == 1) body += "<p><a href=\"thread-02.html#post-3\">see post #3 of thread 2</a></p>\n";
    if (n == 2) body += "<p><a href=\"/forum-archive/old-thread.html\">older leaks</a></p>\n";
    if (n == 3) body += "<p><a href=\"../../private/a.html\">members only</a></p>\n";
    if (n == kThreads) {
      body +=
          "<p><a href=\"../files/rules.pdf\">Forum rules (PDF)</a> "
          "<a href=\"../files/dump.bin\">full dump</a></p>\n";
    }
    add_page("forum/threads/" + ThreadName(n),
             Page("Thread " + std::to_string(n), head_extra[t], body));
  }

  // The index: threads 1-3, 4-6, 7-8 plus a thread that was deleted (404).
  auto thread_link = [](int n) {
    return "<a href=\"threads/" + ThreadName(n) + "\">Thread " + std::to_string(n) + "</a>";
  };
  add_page("forum/index.html",
           IndexPage(1, {thread_link(1), thread_link(2), thread_link(3)},
                     "<p>Latest: <img src=\"media/" + latest_thumbnail +
                         "\" width=\"64\"></p>\n"
                         "<p><a href=\"/admin/login.html\">Moderator login</a></p>\n"));
  add_page("forum/index-2.html",
           IndexPage(2, {thread_link(4), thread_link(5), thread_link(6)},
                     "<p><a href=\"fault/drop-thread.html\">Hot thread</a></p>\n"));
  add_page("forum/index-3.html",
           IndexPage(3, {thread_link(7), thread_link(8), thread_link(9)}, ""));

  // Bad pages: not HTML (written), a 404 and a dropped connection (not written).
  std::string bin(256, '\0');
  for (size_t i = 0; i < bin.size(); ++i) bin[i] = static_cast<char>((i * 37 + seed) & 0xFF);
  add_page("forum/files/rules.pdf", "%PDF-1.4\n% leakz forum rules\n%%EOF\n");
  add_page("forum/files/dump.bin", bin);
  for (const char* path : {"/forum/files/rules.pdf", "/forum/files/dump.bin",
                           "/forum/threads/thread-09.html", "/forum/fault/drop-thread.html"}) {
    site.bad_pages.push_back(path);
  }
  site.in_scope_pages.push_back("/forum/threads/thread-09.html");
  site.in_scope_pages.push_back("/forum/fault/drop-thread.html");

  // Out-of-scope traps, each showing one more copy of a victim photo.
  for (const char* path : {"admin/login.html", "forum-archive/old-thread.html", "private/a.html"}) {
    site.out_of_scope_links.push_back(std::string("/") + path);
    files.push_back(
        {path, Page("Restricted", "",
                    "<img src=\"photo.jpg\">\n<p><a href=\"/forum/index.html\">forum</a></p>\n")});
  }
  return files;
}

}  // namespace tdm::demo::leak_site_internal
