/**
 * Proto3 JSON ("protojson") of the server's messages, as Temporal's HTTP API writes and reads it
 * (grpc-gateway with Temporal's marshaler, payload shorthand off): lowerCamelCase names, int64 as
 * strings, enums by name, bytes in base64, Timestamps in RFC 3339, Durations as "1.500s",
 * unpopulated fields left out.
 *
 * protobufjs's toObject/fromObject do the scalar conversions (longs, enums, bytes); this module
 * walks the message's reflection for what they do not: the well-known types' JSON forms, leaving
 * out zero values (a proto3 field set to its default is not "populated"), and strict checking of
 * a request (unknown fields and ill-typed values are a 400, as in grpc-gateway).
 */
import { invalidArgument } from '../grpc/errors';
import { lookupType, type ProtoType } from '../grpc/proto';

/** The parts of protobufjs's reflection (Type, Field, Enum) this module reads. */
interface ReflectedType extends ProtoType {
  fieldsArray: ReflectedField[];
  fields: Record<string, ReflectedField>;
}
interface ReflectedEnum {
  values: Record<string, number>;
  valuesById: Record<number, string>;
}
export interface ReflectedField {
  name: string;
  type: string;
  repeated: boolean;
  map: boolean;
  partOf: object | null;
  resolvedType: ReflectedType | ReflectedEnum | null;
  resolve(): ReflectedField;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isMessage = (t: ReflectedField['resolvedType']): t is ReflectedType => !!t && 'fieldsArray' in t;
const isEnum = (t: ReflectedField['resolvedType']): t is ReflectedEnum => !!t && 'valuesById' in t;
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** snake_case to lowerCamelCase, as protoc derives json_name (and protobufjs its field names). */
export const jsonName = (name: string): string =>
  name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function reflected(typeName: string): ReflectedType {
  return lookupType(typeName) as ReflectedType;
}

/** A field of a message by its protobufjs, JSON or proto name. */
export function fieldOf(type: ReflectedType, name: string): ReflectedField | undefined {
  const f = type.fields[name] ?? type.fields[jsonName(name)];
  return f?.resolve();
}

// ------------------------------------------------------------------ out: message -> JSON

const TO_JSON_OPTIONS = { longs: String, enums: String, bytes: String, json: true, defaults: false };

/** The protojson of a message (a decoded protobufjs message of that type). */
export function toProtoJson(type: ProtoType, message: object): JsonObject {
  const t = type as ReflectedType;
  return messageOut(t, t.toObject(message, TO_JSON_OPTIONS) as JsonObject) as JsonObject;
}

function messageOut(type: ReflectedType, obj: JsonObject): Json {
  const wkt = WKT_OUT[type.fullName];
  if (wkt) return wkt(obj);
  const out: JsonObject = {};
  for (const field of type.fieldsArray) {
    const v = obj[field.name];
    if (v === undefined || v === null) continue;
    const f = field.resolve();
    const key = jsonName(f.name);
    if (f.map) {
      const entries = Object.entries(v as JsonObject);
      if (entries.length) out[key] = Object.fromEntries(entries.map(([k, x]) => [k, valueOut(f, x)]));
    } else if (f.repeated) {
      if ((v as Json[]).length) out[key] = (v as Json[]).map((x) => valueOut(f, x));
    } else if (f.partOf || !isZero(f, v)) {
      // A oneof member (or proto3 `optional`) is present even with its zero value.
      out[key] = valueOut(f, v);
    }
  }
  return out;
}

function valueOut(f: ReflectedField, v: Json): Json {
  return isMessage(f.resolvedType) ? messageOut(f.resolvedType, v as JsonObject) : v;
}

function isZero(f: ReflectedField, v: Json): boolean {
  if (isMessage(f.resolvedType)) return false;
  if (isEnum(f.resolvedType)) return v === 0 || v === f.resolvedType.valuesById[0];
  return v === '' || v === 0 || v === '0' || v === false;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** Nanoseconds as Go's protojson writes them: none, or 3, 6 or 9 digits. */
function fraction(nanos: number): string {
  if (!nanos) return '';
  let s = pad(nanos, 9);
  while (s.endsWith('000')) s = s.slice(0, -3);
  return `.${s}`;
}

export function formatTimestamp(seconds: number, nanos: number): string {
  const d = new Date(seconds * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}` +
    `T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}${fraction(nanos)}Z`
  );
}

export function formatDuration(seconds: number, nanos: number): string {
  const negative = seconds < 0 || nanos < 0;
  return `${negative ? '-' : ''}${Math.abs(seconds)}${fraction(Math.abs(nanos))}s`;
}

const num = (v: Json | undefined): number => Number(v ?? 0);

function wrapperOut(obj: JsonObject): Json {
  return obj.value ?? null;
}

function valueKindOut(obj: JsonObject): Json {
  if ('nullValue' in obj) return null;
  if ('numberValue' in obj) return obj.numberValue!;
  if ('stringValue' in obj) return obj.stringValue!;
  if ('boolValue' in obj) return obj.boolValue!;
  if ('structValue' in obj) return structOut(obj.structValue as JsonObject);
  if ('listValue' in obj) return listOut(obj.listValue as JsonObject);
  return null;
}
const structOut = (obj: JsonObject): Json =>
  Object.fromEntries(
    Object.entries((obj.fields as JsonObject) ?? {}).map(([k, v]) => [k, valueKindOut(v as JsonObject)]),
  );
const listOut = (obj: JsonObject): Json => ((obj.values as JsonObject[]) ?? []).map(valueKindOut);

function anyOut(obj: JsonObject): Json {
  const url = (obj['@type'] ?? obj.type_url) as string | undefined;
  if (!url) return {};
  try {
    const inner = reflected(url.slice(url.lastIndexOf('/') + 1));
    const message =
      '@type' in obj
        ? inner.fromObject(Object.fromEntries(Object.entries(obj).filter(([k]) => k !== '@type')))
        : inner.decode(Buffer.from((obj.value as string) ?? '', 'base64'));
    return { '@type': url, ...toProtoJson(inner, message) };
  } catch {
    return { '@type': url, value: obj.value ?? '' };
  }
}

const WKT_OUT: Record<string, (obj: JsonObject) => Json> = {
  '.google.protobuf.Timestamp': (o) => formatTimestamp(num(o.seconds), num(o.nanos)),
  '.google.protobuf.Duration': (o) => formatDuration(num(o.seconds), num(o.nanos)),
  '.google.protobuf.FieldMask': (o) => ((o.paths as string[]) ?? []).map(jsonName).join(','),
  '.google.protobuf.Empty': () => ({}),
  '.google.protobuf.Struct': structOut,
  '.google.protobuf.Value': valueKindOut,
  '.google.protobuf.ListValue': listOut,
  '.google.protobuf.Any': anyOut,
  '.google.protobuf.DoubleValue': (o) => wrapperOut(o) ?? 0,
  '.google.protobuf.FloatValue': (o) => wrapperOut(o) ?? 0,
  '.google.protobuf.Int64Value': (o) => wrapperOut(o) ?? '0',
  '.google.protobuf.UInt64Value': (o) => wrapperOut(o) ?? '0',
  '.google.protobuf.Int32Value': (o) => wrapperOut(o) ?? 0,
  '.google.protobuf.UInt32Value': (o) => wrapperOut(o) ?? 0,
  '.google.protobuf.BoolValue': (o) => wrapperOut(o) ?? false,
  '.google.protobuf.StringValue': (o) => wrapperOut(o) ?? '',
  '.google.protobuf.BytesValue': (o) => wrapperOut(o) ?? '',
};

// ------------------------------------------------------------------ in: JSON -> message

/**
 * A protobufjs message of `type` from its protojson. Throws INVALID_ARGUMENT, naming the field,
 * for an unknown field or a value of the wrong JSON type.
 */
export function fromProtoJson(type: ProtoType, json: unknown): object {
  const t = type as ReflectedType;
  const obj = messageIn(t, json, t.fullName.slice(1));
  try {
    return t.fromObject(obj);
  } catch (err) {
    throw invalidArgument(`invalid ${t.fullName.slice(1)}: ${(err as Error).message}`);
  }
}

const bad = (path: string, what: string) => invalidArgument(`${path}: ${what}`);

function messageIn(type: ReflectedType, json: unknown, path: string): object {
  const wkt = WKT_IN[type.fullName];
  if (wkt) return wkt(json as Json, path);
  if (!isObject(json)) throw bad(path, 'an object expected');
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(json)) {
    const f = fieldOf(type, key);
    if (!f) throw bad(path, `unknown field "${key}"`);
    // protojson: null is the field's default (google.protobuf.Value's null aside).
    if (v === null && !(isMessage(f.resolvedType) && f.resolvedType.fullName === '.google.protobuf.Value')) {
      continue;
    }
    const where = `${path}.${jsonName(f.name)}`;
    if (f.map) {
      if (!isObject(v)) throw bad(where, 'an object expected');
      out[f.name] = Object.fromEntries(
        Object.entries(v).map(([k, x]) => [k, valueIn(f, x, `${where}.${k}`)]),
      );
    } else if (f.repeated) {
      if (!Array.isArray(v)) throw bad(where, 'an array expected');
      out[f.name] = v.map((x, i) => valueIn(f, x, `${where}[${i}]`));
    } else {
      out[f.name] = valueIn(f, v, where);
    }
  }
  return out;
}

const INT = /^-?\d+$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

function valueIn(f: ReflectedField, v: Json, path: string): unknown {
  const rt = f.resolvedType;
  if (isMessage(rt)) return messageIn(rt, v, path);
  if (isEnum(rt)) {
    if (typeof v === 'string' && v in rt.values) return v;
    if (typeof v === 'number' && Number.isInteger(v)) return v;
    throw bad(path, `unknown enum value ${JSON.stringify(v)}`);
  }
  return scalarIn(f.type, v, path);
}

function scalarIn(type: string, v: Json, path: string): unknown {
  switch (type) {
    case 'string':
      if (typeof v !== 'string') throw bad(path, 'a string expected');
      return v;
    case 'bool':
      if (typeof v !== 'boolean') throw bad(path, 'true or false expected');
      return v;
    case 'bytes':
      if (typeof v !== 'string' || !BASE64.test(v)) throw bad(path, 'base64 expected');
      return Buffer.from(v.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
    case 'double':
    case 'float':
      if (typeof v === 'number') return v;
      if (v === 'NaN' || v === 'Infinity' || v === '-Infinity') return Number(v);
      if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
      throw bad(path, 'a number expected');
    case 'int64':
    case 'uint64':
    case 'sint64':
    case 'fixed64':
    case 'sfixed64':
      if (typeof v === 'number' && Number.isInteger(v)) return String(v);
      if (typeof v === 'string' && INT.test(v)) return v;
      throw bad(path, 'an integer (or its decimal string) expected');
    default:
      // 32-bit integers
      if (typeof v === 'number' && Number.isInteger(v)) return v;
      if (typeof v === 'string' && INT.test(v)) return Number(v);
      throw bad(path, 'an integer expected');
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export function parseTimestamp(v: Json, path: string): { seconds: number; nanos: number } {
  const m = typeof v === 'string' ? RFC3339.exec(v) : null;
  if (!m) throw bad(path, 'an RFC 3339 timestamp expected');
  const [, y, mo, d, h, mi, s, frac, zone] = m;
  let seconds = Date.UTC(+y!, +mo! - 1, +d!, +h!, +mi!, +s!) / 1000;
  if (zone !== 'Z' && zone !== 'z') {
    const sign = zone!.startsWith('-') ? -1 : 1;
    seconds -= sign * (+zone!.slice(1, 3) * 3600 + +zone!.slice(4, 6) * 60);
  }
  return { seconds, nanos: frac ? +frac.padEnd(9, '0') : 0 };
}

export function parseDuration(v: Json, path: string): { seconds: number; nanos: number } {
  const m = typeof v === 'string' ? /^(-)?(\d+)(?:\.(\d{1,9}))?s$/.exec(v) : null;
  if (!m) throw bad(path, 'a duration such as "1.5s" expected');
  const sign = m[1] ? -1 : 1;
  return { seconds: sign * +m[2]!, nanos: sign * (m[3] ? +m[3].padEnd(9, '0') : 0) };
}

function valueKindIn(v: Json, path: string): object {
  if (v === null) return { nullValue: 0 };
  if (typeof v === 'number') return { numberValue: v };
  if (typeof v === 'string') return { stringValue: v };
  if (typeof v === 'boolean') return { boolValue: v };
  if (Array.isArray(v)) return { listValue: listIn(v, path) };
  return { structValue: structIn(v, path) };
}
function structIn(v: Json, path: string): object {
  if (!isObject(v)) throw bad(path, 'an object expected');
  return {
    fields: Object.fromEntries(Object.entries(v).map(([k, x]) => [k, valueKindIn(x, `${path}.${k}`)])),
  };
}
function listIn(v: Json, path: string): object {
  if (!Array.isArray(v)) throw bad(path, 'an array expected');
  return { values: v.map((x, i) => valueKindIn(x, `${path}[${i}]`)) };
}

function anyIn(v: Json, path: string): object {
  if (!isObject(v) || typeof v['@type'] !== 'string') throw bad(path, 'an object with "@type" expected');
  const url = v['@type'];
  let inner: ReflectedType;
  try {
    inner = reflected(url.slice(url.lastIndexOf('/') + 1));
  } catch {
    throw bad(path, `unknown type ${url}`);
  }
  const rest = Object.fromEntries(Object.entries(v).filter(([k]) => k !== '@type'));
  const message = fromProtoJson(inner, rest);
  // google.protobuf.Any keeps its snake_case field name in the SDK's root.
  return { type_url: url, value: inner.encode(message).finish() };
}

const wrapperIn =
  (scalar: string) =>
  (v: Json, path: string): object => ({ value: scalarIn(scalar, v, path) });

const WKT_IN: Record<string, (v: Json, path: string) => object> = {
  '.google.protobuf.Timestamp': parseTimestamp,
  '.google.protobuf.Duration': parseDuration,
  '.google.protobuf.FieldMask': (v, path) => {
    if (typeof v !== 'string') throw bad(path, 'a comma-separated field mask expected');
    const snake = (p: string) => p.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    return { paths: v ? v.split(',').map(snake) : [] };
  },
  '.google.protobuf.Empty': (v, path) => {
    if (!isObject(v)) throw bad(path, 'an object expected');
    return {};
  },
  '.google.protobuf.Struct': structIn,
  '.google.protobuf.Value': valueKindIn,
  '.google.protobuf.ListValue': listIn,
  '.google.protobuf.Any': anyIn,
  '.google.protobuf.DoubleValue': wrapperIn('double'),
  '.google.protobuf.FloatValue': wrapperIn('float'),
  '.google.protobuf.Int64Value': wrapperIn('int64'),
  '.google.protobuf.UInt64Value': wrapperIn('uint64'),
  '.google.protobuf.Int32Value': wrapperIn('int32'),
  '.google.protobuf.UInt32Value': wrapperIn('uint32'),
  '.google.protobuf.BoolValue': wrapperIn('bool'),
  '.google.protobuf.StringValue': wrapperIn('string'),
  '.google.protobuf.BytesValue': wrapperIn('bytes'),
};

// ------------------------------------------------------------------ path and query parameters

/**
 * Sets the field at a dotted path (proto or JSON names, e.g. `execution.workflow_id`) in a
 * request's JSON from a URL parameter's text, as grpc-gateway does: the text is read as the
 * field's scalar (a bool's "true", an enum's name or number; repeated fields collect values).
 * Returns false when the path names no scalar field (grpc-gateway ignores such query parameters).
 */
export function setFieldFromText(type: ReflectedType, json: JsonObject, path: string, text: string): boolean {
  const parts = path.split('.');
  let t = type;
  let obj = json;
  for (let i = 0; i < parts.length; i++) {
    const f = fieldOf(t, parts[i]!);
    if (!f || f.map) return false;
    const last = i === parts.length - 1;
    const rt = f.resolvedType;
    if (!last) {
      if (!isMessage(rt) || f.repeated) return false;
      const next = obj[f.name];
      obj = isObject(next) ? next : (obj[f.name] = {});
      t = rt;
      continue;
    }
    if (isMessage(rt) && !WKT_IN[rt.fullName]) return false;
    const value = textValue(f, text);
    if (f.repeated) {
      const list = Array.isArray(obj[f.name]) ? (obj[f.name] as Json[]) : (obj[f.name] = []);
      list.push(value);
    } else {
      obj[f.name] = value;
    }
  }
  return true;
}

function textValue(f: ReflectedField, text: string): Json {
  const rt = f.resolvedType;
  if (isEnum(rt)) return INT.test(text) ? Number(text) : text;
  const scalar = isMessage(rt) ? WRAPPED[rt.fullName] : f.type;
  if (scalar === 'bool') {
    if (text === 'true' || text === 'false') return text === 'true';
    return text; // refused as not a bool, naming the field
  }
  return text;
}

const WRAPPED: Record<string, string> = {
  '.google.protobuf.BoolValue': 'bool',
};

export type { Json, JsonObject, ReflectedType };
