#include "tdm/notifier/regimes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

namespace tdm::notifier {
namespace {

TEST(RegimesTest, KnownRegimesHaveTitlesAndElements) {
  EXPECT_EQ(KnownRegimes(),
            (std::vector<std::string>{"dmca-512c3", "eu-dsa-16", "ncii-policy", "take-it-down"}));
  for (const std::string& r : KnownRegimes()) {
    EXPECT_TRUE(IsKnownRegime(r));
    EXPECT_FALSE(RegimeTitle(r).empty()) << r;
    EXPECT_EQ(RegimeTitle(r).find('\n'), std::string_view::npos);
    EXPECT_FALSE(StatutoryElements(r).empty()) << r;
  }
  EXPECT_FALSE(IsKnownRegime("dmca"));
  EXPECT_TRUE(RegimeTitle("dmca").empty());
  EXPECT_TRUE(StatutoryElements("dmca").empty());
}

std::vector<NoticeDetail> DetailsOf(const std::string& regime) {
  std::vector<NoticeDetail> out;
  for (const auto& e : StatutoryElements(regime)) {
    out.insert(out.end(), e.details.begin(), e.details.end());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Each regime asks only for the details its law asks for.
TEST(RegimesTest, DetailsEachRegimeNeeds) {
  using D = NoticeDetail;
  EXPECT_EQ(DetailsOf("dmca-512c3"), (std::vector<D>{D::kName, D::kPostalAddress, D::kTelephone,
                                                     D::kEmail, D::kDate, D::kLocation}));
  EXPECT_EQ(DetailsOf("take-it-down"),
            (std::vector<D>{D::kName, D::kEmail, D::kDate, D::kLocation}));
  EXPECT_EQ(DetailsOf("eu-dsa-16"), (std::vector<D>{D::kName, D::kEmail, D::kLocation}));
  EXPECT_EQ(DetailsOf("ncii-policy"), (std::vector<D>{D::kEmail, D::kLocation}));
  EXPECT_EQ(NoticeDetailName(D::kLocation), "location of the material (URLs)");
}

TEST(RegimesTest, PhrasesMatchAcrossCaseAndLineBreaks) {
  StatutoryElement e;
  e.name = "perjury";
  e.phrases = {{"penalty of perjury"}, {"authorized to act", "authorised to act"}};
  EXPECT_EQ(FoldForPhrases("  Under PENALTY\n of\tperjury,  I "), "under penalty of perjury, i");
  EXPECT_TRUE(TextCarriesElement(e,
                                 FoldForPhrases("Under PENALTY of\nperjury I am authorised to\n"
                                                "act"),
                                 {}));
  EXPECT_FALSE(TextCarriesElement(e, FoldForPhrases("under penalty of perjury"), {}));
  EXPECT_FALSE(TextCarriesElement(e, FoldForPhrases("authorized to act"), {}));
  e.phrases.clear();
  e.fields = {{"images.url", "pages.url"}, {"signature"}};
  EXPECT_TRUE(TextCarriesElement(e, "", {"pages.url", "signature"}));
  EXPECT_FALSE(TextCarriesElement(e, "", {"pages.url"}));
  EXPECT_FALSE(TextCarriesElement(e, "", {"signature", "date"}));
}

struct ChooseCase {
  std::optional<bool> owns_copyright;
  std::string subject_region;
  std::string host_jurisdiction;
  bool all_by_face_only;
  std::vector<std::string> want;
};

TEST(RegimesTest, ChooseRegimes) {
  const std::vector<std::string> dmca_tid = {"dmca-512c3", "take-it-down"};
  const std::vector<std::string> tid = {"take-it-down"};
  const std::vector<std::string> dsa = {"eu-dsa-16"};
  const std::vector<std::string> ncii = {"ncii-policy"};
  const ChooseCase cases[] = {
      // US host: TAKE IT DOWN, plus the DMCA for copies of the subject's photos.
      {true, "us", "us", false, dmca_tid},
      {std::nullopt, "us", "us", false, dmca_tid},  // the legal team confirms ownership
      {false, "us", "us", false, tid},              // someone else took the photos
      {true, "us", "us", true, tid},                // face swaps are no copies
      {std::nullopt, "", "us", true, tid},
      // Unknown jurisdiction: treated as a US host.
      {true, "", "", false, dmca_tid},
      {false, "other", "", false, tid},
      {true, "eu", "", false, dmca_tid},
      // A US host of an EU subject: the US law, not the DSA.
      {true, "eu", "us", false, dmca_tid},
      // EU host: the DSA, whoever the subject is.
      {true, "eu", "eu", false, dsa},
      {true, "us", "eu", false, dsa},
      {std::nullopt, "", "eu", true, dsa},
      // A host elsewhere: the DSA for an EU subject, else the platform's policy.
      {true, "eu", "other", false, dsa},
      {true, "us", "other", false, ncii},
      {std::nullopt, "", "other", true, ncii},
      {false, "other", "other", false, ncii},
  };
  for (const ChooseCase& c : cases) {
    SubjectSituation subject;
    subject.owns_copyright = c.owns_copyright;
    subject.region = c.subject_region;
    HostSituation host;
    host.jurisdiction = c.host_jurisdiction;
    EXPECT_EQ(ChooseRegimes(subject, host, c.all_by_face_only), c.want)
        << "owns=" << (c.owns_copyright ? (*c.owns_copyright ? "yes" : "no") : "?")
        << " subject=" << c.subject_region << " host=" << c.host_jurisdiction
        << " face_only=" << c.all_by_face_only;
  }
}

}  // namespace
}  // namespace tdm::notifier
