#include "tdm/notifier/draft.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <vector>

namespace tdm::notifier {
namespace {

DraftInput FullInput() {
  DraftInput in;
  in.subject = {"Jane Roe", "jane@example.org", "+1 555 0100", "1 Main St, Springfield, IL 62701"};
  in.host = "leaks.example";
  in.drafted_at_utc = "2026-06-01T12:00:00Z";
  in.request_id = 4242;
  in.items = {
      {"https://leaks.example/t/2.html", "https://leaks.example/m/b.jpg", 12345,
       "2026-05-21T00:00:00Z"},
      {"https://leaks.example/t/1.html", "https://leaks.example/m/a.jpg", 3,
       "2026-05-20T00:00:00Z"},
      {"https://leaks.example/t/2.html", "https://leaks.example/m/a.jpg", 7,
       "2026-05-19T08:00:00Z"},
      {"https://leaks.example/t/3.html", "https://leaks.example/m/c.png", 0, ""},
  };
  return in;
}

// Counts occurrences of `url` as a whole token: followed by a line end.
int CountUrl(const std::string& body, const std::string& url) {
  int n = 0;
  for (size_t pos = body.find(url); pos != std::string::npos; pos = body.find(url, pos + 1)) {
    const size_t end = pos + url.size();
    if (end == body.size() || body[end] == '\n') ++n;
  }
  return n;
}

int CountSubstring(const std::string& body, const std::string& s) {
  int n = 0;
  for (size_t pos = body.find(s); pos != std::string::npos; pos = body.find(s, pos + 1)) ++n;
  return n;
}

// Body text with line breaks folded to spaces, so phrases split by wrapping match.
std::string Flat(const std::string& body) {
  std::string out;
  std::istringstream words(body);
  std::string w;
  while (words >> w) out += (out.empty() ? "" : " ") + w;
  return out;
}

TEST(DraftTest, ContainsEveryStatutoryElement) {
  const Draft d = DraftTakedown(FullInput());
  const std::string flat = Flat(d.body);
  // Both regimes named.
  EXPECT_NE(flat.find("17 U.S.C. 512(c)(3)"), std::string::npos);
  EXPECT_NE(flat.find("47 U.S.C. 223a"), std::string::npos);
  EXPECT_NE(flat.find("TAKE IT DOWN"), std::string::npos);
  EXPECT_NE(flat.find("designated copyright agent of leaks.example"), std::string::npos);
  // (ii) the work, representative list; identification of the depiction.
  EXPECT_NE(flat.find("IDENTIFICATION OF THE COPYRIGHTED WORKS AND OF THE DEPICTION"),
            std::string::npos);
  EXPECT_NE(flat.find("representative list"), std::string::npos);
  EXPECT_NE(flat.find("INFRINGING MATERIAL AND INFORMATION TO LOCATE IT"), std::string::npos);
  // (iv) contact details.
  EXPECT_NE(flat.find("Name: Jane Roe"), std::string::npos);
  EXPECT_NE(flat.find("Postal address: 1 Main St, Springfield, IL 62701"), std::string::npos);
  EXPECT_NE(flat.find("Telephone: +1 555 0100"), std::string::npos);
  EXPECT_NE(flat.find("Email: jane@example.org"), std::string::npos);
  // (v) good faith.
  EXPECT_NE(flat.find("good faith belief that use of the material in the manner complained of is "
                      "not authorized by the copyright owner, its agent, or the law"),
            std::string::npos);
  // TAKE IT DOWN: intimate, without consent, not consensual.
  EXPECT_NE(flat.find("intimate visual depictions of me that were published without my consent"),
            std::string::npos);
  EXPECT_NE(flat.find("good faith belief that they are not consensual"), std::string::npos);
  // (vi) accuracy and penalty of perjury.
  EXPECT_NE(flat.find("The information in this notice is accurate, and under penalty of perjury, "
                      "I am the owner, or am authorized to act on behalf of the owner"),
            std::string::npos);
  // Removal duty.
  EXPECT_NE(flat.find("not later than 48 hours"), std::string::npos);
  EXPECT_NE(flat.find("known identical copies"), std::string::npos);
  // (i) signature and date.
  EXPECT_NE(d.body.find("\n/s/ Jane Roe\n"), std::string::npos);
  EXPECT_NE(d.body.find("Date: 2026-06-01T12:00:00Z"), std::string::npos);
  // Reference, in body and subject line.
  EXPECT_NE(d.body.find("tdm request #4242"), std::string::npos);
  EXPECT_NE(d.subject_line.find("tdm request #4242"), std::string::npos);
  EXPECT_NE(d.subject_line.find("leaks.example"), std::string::npos);
  EXPECT_TRUE(d.missing.empty());
}

TEST(DraftTest, EveryUrlListedExactlyOnceSortedAndNumbered) {
  const Draft d = DraftTakedown(FullInput());
  for (const char* url : {"https://leaks.example/t/1.html", "https://leaks.example/t/2.html",
                          "https://leaks.example/t/3.html", "https://leaks.example/m/a.jpg",
                          "https://leaks.example/m/b.jpg", "https://leaks.example/m/c.png"}) {
    EXPECT_EQ(CountUrl(d.body, url), 1) << url;
  }
  EXPECT_NE(d.body.find("  P1. https://leaks.example/t/1.html\n"
                        "  P2. https://leaks.example/t/2.html\n"
                        "  P3. https://leaks.example/t/3.html\n"),
            std::string::npos);
  EXPECT_NE(d.body.find("  1. https://leaks.example/m/a.jpg\n"
                        "     shown on pages P1, P2; first observed 2026-05-19T08:00:00Z\n"
                        "  2. https://leaks.example/m/b.jpg\n"
                        "     shown on page P2; first observed 2026-05-21T00:00:00Z\n"
                        "  3. https://leaks.example/m/c.png\n"
                        "     shown on page P3\n"),
            std::string::npos)
      << d.body;
}

TEST(DraftTest, NeverRevealsScoresOrHashes) {
  const Draft d = DraftTakedown(FullInput());
  EXPECT_EQ(d.body.find("12345"), std::string::npos);
  for (const char* word : {"distance", "hash", "PDQ", "score", "similar"}) {
    EXPECT_EQ(d.body.find(word), std::string::npos) << word;
  }
}

TEST(DraftTest, MissingDetailsArePlaceholdersAndListed) {
  DraftInput in = FullInput();
  in.subject.postal_address = "";
  in.subject.phone = " \r\n ";  // blank after cleaning counts as missing
  const Draft d = DraftTakedown(in);
  EXPECT_EQ(d.missing, (std::vector<std::string>{"postal address", "telephone"}));
  EXPECT_NE(d.body.find("Postal address: [to be supplied before sending: postal address]"),
            std::string::npos);
  EXPECT_NE(d.body.find("Telephone:      [to be supplied before sending: telephone]"),
            std::string::npos);
  EXPECT_NE(d.body.find("Email:          jane@example.org"), std::string::npos);
}

TEST(DraftTest, EverythingMissing) {
  const Draft d = DraftTakedown(DraftInput{});
  EXPECT_EQ(d.missing, (std::vector<std::string>{"name", "postal address", "telephone", "email",
                                                 "date", "location of the material (URLs)"}));
  EXPECT_NE(d.body.find("/s/ [to be supplied before sending: name]"), std::string::npos);
  EXPECT_NE(d.body.find("[to be supplied before sending: location of the material (URLs)]"),
            std::string::npos);
  EXPECT_NE(d.body.find("tdm request #0"), std::string::npos);
}

TEST(DraftTest, DeterministicAndOrderIndependent) {
  DraftInput in = FullInput();
  const Draft a = DraftTakedown(in);
  const Draft b = DraftTakedown(in);
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.subject_line, b.subject_line);
  std::reverse(in.items.begin(), in.items.end());
  EXPECT_EQ(DraftTakedown(in).body, a.body);
}

TEST(DraftTest, PlainTextWrappedAt78ExceptUrlLines) {
  const Draft d = DraftTakedown(FullInput());
  std::istringstream lines(d.body);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.find("://") != std::string::npos) continue;
    EXPECT_LE(line.size(), 78u) << line;
  }
  EXPECT_EQ(d.body.find('<'), std::string::npos);  // no HTML
  EXPECT_EQ(d.body.find('\r'), std::string::npos);
}

TEST(DraftTest, HostileUrlsKeptVerbatimButCannotInjectLines) {
  DraftInput in = FullInput();
  in.items = {{"https://leaks.example/t/x.html?a=1&b=<2>\r\nBcc: evil@example.com",
               "https://leaks.example/m/%E2%80%A8\"quote\" sp ace.jpg\n\n/s/ Forged", 1, ""}};
  in.subject.name = "Jane\nRoe";
  in.subject.postal_address = "1 Main St \r\n\r\n  Springfield\u2028IL\n";
  in.items.push_back(
      {"https://leaks.example/t/y.html,", "https://leaks.example/m/%0A\x7f.jpg", 2, ""});
  const Draft d = DraftTakedown(in);
  EXPECT_EQ(CountUrl(d.body, "https://leaks.example/t/x.html?a=1&b=<2>Bcc: evil@example.com"), 1)
      << d.body;
  EXPECT_EQ(CountUrl(d.body, "https://leaks.example/m/%E2%80%A8\"quote\" sp ace.jpg/s/ Forged"), 1);
  EXPECT_EQ(d.body.find("\nBcc:"), std::string::npos);
  EXPECT_EQ(CountUrl(d.body, "https://leaks.example/t/y.html,"), 1);  // trailing comma kept
  EXPECT_EQ(CountUrl(d.body, "https://leaks.example/m/%0A.jpg"), 1);  // DEL dropped, %0A kept
  EXPECT_EQ(CountSubstring(d.body, "\n/s/ "), 1);
  EXPECT_NE(d.body.find("\n/s/ Jane Roe\n"), std::string::npos);
  EXPECT_NE(d.body.find("Postal address: 1 Main St, Springfield, IL\n"), std::string::npos);
  EXPECT_EQ(d.subject_line.find('\n'), std::string::npos);
  in.host = "evil.example\r\nX-Injected: 1";
  const Draft h = DraftTakedown(in);
  EXPECT_EQ(h.subject_line.find_first_of("\r\n"), std::string::npos);
  EXPECT_EQ(h.body.find("\nX-Injected"), std::string::npos);
}

// A face swap is no copy of the subject's photographs: it is marked, and
// claimed under the TAKE IT DOWN Act alone.
TEST(DraftTest, ImagesFoundByFaceAloneAreNotClaimedAsCopies) {
  DraftInput in = FullInput();
  in.items.push_back({"https://leaks.example/t/4.html", "https://leaks.example/m/swap.jpg", 0,
                      "2026-05-22T00:00:00Z", /*by_face_only=*/true});
  // The same image also found as a copy on another page: a copy, unmarked.
  in.items.push_back({"https://leaks.example/t/4.html", "https://leaks.example/m/c.png", 0, "",
                      /*by_face_only=*/true});
  const Draft d = DraftTakedown(in);
  const std::string flat = Flat(d.body);
  EXPECT_EQ(CountSubstring(flat,
                           "shows my face; not a copy of the works in section 1 (TAKE IT "
                           "DOWN Act only)"),
            1)
      << d.body;
  const size_t swap = flat.find("https://leaks.example/m/swap.jpg");
  ASSERT_NE(swap, std::string::npos);
  EXPECT_NE(flat.find("shows my face", swap), std::string::npos);
  EXPECT_NE(flat.find("in which I own the copyright"), std::string::npos);
  EXPECT_NE(flat.find("Images marked in section 2 as showing my face are not claimed as copies"),
            std::string::npos);
  EXPECT_NE(flat.find("(except the images marked as showing my face)"), std::string::npos);
  EXPECT_TRUE(d.missing.empty());
  EXPECT_EQ(CountUrl(d.body, "https://leaks.example/m/swap.jpg"), 1);

  DraftInput only = FullInput();
  for (auto& item : only.items) item.by_face_only = true;
  const std::string all = Flat(DraftTakedown(only).body);
  EXPECT_NE(all.find("No image listed in section 2 is claimed as a copy of a copyrighted work"),
            std::string::npos);
  EXPECT_EQ(all.find("in which I own the copyright"), std::string::npos);
  EXPECT_EQ(all.find("reproduces the works"), std::string::npos);
  EXPECT_EQ(CountSubstring(all, "shows my face; not a copy"), 3);  // a.jpg, b.jpg, c.png
}

}  // namespace
}  // namespace tdm::notifier
