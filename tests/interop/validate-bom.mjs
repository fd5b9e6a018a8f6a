// Validates CycloneDX JSON BOMs with the CycloneDX project's own strict
// JSON validator: node validate-bom.mjs SPEC_VERSION FILE...
// Exit 0 when every file is valid, 1 when one is not, 2 on usage.
import { readFileSync } from 'node:fs';
import { Spec, Validation } from '@cyclonedx/cyclonedx-library';

const [version, ...files] = process.argv.slice(2);
const versions = { '1.6': Spec.Version.v1dot6, '1.7': Spec.Version.v1dot7 };
if (!(version in versions) || files.length === 0) {
  console.error('usage: validate-bom.mjs 1.6|1.7 FILE...');
  process.exit(2);
}
const validator = new Validation.JsonStrictValidator(versions[version]);
let bad = 0;
for (const f of files) {
  try {
    const errors = await validator.validate(readFileSync(f, 'utf8'));
    if (errors === null) {
      console.log(`valid ${f}`);
    } else {
      bad++;
      console.log(`invalid ${f}: ${JSON.stringify(errors)}`);
    }
  } catch (e) {
    bad++;
    console.log(`invalid ${f}: ${e.message}`);
  }
}
process.exit(bad ? 1 : 0);
