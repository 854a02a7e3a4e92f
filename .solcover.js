// Test-only tokens, targets and harnesses are not part of the product: keep them out of coverage.
module.exports = {
  skipFiles: ["test/"],
};
