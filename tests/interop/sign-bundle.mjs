#!/usr/bin/env node
// sign-bundle.mjs KEY.pem PAYLOAD [OUT.json]
//
// sigstore-js as the *producer*: wraps PAYLOAD (the exact bytes of the file,
// normally an in-toto Statement) in a DSSE envelope with payloadType
// application/vnd.in-toto+json, signs PAE(type, payload) with a local PEM
// private key, and writes a Sigstore bundle v0.3 (publicKey.hint, no Fulcio,
// no Rekor, no TSA) to OUT.json or stdout.
//
// The local signer is the only thing that is ours; the PAE, the envelope and
// the bundle are built by @sigstore/sign's DSSEBundleBuilder.
//   ECDSA P-256 -> ECDSA-SHA256 (DER), P-384 -> SHA384, P-521 -> SHA512
//   Ed25519     -> pure Ed25519 over the PAE
// hint = keyid = base64(sha256(DER SubjectPublicKeyInfo)).
//
// Exit 0 on success, 2 on usage or I/O error, 3 on any other error.
import { readFileSync, writeFileSync } from 'node:fs';
import crypto from 'node:crypto';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { bundleToJSON } from '@sigstore/bundle';

const args = process.argv.slice(2);
if (args.length < 2 || args.length > 3 || args.some((a) => a.startsWith('-'))) {
  process.stderr.write('usage: sign-bundle.mjs KEY.pem PAYLOAD [OUT.json]\n');
  process.exit(2);
}
const [keyPath, payloadPath, outPath] = args;

let privateKey;
let payload;
try {
  privateKey = crypto.createPrivateKey(readFileSync(keyPath));
  payload = readFileSync(payloadPath);
} catch (e) {
  process.stderr.write(`sign-bundle: ${e.message}\n`);
  process.exit(2);
}

function digestFor(key) {
  const type = key.asymmetricKeyType;
  if (type === 'ed25519' || type === 'ed448') return null;
  if (type === 'ec') {
    const curve = key.asymmetricKeyDetails.namedCurve;
    if (curve === 'prime256v1') return 'sha256';
    if (curve === 'secp384r1') return 'sha384';
    if (curve === 'secp521r1') return 'sha512';
    throw new Error(`unsupported curve ${curve}`);
  }
  if (type === 'rsa') return 'sha256';
  throw new Error(`unsupported key type ${type}`);
}

const publicKey = crypto.createPublicKey(privateKey);
const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
const hint = crypto
  .createHash('sha256')
  .update(publicKey.export({ type: 'spki', format: 'der' }))
  .digest('base64');

const localSigner = {
  async sign(pae) {
    const signature = crypto.sign(digestFor(privateKey), pae, privateKey);
    return {
      signature,
      key: { $case: 'publicKey', publicKey: publicPem, hint },
    };
  },
};

try {
  const builder = new DSSEBundleBuilder({ signer: localSigner, witnesses: [] });
  const bundle = await builder.create({
    data: payload,
    type: 'application/vnd.in-toto+json',
  });
  const json = JSON.stringify(bundleToJSON(bundle)) + '\n';
  if (outPath) writeFileSync(outPath, json);
  else process.stdout.write(json);
} catch (e) {
  process.stderr.write(`sign-bundle: ${e && e.message ? e.message : e}\n`);
  process.exit(3);
}
