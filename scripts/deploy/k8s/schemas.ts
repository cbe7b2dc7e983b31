/**
 * JSON schemas for kubeconform, made from what the registries ship (tools.ts fetches them):
 *
 * - kubernetes-validate's "local-strict" schemas (no unknown field allowed) refer to their shared definitions
 *   by an absolute URL (`/api/_definitions.json` under a kubernetes.io `$id`), which a validator would fetch:
 *   the references are rewritten to the file beside them.
 * - A CRD's `openAPIV3Schema` becomes `<group>/<kind>_<version>.json`, made strict the way kubeconform's own
 *   openapi2jsonschema does it: every object that lists its properties rejects others, unless the CRD says
 *   it keeps unknown fields.
 */
import fs from 'node:fs';
import path from 'node:path';

type JsonSchema = { [key: string]: unknown };

export function kubernetesSchemaFolder(from: string, to: string): void {
  if (!fs.existsSync(from)) throw new Error(`no Kubernetes schemas at ${from}`);
  fs.mkdirSync(to, { recursive: true });
  for (const name of fs.readdirSync(from)) {
    if (!name.endsWith('.json')) continue;
    const text = fs
      .readFileSync(path.join(from, name), 'utf8')
      .replaceAll('"/api/_definitions.json#', '"_definitions.json#');
    const schema = JSON.parse(text) as JsonSchema;
    // Without an $id, references resolve against the file's own location.
    delete schema.$id;
    fs.writeFileSync(path.join(to, name), JSON.stringify(schema));
  }
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A copy of `node` where objects with declared properties reject undeclared ones. */
export function strictSchema(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(strictSchema);
  if (!isObject(node)) return node;
  const copy: JsonSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'properties' && isObject(value)) {
      copy[key] = Object.fromEntries(
        Object.entries(value).map(([name, child]) => [name, strictSchema(child)]),
      );
    } else {
      copy[key] = strictSchema(value);
    }
  }
  if (
    isObject(copy.properties) &&
    copy.additionalProperties === undefined &&
    copy['x-kubernetes-preserve-unknown-fields'] !== true
  ) {
    copy.additionalProperties = false;
  }
  return copy;
}

interface CustomResourceDefinition {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string };
    versions: { name: string; schema?: { openAPIV3Schema?: JsonSchema } }[];
  };
}

/** Writes one schema per version of a CRD under `into`; returns the files written. */
export function crdSchemaFiles(document: unknown, into: string): string[] {
  const crd = document as CustomResourceDefinition;
  if (crd.kind !== 'CustomResourceDefinition' || !crd.spec) {
    throw new Error(`not a CustomResourceDefinition: ${JSON.stringify(document).slice(0, 80)}`);
  }
  const { group, names, versions } = crd.spec;
  const written: string[] = [];
  for (const version of versions) {
    const openApi = version.schema?.openAPIV3Schema;
    if (!openApi) continue;
    const schema = strictSchema(openApi) as JsonSchema;
    const properties = isObject(schema.properties) ? schema.properties : {};
    // apiVersion and kind pinned, metadata an object: what the API server checks before the CRD schema.
    schema.properties = {
      ...properties,
      apiVersion: { type: 'string', enum: [`${group}/${version.name}`] },
      kind: { type: 'string', enum: [names.kind] },
      metadata: { type: 'object' },
    };
    schema.required = [
      ...new Set([...((schema.required as string[] | undefined) ?? []), 'apiVersion', 'kind']),
    ];
    schema.additionalProperties = false;
    const file = path.join(into, group, `${names.kind.toLowerCase()}_${version.name}.json`);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(schema));
    written.push(file);
  }
  return written;
}
