// RecipientResolver: the site's contact, RDAP abuse contacts, security.txt.

#include "tdm/notifier/recipients.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <exception>

#include "tdm/common/url.h"

namespace tdm::notifier {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t end = s.find(sep, start);
    out.emplace_back(s.substr(start, end == s.npos ? s.npos : end - start));
    if (end == s.npos) return out;
    start = end + 1;
  }
}

bool IsLdhLabel(std::string_view label) {
  if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
    return false;
  }
  return std::all_of(label.begin(), label.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
  });
}

std::string Unbracketed(const std::string& host) {
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    return host.substr(1, host.size() - 2);
  }
  return host;
}

bool IsIpLiteral(const std::string& host) {
  const std::string bare = Unbracketed(host);
  unsigned char buf[16];
  return inet_pton(AF_INET, bare.c_str(), buf) == 1 || inet_pton(AF_INET6, bare.c_str(), buf) == 1;
}

bool IsLoopbackHost(const std::string& host) {
  const std::string bare = Unbracketed(Lower(host));
  if (bare == "localhost" || bare == "::1") return true;
  unsigned char v4[4];
  return inet_pton(AF_INET, bare.c_str(), v4) == 1 && v4[0] == 127;
}

// Second-level labels under which, in a two-letter country TLD, names are
// registered one level down ("example.co.uk"). A heuristic short of the
// Public Suffix List: a wrong guess costs one RDAP 404, recorded as a problem.
bool IsCommonSecondLevelSuffix(const std::string& label) {
  static constexpr std::array<std::string_view, 16> kLabels = {
      "ac",  "co", "com", "edu", "gob", "gov", "go",  "ltd",
      "mil", "ne", "net", "nic", "or",  "org", "plc", "sch"};
  return std::find(kLabels.begin(), kLabels.end(), label) != kLabels.end();
}

std::string Strip(std::string_view what, std::string_view prefix) {
  if (what.starts_with(prefix)) what.remove_prefix(prefix.size());
  return std::string(what);
}

FetchRequest RdapRequest(const Url& base, const std::string& url) {
  FetchRequest r;
  r.url = url;
  r.max_bytes = kMaxRdapBytes;
  // A loopback RDAP server is one the operator configured (a local mirror,
  // or a test): that host alone may be private. Anything else keeps the SSRF
  // guard on, redirects included.
  if (IsLoopbackHost(base.host())) {
    r.allow_private = true;
    r.private_host = base.host();
  }
  r.host_key = base.HostPort();  // RDAP servers rate-limit: their 429s are honoured
  r.headers = {"Accept: application/rdap+json, application/json"};
  return r;
}

// RFC 9116 wants https; a plain-http site on loopback (a test, a demo) is
// asked at its own origin.
std::string SecurityTxtOrigin(const Url& site) {
  if (site.scheme() == "https") return "https://" + site.HostPort();
  if (IsLoopbackHost(site.host())) return "http://" + site.HostPort();
  return "https://" + site.host();
}

FetchRequest SecurityTxtRequest(const Url& site, const std::string& origin, bool allow_private) {
  FetchRequest r;
  r.url = origin + "/.well-known/security.txt";
  r.max_bytes = kMaxSecurityTxtBytes;
  r.allow_private = allow_private;
  if (allow_private) r.private_host = site.host();
  r.host_key = site.HostPort();
  return r;
}

// One source's outcome of a fetch, as a problem line when it failed.
// Empty when the response is usable.
std::string FetchProblem(const FetchResponse& r) {
  if (r.deferred) return "deferred by the host's request budget (" + r.status.message() + ")";
  if (!r.status.ok()) return "no response (" + r.status.message() + ")";
  if (r.http_status != 200) return std::to_string(r.http_status);
  if (r.body.find_first_not_of(" \t\r\n") == std::string::npos) return "empty body";
  return "";
}

class Collector {
 public:
  explicit Collector(RecipientResolution& out) : out_(out) {}
  void Add(const std::string& email, const std::string& source, const std::string& kind) {
    for (const auto& c : out_.candidates) {
      if (Lower(c.email) == Lower(email)) return;
    }
    Recipient r;
    r.email = email;
    r.source = source;
    r.kind = kind;
    out_.candidates.push_back(std::move(r));
  }
  void Problem(std::string line) { out_.problems.push_back(std::move(line)); }
  void ContactUri(const std::string& uri) {
    auto& uris = out_.contact_uris;
    if (std::find(uris.begin(), uris.end(), uri) == uris.end()) uris.push_back(uri);
  }

 private:
  RecipientResolution& out_;
};

// The IP RDAP is asked about: the literal host, else the first address the
// host resolves to; "" (with a problem) when there is none.
std::string SiteIp(const std::string& host, const RecipientResolver::ResolveIps& resolve_ips,
                   Collector& out) {
  if (IsIpLiteral(host)) return Unbracketed(host);
  std::vector<std::string> ips;
  try {
    if (resolve_ips) ips = resolve_ips(host);
  } catch (const std::exception& e) {
    out.Problem("RDAP ip lookup: resolving " + host + " failed (" + e.what() + ")");
    return "";
  }
  if (ips.empty()) out.Problem("RDAP ip lookup: " + host + " does not resolve");
  return ips.empty() ? "" : ips.front();
}

std::string WhereFrom(const FetchResponse& r) { return r.final_url.empty() ? r.url : r.final_url; }

void ReadIpLookup(const FetchResponse& r, const std::string& ip, Collector& out) {
  std::string problem = FetchProblem(r);
  if (problem.empty()) {
    auto contacts = ParseRdap(r.body);
    if (!contacts.ok()) {
      problem = Strip(contacts.status().message(), "RDAP: ");
    } else if (contacts->abuse_emails.empty()) {
      problem = "no abuse contact";
    } else {
      const std::string detail =
          contacts->abuse_org.empty() ? WhereFrom(r) : contacts->abuse_org + ", " + WhereFrom(r);
      for (const auto& e : contacts->abuse_emails) {
        out.Add(e, "RDAP abuse contact of " + ip + " (" + detail + ")", "hosting-abuse");
      }
    }
  }
  if (!problem.empty()) out.Problem("RDAP ip lookup: " + problem);
}

void ReadDomainLookup(const FetchResponse& r, const std::string& domain, Collector& out) {
  std::string problem = FetchProblem(r);
  if (problem.empty()) {
    auto contacts = ParseRdap(r.body);
    if (!contacts.ok()) {
      problem = Strip(contacts.status().message(), "RDAP: ");
    } else {
      // ICANN's gTLD profile nests the abuse entity in the registrar; some
      // ccTLD registries put it at the top level instead.
      const auto& emails = !contacts->registrar_abuse_emails.empty()
                               ? contacts->registrar_abuse_emails
                               : contacts->abuse_emails;
      const std::string who =
          contacts->registrar_name.empty() ? WhereFrom(r) : contacts->registrar_name;
      if (emails.empty()) problem = "no registrar abuse contact";
      for (const auto& e : emails) {
        out.Add(e, "registrar abuse contact for " + domain + " (" + who + ")", "registrar-abuse");
      }
    }
  }
  if (!problem.empty()) out.Problem("RDAP domain lookup: " + problem);
}

// `origin` is where security.txt was asked for; a redirect may stay on the
// site's host or registrable domain ("www.", http -> https), no further.
void ReadSecurityTxt(const FetchResponse& r, const std::string& origin, const std::string& host,
                     const std::string& domain, Collector& out) {
  std::string problem = FetchProblem(r);
  if (problem.empty() && !r.final_url.empty()) {
    auto final_url = Url::Parse(r.final_url);
    const bool same_site =
        final_url.ok() && (final_url->host() == host ||
                           (!domain.empty() && RegistrableDomain(final_url->host()) == domain));
    if (!same_site) problem = "redirected elsewhere (" + r.final_url + ")";
  }
  if (problem.empty()) {
    auto txt = ParseSecurityTxt(r.body);
    if (!txt.ok()) {
      problem = Strip(txt.status().message(), "security.txt: ");
    } else {
      // An expired file is stale, not wrong: its contacts stay the last
      // fallback, and the legal team sees that it had expired.
      if (txt->expired) out.Problem("security.txt: expired (" + txt->expires + ")");
      for (const auto& e : txt->contact_emails) {
        out.Add(e, "security.txt of " + origin, "security-txt");
      }
      for (const auto& u : txt->contact_uris) out.ContactUri(u);
      if (txt->contact_emails.empty()) problem = "no e-mail contact";
    }
  }
  if (!problem.empty()) out.Problem("security.txt: " + problem);
}

}  // namespace

std::optional<std::string> NormalizeEmailAddress(std::string_view text) {
  const size_t b = text.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return std::nullopt;
  text = text.substr(b, text.find_last_not_of(" \t\r\n") - b + 1);
  if (text.size() >= 7 && Lower(text.substr(0, 7)) == "mailto:") text.remove_prefix(7);
  if (const size_t q = text.find('?'); q != std::string_view::npos) text = text.substr(0, q);
  if (text.empty() || text.size() > 254) return std::nullopt;
  const size_t at = text.find('@');
  if (at == std::string_view::npos || text.find('@', at + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view local = text.substr(0, at);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos) {
    return std::nullopt;
  }
  for (char c : local) {
    if (c <= 0x20 || c >= 0x7f ||
        std::string_view("<>()[],;:\\\"").find(c) != std::string_view::npos) {
      return std::nullopt;
    }
  }
  std::string domain = Lower(text.substr(at + 1));
  if (!domain.empty() && domain.back() == '.') domain.pop_back();
  const std::vector<std::string> labels = Split(domain, '.');
  if (labels.size() < 2) return std::nullopt;
  for (const auto& l : labels) {
    if (!IsLdhLabel(l)) return std::nullopt;
  }
  const std::string& tld = labels.back();
  if (std::all_of(tld.begin(), tld.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return std::nullopt;  // an IP address, not a mail domain
  }
  return std::string(local) + "@" + domain;
}

std::string RegistrableDomain(const std::string& host_in) {
  std::string host = Lower(host_in);
  if (!host.empty() && host.back() == '.') host.pop_back();
  if (host.empty() || IsIpLiteral(host) || host == "localhost" || host.ends_with(".localhost")) {
    return "";
  }
  const std::vector<std::string> labels = Split(host, '.');
  if (labels.size() < 2) return "";
  for (const auto& l : labels) {
    if (!IsLdhLabel(l)) return "";
  }
  size_t keep = 2;
  if (labels.size() >= 3 && labels.back().size() == 2 &&
      IsCommonSecondLevelSuffix(labels[labels.size() - 2])) {
    keep = 3;
  }
  std::string out;
  for (size_t i = labels.size() - keep; i < labels.size(); ++i) {
    if (!out.empty()) out += '.';
    out += labels[i];
  }
  return out;
}

std::vector<std::string> ResolveHostAddresses(const std::string& host) {
  std::vector<std::string> out;
  const std::string bare = Unbracketed(host);
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  if (bare.empty() || getaddrinfo(bare.c_str(), nullptr, &hints, &res) != 0) return out;
  for (addrinfo* p = res; p != nullptr; p = p->ai_next) {
    char text[INET6_ADDRSTRLEN] = {0};
    const void* addr = nullptr;
    if (p->ai_family == AF_INET) {
      addr = &reinterpret_cast<const sockaddr_in*>(p->ai_addr)->sin_addr;
    } else if (p->ai_family == AF_INET6) {
      addr = &reinterpret_cast<const sockaddr_in6*>(p->ai_addr)->sin6_addr;
    }
    if (addr == nullptr || inet_ntop(p->ai_family, addr, text, sizeof(text)) == nullptr) continue;
    if (std::find(out.begin(), out.end(), text) == out.end()) out.emplace_back(text);
  }
  freeaddrinfo(res);
  return out;
}

RecipientResolver::RecipientResolver(Fetcher& fetcher, std::string rdap_base_url,
                                     ResolveIps resolve_ips)
    : fetcher_(fetcher),
      rdap_base_url_(std::move(rdap_base_url)),
      resolve_ips_(std::move(resolve_ips)) {
  while (!rdap_base_url_.empty() && rdap_base_url_.back() == '/') rdap_base_url_.pop_back();
}

RecipientResolution WithSiteContact(RecipientResolution found,
                                    const std::string& configured_email) {
  if (configured_email.empty()) return found;
  RecipientResolution out;
  out.contact_uris = std::move(found.contact_uris);
  Collector collect(out);
  if (auto email = NormalizeEmailAddress(configured_email)) {
    collect.Add(*email, "site contact", "site");
  } else {
    collect.Problem("site contact: not an e-mail address");
  }
  for (const auto& c : found.candidates) collect.Add(c.email, c.source, c.kind);
  for (auto& p : found.problems) collect.Problem(std::move(p));
  return out;
}

RecipientResolution RecipientResolver::Resolve(const RecipientQuery& query) {
  return WithSiteContact(ResolveFromNetwork(query), query.configured_email);
}

RecipientResolution RecipientResolver::ResolveFromNetwork(const RecipientQuery& query) {
  RecipientResolution resolution;
  Collector out(resolution);
  auto site = Url::Parse(query.site_url);
  if (!site.ok()) {
    out.Problem("site URL: " + site.status().message());
    return resolution;
  }
  const std::string& host = site->host();
  const bool rdap_on = !rdap_base_url_.empty();
  const std::string ip = rdap_on ? SiteIp(host, resolve_ips_, out) : std::string();
  const std::string domain = rdap_on ? RegistrableDomain(host) : std::string();

  // One batch: RDAP ip, RDAP domain, security.txt, each when it applies.
  std::vector<FetchRequest> requests;
  int ip_index = -1, domain_index = -1;
  auto rdap_base = Url::Parse(rdap_on ? rdap_base_url_ : "http://off.invalid/");
  if (!rdap_on) {
    out.Problem("RDAP: lookups are off (TDM_RDAP_URL=off)");
  } else if (!rdap_base.ok()) {
    out.Problem("RDAP: base URL unusable (" + rdap_base.status().message() + ")");
  } else {
    if (!ip.empty()) {
      ip_index = static_cast<int>(requests.size());
      requests.push_back(RdapRequest(*rdap_base, rdap_base_url_ + "/ip/" + ip));
    }
    if (!domain.empty()) {
      domain_index = static_cast<int>(requests.size());
      requests.push_back(RdapRequest(*rdap_base, rdap_base_url_ + "/domain/" + domain));
    }
  }
  const std::string origin = SecurityTxtOrigin(*site);
  const size_t security_index = requests.size();
  requests.push_back(SecurityTxtRequest(*site, origin, query.allow_private));

  std::vector<FetchResponse> responses;
  try {
    responses = fetcher_.FetchAll(requests);
  } catch (const std::exception& e) {
    out.Problem(std::string("fetching contacts failed (") + e.what() + ")");
    return resolution;
  }
  if (responses.size() != requests.size()) {
    out.Problem("fetching contacts: " + std::to_string(responses.size()) + " responses to " +
                std::to_string(requests.size()) + " requests");
    return resolution;
  }
  if (ip_index >= 0) ReadIpLookup(responses[ip_index], ip, out);
  if (domain_index >= 0) ReadDomainLookup(responses[domain_index], domain, out);
  ReadSecurityTxt(responses[security_index], origin, host, domain, out);
  return resolution;
}

}  // namespace tdm::notifier
