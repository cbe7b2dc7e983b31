#!/bin/sh
# Docker only (the native stack renders its own pg_hba.conf and runs only the .sql files here).
# The postgres image allows password logins from any address but no replication connections from outside the
# container; the CDC reader needs one. Appended once, read when the image starts the final server.
set -eu
line='host replication cdc_reader all scram-sha-256'
grep -qxF "$line" "$PGDATA/pg_hba.conf" || echo "$line" >> "$PGDATA/pg_hba.conf"
