#!/usr/bin/env node
// keyless-bench.mjs N BUNDLE ARTIFACT ROOT SAN ISSUER: verifies one
// keyless bundle N times in one process with sigstore-js (@sigstore/verify,
// default thresholds) and prints the verifications per CPU second, user
// and system (the benchmark's baseline for verify; not a test).
import { readFileSync } from 'node:fs';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';

const [n, bundlePath, artifactPath, rootPath, san, issuer] =
  process.argv.slice(2);
const json = JSON.parse(readFileSync(bundlePath, 'utf8'));
const artifact = readFileSync(artifactPath);
const root = TrustedRoot.fromJSON(JSON.parse(readFileSync(rootPath, 'utf8')));
const policy = { subjectAlternativeName: san, extensions: { issuer } };
const t0 = process.cpuUsage();
for (let i = 0; i < Number(n); i++) {
  // Everything per bundle, as verify does: parse, trust material, checks.
  const tm = toTrustMaterial(root);
  new Verifier(tm).verify(toSignedEntity(bundleFromJSON(json), artifact),
    policy);
}
const used = process.cpuUsage(t0);
const secs = (used.user + used.system) / 1e6;
process.stdout.write(`${(Number(n) / secs).toFixed(1)}\n`);
