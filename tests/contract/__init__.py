"""Contract tests: every test runs on TinyDB and on a throwaway PostgreSQL server (the parametrised `store`)."""
