#!/usr/bin/env node
// keyless-verify.mjs BUNDLE ARTIFACT TRUSTED_ROOT.json
//                    (--identity SAN --issuer ISS | --key PUB.pem)
//
// Verifies one Sigstore bundle offline as sigstore-js does by default
// (@sigstore/verify: tlog, CT log and timestamp thresholds 1), against the
// TrustedRoot JSON given, with the certificate identity policy (exact SAN
// and issuer) or a managed key. ARTIFACT is the signed blob for a
// messageSignature bundle; DSSE bundles are checked over their envelope
// only (sigstore-js does not look at subjects).
//
// Prints "PASS" or "FAIL: <reason>" and exits 0 (verified), 1 (rejected)
// or 2 (usage error, unreadable file).
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { TrustedRoot } from '@sigstore/protobuf-specs';
import { Verifier, toSignedEntity, toTrustMaterial } from '@sigstore/verify';

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
};
const identity = opt('--identity');
const issuer = opt('--issuer');
const keyPath = opt('--key');
if (args.length !== 3 || (!keyPath && !(identity && issuer))) {
  process.stderr.write('usage: keyless-verify.mjs BUNDLE ARTIFACT ROOT ' +
    '(--identity SAN --issuer ISS | --key PUB.pem)\n');
  process.exit(2);
}
const [bundlePath, artifactPath, rootPath] = args;

let json, artifact, root, key;
try {
  artifact = readFileSync(artifactPath);
  root = TrustedRoot.fromJSON(JSON.parse(readFileSync(rootPath, 'utf8')));
  if (keyPath) key = crypto.createPublicKey(readFileSync(keyPath));
  json = readFileSync(bundlePath, 'utf8');
} catch (e) {
  process.stderr.write(`keyless-verify: ${e.message}\n`);
  process.exit(keyPath && e.message.includes('key') ? 1 : 2);
}

try {
  const bundle = bundleFromJSON(JSON.parse(json));
  const keyFinder = () => {
    if (!key) throw new Error('no key for a publicKey bundle');
    return { publicKey: key, validFor: () => true };
  };
  const tm = toTrustMaterial(root, keyFinder);
  const verifier = new Verifier(tm);
  const policy = keyPath ? {} : {
    subjectAlternativeName: identity,
    extensions: { issuer },
  };
  verifier.verify(toSignedEntity(bundle, artifact), policy);
  process.stdout.write('PASS\n');
  process.exit(0);
} catch (e) {
  process.stdout.write(`FAIL: ${e.code || ''} ${e.message}\n`);
  process.exit(1);
}
