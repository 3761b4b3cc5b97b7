#!/bin/sh
# Ensures PostgreSQL server binaries (initdb, postgres) exist for the store tests, which start a real
# server (test/helpers/postgres.ts) and never skip. Installs Debian's postgresql package when missing.
set -eu

find_initdb() {
  if command -v initdb >/dev/null 2>&1 && command -v postgres >/dev/null 2>&1; then
    command -v initdb
    return 0
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k4 -n -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/postgres" ]; then
      echo "$d/initdb"
      return 0
    fi
  done
  return 1
}

if found=$(find_initdb); then
  echo "postgres: server binaries found ($found)"
  exit 0
fi

echo "postgres: initdb not found; installing Debian's postgresql package"
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "postgres: not root and no sudo: cannot install postgresql" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends postgresql
# The package may create and start a cluster; the tests use their own, so stop the packaged one.
if command -v pg_ctlcluster >/dev/null 2>&1; then
  for v in $(ls /usr/lib/postgresql 2>/dev/null); do $SUDO pg_ctlcluster "$v" main stop 2>/dev/null || true; done
fi

if found=$(find_initdb); then
  echo "postgres: installed ($found)"
else
  echo "postgres: installation finished but initdb is still missing" >&2
  exit 1
fi
