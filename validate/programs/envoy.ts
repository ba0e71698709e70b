/**
 * Strict decoding of an envoy v3 bootstrap against envoy's own protos: a field the protos lack, a
 * value of the wrong kind, two members of one oneof, or an `Any` whose `@type` names no known
 * message is something envoy refuses at start-up. Pure apart from reading the .proto files once.
 *
 * The protos ship in the npm package `@grpc/grpc-js-xds` (folder `deps/`); google/protobuf's
 * descriptor.proto comes with protobufjs. Only bootstrap.proto and its imports load at first; the
 * package of each `typed_config` `@type` loads when first met (a few hundred ms in all).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import protobuf from 'protobufjs';
// js-yaml, not yaml: a bootstrap is some 300 KB, which yaml parses in about 130 ms and js-yaml in 10.
import { readYamlDocument } from '../../config/yaml-stream.js';
import type { ContentSource, ProgramViolation } from './types.js';

const BOOTSTRAP_TYPE = 'envoy.config.bootstrap.v3.Bootstrap';
const BOOTSTRAP_PROTO = 'envoy/config/bootstrap/v3/bootstrap.proto';
const TYPE_URL_PREFIX = 'type.googleapis.com/';

/** Folders imports resolve against, in order. */
function protoRoots(): string[] {
  const require = createRequire(import.meta.url);
  const deps = path.join(path.dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
  const protobufjsDir = path.dirname(require.resolve('protobufjs/package.json'));
  return [...['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => path.join(deps, d)), protobufjsDir];
}

/** Envoy's message types, loaded on demand. One per process: the protos do not change. */
class EnvoySchema {
  private readonly root = new protobuf.Root();
  private readonly roots = protoRoots();

  constructor() {
    this.root.resolvePath = (origin, target) => this.find(target) ?? protobuf.util.path.resolve(origin, target);
    this.root.loadSync(this.find(BOOTSTRAP_PROTO)!, { keepCase: true });
    this.root.resolveAll();
  }

  private find(relative: string): string | undefined {
    for (const r of this.roots) {
      const p = path.join(r, relative);
      if (existsSync(p)) return p;
    }
    return undefined;
  }

  /** The message type of a full name, loading its package's .proto files if needed. */
  message(fullName: string): protobuf.Type | undefined {
    const found = this.lookup(fullName);
    if (found) return found;
    // `a.b.v3.Outer.Inner`: the longest prefix that is a proto folder is the package; load only
    // the file of that folder that declares the top-level message (a whole folder may import
    // protos the package does not ship, e.g. opencensus next to OpenTelemetryConfig).
    const parts = fullName.split('.');
    for (let n = parts.length - 1; n > 0; n--) {
      const dir = this.find(parts.slice(0, n).join('/'));
      if (!dir) continue;
      const declares = new RegExp(`^message\\s+${parts[n]}\\s*\\{`, 'm');
      const file = readdirSync(dir)
        .filter((f) => f.endsWith('.proto'))
        .sort()
        .map((f) => path.join(dir, f))
        .find((f) => declares.test(readFileSync(f, 'utf8')));
      if (!file) continue;
      this.root.loadSync(file, { keepCase: true });
      this.root.resolveAll();
      return this.lookup(fullName);
    }
    return undefined;
  }

  private lookup(fullName: string): protobuf.Type | undefined {
    const found = this.root.lookup(fullName);
    return found instanceof protobuf.Type ? found : undefined;
  }
}

let schema: EnvoySchema | undefined;
function envoySchema(): EnvoySchema {
  return (schema ??= new EnvoySchema());
}

/** Loads envoy's protos now (they load on first use otherwise); for benchmarks and warm-up. */
export function loadEnvoyProtos(): void {
  envoySchema();
}

type Problem = { readonly field: string; readonly message: string };

const INTEGER = /^-?\d+$/;
const WRAPPERS: Record<string, string> = {
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.StringValue': 'string',
  'google.protobuf.BytesValue': 'bytes',
};

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return typeof value === 'object' ? 'a mapping' : `${typeof value} ${JSON.stringify(value)}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A problem with a scalar value of proto type `type`, or undefined when proto3 JSON accepts it. */
function scalarProblem(type: string, value: unknown): string | undefined {
  switch (type) {
    case 'string':
    case 'bytes':
      return typeof value === 'string' ? undefined : `expects a string, got ${kindOf(value)}`;
    case 'bool':
      return typeof value === 'boolean' ? undefined : `expects true or false, got ${kindOf(value)}`;
    case 'double':
    case 'float':
      if (typeof value === 'number') return undefined;
      return typeof value === 'string' && (!Number.isNaN(Number(value)) || ['NaN', 'Infinity', '-Infinity'].includes(value))
        ? undefined
        : `expects a number, got ${kindOf(value)}`;
    default: {
      // int32, uint32, int64, uint64, sint*, fixed*, sfixed*
      const ok = (typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && INTEGER.test(value));
      if (!ok) return `expects an integer, got ${kindOf(value)}`;
      if (type.startsWith('u') || type.startsWith('fixed')) return Number(value) < 0 ? `expects an unsigned integer, got ${value}` : undefined;
      return undefined;
    }
  }
}

function lowerCamel(snake: string): string {
  return snake.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/** Fields of a message by proto name and by JSON (lowerCamel) name, as envoy's JSON parser accepts both. */
const fieldIndex = new WeakMap<protobuf.Type, Map<string, protobuf.Field>>();
function fieldsOf(type: protobuf.Type): Map<string, protobuf.Field> {
  let index = fieldIndex.get(type);
  if (!index) {
    index = new Map();
    for (const f of type.fieldsArray) {
      index.set(f.name, f);
      const json = (f.options?.['json_name'] as string | undefined) ?? lowerCamel(f.name);
      if (!index.has(json)) index.set(json, f);
    }
    fieldIndex.set(type, index);
  }
  return index;
}

class Decoder {
  readonly problems: Problem[] = [];
  constructor(private readonly schema: EnvoySchema) {}

  private report(field: string, message: string): void {
    this.problems.push({ field, message });
  }

  message(type: protobuf.Type, value: unknown, at: string): void {
    const full = type.fullName.replace(/^\./, '');
    if (this.wellKnown(full, value, at)) return;
    if (!isRecord(value)) return this.report(at, `${type.name} expects a mapping, got ${kindOf(value)}`);
    const fields = fieldsOf(type);
    const oneofSeen = new Map<string, string>();
    for (const [key, child] of Object.entries(value)) {
      const where = at ? `${at}.${key}` : key;
      const field = fields.get(key);
      if (!field) {
        this.report(where, `unknown field "${key}" in ${full}`);
        continue;
      }
      if (field.partOf && child !== null) {
        const other = oneofSeen.get(field.partOf.name);
        if (other) this.report(where, `"${key}" and "${other}" are both set, but ${full} allows only one of its oneof ${field.partOf.name}`);
        else oneofSeen.set(field.partOf.name, key);
      }
      this.field(field, child, where);
    }
  }

  private field(field: protobuf.Field, value: unknown, at: string): void {
    if (value === null) return; // proto3 JSON: null is the default value
    if (field.map) {
      if (!isRecord(value)) return this.report(at, `expects a mapping, got ${kindOf(value)}`);
      for (const [k, v] of Object.entries(value)) this.single(field, v, `${at}.${k}`);
      return;
    }
    if (field.repeated) {
      // protobuf's JSON parser, as envoy uses it, takes a lone value as a list of one.
      if (!Array.isArray(value)) return this.single(field, value, at);
      value.forEach((v, i) => this.single(field, v, `${at}[${i}]`));
      return;
    }
    this.single(field, value, at);
  }

  private single(field: protobuf.Field, value: unknown, at: string): void {
    const resolved = field.resolvedType;
    if (resolved instanceof protobuf.Type) return this.message(resolved, value, at);
    if (resolved instanceof protobuf.Enum) {
      // envoy parses enum names case-insensitively (`lb_policy: round_robin`).
      if (typeof value === 'string' && Object.keys(resolved.values).some((n) => n.toLowerCase() === value.toLowerCase())) return;
      if (typeof value === 'number' && Number.isInteger(value)) return;
      return this.report(at, `expects one of ${Object.keys(resolved.values).join(', ')}, got ${kindOf(value)}`);
    }
    const problem = scalarProblem(field.type, value);
    if (problem) this.report(at, problem);
  }

  /** The JSON forms of google.protobuf's well-known types; false when `full` is not one. */
  private wellKnown(full: string, value: unknown, at: string): boolean {
    const scalar = WRAPPERS[full];
    if (scalar) {
      const problem = scalarProblem(scalar, value);
      if (problem) this.report(at, problem);
      return true;
    }
    switch (full) {
      case 'google.protobuf.Any':
        this.any(value, at);
        return true;
      case 'google.protobuf.Duration':
        if (typeof value !== 'string' || !/^-?\d+(\.\d{1,9})?s$/.test(value)) this.report(at, `expects a duration such as "5s" or "0.250s", got ${kindOf(value)}`);
        return true;
      case 'google.protobuf.Timestamp':
      case 'google.protobuf.FieldMask':
        if (typeof value !== 'string') this.report(at, `expects a string, got ${kindOf(value)}`);
        return true;
      case 'google.protobuf.Struct':
        if (!isRecord(value)) this.report(at, `expects a mapping, got ${kindOf(value)}`);
        return true;
      case 'google.protobuf.ListValue':
        if (!Array.isArray(value)) this.report(at, `expects a list, got ${kindOf(value)}`);
        return true;
      case 'google.protobuf.Value':
        return true;
      case 'google.protobuf.Empty':
        if (!isRecord(value) || Object.keys(value).length) this.report(at, `expects an empty mapping, got ${kindOf(value)}`);
        return true;
      default:
        return false;
    }
  }

  /** `{"@type": "type.googleapis.com/<message>", ...fields}`; a well-known type carries `value`. */
  private any(value: unknown, at: string): void {
    if (!isRecord(value)) return this.report(at, `expects a mapping with "@type", got ${kindOf(value)}`);
    const url = value['@type'];
    if (typeof url !== 'string' || !url) return this.report(`${at}.@type`, 'missing: an Any names its message type in "@type"');
    const name = url.slice(url.lastIndexOf('/') + 1);
    if (!url.startsWith(TYPE_URL_PREFIX)) this.report(`${at}.@type`, `"${url}" does not start with ${TYPE_URL_PREFIX}`);
    const type = this.schema.message(name);
    if (!type) return this.report(`${at}.@type`, `no message type "${name}" in envoy's protos`);
    const { '@type': _, ...rest } = value;
    if (name.startsWith('google.protobuf.') && (name in WRAPPERS || type.name in { Duration: 1, Timestamp: 1, FieldMask: 1, Struct: 1, Value: 1, ListValue: 1 })) {
      const extra = Object.keys(rest).filter((k) => k !== 'value');
      for (const k of extra) this.report(`${at}.${k}`, `unknown field "${k}" in an Any of ${name} (only "value")`);
      this.message(type, rest['value'], `${at}.value`);
      return;
    }
    this.message(type, rest, at);
  }
}

/**
 * Decodes a bootstrap strictly; `content` is its YAML or JSON text or the parsed object. Returns
 * one violation per refused field, with the field path (`static_resources.listeners[0]…`).
 */
export function checkEnvoyBootstrap(content: string | Record<string, unknown>, source: ContentSource): ProgramViolation[] {
  let value: unknown = content;
  if (typeof content === 'string') {
    try {
      value = readYamlDocument(content);
    } catch (e) {
      return [{ program: 'envoy', ...source, message: `not YAML/JSON: ${(e as Error).message.split('\n')[0]}` }];
    }
  }
  const s = envoySchema();
  const decoder = new Decoder(s);
  decoder.message(s.message(BOOTSTRAP_TYPE)!, value, '');
  return decoder.problems.map((p) => ({ program: 'envoy', ...source, ...(p.field ? { field: p.field } : {}), message: p.message }));
}

/** Whether a ConfigMap value is an envoy bootstrap (it holds `static_resources`, `admin` or `node`). */
export function looksLikeEnvoyBootstrap(key: string, text: string): boolean {
  return /\.(ya?ml|json)$/.test(key) && /^\s*["']?(static_resources|admin)["']?\s*:/m.test(text);
}
