"""Operation tests: several instances on one PostgreSQL, faults of the database server and the data directory."""
