#include "tdm/notifier/template.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>

namespace tdm::notifier {
namespace {

namespace fs = std::filesystem;

TemplateValue Item(const std::string& name, bool flag) {
  TemplateValue m = TemplateValue::Map();
  m.Set("name", TemplateValue::Text(name)).Set("flag", TemplateValue::Flag(flag));
  return m;
}

// A small data model: title, person.name, items[] (name, flag), yes, no.
TemplateValue Data() {
  TemplateValue person = TemplateValue::Map();
  person.Set("name", TemplateValue::Text("Jane"));
  TemplateValue items = TemplateValue::List();
  items.Append(Item("a", true));
  items.Append(Item("b", false));
  TemplateValue d = TemplateValue::Map();
  d.Set("title", TemplateValue::Text("T"))
      .Set("empty", TemplateValue::Text(""))
      .Set("person", std::move(person))
      .Set("items", std::move(items))
      .Set("none", TemplateValue::List())
      .Set("yes", TemplateValue::Flag(true))
      .Set("no", TemplateValue::Flag(false));
  return d;
}

Result<Template> Parse(std::string_view text, int first_line = 1) {
  return Template::Parse("t.txt", text, Data(), first_line);
}

std::string Render(std::string_view text, std::set<std::string>* used = nullptr) {
  auto t = Parse(text);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? t->Render(Data(), used) : "";
}

std::string ParseError(std::string_view text, int first_line = 1) {
  auto t = Parse(text, first_line);
  EXPECT_FALSE(t.ok()) << text;
  EXPECT_EQ(t.ok() ? Status::Code::kOk : t.status().code(), Status::Code::kInvalidArgument);
  return t.ok() ? "" : t.status().message();
}

TEST(TemplateTest, VariablesAndDottedNames) {
  EXPECT_EQ(Render("Hello {{person.name}}, {{ title }}!\n"), "Hello Jane, T!\n");
  EXPECT_EQ(Render("[{{empty}}]"), "[]");
  // Verbatim: no HTML escaping in plain text.
  TemplateValue d = Data();
  d.Set("title", TemplateValue::Text("<a & \"b\">"));
  auto t = Parse("{{title}}");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Render(d), "<a & \"b\">");
}

TEST(TemplateTest, SectionsIterateListsAndTestValues) {
  EXPECT_EQ(Render("{{#items}}<{{name}}>{{/items}}"), "<a><b>");
  EXPECT_EQ(Render("{{#items}}{{#flag}}{{name}} is set{{/flag}}{{/items}}"), "a is set");
  EXPECT_EQ(Render("{{#yes}}Y{{/yes}}{{#no}}N{{/no}}{{#title}}t{{/title}}{{#empty}}e{{/empty}}"),
            "Yt");
  EXPECT_EQ(Render("{{#none}}x{{/none}}"), "");
  EXPECT_EQ(Render("{{#person}}{{name}}{{/person}}"), "Jane");
  // Inside a list element, names not in it are found outwards.
  EXPECT_EQ(Render("{{#items}}{{title}}{{name}} {{/items}}"), "Ta Tb ");
}

TEST(TemplateTest, InvertedSections) {
  EXPECT_EQ(Render("{{^no}}not no{{/no}}{{^yes}}not yes{{/yes}}"), "not no");
  EXPECT_EQ(Render("{{^none}}nothing{{/none}}{{^items}}x{{/items}}"), "nothing");
  EXPECT_EQ(Render("{{^empty}}blank{{/empty}}"), "blank");
  EXPECT_EQ(Render("{{#items}}{{^flag}}{{name}} unset{{/flag}}{{/items}}"), "b unset");
}

TEST(TemplateTest, CommentsAndStandaloneLinesLeaveNoTrace) {
  EXPECT_EQ(Render("a{{! a note }}b\n"), "ab\n");
  EXPECT_EQ(Render("{{! a note on its own line }}\nx\n"), "x\n");
  EXPECT_EQ(Render("list:\n{{#items}}\n  - {{name}}\n{{/items}}\nend\n"),
            "list:\n  - a\n  - b\nend\n");
  EXPECT_EQ(Render("  {{#no}}  \nhidden\n  {{/no}}\nshown\n"), "shown\n");
  // A variable on a line of its own keeps the line.
  EXPECT_EQ(Render("{{empty}}\nx"), "\nx");
}

TEST(TemplateTest, RecordsTheFieldsItPrinted) {
  std::set<std::string> used;
  Render("{{title}} {{empty}} {{#items}}{{name}}{{/items}}{{#no}}{{person.name}}{{/no}}", &used);
  EXPECT_EQ(used, (std::set<std::string>{"title", "items.name"}));
  used.clear();
  Render("{{#person}}{{name}}{{/person}}", &used);
  EXPECT_EQ(used, (std::set<std::string>{"person.name"}));
}

TEST(TemplateTest, ParseErrorsNameFileAndLine) {
  EXPECT_EQ(ParseError("a\n{{#items}}\nx\n"), "t.txt:2: unclosed section 'items'");
  EXPECT_EQ(ParseError("a\n{{#items}}\nx\n", 3), "t.txt:4: unclosed section 'items'");
  EXPECT_EQ(ParseError("{{#items}}\n{{#yes}}\n{{/items}}\n"),
            "t.txt:3: '{{/items}}' closes section 'yes' opened on line 2");
  EXPECT_EQ(ParseError("x\n{{/items}}"), "t.txt:2: '{{/items}}' closes no open section");
  EXPECT_EQ(ParseError("a\nb {{title\n}}"),
            "t.txt:2: unclosed tag '{{' (a tag must close on its own line)");
  EXPECT_EQ(ParseError("{{{title}}}"), "t.txt:1: unsupported tag '{{{title}}'");
  EXPECT_EQ(ParseError("{{ti tle}}"), "t.txt:1: bad field name 'ti tle'");
  EXPECT_EQ(ParseError("{{}}"), "t.txt:1: bad field name ''");
}

TEST(TemplateTest, UnknownFieldsAreRejectedAtLoad) {
  EXPECT_EQ(ParseError("\n\n{{titel}}"), "t.txt:3: unknown field 'titel'");
  EXPECT_EQ(ParseError("{{person.nam}}"), "t.txt:1: unknown field 'person.nam'");
  EXPECT_EQ(ParseError("{{#itemz}}{{/itemz}}"), "t.txt:1: unknown field 'itemz'");
  // A list element's fields exist only inside its section.
  EXPECT_EQ(ParseError("{{flag}}"), "t.txt:1: unknown field 'flag'");
  EXPECT_EQ(ParseError("{{items}}"),
            "t.txt:1: 'items' is a list field, not text: use it as a section {{#items}}");
  EXPECT_EQ(ParseError("{{yes}}"),
            "t.txt:1: 'yes' is a yes/no field, not text: use it as a section {{#yes}}");
}

// The shipped data model: every documented field is known.
TEST(TemplateTest, NoticeSchemaKnowsTheDocumentedFields) {
  const char* text =
      "{{subject.name}}{{subject.email}}{{subject.phone}}{{subject.postal_address}}{{host}}"
      "{{recipient.email}}{{recipient.source}}{{request_id}}{{date}}{{signature}}"
      "{{#pages}}{{number}}{{url}}{{/pages}}"
      "{{#images}}{{number}}{{url}}{{pages}}{{#several_pages}}{{/several_pages}}{{first_seen}}"
      "{{sighting}}{{#by_face_only}}{{/by_face_only}}{{sha256}}{{pdq}}{{/images}}"
      "{{#has_material}}{{/has_material}}{{#has_images}}{{/has_images}}"
      "{{#all_by_face_only}}{{/all_by_face_only}}{{#some_by_face_only}}{{/some_by_face_only}}"
      "{{#several_works}}{{/several_works}}"
      "{{#cites}}{{id}}{{host}}{{sent_at}}{{#urls}}{{url}}{{/urls}}{{/cites}}"
      "{{#regimes}}{{name}}{{title}}{{/regimes}}";
  auto t = Template::Parse("all.txt", text, NoticeSchema());
  EXPECT_TRUE(t.ok()) << t.status().message();
}

class TempDir {
 public:
  TempDir() {
    static int counter = 0;
    path_ = fs::temp_directory_path() /
            ("tdm_template_test_" + std::to_string(getpid()) + "_" + std::to_string(++counter));
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }
  void Write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name, std::ios::binary) << text;
  }

 private:
  fs::path path_;
};

TEST(TemplateSetTest, FileFormatErrorsNameTheFile) {
  TemplateSet set;
  Status s = set.Add("take-it-down.txt", "Dear host,\n\nbody\n");
  EXPECT_EQ(s.message(), "take-it-down.txt:1: the first line must be 'Subject: <subject line>'");
  s = set.Add("take-it-down.txt", "Subject: x\nbody\n");
  EXPECT_EQ(s.message(),
            "take-it-down.txt:2: expected a blank line after the Subject line, then the body");
  s = set.Add("take-it-down.txt", "Subject: x {{hots}}\n\nbody\n");
  EXPECT_EQ(s.message(), "take-it-down.txt:1: unknown field 'hots'");
  // Body line numbers are the file's.
  s = set.Add("dmca-512c3.txt", "Subject: x\n\nline 3\nline 4 {{subjct.name}}\n");
  EXPECT_EQ(s.message(), "dmca-512c3.txt:4: unknown field 'subjct.name'");
  s = set.Add("dmca-512c3.txt", "Subject: x\n\n{{#images}}\n{{url}}\n");
  EXPECT_EQ(s.message(), "dmca-512c3.txt:3: unclosed section 'images'");
  EXPECT_TRUE(set.FileNames().empty());
}

TEST(TemplateSetTest, FileNamesAreSortedKnownRegimes) {
  TemplateSet set;
  EXPECT_EQ(set.Add("dmca.txt", "Subject: x\n\nbody\n").message(),
            "dmca.txt: unknown regime 'dmca' (known: dmca-512c3, eu-dsa-16, ncii-policy, "
            "take-it-down)");
  EXPECT_EQ(set.Add("take-it-down+dmca-512c3.txt", "Subject: x\n\nbody\n").message(),
            "take-it-down+dmca-512c3.txt: regimes must be sorted and joined by '+': "
            "dmca-512c3+take-it-down.txt");
  EXPECT_TRUE(set.Add("dmca-512c3+take-it-down.txt", "Subject: x\n\nbody\n").ok());
  EXPECT_NE(set.Find({"take-it-down", "dmca-512c3", "take-it-down"}), nullptr);
  EXPECT_EQ(set.Find({"take-it-down"}), nullptr);
  EXPECT_EQ(TemplateSet::FileNameFor({"take-it-down", "dmca-512c3"}),
            "dmca-512c3+take-it-down.txt");
}

TEST(TemplateSetTest, LoadReadsEveryTxtAndNamesABadOne) {
  TempDir dir;
  dir.Write("take-it-down.txt", "Subject: To {{host}}\r\n\r\nHi {{subject.name}}\r\n");
  dir.Write("notes.md", "not a template {{");
  auto set = TemplateSet::Load(dir.path());
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->FileNames(), std::vector<std::string>{"take-it-down.txt"});
  // Windows line ends are read as '\n'.
  TemplateValue data = TemplateValue::Map();
  data.Set("host", TemplateValue::Text("h"));
  EXPECT_EQ(set->Find({"take-it-down"})->subject.Render(data), "To h");
  EXPECT_EQ(set->Find({"take-it-down"})->body.Render(data), "Hi \n");

  dir.Write("eu-dsa-16.txt", "Subject: x\n\n{{#cites}}\n");
  auto bad = TemplateSet::Load(dir.path());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "eu-dsa-16.txt:3: unclosed section 'cites'");
}

TEST(TemplateSetTest, LoadNeedsADirectoryWithTemplates) {
  TempDir dir;
  auto empty = TemplateSet::Load(dir.path());
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), Status::Code::kNotFound);
  auto absent = TemplateSet::Load(dir.path() / "nope");
  ASSERT_FALSE(absent.ok());
  EXPECT_EQ(absent.status().code(), Status::Code::kNotFound);
}

TEST(TemplateSetTest, DefaultDirIsOverriddenByTheEnvironment) {
  ASSERT_EQ(unsetenv("TDM_TEMPLATE_DIR"), 0);
  const fs::path built_in = TemplateSet::DefaultDir();
  EXPECT_EQ(built_in.filename(), "templates");
  ASSERT_EQ(setenv("TDM_TEMPLATE_DIR", "/srv/tdm/templates", 1), 0);
  EXPECT_EQ(TemplateSet::DefaultDir(), fs::path("/srv/tdm/templates"));
  ASSERT_EQ(setenv("TDM_TEMPLATE_DIR", "", 1), 0);
  EXPECT_EQ(TemplateSet::DefaultDir(), built_in);
  ASSERT_EQ(unsetenv("TDM_TEMPLATE_DIR"), 0);
}

TEST(TemplateSetTest, ShippedTemplatesLoad) {
  auto set = TemplateSet::Load(TemplateSet::DefaultDir());
  ASSERT_TRUE(set.ok()) << set.status().message();
  EXPECT_EQ(set->FileNames(),
            (std::vector<std::string>{"dmca-512c3+take-it-down.txt", "dmca-512c3.txt",
                                      "eu-dsa-16.txt", "ncii-policy.txt", "take-it-down.txt"}));
}

}  // namespace
}  // namespace tdm::notifier
