"""Unit tests of services, schemas and documents on a real TinyDB store in tmp_path."""
