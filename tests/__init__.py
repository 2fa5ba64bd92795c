"""The test suite: unit/, contract/ (both backends), ui/ (AppTest), browser/ (Chromium), ops/; shared factories."""
