// Test-only tokens, targets and harnesses are not part of the product: keep them out of coverage.
// json-summary feeds scripts/check-coverage.ts, which holds the line and branch floors.
module.exports = {
  skipFiles: ["test/"],
  istanbulReporter: ["html", "lcov", "text", "json-summary"],
};
