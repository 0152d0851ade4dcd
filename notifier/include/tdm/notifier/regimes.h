#pragma once

// The legal regimes a takedown request can be made under, what each one's
// notice must contain (its statutory elements, /work/shared/DESIGN.md "Legal
// notice elements") and which regimes fit a subject and a host. Pure tables
// and functions: no I/O, thread-safe.
//
//   "dmca-512c3"    DMCA notice, 17 U.S.C. 512(c)(3)(A)
//   "eu-dsa-16"     EU Digital Services Act notice, Article 16(2)
//   "ncii-policy"   report under a platform's own NCII policy
//   "take-it-down"  TAKE IT DOWN Act removal request, 47 U.S.C. 223a

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace tdm::notifier {

// The details of a notice that come from the subject and the matches rather
// than from the template. Draft::missing names an absent one by
// NoticeDetailName, in this order.
enum class NoticeDetail { kName, kPostalAddress, kTelephone, kEmail, kDate, kLocation };

// "name", "postal address", "telephone", "email", "date",
// "location of the material (URLs)".
std::string_view NoticeDetailName(NoticeDetail detail);

// One element a regime's notice must contain, checked twice for each draft:
// the details it needs are present in the input, and the rendered notice
// still carries it, so deleting it from an edited template blocks approval.
struct StatutoryElement {
  std::string name;  // as shown in Draft::missing, e.g. "statement under penalty of perjury"
  std::vector<NoticeDetail> details;  // input it needs
  // Template fields (NoticeSchema paths) the rendered text must print: from
  // each group, at least one. E.g. {{"images.url", "pages.url"}}.
  std::vector<std::vector<std::string>> fields;
  // Phrases the rendered text must contain, case-insensitive and with runs of
  // blanks and line breaks read as one space: from each group, at least one.
  std::vector<std::vector<std::string>> phrases;
};

// The regime names above, sorted.
const std::vector<std::string>& KnownRegimes();
bool IsKnownRegime(std::string_view name);
// One line naming the regime and its legal basis; empty for an unknown name.
std::string_view RegimeTitle(std::string_view name);
// The statutory elements of `regime`, in the order the statute lists them;
// empty for an unknown name.
const std::vector<StatutoryElement>& StatutoryElements(std::string_view regime);

// Whether a rendered notice carries `element`: `folded_text` is the notice
// lower-cased with every run of whitespace made one space (FoldForPhrases),
// `used_fields` the fields it printed (Template::Render). Details are not
// checked here.
bool TextCarriesElement(const StatutoryElement& element, std::string_view folded_text,
                        const std::set<std::string>& used_fields);
std::string FoldForPhrases(std::string_view text);

// What is known about the person depicted. `region`: "us", "eu", "other", or
// "" when unknown.
struct SubjectSituation {
  std::optional<bool> owns_copyright;  // of the registered photos; nullopt: not asked yet
  std::string region;
};

// Where the host is established, as far as tdm knows (RDAP country, legal
// team): "us", "eu", "other", or "" when unknown.
struct HostSituation {
  std::string jurisdiction;
};

// The regimes to request removal under, sorted and unique (a TemplateSet file
// name once joined by '+'). `all_items_by_face_only`: every item was found by
// the subject's face alone, none is a copy of a registered photo.
//  - take-it-down when the host is in the US or its jurisdiction is unknown:
//    the Act binds platforms serving the US, most hosts of such material are
//    reachable through US providers, and its 48-hour duty is the strongest
//    remedy, so an unknown host is treated as a US one.
//  - dmca-512c3 added for the same hosts when the subject owns the copyright
//    (or has not said: the legal team confirms before approval) and at least
//    one item is a copy of a registered photo: a face swap or a photo someone
//    else took is no copy of the subject's work, and a DMCA claim on it would
//    be false.
//  - eu-dsa-16 when the host is in the EU, or the subject is in the EU and the
//    host outside the US (the DSA covers services offered in the Union,
//    wherever established; for US and unknown hosts the TAKE IT DOWN Act is
//    used instead, as its deadline is shorter).
//  - ncii-policy when nothing else applies (a host in another jurisdiction,
//    subject outside the EU): the platform's own policy is the only lever.
std::vector<std::string> ChooseRegimes(const SubjectSituation& subject, const HostSituation& host,
                                       bool all_items_by_face_only);

}  // namespace tdm::notifier
