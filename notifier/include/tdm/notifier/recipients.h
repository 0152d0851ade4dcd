#pragma once

// Who a takedown notice goes to (DESIGN.md, "Legal notice elements":
// recipients). In order of preference:
//   1. the site's configured contact (its designated DMCA agent, from the
//      database, given by the caller);
//   2. the hosting provider's abuse contact, from RDAP (RFC 9083) for the
//      site's IP address, then the domain registrar's abuse contact, from
//      RDAP for the site's registrable domain;
//   3. the contacts in the site's /.well-known/security.txt (RFC 9116).
// Every address carries its source, a line shown to the legal team in the
// draft (e.g. "RDAP abuse contact of 192.0.2.7 (Example Hosting Ltd,
// https://rdap.arin.net/registry/ip/192.0.2.7)").
//
// The parsers are pure functions over hostile input (a web server or an RDAP
// server answers whatever it likes): they return a clean error or empty
// contacts, never throw, never crash, and bound their work and stack depth.

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tdm/common/fetcher.h"
#include "tdm/common/status.h"

namespace tdm::notifier {

// The address in lower-cased-domain form ("Abuse@Host.Example" ->
// "Abuse@host.example"), with a "mailto:" prefix and a "?subject=..." query
// stripped, when it is a plausible mailbox: one '@', a non-empty local part of
// at most 64 printable non-space characters, a dotted domain of LDH labels,
// 254 bytes in all. std::nullopt otherwise (redacted placeholders, URLs,
// "abuse at example dot com").
std::optional<std::string> NormalizeEmailAddress(std::string_view text);

// ---------------------------------------------------------------------------
// RDAP (RFC 9083)

// The contacts found in one RDAP response (an "ip network" or a "domain").
struct RdapContacts {
  // E-mail addresses of entities with role "abuse" anywhere in the response
  // (nested ones included, e.g. ARIN's abuse entity inside the registrant
  // organisation) except those under the registrar entity; document order,
  // de-duplicated.
  std::vector<std::string> abuse_emails;
  // The organisation the abuse contact speaks for: the "fn" of the entity
  // holding the first abuse entity (ARIN), else of a "registrant" entity
  // (RIPE), else of the abuse entity itself. "" when none is named.
  std::string abuse_org;
  // E-mail addresses of "abuse" entities nested in the "registrar" entity
  // (ICANN's gTLD RDAP profile), de-duplicated.
  std::vector<std::string> registrar_abuse_emails;
  std::string registrar_name;  // the registrar entity's "fn"; "" when absent
};

// Largest RDAP response ParseRdap() reads, and the deepest JSON nesting it
// accepts (real responses nest about 8 levels; a hostile one nests 10,000).
inline constexpr size_t kMaxRdapBytes = 2 << 20;
inline constexpr int kMaxRdapJsonDepth = 64;
// Entities nested deeper than this are not looked into.
inline constexpr int kMaxRdapEntityDepth = 8;

// Reads the contacts out of an RDAP JSON response. Wrong types anywhere
// (roles not an array, vcardArray a string, an entity that is a number) are
// skipped, not fatal: the result may be empty.
// Errors: InvalidArgument (message starts "RDAP: ") when the input is empty,
// not JSON ("RDAP: not JSON at byte 17"), nested deeper than
// kMaxRdapJsonDepth, not an object, or has no objectClassName (an RDAP error
// response: its errorCode and title are quoted); TooLarge over kMaxRdapBytes.
Result<RdapContacts> ParseRdap(std::string_view json);

// ---------------------------------------------------------------------------
// security.txt (RFC 9116)

struct SecurityTxt {
  // Contact fields in file order, de-duplicated: mailto: addresses (a bare
  // address is accepted too), and https URIs (web forms, disclosure pages)
  // kept apart. Other schemes (tel:, http:) are noted and skipped.
  std::vector<std::string> contact_emails;
  std::vector<std::string> contact_uris;
  std::string expires;   // the Expires value as written; "" when absent
  bool expired = false;  // Expires parsed and not after `now`
  // The file was an OpenPGP cleartext-signed message: the fields come from
  // the signed content. The signature itself is not verified.
  bool is_signed = false;
  // Non-fatal oddities, one line each: a missing or unreadable Expires,
  // skipped contact schemes, lines that are not fields.
  std::vector<std::string> notes;
};

inline constexpr size_t kMaxSecurityTxtBytes = 32 << 10;

// Parses a security.txt body: "Field: value" lines, names case-insensitive,
// '#' comments, CRLF or LF line ends, an optional UTF-8 BOM. Expires
// (RFC 3339, "Z" or a numeric offset) is compared with `now`.
// Errors: TooLarge over kMaxSecurityTxtBytes; InvalidArgument (message starts
// "security.txt: ") for a body that is HTML (a "soft 404" page answered 200),
// holds NUL bytes, is a signed message without its signature block, or has
// no Contact field at all.
Result<SecurityTxt> ParseSecurityTxt(std::string_view text,
                                     std::chrono::system_clock::time_point now);
// As above, against the system clock.
Result<SecurityTxt> ParseSecurityTxt(std::string_view text);

// ---------------------------------------------------------------------------
// Resolution

struct RecipientQuery {
  std::string site_url;          // scheme://host[:port]/..., e.g. a page of the site
  std::string configured_email;  // the site's designated contact; "" when none
  bool allow_private = false;    // the site's own setting: may it be on a private address
};

struct Recipient {
  std::string email;
  // Where the address came from, for the legal team: "site contact",
  // "RDAP abuse contact of IP (ORG, RDAP URL)", "registrar abuse contact for
  // DOMAIN (REGISTRAR)", "security.txt of ORIGIN".
  std::string source;
  std::string kind;  // "site", "hosting-abuse", "registrar-abuse", "security-txt"
};

struct RecipientResolution {
  // In the order of preference above, de-duplicated by address (case-
  // insensitively; the earlier source wins). candidates[0] is who the notice
  // goes to; later ones are escalation targets. Empty: nobody found.
  std::vector<Recipient> candidates;
  // https Contact URIs from security.txt (web forms): not e-mail recipients,
  // but somewhere a person can file the notice by hand.
  std::vector<std::string> contact_uris;
  // What did not work, one line each, e.g. "RDAP ip lookup: no response
  // (connection refused)", "security.txt: 404". Problems never stop the
  // resolution: each source failing just moves on to the next.
  std::vector<std::string> problems;
};

// The addresses `host` resolves to (getaddrinfo, IPv4 and IPv6, numeric form,
// in the resolver's order, de-duplicated); empty when it does not resolve.
// Blocking: it waits for DNS.
std::vector<std::string> ResolveHostAddresses(const std::string& host);

// The registrable domain RDAP is asked about for `host`: its last two labels
// ("forum.leaks.example" -> "leaks.example"), or three under a common
// second-level public suffix ("a.b.co.uk" -> "b.co.uk"; a small built-in list,
// not the Public Suffix List). "" for IP literals, "localhost" and one-label
// names, which have no registrar.
std::string RegistrableDomain(const std::string& host);

// Finds who a takedown notice for a site goes to, asking RDAP and the site's
// security.txt over `fetcher` (one FetchAll batch of up to three requests per
// Resolve). It does not cache: the caller caches resolutions (the notifier
// keeps them in PostgreSQL) so that RDAP servers, which rate-limit hard, are
// asked once per site and not once per notice.
//
// The RDAP requests go to `rdap_base_url` + "/ip/<ip>" and "/domain/<domain>"
// (a trailing '/' on the base is fine; an empty base turns RDAP off, noted as
// a problem), e.g. "https://rdap.org" (a bootstrap
// server that redirects to the authoritative registry; redirects are
// followed). The site's IP is its host when that is an IP literal, else the
// first address `resolve_ips` returns (ResolveHostAddresses in production).
// The SSRF guard stays on for RDAP except when the base URL's own host is
// loopback: the operator configured that server (a local RDAP mirror, or a
// test), so it alone is allowed, not any other private address. security.txt
// obeys the site's allow_private, limited to the site's own host; it is
// fetched from https://HOST/.well-known/security.txt, or from the site's own
// http://host:port when the site is plain http on a loopback host. A
// security.txt that redirects to another registrable domain does not speak
// for the site and is not used.
//
// Never throws; every failure is a line in `problems`. Not thread-safe (the
// Fetcher is not); `fetcher` must outlive the resolver.
// `found` with the site's configured contact first (source "site contact",
// kind "site"; an implausible address is a problem instead), the others
// after it without repeating it. What Resolve() does with configured_email.
RecipientResolution WithSiteContact(RecipientResolution found, const std::string& configured_email);

class RecipientResolver {
 public:
  using ResolveIps = std::function<std::vector<std::string>(const std::string& host)>;

  RecipientResolver(Fetcher& fetcher, std::string rdap_base_url, ResolveIps resolve_ips);

  RecipientResolution Resolve(const RecipientQuery& query);
  // The same without the configured contact: what the network says about the
  // site (RDAP, security.txt), for callers that cache it per origin and add
  // the site's contact, which may change, with WithSiteContact().
  RecipientResolution ResolveFromNetwork(const RecipientQuery& query);

 private:
  Fetcher& fetcher_;
  std::string rdap_base_url_;  // without trailing '/'
  ResolveIps resolve_ips_;
};

}  // namespace tdm::notifier
