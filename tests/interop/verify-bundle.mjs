#!/usr/bin/env node
// verify-bundle.mjs BUNDLE.json PUB.pem [--tsa-chain CHAIN.pem]
//
// With --tsa-chain (PEM: the TSA leaf first, then its CAs up to the root)
// that TSA is trusted and timestampThreshold is 1: the bundle must carry an
// RFC 3161 timestamp over its signature from that TSA.
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
import { X509Certificate } from '@sigstore/core';
import { Verifier, toSignedEntity } from '@sigstore/verify';

const args = process.argv.slice(2);
let tsaPath = null;
const ti = args.indexOf('--tsa-chain');
if (ti >= 0) {
  tsaPath = args[ti + 1];
  args.splice(ti, 2);
}
if (args.length !== 2 || args[0].startsWith('-') || tsaPath === undefined) {
  process.stderr.write(
    'usage: verify-bundle.mjs BUNDLE.json PUB.pem [--tsa-chain CHAIN.pem]\n');
  process.exit(2);
}
const [bundlePath, pubPath] = args;

let text;
let publicKey;
const timestampAuthorities = [];
try {
  text = readFileSync(bundlePath, 'utf8');
  publicKey = crypto.createPublicKey(readFileSync(pubPath));
  if (tsaPath) {
    const pems = readFileSync(tsaPath, 'utf8').match(
      /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g) || [];
    if (pems.length === 0) throw new Error(`${tsaPath}: no certificates`);
    timestampAuthorities.push({
      certChain: pems.map((p) => X509Certificate.parse(p)),
      validFor: { start: new Date(0), end: new Date(8640000000000000) },
    });
  }
} catch (e) {
  process.stderr.write(`verify-bundle: ${e.message}\n`);
  process.exit(2);
}

try {
  const bundle = bundleFromJSON(JSON.parse(text)); // structural validation
  const trustMaterial = {
    certificateAuthorities: [],
    timestampAuthorities,
    tlogs: [],
    ctlogs: [],
    publicKey: () => ({ publicKey, validFor: () => true }),
  };
  const verifier = new Verifier(trustMaterial, {
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: tsaPath ? 1 : 0,
  });
  verifier.verify(toSignedEntity(bundle));
  process.stdout.write('PASS\n');
  process.exit(0);
} catch (e) {
  const code = e && e.code ? `${e.code}: ` : '';
  process.stdout.write(`FAIL: ${code}${e && e.message ? e.message : e}\n`);
  process.exit(1);
}
