#include "engine/base/base64.h"

#include <gtest/gtest.h>

#include <string>

namespace topo {
namespace {

TEST(Base64, RoundTripsAndRejectsJunk) {
  for (std::string s : {std::string(""), std::string("f"), std::string("fo"), std::string("foo"),
                        std::string("foob"), std::string("\0\xff\xfe\x7f", 4)}) {
    auto d = Base64Decode(Base64Encode(s));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_FALSE(Base64Decode("Zm9").ok());
  EXPECT_FALSE(Base64Decode("Zm=v").ok());
  EXPECT_FALSE(Base64Decode("Zm9v!A==").ok());
}

TEST(Base64, AppendsAfterExistingContent) {
  std::string out = "b64:";
  AppendBase64("foob", &out);
  EXPECT_EQ(out, "b64:Zm9vYg==");
}

}  // namespace
}  // namespace topo
