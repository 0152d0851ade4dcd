// ExtractLinks (tdm's streaming tokenizer) against Gumbo's parse alone and the
// Gumbo-based reference extractor, single-threaded: microseconds per page of a
// generated forum site, then milliseconds on hostile 16 MiB documents.
// Usage: extract_bench DIR   (the pages DIR/t/*.html, from gen_site.py)
#include <gumbo.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "extract_reference.h"
#include "tdm/crawler/extract.h"

namespace {

using tdm::crawler::ExtractLinks;
using tdm::crawler::ExtractLinksReference;
using tdm::crawler::ExtractOptions;
using Clock = std::chrono::steady_clock;

double MicrosPerPage(const std::vector<std::string>& pages, int rounds,
                     const std::function<size_t(const std::string&)>& run) {
  size_t found = 0;
  const auto start = Clock::now();
  for (int r = 0; r < rounds; ++r) {
    for (const std::string& p : pages) found += run(p);
  }
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count();
  if (found == 0) std::cerr << "warning: nothing found\n";
  return us / (static_cast<double>(rounds) * static_cast<double>(pages.size()));
}

std::vector<std::pair<std::string, std::string>> HostileDocuments() {
  const size_t size = tdm::crawler::kMaxHtmlBytes;
  std::vector<std::pair<std::string, std::string>> out;
  std::string h;
  while (h.size() < size) {
    h += "<div class=\"pagination\"><a href=\"p\">2</a><span data-before=1>&amp;&#x41;\xff";
  }
  out.push_back({"pager divs, links, entities, invalid UTF-8", h.substr(0, size)});
  h = "<a href=x>";
  while (h.size() < size) h += "<div>";
  out.push_back({"<div> nested 3.4M deep", h});
  h = "<a href=\"x";
  h.resize(size, 'a');
  out.push_back({"one unclosed attribute", h});
  h = "<!--";
  h.resize(size, '-');
  out.push_back({"an unclosed comment of dashes", h});
  h = "<script><!--<script>";
  while (h.size() < size) h += "</script x<!-- -";
  out.push_back({"script escape states", h});
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: extract_bench DIR (pages in DIR/t/*.html)\n";
    return 2;
  }
  std::vector<std::string> pages;
  size_t bytes = 0;
  for (const auto& entry :
       std::filesystem::directory_iterator(std::filesystem::path(argv[1]) / "t")) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    pages.push_back(ss.str());
    bytes += pages.back().size();
  }
  if (pages.empty()) {
    std::cerr << "extract_bench: no pages in " << argv[1] << "/t\n";
    return 1;
  }
  const auto url = *tdm::Url::Parse("http://127.0.0.1:8080/t/1.html");
  std::cout << pages.size() << " pages, mean " << bytes / pages.size() << " bytes\n";
  const double gumbo = MicrosPerPage(pages, 20, [](const std::string& p) {
    GumboOutput* out = gumbo_parse_with_options(&kGumboDefaultOptions, p.data(), p.size());
    gumbo_destroy_output(&kGumboDefaultOptions, out);
    return size_t{1};
  });
  const double reference = MicrosPerPage(pages, 20, [&](const std::string& p) {
    return ExtractLinksReference(p, url, ExtractOptions{}).pages.size();
  });
  const double fast = MicrosPerPage(
      pages, 100, [&](const std::string& p) { return ExtractLinks(p, url).pages.size(); });
  std::cout << "  Gumbo parse only        " << gumbo << " us/page\n"
            << "  ExtractLinksReference   " << reference << " us/page\n"
            << "  ExtractLinks            " << fast << " us/page (" << gumbo / fast
            << "x Gumbo's parse)\n";
  std::cout << "hostile 16 MiB documents (ms; the reference gives up after its 5 s budget):\n";
  for (const auto& [name, html] : HostileDocuments()) {
    auto t0 = Clock::now();
    auto e = ExtractLinks(html, url);
    const double ms = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    t0 = Clock::now();
    auto r = ExtractLinksReference(html, url, ExtractOptions{});
    const double ms_ref = std::chrono::duration<double, std::milli>(Clock::now() - t0).count();
    std::cout << "  " << name << ": " << ms << " ms (" << e.pages.size() << " pages), reference "
              << ms_ref << " ms (" << r.pages.size() << " pages)\n";
  }
  return 0;
}
