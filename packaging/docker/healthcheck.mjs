// Container health probe: GET /livez (or the path given as first argument, e.g. /health) on the
// manager's listen_address (read from the top level of $SPOTRUNNER_CONFIG). Exit 0 when it answers
// 200, or when the config sets no listen_address (no status server runs, so there is nothing to
// probe); exit 1 otherwise. /livez, not /health: a GitLab outage makes /health 503, and an
// orchestrator that restarts unhealthy containers would then cut running jobs off.
import { readFileSync } from 'node:fs';

const file = process.env.SPOTRUNNER_CONFIG ?? '/etc/spotrunner/config.toml';
const path = process.argv[2] ?? '/livez';

/** listen_address before the first table header, e.g. ":9252", "0.0.0.0:9252", "[::]:9252". */
function listenAddress(text) {
  for (const line of text.split('\n')) {
    if (/^\s*\[/.test(line)) return undefined;
    const m = /^\s*listen_address\s*=\s*["']([^"']*)["']/.exec(line);
    if (m) return m[1] === '' ? undefined : m[1];
  }
  return undefined;
}

function healthUrl(address) {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m) return undefined;
  const host = ['', '0.0.0.0', '[::]', '::'].includes(m[1]) ? '127.0.0.1' : m[1];
  return `http://${host}:${m[2]}${path}`;
}

let address;
try {
  address = listenAddress(readFileSync(file, 'utf8'));
} catch (err) {
  console.error(`cannot read ${file}: ${err.message}`);
  process.exit(1);
}
if (address === undefined) process.exit(0);
const url = healthUrl(address);
if (url === undefined) {
  console.error(`listen_address ${address} has no port`);
  process.exit(1);
}
try {
  const res = await fetch(url, { signal: AbortSignal.timeout(4000) });
  const body = await res.text();
  if (res.ok) process.exit(0);
  console.error(`${url}: ${res.status} ${body}`);
} catch (err) {
  console.error(`${url}: ${err.message}`);
}
process.exit(1);
