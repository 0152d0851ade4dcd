#pragma once

// Evidence records in the WARC format (ISO 28500, WARC/1.1), the web
// archives' own format: what a page answered, when, from which address, with
// digests anyone can recompute (warcio, wget, pywb read these files). A
// takedown's evidence is a WARC file: a warcinfo record, then for each page
// a response record and a metadata record naming the matched image by URL
// and hashes.
//
// Never image bytes (DESIGN.md principle 3): a response record is built only
// for a page (HTML or another text type); an image, video or other binary
// body is refused (CheckNotImagery below). The image itself appears only as
// fields of a metadata record: its URL, SHA-256 and PDQ hash.
//
// How the HTTP block is written (a response record's content):
//   - the status line and header lines as the fetcher received them, each
//     ending in CRLF: a line that ended in a bare LF gets CRLF (its bytes are
//     otherwise unchanged; a lone CR inside a line is kept). A trailing blank
//     line in the input is dropped (the record writes its own);
//   - the body the fetcher holds is already decoded (curl undoes chunked
//     Transfer-Encoding and gzip/deflate/br Content-Encoding), so the headers
//     that describe the wire encoding no longer match it. As wget and warcio
//     do for decoded payloads, they are kept under other names:
//     Transfer-Encoding -> X-TDM-Original-Transfer-Encoding,
//     Content-Encoding -> X-TDM-Original-Content-Encoding, and a
//     Content-Length that is not the body's exact size ->
//     X-TDM-Original-Content-Length; then exactly one Content-Length equal to
//     the body's size is present (appended when missing). A reader can thus
//     parse the block as plain HTTP, and the payload digest is of the bytes
//     that are there;
//   - then CRLF and the body.
// WARC-Block-Digest is the SHA-1 of the whole block, WARC-Payload-Digest the
// SHA-1 of the body, both "sha1:" + RFC 4648 base32 (32 characters, as
// Heritrix and wget write them). A record ends with CRLF CRLF.
//
// URIs, field names and values that hold CR, LF or other control characters
// are cleaned before they reach a WARC header (control characters in a URI
// are percent-encoded, in a field value replaced by a space), so a hostile
// page cannot inject headers into a record.
//
// Pure functions, thread-safe. Times are written in UTC to the second.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "tdm/common/status.h"

namespace tdm::notifier {

// One HTTP response as captured for evidence.
struct WarcCapture {
  std::string target_uri;  // the URL that answered (after redirects)
  std::chrono::system_clock::time_point date;
  std::string ip;            // the server's address; empty: unknown, not written
  std::string http_headers;  // status line + header lines, as FetchResponse::response_headers
  std::string body;          // the page HTML; never image bytes
};

using WarcFields = std::vector<std::pair<std::string, std::string>>;

// OK when `body` may go into an evidence record. Refused when the
// Content-Type (`content_type`, parameters ignored, case-insensitive) is not
// text: allowed are text/*, application/xhtml+xml, application/xml,
// application/json and any +xml or +json type; image/*, video/*, audio/*,
// application/octet-stream, PDFs and every other type are refused. A missing
// Content-Type is allowed only for a body with no NUL byte in its first 4 KiB.
// Refused too, whatever the Content-Type claims, a body that starts with a
// JPEG, PNG, GIF, WebP, BMP, TIFF or ISO-BMFF (MP4, AVIF, HEIC)
// signature. An empty body is always allowed.
Status CheckNotImagery(std::string_view content_type, std::string_view body);

// A WARC/1.1 response record for `capture`: WARC-Type, WARC-Record-ID,
// WARC-Date, WARC-Target-URI, WARC-IP-Address (when known), Content-Type
// application/http;msgtype=response, the two digests and an exact
// Content-Length. `record_id` is "<urn:uuid:...>" (NewWarcRecordId); brackets
// are added when missing. Errors: InvalidArgument when http_headers is empty
// or does not start with an "HTTP/" status line; Refused when the headers'
// Content-Type or the body fails CheckNotImagery.
Result<std::string> WarcResponseRecord(const WarcCapture& capture, std::string_view record_id);

// A metadata record about `target_uri`, tied to its response record by
// WARC-Concurrent-To (`concurrent_to_id`; empty: not written). `fields` become
// an application/warc-fields block, one "name: value" line each, in order
// (e.g. image-url, image-sha256, image-pdq, verdict, reason).
std::string WarcMetadataRecord(std::string_view target_uri,
                               std::chrono::system_clock::time_point date,
                               std::string_view concurrent_to_id, const WarcFields& fields,
                               std::string_view record_id);

// A warcinfo record, the first record of a file: WARC-Filename (when not
// empty) and `fields` as application/warc-fields (e.g. software, format,
// conformsTo, operator, description).
std::string WarcInfoRecord(std::string_view filename, std::chrono::system_clock::time_point date,
                           const WarcFields& fields, std::string_view record_id);

// "<urn:uuid:xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx>", a version 4 UUID whose
// 122 free bits come from the seeds: seed_a gives the first 64 bits except its
// version nibble (bits 12-15), seed_b the last 64 except its top two
// (variant) bits. Distinct seeds give distinct ids when they differ outside
// those bits, e.g. random values (std::random_device / mt19937_64), or a
// random seed_a and a counter seed_b. The caller supplies the randomness so
// that this stays pure and tests are reproducible.
std::string NewWarcRecordId(uint64_t seed_a, uint64_t seed_b);

// "sha1:" + base32 of the SHA-1 of `data`, as in WARC digests.
std::string WarcSha1Digest(std::string_view data);

}  // namespace tdm::notifier
