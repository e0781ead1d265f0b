// Numbers through `topo produce`, `topo run` and `topo consume` as a user
// drives them: every digit of amounts beyond a double's precision, 38-digit
// decimals and integers beyond int64, and the scale of 1.00, reach the output
// topic and the consumer's lines unchanged; decimal() fees are exact.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "tests/integration/runner_fixture.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

class ExactNumbersRunTest : public testing::RunnerFixture {};

TEST_F(ExactNumbersRunTest, EveryDigitSurvivesProduceRunAndConsume) {
  std::ofstream(dir_ / "exact.jsonnet") << R"(
local topo = import 'topo.libsonnet';
topo.topology('exact', {
  topics: { 'in': topo.topic(partitions=1), same: topo.topic(partitions=1), fees: topo.topic(partitions=1) },
  nodes: {
    src: topo.source('in'),
    same: topo.sink('src', 'same'),
    fee: topo.map('src', value="{a: value.a, fee: round(decimal(value.a) * decimal('0.01'), 2), n: value.n, d: value.d, f: value.f}"),
    fees: topo.sink('fee', 'fees'),
  },
}))";
  const std::string value = R"({"a":12345678901234567890.55,"n":123456789012345678901234567890,)"
                            R"("d":1234567890123456789012.3456789012345678,"f":1.00})";
  std::ofstream(dir_ / "in.jsonl") << R"({"key":"k","value":)" << value << "}\n";
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "exact.jsonnet").string(), "--data-dir", Data(), "--http-port", "-1", "--produce",
             "in=" + (dir_ / "in.jsonl").string(), "--exit-when-idle", "300"});
  ASSERT_EQ(WEXITSTATUS(run.Wait()), 0) << run.output();

  auto consume = [&](const std::string& topic) {
    testing::TopoProcess c;
    c.Start({"consume", topic, "--data-dir", Data(), "--from-beginning", "--max", "1", "--timeout", "5"});
    EXPECT_EQ(WEXITSTATUS(c.Wait()), 0) << c.output();
    return c.output();
  };
  const std::string same = consume("same");
  EXPECT_NE(same.find(value), std::string::npos) << same;
  const std::string fees = consume("fees");
  EXPECT_NE(
      fees.find(
          R"({"a":12345678901234567890.55,"fee":123456789012345678.91,)"
          R"("n":123456789012345678901234567890,"d":1234567890123456789012.3456789012345678,"f":1.00})"),
      std::string::npos)
      << fees;
}

}  // namespace
}  // namespace topo
