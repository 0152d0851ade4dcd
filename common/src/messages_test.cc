#include "tdm/common/messages.h"

#include <gtest/gtest.h>

namespace tdm {
namespace {

TEST(Messages, FrontierItemsRoundTripWhateverTheUrlHolds) {
  for (const std::string url : {"http://x.example/a?b=1&c=%22", "http://x.example/\"quoted\"\\back",
                                "a\x01\x1f\tb\n", "http://x.example/caf\xc3\xa9", ""}) {
    FrontierItem f{42, 7, url, 3};
    auto back = FrontierItem::Decode(f.Encode());
    if (url.empty()) {
      EXPECT_FALSE(back.ok());  // a frontier item needs a URL
      continue;
    }
    ASSERT_TRUE(back.ok()) << f.Encode();
    EXPECT_EQ(back->crawl_id, 42);
    EXPECT_EQ(back->site_id, 7);
    EXPECT_EQ(back->url, url);
    EXPECT_EQ(back->depth, 3);
  }
}

TEST(Messages, ImageItemsRoundTripWithTheirPrivateFlag) {
  for (bool allow_private : {false, true}) {
    ImageItem i{9, 8, "http://x.example/t/1?x=\"y\"", "http://cdn.example/a b.jpg", allow_private};
    auto back = ImageItem::Decode(i.Encode());
    ASSERT_TRUE(back.ok()) << i.Encode();
    EXPECT_EQ(back->crawl_id, 9);
    EXPECT_EQ(back->site_id, 8);
    EXPECT_EQ(back->page_url, i.page_url);
    EXPECT_EQ(back->image_url, i.image_url);
    EXPECT_EQ(back->allow_private, allow_private);
  }
}

TEST(Messages, EncodingIsPlainJson) {
  EXPECT_EQ((FrontierItem{1, 2, "u\"", 0}.Encode()),
            R"({"crawl":1,"site":2,"url":"u\"","depth":0})");
  EXPECT_EQ((ImageItem{1, 2, "p", "i", true}.Encode()),
            R"({"crawl":1,"site":2,"page":"p","image":"i","private":true})");
}

TEST(Messages, MalformedMessagesAreRefusedNotThrown) {
  for (const char* bad : {"", "{", "[]", "{\"crawl\":1}",
                          "{\"crawl\":\"x\",\"site\":1,\"url\":\"u\",\"depth\":0}", "\xff\xfe"}) {
    EXPECT_FALSE(FrontierItem::Decode(bad).ok()) << bad;
    EXPECT_FALSE(ImageItem::Decode(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace tdm
