#!/usr/bin/env bash
# Validates the compose files: the base file alone, base + local override, base + prod override.
# The prod check supplies throwaway values for the variables the prod override requires.
# Skips (exit 0) when no compose implementation is installed; exits non-zero on any failure.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

if command -v docker-compose >/dev/null 2>&1; then
    compose=(docker-compose)
elif command -v docker >/dev/null 2>&1 && docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    echo "check-compose: skipped, no docker-compose (or docker compose) binary found"
    exit 0
fi

status=0

check() {
    local label=$1
    shift
    if "$@"; then
        echo "check-compose: ok      ${label}"
    else
        echo "check-compose: FAILED  ${label}" >&2
        status=1
    fi
}

check "docker-compose.yml" \
    "${compose[@]}" -f docker-compose.yml config -q
check "docker-compose.yml + docker-compose.local.yml" \
    "${compose[@]}" -f docker-compose.yml -f docker-compose.local.yml config -q
check "docker-compose.yml + docker-compose.prod.yml" \
    env SECRET_KEY=check-compose-secret \
        POSTGRES_PASSWORD=check-compose-password \
        ALLOWED_HOSTS=budget.example.com \
        "${compose[@]}" -f docker-compose.yml -f docker-compose.prod.yml config -q

exit "${status}"
