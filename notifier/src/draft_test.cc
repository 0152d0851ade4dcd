#include "tdm/notifier/draft.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "tdm/notifier/regimes.h"

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

// ---- Templates per regime -------------------------------------------------

namespace fs = std::filesystem;

const TemplateSet& Shipped() {
  static const TemplateSet* set = [] {
    auto loaded = TemplateSet::Load(TemplateSet::DefaultDir());
    EXPECT_TRUE(loaded.ok()) << loaded.status().message();
    return new TemplateSet(loaded.ok() ? std::move(loaded).value() : TemplateSet());
  }();
  return *set;
}

std::string ReadShipped(const std::string& file) {
  std::ifstream in(TemplateSet::DefaultDir() / file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::vector<std::string> RegimesOfFile(const std::string& file) {
  std::vector<std::string> out;
  std::istringstream parts(file.substr(0, file.size() - 4));
  for (std::string r; std::getline(parts, r, '+');) out.push_back(r);
  return out;
}

DraftInput WithRegimes(DraftInput in, std::vector<std::string> regimes) {
  in.regimes = std::move(regimes);
  return in;
}

TEST(DraftTemplatesTest, EveryShippedTemplateIsCompleteWithCompleteData) {
  ASSERT_EQ(Shipped().FileNames().size(), 5u);
  DraftInput mixed = FullInput();
  mixed.items.push_back({"https://leaks.example/t/4.html", "https://leaks.example/m/swap.jpg", 0,
                         "2026-05-22T00:00:00Z", /*by_face_only=*/true});
  for (const std::string& file : Shipped().FileNames()) {
    for (const DraftInput& base : {FullInput(), mixed}) {
      const Draft d = DraftTakedown(Shipped(), WithRegimes(base, RegimesOfFile(file)));
      EXPECT_TRUE(d.missing.empty()) << file << ": " << ::testing::PrintToString(d.missing);
      EXPECT_EQ(d.body.find("[to be supplied"), std::string::npos) << file;
      EXPECT_EQ(d.body.find("{{"), std::string::npos) << file;
      EXPECT_NE(d.subject_line.find("tdm request #4242"), std::string::npos) << file;
      EXPECT_NE(d.body.find("tdm request #4242"), std::string::npos) << file;
      for (const char* url : {"https://leaks.example/t/1.html", "https://leaks.example/t/3.html",
                              "https://leaks.example/m/a.jpg", "https://leaks.example/m/c.png"}) {
        EXPECT_EQ(CountUrl(d.body, url), 1) << file << " " << url;
      }
      std::istringstream lines(d.body);
      for (std::string line; std::getline(lines, line);) {
        if (line.find("://") == std::string::npos) {
          EXPECT_LE(line.size(), 78u) << file << line;
        }
        EXPECT_TRUE(line.empty() || line.back() != ' ') << file << ": '" << line << "'";
      }
    }
  }
}

// The regime's elements are checked, not another's: a DSA notice needs no
// postal address or telephone, an NCII report no name.
TEST(DraftTemplatesTest, MissingDetailsAreThoseTheRegimesNeed) {
  DraftInput in = FullInput();
  in.subject.postal_address = "";
  in.subject.phone = "";
  EXPECT_TRUE(DraftTakedown(Shipped(), WithRegimes(in, {"eu-dsa-16"})).missing.empty());
  EXPECT_TRUE(DraftTakedown(Shipped(), WithRegimes(in, {"take-it-down"})).missing.empty());
  EXPECT_EQ(DraftTakedown(Shipped(), WithRegimes(in, {"dmca-512c3"})).missing,
            (std::vector<std::string>{"postal address", "telephone"}));
  const Draft dsa = DraftTakedown(Shipped(), WithRegimes(in, {"eu-dsa-16"}));
  EXPECT_EQ(dsa.body.find("[to be supplied"), std::string::npos);
  EXPECT_EQ(dsa.body.find("Telephone"), std::string::npos);

  in.subject.name = "";
  EXPECT_TRUE(DraftTakedown(Shipped(), WithRegimes(in, {"ncii-policy"})).missing.empty());
  const Draft dsa_no_name = DraftTakedown(Shipped(), WithRegimes(in, {"eu-dsa-16"}));
  EXPECT_EQ(dsa_no_name.missing, std::vector<std::string>{"name"});
  EXPECT_NE(dsa_no_name.body.find("Name:           [to be supplied before sending: name]"),
            std::string::npos);

  in = FullInput();
  in.subject.email = "";
  in.items.clear();
  for (const std::string& file : Shipped().FileNames()) {
    const Draft d = DraftTakedown(Shipped(), WithRegimes(in, RegimesOfFile(file)));
    EXPECT_EQ(d.missing, (std::vector<std::string>{"email", "location of the material (URLs)"}))
        << file;
    EXPECT_NE(d.body.find("[to be supplied before sending: location of the material (URLs)]"),
              std::string::npos)
        << file;
  }
}

TEST(DraftTemplatesTest, RegimesWithoutATemplateAreMissingOne) {
  const Draft d = DraftTakedown(Shipped(), WithRegimes(FullInput(), {"take-it-down", "eu-dsa-16"}));
  EXPECT_EQ(d.missing, std::vector<std::string>{"template for eu-dsa-16+take-it-down"});
  EXPECT_TRUE(d.body.empty());
  EXPECT_EQ(DraftTakedown(Shipped(), WithRegimes(FullInput(), {"gdpr-17"})).missing,
            std::vector<std::string>{"template for gdpr-17"});
  EXPECT_EQ(DraftTakedown(TemplateSet(), FullInput()).missing,
            std::vector<std::string>{"template for dmca-512c3+take-it-down"});
}

// Empty regimes mean the combined letter, which DraftTakedown(input) uses.
TEST(DraftTemplatesTest, DefaultRegimesAreTheCombinedLetter) {
  const Draft a = DraftTakedown(FullInput());
  const Draft b =
      DraftTakedown(Shipped(), WithRegimes(FullInput(), {"take-it-down", "dmca-512c3"}));
  EXPECT_EQ(a.body, b.body);
  EXPECT_EQ(a.subject_line, b.subject_line);
  EXPECT_EQ(a.body, DraftTakedown(Shipped(), FullInput()).body);
}

struct Cut {
  std::string find;     // every occurrence, ignoring case
  std::string replace;  // by this
};

struct RemovedElement {
  std::string file;
  std::vector<Cut> cuts;
  std::string element;  // the StatutoryElement::name that must be reported
};

std::string ReplaceAllIgnoringCase(std::string text, const Cut& cut, int* count) {
  auto lower = [](std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  };
  const std::string needle = lower(cut.find);
  std::string out;
  size_t pos = 0;
  for (size_t hit; (hit = lower(text).find(needle, pos)) != std::string::npos;) {
    out += text.substr(pos, hit - pos) + cut.replace;
    pos = hit + needle.size();
    ++*count;
  }
  return out + text.substr(pos);
}

// A legal team deletes one statutory element from a template: the draft
// names it, with the file, and so cannot be approved.
TEST(DraftTemplatesTest, AnElementDeletedFromATemplateIsMissing) {
  const std::string dmca = "dmca-512c3.txt", tid = "take-it-down.txt", dsa = "eu-dsa-16.txt",
                    ncii = "ncii-policy.txt", both = "dmca-512c3+take-it-down.txt";
  const RemovedElement rows[] = {
      {dmca, {{"{{signature}}", ""}}, "signature"},
      {dmca, {{"{{date}}", "today"}}, "signature"},
      {dmca, {{"in which I own the copyright", ""}}, "identification of the copyrighted work"},
      {dmca, {{"{{url}}", "(see above)"}}, "identification of the material and its URLs"},
      {dmca, {{"{{subject.name}}", ""}}, "contact details: name"},
      {dmca, {{"{{subject.postal_address}}", ""}}, "contact details: postal address"},
      {dmca, {{"{{subject.phone}}", ""}}, "contact details: telephone"},
      {dmca, {{"{{subject.email}}", ""}}, "contact details: email"},
      {dmca,
       {{"I have a good faith belief that use of the material in the manner complained of is not "
         "authorized by the copyright owner, its agent, or the law.",
         ""}},
       "good-faith statement"},
      {dmca, {{"The information in this notice is accurate, and ", ""}}, "statement of accuracy"},
      {dmca, {{"under penalty of perjury, ", ""}}, "statement under penalty of perjury"},
      {dmca, {{"authorized to act", "acting"}}, "statement under penalty of perjury"},
      {tid, {{"{{signature}}", ""}}, "signature"},
      {tid, {{"{{url}}", ""}}, "identification of the depiction and its URLs"},
      {tid,
       {{"intimate visual depiction", "image"}},
       "identification of the depiction and its URLs"},
      {tid,
       {{"I have a good faith belief that the intimate visual depictions identified in this "
         "request are not consensual: I did not consent to their publication.",
         ""}},
       "statement that the depiction is not consensual"},
      {tid, {{"{{subject.email}}", ""}}, "contact details: email"},
      {dsa,
       {{"illegal", "wrong"}, {"unlawful", "wrong"}},
       "explanation of why the content is illegal"},
      {dsa, {{"without my consent", ""}}, "explanation of why the content is illegal"},
      {dsa, {{"{{url}}", ""}}, "exact URLs"},
      {dsa, {{"{{subject.name}}", ""}, {"{{signature}}", ""}}, "notifier's name"},
      {dsa, {{"{{subject.email}}", ""}}, "notifier's email"},
      {dsa,
       {{"bona fide", "honest"}},
       "statement of bona fide belief that the notice is accurate and complete"},
      {dsa,
       {{"accurate and complete", "accurate"}},
       "statement of bona fide belief that the notice is accurate and complete"},
      {ncii, {{"{{url}}", ""}}, "URLs of the material"},
      {ncii,
       {{"I did not consent to their being shared or published", "I object"}},
       "statement of non-consent"},
      {ncii, {{"{{subject.email}}", ""}}, "contact details: email"},
      // The combined letter still carries every element of both regimes.
      {both, {{"under penalty of perjury, ", ""}}, "statement under penalty of perjury"},
      {both,
       {{"use of the material in the manner complained of is not authorized by the copyright "
         "owner, its agent, or the law",
         "nothing"}},
       "good-faith statement"},
      {both, {{"{{subject.postal_address}}", ""}}, "contact details: postal address"},
      {both, {{"{{subject.phone}}", ""}}, "contact details: telephone"},
      {both,
       {{"5. STATEMENT THAT THE DEPICTION IS NOT CONSENSUAL", ""},
        {", and I have a good faith belief that they are not consensual", ""}},
       "statement that the depiction is not consensual"},
  };
  static int dir_counter = 0;
  for (const RemovedElement& row : rows) {
    SCOPED_TRACE(row.file + " without " + row.element);
    std::string text = ReadShipped(row.file);
    ASSERT_FALSE(text.empty());
    for (const Cut& cut : row.cuts) {
      int count = 0;
      text = ReplaceAllIgnoringCase(text, cut, &count);
      ASSERT_GT(count, 0) << "not in the template: " << cut.find;
    }
    const fs::path dir = fs::temp_directory_path() / ("tdm_draft_test_" + std::to_string(getpid()) +
                                                      "_" + std::to_string(++dir_counter));
    fs::create_directories(dir);
    std::ofstream(dir / row.file, std::ios::binary) << text;
    auto edited = TemplateSet::Load(dir);
    fs::remove_all(dir);
    ASSERT_TRUE(edited.ok()) << edited.status().message();
    const DraftInput in = WithRegimes(FullInput(), RegimesOfFile(row.file));
    EXPECT_EQ(DraftTakedown(*edited, in).missing,
              std::vector<std::string>{row.element + " (template " + row.file + ")"});
    // The unedited template carries it.
    EXPECT_TRUE(DraftTakedown(Shipped(), in).missing.empty());
  }
}

// Each regime's elements all have a row above or are shared: a new element
// without a test fails here.
TEST(DraftTemplatesTest, EveryElementIsCheckedSomewhere) {
  const std::vector<std::string> tested = {
      "signature",
      "identification of the copyrighted work",
      "identification of the material and its URLs",
      "contact details: name",
      "contact details: postal address",
      "contact details: telephone",
      "contact details: email",
      "good-faith statement",
      "statement of accuracy",
      "statement under penalty of perjury",
      "identification of the depiction and its URLs",
      "statement that the depiction is not consensual",
      "explanation of why the content is illegal",
      "exact URLs",
      "notifier's name",
      "notifier's email",
      "statement of bona fide belief that the notice is accurate and complete",
      "URLs of the material",
      "statement of non-consent"};
  for (const std::string& r : KnownRegimes()) {
    for (const StatutoryElement& e : StatutoryElements(r)) {
      EXPECT_NE(std::find(tested.begin(), tested.end(), e.name), tested.end())
          << r << ": " << e.name;
    }
  }
}

TEST(DraftTemplatesTest, HostileInputCannotAddLinesInAnyTemplate) {
  DraftInput in = FullInput();
  in.subject.name = "Jane\r\nBcc: evil@example.com\u2028/s/ Forged";
  in.subject.email = "jane@example.org\nX-Injected: 1";
  in.subject.postal_address = "1 Main St\u2029Springfield";
  in.host = "leaks.example\r\nSubject: forged";
  in.recipient_email = "abuse@example.net\nX-Injected: 2";
  in.recipient_source = "RDAP\u2028X-Injected: 3";
  in.items.push_back({"https://leaks.example/t/9.html\r\nX-Injected: 4",
                      "https://leaks.example/m/9.jpg\u2028X-Injected: 5", 0,
                      "2026\nX-Injected: 6"});
  in.items.back().sha256_hex = "ab\ncd";
  CitedRequest cite;
  cite.request_id = 3;
  cite.host = "old.example\nX-Injected: 7";
  cite.sent_at_utc = "2026-04-01\r\nX-Injected: 8";
  cite.urls = {"https://old.example/a.jpg\nX-Injected: 9"};
  in.cites = {cite};
  for (const std::string& file : Shipped().FileNames()) {
    const Draft d = DraftTakedown(Shipped(), WithRegimes(in, RegimesOfFile(file)));
    SCOPED_TRACE(file);
    EXPECT_EQ(d.subject_line.find_first_of("\r\n"), std::string::npos);
    EXPECT_EQ(d.body.find('\r'), std::string::npos);
    EXPECT_EQ(d.body.find("\u2028"), std::string::npos);
    EXPECT_EQ(d.body.find("\u2029"), std::string::npos);
    std::istringstream lines(d.body);
    for (std::string line; std::getline(lines, line);) {
      const size_t start = line.find_first_not_of(' ');
      if (start == std::string::npos) continue;
      for (const char* forged : {"X-Injected", "Bcc:", "Subject:", "/s/ Forged"}) {
        EXPECT_NE(line.compare(start, std::string(forged).size(), forged), 0) << line;
      }
    }
    EXPECT_LE(CountSubstring(d.body, "\n/s/ "), 1);
  }
}

TEST(DraftTemplatesTest, ReuploadsCiteTheEarlierRequest) {
  DraftInput in = FullInput();
  CitedRequest cite;
  cite.request_id = 17;
  cite.host = "leaks.example";
  cite.sent_at_utc = "2026-04-01T09:00:00Z";
  cite.urls = {"https://leaks.example/m/old-a.jpg", "", "https://leaks.example/m/old-b.jpg"};
  in.cites = {cite};
  for (const std::string& file : Shipped().FileNames()) {
    const Draft d = DraftTakedown(Shipped(), WithRegimes(in, RegimesOfFile(file)));
    SCOPED_TRACE(file);
    EXPECT_NE(Flat(d.body).find("This material was removed after our request #17 sent on "
                                "2026-04-01T09:00:00Z and has been posted again"),
              std::string::npos)
        << d.body;
    EXPECT_NE(d.body.find("\n  https://leaks.example/m/old-a.jpg\n"
                          "  https://leaks.example/m/old-b.jpg\n"),
              std::string::npos);
    EXPECT_TRUE(d.missing.empty());
  }
  EXPECT_EQ(Flat(DraftTakedown(FullInput()).body).find("has been posted again"), std::string::npos);
}

TEST(DraftTemplatesTest, RecipientAndItsSourceAreNamed) {
  DraftInput in = FullInput();
  in.recipient_email = "abuse@hoster.example";
  in.recipient_source = "RDAP abuse contact of 203.0.113.7";
  for (const std::string& file : Shipped().FileNames()) {
    const Draft d = DraftTakedown(Shipped(), WithRegimes(in, RegimesOfFile(file)));
    EXPECT_NE(d.body.find("\nSent to: abuse@hoster.example (RDAP abuse contact of 203.0.113.7)\n"),
              std::string::npos)
        << file;
  }
  EXPECT_EQ(DraftTakedown(FullInput()).body.find("Sent to:"), std::string::npos);
}

// The DMCA alone claims copies only: a request whose images were all found by
// face has no copyrighted work to identify, and cannot be approved as one.
TEST(DraftTemplatesTest, DmcaAloneNeedsACopyOfAWork) {
  DraftInput in = WithRegimes(FullInput(), {"dmca-512c3"});
  in.items.push_back({"https://leaks.example/t/4.html", "https://leaks.example/m/swap.jpg", 0, "",
                      /*by_face_only=*/true});
  const Draft some = DraftTakedown(Shipped(), in);
  EXPECT_TRUE(some.missing.empty());
  EXPECT_EQ(some.body.find("swap.jpg"), std::string::npos);  // not claimed as a copy
  for (auto& item : in.items) item.by_face_only = true;
  EXPECT_EQ(
      DraftTakedown(Shipped(), in).missing,
      std::vector<std::string>{"identification of the copyrighted work (template dmca-512c3.txt)"});
}

}  // namespace
}  // namespace tdm::notifier
