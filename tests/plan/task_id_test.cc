#include "engine/plan/task_id.h"

#include <gtest/gtest.h>

#include <limits>

namespace topo::plan {
namespace {

TEST(TaskIdTest, TextIsSubtopologyUnderscorePartition) {
  EXPECT_EQ((TaskId{"deal.events", 3}).ToString(), "deal.events_3");
  EXPECT_EQ((TaskId{"a", 0}).ToString(), "a_0");
}

TEST(TaskIdTest, ParseInvertsToStringForTopicsWithUnderscores) {
  for (const TaskId& id :
       {TaskId{"deal.events", 3}, TaskId{"my_topic_name", 0}, TaskId{"_lead", 12}, TaskId{"trail_", 7},
        TaskId{"a_1", 1}, TaskId{"x", std::numeric_limits<int32_t>::max()}}) {
    std::optional<TaskId> back = TaskId::Parse(id.ToString());
    ASSERT_TRUE(back.has_value()) << id.ToString();
    EXPECT_EQ(*back, id) << id.ToString();
  }
  EXPECT_EQ(TaskId::Parse("a_b_12"), (TaskId{"a_b", 12}));  // the partition follows the last '_'
}

TEST(TaskIdTest, ParseAcceptsOnlyWhatToStringWrites) {
  for (const char* bad : {"", "abc", "_3", "x_", "x_-1", "x_-0", "x_+3", "x_03", "x_3a", "x_ 3",
                          "x_2147483648", "x_99999999999"})
    EXPECT_FALSE(TaskId::Parse(bad).has_value()) << bad;
}

TEST(TaskIdTest, OrdersBySubtopologyThenPartition) {
  EXPECT_LT((TaskId{"a", 10}), (TaskId{"b", 0}));
  EXPECT_LT((TaskId{"a", 2}), (TaskId{"a", 10}));  // numerically, not as text
}

}  // namespace
}  // namespace topo::plan
