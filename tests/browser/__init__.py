"""Browser tests: the app in a real Streamlit server, driven by headless Chromium through playwright."""
