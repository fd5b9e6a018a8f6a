#!/usr/bin/env node
// verify-bundle.mjs BUNDLE.json PUB.pem
//
// Verifies one Sigstore bundle (key-based, offline) with the sigstore-js
// Verifier (@sigstore/verify), using PUB.pem as the only trusted key whatever
// the bundle's publicKey.hint says. There is no Fulcio, Rekor, CT log or TSA,
// so all three thresholds are 0 (the defaults are 1 and would reject every
// key-only bundle). Any timestamp present in the bundle must still verify,
// and with no trusted TSA it cannot.
//
// sigstore-js checks the signature over PAE(payloadType, payload) only: it does
// not look at payloadType, the Statement or its subjects.
//
// Prints "PASS" or "FAIL: <reason>" and exits 0 (verified), 1 (rejected) or
// 2 (usage error, unreadable file).
import { readFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { bundleFromJSON } from '@sigstore/bundle';
import { Verifier, toSignedEntity } from '@sigstore/verify';

const args = process.argv.slice(2);
if (args.length !== 2 || args[0].startsWith('-')) {
  process.stderr.write('usage: verify-bundle.mjs BUNDLE.json PUB.pem\n');
  process.exit(2);
}
const [bundlePath, pubPath] = args;

let text;
let publicKey;
try {
  text = readFileSync(bundlePath, 'utf8');
  publicKey = crypto.createPublicKey(readFileSync(pubPath));
} catch (e) {
  process.stderr.write(`verify-bundle: ${e.message}\n`);
  process.exit(2);
}

try {
  const bundle = bundleFromJSON(JSON.parse(text)); // structural validation
  const trustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey, validFor: () => true }),
  };
  const verifier = new Verifier(trustMaterial, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  verifier.verify(toSignedEntity(bundle));
  process.stdout.write('PASS\n');
  process.exit(0);
} catch (e) {
  const code = e && e.code ? `${e.code}: ` : '';
  process.stdout.write(`FAIL: ${code}${e && e.message ? e.message : e}\n`);
  process.exit(1);
}
