#include "tdm/notifier/regimes.h"

#include <algorithm>
#include <map>

namespace tdm::notifier {
namespace {

using D = NoticeDetail;
using Groups = std::vector<std::vector<std::string>>;

StatutoryElement Element(std::string name, std::vector<NoticeDetail> details, Groups fields,
                         Groups phrases) {
  StatutoryElement e;
  e.name = std::move(name);
  e.details = std::move(details);
  e.fields = std::move(fields);
  e.phrases = std::move(phrases);
  return e;
}

const Groups kUrls = {{"images.url", "pages.url"}};
const std::vector<std::string> kGoodFaith = {"good faith belief", "good-faith belief"};

StatutoryElement Signature() {
  return Element("signature", {D::kName, D::kDate}, {{"signature"}, {"date"}}, {});
}

StatutoryElement ContactEmail() {
  return Element("contact details: email", {D::kEmail}, {{"subject.email"}}, {});
}

struct RegimeInfo {
  std::string title;
  std::vector<StatutoryElement> elements;
};

std::map<std::string, RegimeInfo, std::less<>> BuildRegimes() {
  std::map<std::string, RegimeInfo, std::less<>> r;
  // 17 U.S.C. 512(c)(3)(A)(i)-(vi).
  r["dmca-512c3"] = {
      "DMCA notice of claimed copyright infringement (17 U.S.C. 512(c)(3))",
      {
          Signature(),
          // A notice that claims no image as a copy says so in these words;
          // ChooseRegimes does not pick the DMCA for such a request.
          Element("identification of the copyrighted work", {}, {},
                  {{"own the copyright", "copyright owner of",
                    "claimed as a copy of a copyrighted work"}}),
          Element("identification of the material and its URLs", {D::kLocation}, kUrls, {}),
          Element("contact details: name", {D::kName}, {{"subject.name"}}, {}),
          Element("contact details: postal address", {D::kPostalAddress},
                  {{"subject.postal_address"}}, {}),
          Element("contact details: telephone", {D::kTelephone}, {{"subject.phone"}}, {}),
          ContactEmail(),
          Element(
              "good-faith statement", {}, {},
              {kGoodFaith,
               {"not authorized by the copyright owner", "not authorised by the copyright owner"}}),
          Element("statement of accuracy", {}, {}, {{"is accurate"}}),
          Element("statement under penalty of perjury", {}, {},
                  {{"penalty of perjury"}, {"authorized to act", "authorised to act"}}),
      }};
  // Regulation (EU) 2022/2065 Article 16(2)(a)-(d).
  r["eu-dsa-16"] = {
      "EU Digital Services Act notice (Regulation (EU) 2022/2065, Article 16)",
      {
          Element("explanation of why the content is illegal", {}, {},
                  {{"illegal", "unlawful"},
                   {"without my consent", "without consent", "not consensual", "did not consent"}}),
          Element("exact URLs", {D::kLocation}, kUrls, {}),
          Element("notifier's name", {D::kName}, {{"subject.name", "signature"}}, {}),
          Element("notifier's email", {D::kEmail}, {{"subject.email"}}, {}),
          Element("statement of bona fide belief that the notice is accurate and complete", {}, {},
                  {{"bona fide", "good faith", "good-faith"}, {"accurate and complete"}}),
      }};
  // No statute: what platforms' NCII report forms ask for.
  r["ncii-policy"] = {
      "Report under the platform's non-consensual intimate imagery policy",
      {
          Element("URLs of the material", {D::kLocation}, kUrls, {}),
          Element("statement of non-consent", {}, {},
                  {{"not consensual", "did not consent", "without my consent", "not consented"}}),
          ContactEmail(),
      }};
  // 47 U.S.C. 223a(a)(1)(B)(i)-(iv).
  r["take-it-down"] = {
      "TAKE IT DOWN Act removal request (47 U.S.C. 223a)",
      {
          Signature(),
          Element("identification of the depiction and its URLs", {D::kLocation}, kUrls,
                  {{"intimate visual depiction"}}),
          Element("statement that the depiction is not consensual", {}, {},
                  {kGoodFaith, {"not consensual", "did not consent", "not consented"}}),
          ContactEmail(),
      }};
  return r;
}

const std::map<std::string, RegimeInfo, std::less<>>& Regimes() {
  static const auto* regimes = new std::map<std::string, RegimeInfo, std::less<>>(BuildRegimes());
  return *regimes;
}

}  // namespace

std::string_view NoticeDetailName(NoticeDetail detail) {
  switch (detail) {
    case D::kName:
      return "name";
    case D::kPostalAddress:
      return "postal address";
    case D::kTelephone:
      return "telephone";
    case D::kEmail:
      return "email";
    case D::kDate:
      return "date";
    case D::kLocation:
      return "location of the material (URLs)";
  }
  return "?";
}

const std::vector<std::string>& KnownRegimes() {
  static const auto* names = [] {
    auto* out = new std::vector<std::string>;
    for (const auto& [name, info] : Regimes()) out->push_back(name);
    return out;
  }();
  return *names;
}

bool IsKnownRegime(std::string_view name) { return Regimes().count(name) > 0; }

std::string_view RegimeTitle(std::string_view name) {
  const auto it = Regimes().find(name);
  return it == Regimes().end() ? std::string_view() : std::string_view(it->second.title);
}

const std::vector<StatutoryElement>& StatutoryElements(std::string_view regime) {
  static const std::vector<StatutoryElement> kNone;
  const auto it = Regimes().find(regime);
  return it == Regimes().end() ? kNone : it->second.elements;
}

std::string FoldForPhrases(std::string_view text) {
  std::string out;
  bool blank = false;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      blank = !out.empty();
      continue;
    }
    if (blank) out += ' ';
    blank = false;
    out += (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}

bool TextCarriesElement(const StatutoryElement& element, std::string_view folded_text,
                        const std::set<std::string>& used_fields) {
  for (const auto& group : element.fields) {
    if (std::none_of(group.begin(), group.end(),
                     [&](const std::string& f) { return used_fields.count(f) > 0; })) {
      return false;
    }
  }
  for (const auto& group : element.phrases) {
    if (std::none_of(group.begin(), group.end(), [&](const std::string& p) {
          return folded_text.find(FoldForPhrases(p)) != std::string_view::npos;
        })) {
      return false;
    }
  }
  return true;
}

std::vector<std::string> ChooseRegimes(const SubjectSituation& subject, const HostSituation& host,
                                       bool all_items_by_face_only) {
  const bool us_host = host.jurisdiction == "us" || host.jurisdiction.empty();
  std::vector<std::string> out;
  if (us_host) {
    out.push_back("take-it-down");
    if (subject.owns_copyright.value_or(true) && !all_items_by_face_only) {
      out.push_back("dmca-512c3");
    }
  }
  if (host.jurisdiction == "eu" || (subject.region == "eu" && !us_host)) {
    out.push_back("eu-dsa-16");
  }
  if (out.empty()) out.push_back("ncii-policy");
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace tdm::notifier
