#include "demo_command.h"

#include <cstdlib>
#include <iostream>

#include "admin.h"
#include "face_profiles.h"
#include "matches.h"
#include "site_settings.h"
#include "takedown_delivery.h"
#include "takedown_settings.h"
#include "takedowns.h"
#include "tdm/demo/leak_site.h"
#include "tdm/demo/smtp_sink.h"
#include "tdm/demo/static_server.h"

namespace tdm::cli {
namespace {

int Fail(const Status& s) {
  std::cerr << "tdm demo: error: " << s.ToString() << "\n";
  return 1;
}

std::filesystem::path PhotosDir() {
  if (const char* env = std::getenv("TDM_PHOTOS_DIR")) return env;
  return std::filesystem::path(TDM_ASSETS_DIR) / "johns";
}

// The legal team's part: the forum's abuse desk as the recipient, approval,
// sending (to a mail sink on this machine: the demo never mails anyone), then
// the forum deletes the images and the removal check confirms it.
Status SendAndVerify(const Home& home, const demo::LeakSite& site, int64_t site_id, int64_t subject,
                     const std::vector<int64_t>& ids) {
  // The notice names what it still needs: the victim supplies it.
  SubjectDetailsChange phone;
  phone.phone = "+1 555 0100";
  auto details = SetSubjectDetails(home, subject, phone);
  if (!details.ok()) return details.status();
  std::cout << "the victim adds the telephone number the notice asks for: " << *details << "\n";
  auto contact = SetSiteContact(home, site_id, "abuse@demo-forum.example");
  if (!contact.ok()) return contact.status();
  std::cout << *contact << "\n";
  if (Status s = WaitForDrafts(home, subject, 60); !s.ok()) return s;
  demo::SmtpSink sink;
  auto port = sink.Start(0);
  if (!port.ok()) return port.status();
  setenv("TDM_SMTP_URL", ("smtp://127.0.0.1:" + std::to_string(*port)).c_str(), 1);
  setenv("TDM_SMTP_FROM", "legal-team@demo-ngo.example", 1);
  for (int64_t id : ids) {
    auto approved = MoveTakedown(home, id, notifier::TakedownStatus::kApproved, "demo legal team",
                                 "reviewed in the demo");
    if (!approved.ok()) return approved.status();
    std::cout << *approved << "\n";
    auto sent = SendTakedownNow(home, id, "demo legal team");
    if (!sent.ok()) return sent.status();
    std::cout << *sent << "\n";
  }
  std::cout << "the local mail sink received " << sink.messages().size() << " message(s)\n\n";
  // The forum complies: every matched image is deleted.
  auto urls = MatchedImageUrls(home, subject);
  if (!urls.ok()) return urls.status();
  int deleted = 0;
  for (const std::string& url : *urls) {
    const size_t path = url.find('/', url.find("://") + 3);
    if (path == std::string::npos) continue;
    std::error_code ec;
    deleted += std::filesystem::remove(site.root / url.substr(path + 1), ec) ? 1 : 0;
  }
  std::cout << "the forum deleted " << deleted << " image(s); checking the listed URLs ...\n";
  auto verified = VerifyTakedowns(home, std::nullopt);
  if (!verified.ok()) return verified.status();
  std::cout << *verified << "\n";
  auto list = ListTakedowns(home, false);
  if (!list.ok()) return list.status();
  std::cout << *list;
  return Status::Ok();
}

}  // namespace

int RunDemoCommand(const Home& home, const Args& args) {
  if (auto e = ResolveEndpoints(home, std::nullopt, std::nullopt); !e.ok()) return Fail(e.status());
  demo::LeakSiteOptions options;
  options.photos_dir = PhotosDir();
  options.out_dir = home.root() / "demo";
  if (!std::filesystem::is_directory(options.photos_dir)) {
    return Fail(Status::NotFound("demo photos at " + options.photos_dir.string() +
                                 " (scripts/setup.sh unpacks them; or set TDM_PHOTOS_DIR)"));
  }
  auto site = demo::GenerateLeakSite(options);
  if (!site.ok()) return Fail(site.status());
  demo::StaticServer server(site->root);
  auto port =
      server.Start(static_cast<uint16_t>(std::atoi(args.Get("--port").value_or("0").c_str())));
  if (!port.ok()) return Fail(port.status());
  const std::string seed = "http://127.0.0.1:" + std::to_string(*port) + site->seed_path;
  std::cout << "demo leak forum serving at " << seed << "\n";

  auto subject = AddSubject(
      home, {"Demo Victim", "demo-victim@example.org", "", "1 Example Street, Springfield"});
  if (!subject.ok()) return Fail(subject.status());
  std::vector<std::string> photos;
  for (const auto& p : site->victim_photos) photos.push_back(p.string());
  auto profiles = AddProfiles(home, *subject, photos);
  if (!profiles.ok()) return Fail(profiles.status());
  auto faces = AddFaceProfiles(home, *subject, photos);
  if (!faces.ok()) return Fail(faces.status());
  std::cout << "registered demo victim as subject " << *subject << ": " << profiles->added
            << " photo(s) hashed and " << faces->added << " face(s) embedded, none stored\n";

  auto site_id = AddSite(home, "Demo leak forum", seed, /*allow_private=*/true);
  if (!site_id.ok()) return Fail(site_id.status());
  // Real sites get 1 s between requests and 2 at a time; this one runs here.
  auto politeness = SetSitePoliteness(home, *site_id,
                                      {0, 8, "the demo forum is served from this machine", false});
  if (!politeness.ok()) return Fail(politeness.status());
  std::cout << "watching site " << *site_id << ", politeness override: " << *politeness << "\n";
  auto crawl = StartCrawl(home, *site_id);
  if (!crawl.ok()) return Fail(crawl.status());
  std::cout << "crawling site " << *site_id << " (crawl " << *crawl << ") ...\n";
  auto report = WaitForCrawl(home, *crawl, 110);
  if (!report.ok()) return Fail(report.status());
  std::cout << report->Summary() << "\n\n";

  auto matches = ListMatches(home, *subject, false, "");
  if (!matches.ok()) return Fail(matches.status());
  std::cout << *matches << "\n";
  // Near-exact matches were confirmed by the victim's policy; the rest wait
  // for a person. In the demo the victim looks at them and confirms.
  auto pending = PendingMatchIds(home, *subject);
  if (!pending.ok()) return Fail(pending.status());
  if (!pending->empty()) {
    auto confirmed = ReviewMatches(home, *pending, /*confirm=*/true);
    if (!confirmed.ok()) return Fail(confirmed.status());
    std::cout << "the victim reviewed " << pending->size()
              << " match(es) waiting for review and confirmed them\n";
  }
  if (Status s = WaitForDrafts(home, *subject, 60); !s.ok()) return Fail(s);
  auto list = ListTakedowns(home, false);
  if (!list.ok()) return Fail(list.status());
  std::cout << *list << "\n";
  // Print the drafts of this demo's subject.
  auto ids = ListTakedownIdsForSubject(home, *subject);
  if (!ids.ok()) return Fail(ids.status());
  for (int64_t id : *ids) {
    auto text = ShowTakedown(home, id);
    if (!text.ok()) return Fail(text.status());
    std::cout << "=====================================================================\n"
              << *text << "\n";
  }
  if (Status s = SendAndVerify(home, *site, *site_id, *subject, *ids); !s.ok()) return Fail(s);
  server.Stop();
  std::cout << "demo finished: " << ids->size() << " takedown request(s) for subject " << *subject
            << " drafted, approved, sent to a local mail sink and verified removed\n";
  return 0;
}

}  // namespace tdm::cli
