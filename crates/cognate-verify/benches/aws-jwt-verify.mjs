// Measures aws-jwt-verify on the tokens exported by the `throughput` bench and prints both side
// by side with the ratios. Run through benches/compare.sh; by hand:
//   node benches/aws-jwt-verify.mjs DIR [SECONDS]
// aws-jwt-verify is loaded from interop/node (pinned there), or from $AWS_JWT_VERIFY_DIR.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const dir = process.argv[2];
const seconds = Number(process.argv[3] ?? 2);
if (!dir) {
  console.error("usage: node aws-jwt-verify.mjs DIR [SECONDS]");
  process.exit(2);
}
const nodeDir =
  process.env.AWS_JWT_VERIFY_DIR ?? path.resolve(here, "../../../interop/node");
const require = createRequire(path.join(nodeDir, "package.json"));
const { CognitoJwtVerifier } = require("aws-jwt-verify");
const version = JSON.parse(
  readFileSync(path.join(nodeDir, "node_modules/aws-jwt-verify/package.json"), "utf8"),
).version;

const config = JSON.parse(readFileSync(path.join(dir, "config.json"), "utf8"));
const jwks = JSON.parse(readFileSync(path.join(dir, "jwks.json"), "utf8"));
const same = readFileSync(path.join(dir, "token.txt"), "utf8").trim();
const distinct = readFileSync(path.join(dir, "tokens.txt"), "utf8").trim().split("\n");
const m2m = readFileSync(path.join(dir, "m2m_tokens.txt"), "utf8").trim().split("\n");

const verifier = CognitoJwtVerifier.create({
  userPoolId: config.userPoolId,
  tokenUse: "access",
  clientId: config.clientId,
});
verifier.cacheJwks(jwks); // JWKS preloaded: no network in the loop
verifier.verifySync(same);
for (const t of distinct) verifier.verifySync(t);
// Machine-to-machine tokens with a scope requirement (aws-jwt-verify has no principal check;
// the scope check is the comparable work).
const machines = CognitoJwtVerifier.create({
  userPoolId: config.userPoolId,
  tokenUse: "access",
  clientId: config.clientId,
  scope: ["orders/read"],
});
machines.cacheJwks(jwks);
for (const t of m2m) machines.verifySync(t);

// Rounds of about 100 ms; returns µs per call of the best and the median round (as throughput.rs).
function measure(op) {
  const warmUntil = process.hrtime.bigint() + 300_000_000n;
  let i = 0;
  while (process.hrtime.bigint() < warmUntil) op(i++);
  const rounds = Math.max(3, Math.round(seconds * 10));
  const perCall = [];
  let calls = 0;
  for (let r = 0; r < rounds; r++) {
    const start = process.hrtime.bigint();
    let n = 0;
    while (process.hrtime.bigint() - start < 100_000_000n) {
      for (let k = 0; k < 32; k++) {
        op(calls++);
        n++;
      }
    }
    perCall.push(Number(process.hrtime.bigint() - start) / n / 1000);
  }
  perCall.sort((a, b) => a - b);
  return { best_us: perCall[0], median_us: perCall[Math.floor(perCall.length / 2)] };
}

const node = {
  same: measure(() => verifier.verifySync(same)),
  distinct: measure((i) => verifier.verifySync(distinct[i % distinct.length])),
  m2m: measure((i) => machines.verifySync(m2m[i % m2m.length])),
};
const ours = JSON.parse(readFileSync(path.join(dir, "cognate.json"), "utf8"));

const rows = [
  ["same token", "same token", node.same],
  ["1000 distinct tokens", "1000 distinct tokens", node.distinct],
  [
    "1000 distinct M2M tokens, scope",
    "1000 distinct M2M tokens (principal client, scope required)",
    node.m2m,
  ],
  ["same token, verified-token cache", "same token, verified-token cache", node.same],
  [
    "1000 distinct, cache on, first sight",
    "1000 distinct tokens, verified-token cache, first sight (misses)",
    node.distinct,
  ],
];
const fmt = (m) =>
  `${m.best_us.toFixed(2).padStart(6)} µs (${m.median_us.toFixed(2).padStart(6)}) ${String(Math.round(1e6 / m.best_us)).padStart(8)}/s`;
console.log(
  `\naws-jwt-verify ${version} (node ${process.version}, JWKS preloaded, verifySync) vs cognate-verify`,
);
console.log("best of 100 ms rounds, median in brackets; speed-up = best / best (median / median)");
console.log(`${"case".padEnd(38)} ${"aws-jwt-verify".padEnd(31)} ${"cognate-verify".padEnd(31)} speed-up`);
for (const [label, key, theirs] of rows) {
  const mine = ours[key];
  if (mine === undefined) continue;
  const best = (theirs.best_us / mine.best_us).toFixed(1);
  const median = (theirs.median_us / mine.median_us).toFixed(1);
  console.log(`${label.padEnd(38)} ${fmt(theirs)}  ${fmt(mine)}  ${best}× (${median}×)`);
}
