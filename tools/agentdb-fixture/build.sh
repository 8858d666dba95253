#!/usr/bin/env bash
# Installs the AgentDB fixture writer (agentdb 1.6.1 from package-lock.json) when it is missing or stale.
# A plain `npm ci` fails: agentdb's optional transformers dependency pulls sharp, whose install script
# downloads a binary. So scripts are skipped and the one native addon that loading agentdb needs
# (hnswlib-node) is compiled here: needs make, g++ and python3 (node-gyp), and Node's headers.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

stamp=node_modules/.agentdb-fixture-ready
want="$(sha256sum package-lock.json | cut -d' ' -f1) $(node --version)"
if [[ -f "$stamp" && "$(cat "$stamp")" == "$want" ]]; then
  echo "agentdb fixture ready"
  exit 0
fi

npm ci --ignore-scripts --no-audit --no-fund
# Node's own headers when the Node package ships them (nodesource, or Debian's libnode-dev);
# otherwise node-gyp downloads them for the running version.
node_prefix="$(cd "$(dirname "$(command -v node)")/.." && pwd)"
if [[ -f "$node_prefix/include/node/node_api.h" ]]; then
  export npm_config_nodedir="$node_prefix"
fi
npm rebuild hnswlib-node
node -e "import('agentdb').then(() => console.log('agentdb loads'))"
echo "$want" > "$stamp"
