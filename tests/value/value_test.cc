#include "engine/value/value.h"

#include <gtest/gtest.h>

namespace topo {
namespace {

TEST(ValueTest, NumbersCompareByValueAcrossTypes) {
  EXPECT_TRUE(Value(int64_t{2}).Equals(Value(2.0)));
  EXPECT_TRUE(Value(Decimal(1649, 2)).Equals(Value(16.49)));
  EXPECT_TRUE(Value(Decimal(150, 2)).Equals(Value(Decimal(15, 1))));
  EXPECT_FALSE(Value(Decimal(1649, 2)).Equals(Value(16.5)));
  EXPECT_FALSE(Value("1").Equals(Value(1)));
}

TEST(ValueTest, ObjectsCompareIgnoringFieldOrder) {
  Value a(Object{{"x", 1}, {"y", "s"}});
  Value b(Object{{"y", "s"}, {"x", 1.0}});
  EXPECT_TRUE(a.Equals(b));
  Value c(Object{{"y", "s"}});
  EXPECT_FALSE(a.Equals(c));
}

TEST(ValueTest, MutableObjectClonesWhenShared) {
  Value a(Object{{"x", 1}});
  Value b = a;
  b.MutableObject().Set("x", 2);
  EXPECT_EQ(a.Get("x")->as_int(), 1);
  EXPECT_EQ(b.Get("x")->as_int(), 2);
}

TEST(ValueTest, GetMissingFieldIsNull) {
  Value a(Object{{"x", 1}});
  EXPECT_EQ(a.Get("nope"), nullptr);
  EXPECT_EQ(Value(3).Get("x"), nullptr);
}

TEST(ValueTest, DebugString) {
  Value a(Object{{"s", "a\"b"}, {"d", Decimal(1650, 2)}, {"n", nullptr}, {"arr", Array{1, true}}});
  EXPECT_EQ(a.DebugString(), R"({"s":"a\"b","d":16.50,"n":null,"arr":[1,true]})");
}

}  // namespace
}  // namespace topo
