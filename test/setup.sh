#!/usr/bin/env bash
# `npm test` runs this first (and CI runs `npm test`: .ci/run): it installs with apt-get what the
# tests need and is missing, or, when it cannot (not root, no apt-get, no moto), says in one
# line what to install and exits 1 before anything runs.
set -uo pipefail
export DEBIAN_FRONTEND=noninteractive

apt_packages=()
# PostgreSQL 15 for scripts/db/test's tests (initdb + pg_ctl, run as the postgres user).
if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
  apt_packages+=(postgresql)
fi
# A real Flask app serves /api/health-check in the tests.
python3 -c 'import flask' >/dev/null 2>&1 || apt_packages+=(python3-flask)
command -v runuser >/dev/null || apt_packages+=(util-linux)
# teardown's y/N prompt is tested on a pseudo-terminal made by script(1).
command -v script >/dev/null || apt_packages+=(bsdutils)
# A real Docker daemon and registry for the image, demo and run-local tests (test/helpers/docker.ts
# starts both on loopback for the run and stops them): Debian's docker.io with containerd and
# runc, the registry (docker-registry), htpasswd for its bcrypt users, and the static busybox
# the offline test images are made of.
command -v dockerd >/dev/null || apt_packages+=(docker.io containerd runc)
command -v docker-registry >/dev/null || apt_packages+=(docker-registry)
command -v htpasswd >/dev/null || apt_packages+=(apache2-utils)
# (ldd exits 1 on a static binary: under pipefail its output is what counts.)
[ -x /bin/busybox ] && /bin/busybox --list >/dev/null 2>&1 && { ldd /bin/busybox 2>&1 || true; } | grep -q 'not a dynamic' || apt_packages+=(busybox-static)

# moto (the local AWS emulator) comes from PyPI, not apt; the tests start it unless
# AWS_ENDPOINT_URL names one already running.
needs_moto=
[ -z "${AWS_ENDPOINT_URL:-}" ] && ! command -v moto_server >/dev/null && needs_moto=1

can_install=
[ "$(id -u)" = 0 ] && command -v apt-get >/dev/null && can_install=1

# Whatever cannot be installed here is named, all of it, before anything is installed.
if [ -n "$needs_moto" ] || { [ ${#apt_packages[@]} -gt 0 ] && [ -z "$can_install" ]; }; then
  todo=
  [ ${#apt_packages[@]} -gt 0 ] && todo="apt-get install -y ${apt_packages[*]} (as root; npm test does it itself when run as root)"
  [ -n "$needs_moto" ] && todo="${todo:+$todo; }pip install 'moto[server]' (for moto_server)"
  echo "test set-up: the tests need what is not installed here: $todo" >&2
  exit 1
fi

if [ ${#apt_packages[@]} -gt 0 ]; then
  echo "test set-up: installing ${apt_packages[*]}"
  if ! { apt-get update -qq && apt-get install -y -qq "${apt_packages[@]}" >/dev/null; }; then
    echo "test set-up: apt-get install ${apt_packages[*]} failed (see above)" >&2
    exit 1
  fi
else
  echo "test set-up: everything the tests need is installed"
fi
