// `npm run check:k8s [-- <kustomization folder>]`: checks every manifest a kustomization lists
// against the Kubernetes API's OpenAPI schemas (kubernetes-models' validators, the schemas
// kubeconform uses too; neither kubeconform nor helm is in the npm registry or Debian). Prints one
// line per object, and each violation with its path; exits 1 on any.
//
// Not strict: the schemas allow fields they do not define, so a misspelt field name passes here.
// test/deploy/k8s-manifests.test.ts checks the fields that matter (probes, grace periods, queues).
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';

const dir = path.resolve(process.argv[2] ?? 'deploy/k8s');
const kustomization = parseAllDocuments(readFileSync(path.join(dir, 'kustomization.yaml'), 'utf8'))[0].toJS();

/** kubernetes-models' module of an apiVersion: `v1` is the core group's. */
const moduleOf = (apiVersion) => `kubernetes-models/${apiVersion}`;

let failures = 0;
for (const file of kustomization.resources ?? []) {
  const documents = parseAllDocuments(readFileSync(path.join(dir, file), 'utf8'));
  for (const document of documents) {
    if (document.errors.length > 0) {
      failures++;
      console.log(`${file}: YAML: ${document.errors.map((e) => e.message).join('; ')}`);
      continue;
    }
    const object = document.toJS();
    if (!object) continue;
    const name = `${file}: ${object.kind} ${object.metadata?.name ?? '(no name)'}`;
    let models;
    try {
      models = await import(moduleOf(object.apiVersion));
    } catch {
      failures++;
      console.log(`${name}: unknown apiVersion ${object.apiVersion}`);
      continue;
    }
    const Model = models[object.kind];
    if (typeof Model !== 'function') {
      failures++;
      console.log(`${name}: ${object.apiVersion} has no kind ${object.kind}`);
      continue;
    }
    try {
      new Model(object).validate();
      console.log(`${name}: valid`);
    } catch (error) {
      failures++;
      console.log(`${name}: ${error.message}`);
    }
  }
}
if (failures > 0) {
  console.log(`${failures} invalid`);
  process.exit(1);
}
