"""Page tests with streamlit.testing AppTest: each page run as a script against a real TinyDB store."""
