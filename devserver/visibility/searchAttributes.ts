import { SearchAttributeError } from './errors';

/**
 * Search attributes: the builtin ones every Temporal server knows, the custom ones registered with
 * `--search-attribute NAME=TYPE`, and the conversion between the payloads the SDK sends
 * (temporal.api.common.v1.SearchAttributes.indexedFields) and plain JS values.
 *
 * Payload shapes accepted (both are what @temporalio/common 1.24 produces):
 * - typed: metadata {encoding: "json/plain", type: "Keyword"}, data = JSON of the single value
 *   (an array only for KeywordList); a deletion is JSON `null` without a type;
 * - legacy untyped: metadata {encoding: "json/plain"}, data = JSON array of values (`[]` deletes).
 * Payloads going back to clients are always typed, which both of the SDK's decoders understand.
 */

export type SearchAttributeTypeName =
  'Text' | 'Keyword' | 'Int' | 'Double' | 'Bool' | 'Datetime' | 'KeywordList';

/** A decoded value: Datetime is a Date, KeywordList a string array, Int and Double numbers. */
export type SearchAttributeValue = string | number | boolean | Date | string[];
export type SearchAttributeValues = Record<string, SearchAttributeValue>;
/** What an upsert carries: `null` removes the attribute. */
export type SearchAttributeUpdate = Record<string, SearchAttributeValue | null>;

/** The protobufjs shape of temporal.api.common.v1.Payload (bytes are Buffers/Uint8Arrays). */
export interface PayloadLike {
  metadata?: Record<string, Uint8Array | string> | null;
  data?: Uint8Array | string | null;
}
export interface EncodedPayload {
  metadata: Record<string, Uint8Array>;
  data: Uint8Array;
}

/**
 * system: stored as record fields, read-only; predefined: stored with the custom ones (the SDK
 * itself upserts TemporalChangeVersion), cannot be re-registered; custom: registered by users.
 */
export type SearchAttributeKind = 'system' | 'predefined' | 'custom';

export interface SearchAttributeDefinition {
  name: string;
  type: SearchAttributeTypeName;
  kind: SearchAttributeKind;
}

/** temporal.api.enums.v1.IndexedValueType numbers, for GetSearchAttributes-style responses. */
export const INDEXED_VALUE_TYPE: Readonly<Record<SearchAttributeTypeName, number>> = {
  Text: 1,
  Keyword: 2,
  Int: 3,
  Double: 4,
  Bool: 5,
  Datetime: 6,
  KeywordList: 7,
};

const TYPE_BY_NORMALIZED_NAME = new Map<string, SearchAttributeTypeName>(
  (Object.keys(INDEXED_VALUE_TYPE) as SearchAttributeTypeName[]).map((t) => [t.toLowerCase(), t]),
);
const TYPE_BY_NUMBER = new Map<number, SearchAttributeTypeName>(
  (Object.entries(INDEXED_VALUE_TYPE) as [SearchAttributeTypeName, number][]).map(([t, n]) => [n, t]),
);

/** The attributes a Temporal server stores as columns of the execution (server 1.27+ list). */
const SYSTEM_ATTRIBUTES: Readonly<Record<string, SearchAttributeTypeName>> = {
  WorkflowId: 'Keyword',
  RunId: 'Keyword',
  WorkflowType: 'Keyword',
  StartTime: 'Datetime',
  ExecutionTime: 'Datetime',
  CloseTime: 'Datetime',
  ExecutionStatus: 'Keyword',
  TaskQueue: 'Keyword',
  HistoryLength: 'Int',
  ExecutionDuration: 'Int',
  StateTransitionCount: 'Int',
  HistorySizeBytes: 'Int',
  ParentWorkflowId: 'Keyword',
  ParentRunId: 'Keyword',
  RootWorkflowId: 'Keyword',
  RootRunId: 'Keyword',
};

/** Builtin attributes carried in the execution's search attributes map. */
const PREDEFINED_ATTRIBUTES: Readonly<Record<string, SearchAttributeTypeName>> = {
  TemporalChangeVersion: 'KeywordList',
  BinaryChecksums: 'KeywordList',
  BuildIds: 'KeywordList',
  BatcherNamespace: 'Keyword',
  BatcherUser: 'Keyword',
  TemporalScheduledStartTime: 'Datetime',
  TemporalScheduledById: 'Keyword',
  TemporalSchedulePaused: 'Bool',
  TemporalNamespaceDivision: 'Keyword',
  TemporalPauseInfo: 'KeywordList',
  TemporalReportedProblems: 'KeywordList',
  TemporalWorkerDeploymentVersion: 'Keyword',
  TemporalWorkflowVersioningBehavior: 'Keyword',
  TemporalWorkerDeployment: 'Keyword',
};

/** Internal field names a custom attribute may not take. */
const RESERVED_NAMES = new Set(['NamespaceId', 'Memo', 'MemoEncoding', 'VisibilityTaskKey']);
const RESERVED_PREFIX = 'Temporal';
const NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/**
 * Parses a type name the way the Temporal CLI does (case-insensitive "Keyword", "keywordlist", ...),
 * also accepting the proto enum spelling ("INDEXED_VALUE_TYPE_KEYWORD_LIST"), the SDK's
 * ("KEYWORD_LIST") and the enum number. Returns undefined for anything else.
 */
export function parseSearchAttributeType(input: string | number): SearchAttributeTypeName | undefined {
  if (typeof input === 'number') return TYPE_BY_NUMBER.get(input);
  const normalized = input
    .trim()
    .toLowerCase()
    .replace(/^indexed_value_type_/, '')
    .replace(/_/g, '');
  return TYPE_BY_NORMALIZED_NAME.get(normalized);
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Parses an RFC 3339 timestamp into a Date (sub-millisecond digits are dropped), or undefined. */
export function parseRfc3339(text: string): Date | undefined {
  const m = RFC3339.exec(text);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  // Date.parse rolls 2024-02-30 over into March and accepts 24:00; RFC 3339 does not.
  const check = new Date(Date.UTC(year, month - 1, day));
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    return undefined;
  }
  const ms = Date.parse(text.toUpperCase().replace(' ', 'T'));
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

const textDecoder = new TextDecoder('utf-8', { fatal: true });

function bytesToText(bytes: Uint8Array | string): string {
  return typeof bytes === 'string' ? bytes : textDecoder.decode(bytes);
}

function metadataText(bytes: Uint8Array | string | null | undefined): string | undefined {
  if (bytes === null || bytes === undefined) return undefined;
  try {
    return bytesToText(bytes);
  } catch {
    return undefined;
  }
}

/** A payload that removes the attribute: no data, JSON null or an empty list. */
function isDeletion(payload: PayloadLike): boolean {
  const data = payload.data;
  if (data === null || data === undefined || data.length === 0) return true;
  const text = typeof data === 'string' ? data : Buffer.from(data).toString();
  return text === 'null' || text === '[]';
}

function describeValue(value: unknown): string {
  if (value instanceof Date)
    return `Date(${Number.isNaN(value.getTime()) ? 'invalid' : value.toISOString()})`;
  const json = JSON.stringify(value);
  const kind = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  return `${json ?? String(value)} (${kind})`;
}

export class SearchAttributeRegistry {
  private readonly custom = new Map<string, SearchAttributeTypeName>();

  constructor(custom: Record<string, SearchAttributeTypeName | string | number> = {}) {
    for (const [name, type] of Object.entries(custom)) this.register(name, type);
  }

  /** Builds a registry from `--search-attribute` flag values, each "NAME=TYPE". */
  static fromCliFlags(flags: readonly string[]): SearchAttributeRegistry {
    const registry = new SearchAttributeRegistry();
    for (const flag of flags) registry.registerFromCliFlag(flag);
    return registry;
  }

  /** Registers one "NAME=TYPE" flag value (the Temporal CLI's `--search-attribute` syntax). */
  registerFromCliFlag(flag: string): SearchAttributeDefinition {
    const eq = flag.indexOf('=');
    if (eq <= 0 || eq === flag.length - 1) {
      throw new SearchAttributeError(
        `invalid --search-attribute "${flag}": expected NAME=TYPE, TYPE one of ${Object.keys(INDEXED_VALUE_TYPE).join(', ')}`,
        flag,
        'invalid-value',
      );
    }
    return this.register(flag.slice(0, eq).trim(), flag.slice(eq + 1));
  }

  /** Registers a custom attribute; registering the same name with the same type again is a no-op. */
  register(name: string, type: SearchAttributeTypeName | string | number): SearchAttributeDefinition {
    const parsed = parseSearchAttributeType(type);
    if (parsed === undefined) {
      throw new SearchAttributeError(
        `search attribute "${name}" has unsupported type "${type}"; use one of ${Object.keys(INDEXED_VALUE_TYPE).join(', ')}`,
        name,
        'invalid-value',
      );
    }
    if (!NAME_PATTERN.test(name)) {
      throw new SearchAttributeError(
        `invalid search attribute name "${name}": use letters, digits and _ (not starting with a digit)`,
        name,
        'invalid-value',
      );
    }
    if (name in SYSTEM_ATTRIBUTES || name in PREDEFINED_ATTRIBUTES || RESERVED_NAMES.has(name)) {
      throw new SearchAttributeError(
        `search attribute "${name}" is reserved by the system and cannot be registered`,
        name,
        'reserved',
      );
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new SearchAttributeError(
        `search attribute "${name}" starts with the reserved prefix "${RESERVED_PREFIX}"`,
        name,
        'reserved',
      );
    }
    const existing = this.custom.get(name);
    if (existing !== undefined && existing !== parsed) {
      throw new SearchAttributeError(
        `search attribute "${name}" is already registered with type ${existing}, not ${parsed}`,
        name,
        'type-mismatch',
      );
    }
    this.custom.set(name, parsed);
    return { name, type: parsed, kind: 'custom' };
  }

  /** The definition of a name (case-sensitive, as Temporal's are), or undefined. */
  lookup(name: string): SearchAttributeDefinition | undefined {
    const system = SYSTEM_ATTRIBUTES[name];
    if (system !== undefined && Object.hasOwn(SYSTEM_ATTRIBUTES, name))
      return { name, type: system, kind: 'system' };
    const predefined = PREDEFINED_ATTRIBUTES[name];
    if (predefined !== undefined && Object.hasOwn(PREDEFINED_ATTRIBUTES, name)) {
      return { name, type: predefined, kind: 'predefined' };
    }
    const custom = this.custom.get(name);
    return custom === undefined ? undefined : { name, type: custom, kind: 'custom' };
  }

  typeOf(name: string): SearchAttributeTypeName | undefined {
    return this.lookup(name)?.type;
  }

  /** Every known attribute; `kind` filters. */
  definitions(kind?: SearchAttributeKind): SearchAttributeDefinition[] {
    const all: SearchAttributeDefinition[] = [
      ...Object.entries(SYSTEM_ATTRIBUTES).map(([name, type]) => ({ name, type, kind: 'system' as const })),
      ...Object.entries(PREDEFINED_ATTRIBUTES).map(([name, type]) => ({
        name,
        type,
        kind: 'predefined' as const,
      })),
      ...[...this.custom].map(([name, type]) => ({ name, type, kind: 'custom' as const })),
    ];
    return kind === undefined ? all : all.filter((d) => d.kind === kind);
  }

  /**
   * name -> IndexedValueType number, the shape of GetSearchAttributesResponse.keys and of
   * OperatorService.ListSearchAttributes (system = system + predefined there, custom = custom).
   */
  indexedValueTypes(
    kinds: readonly SearchAttributeKind[] = ['system', 'predefined', 'custom'],
  ): Record<string, number> {
    const out: Record<string, number> = {};
    for (const d of this.definitions()) if (kinds.includes(d.kind)) out[d.name] = INDEXED_VALUE_TYPE[d.type];
    return out;
  }

  /**
   * Decodes SearchAttributes.indexedFields sent by a client or worker (start, signal-with-start,
   * upsert, continue-as-new, child start). System attributes are rejected: they are not settable.
   * A `null` value in the result means "remove this attribute".
   */
  decode(
    indexedFields: Record<string, PayloadLike | null | undefined> | null | undefined,
  ): SearchAttributeUpdate {
    const out: SearchAttributeUpdate = {};
    if (!indexedFields) return out;
    for (const [name, payload] of Object.entries(indexedFields)) {
      out[name] = this.decodeValue(name, payload);
    }
    return out;
  }

  /** Like decode, for a stored map: the attributes whose payloads are deletions are left out. */
  decodeValues(
    indexedFields: Record<string, PayloadLike | null | undefined> | null | undefined,
  ): SearchAttributeValues {
    return SearchAttributeRegistry.merge({}, this.decode(indexedFields));
  }

  /** Decodes one attribute's payload; `null` means removal. */
  decodeValue(name: string, payload: PayloadLike | null | undefined): SearchAttributeValue | null {
    const definition = this.requireDefinition(name);
    if (definition.kind === 'system') {
      throw new SearchAttributeError(
        `search attribute "${name}" is a system attribute and cannot be set`,
        name,
        'reserved',
      );
    }
    if (payload === null || payload === undefined) return null;
    const metadata = payload.metadata ?? {};
    const encoding = metadata.encoding === undefined ? undefined : this.payloadText(name, metadata.encoding);
    if (encoding === 'binary/null') return null;
    if (encoding !== 'json/plain') {
      throw new SearchAttributeError(
        `search attribute "${name}" has a payload with encoding "${encoding ?? '(none)'}"; expected json/plain`,
        name,
        'invalid-payload',
      );
    }
    if (metadata.type !== undefined) {
      const typeText = this.payloadText(name, metadata.type);
      const declared = parseSearchAttributeType(typeText);
      if (declared === undefined) {
        throw new SearchAttributeError(
          `search attribute "${name}" has a payload with unknown type metadata "${typeText}"`,
          name,
          'invalid-payload',
        );
      }
      if (declared !== definition.type) {
        throw new SearchAttributeError(
          `search attribute "${name}" is of type ${definition.type} but the payload says ${declared}`,
          name,
          'type-mismatch',
        );
      }
    }
    let value: unknown;
    try {
      value = JSON.parse(this.payloadText(name, payload.data ?? ''));
    } catch {
      throw new SearchAttributeError(
        `search attribute "${name}" has a payload that is not valid JSON`,
        name,
        'invalid-payload',
      );
    }
    if (value === null) return null;
    if (Array.isArray(value)) {
      if (value.length === 0) return null;
      // Legacy (untyped) payloads wrap every value in an array.
      if (definition.type !== 'KeywordList') {
        if (value.length > 1) {
          throw new SearchAttributeError(
            `search attribute "${name}" of type ${definition.type} holds a single value, got ${value.length} values; only KeywordList holds lists`,
            name,
            'type-mismatch',
          );
        }
        value = value[0];
      }
    }
    return this.coerce(definition, value);
  }

  /** Encodes stored values into SearchAttributes.indexedFields (typed payloads). */
  encode(
    values: Readonly<Record<string, SearchAttributeValue | null | undefined>>,
  ): Record<string, EncodedPayload> {
    const out: Record<string, EncodedPayload> = {};
    for (const [name, value] of Object.entries(values)) {
      if (value === null || value === undefined) continue;
      out[name] = this.encodeValue(name, value);
    }
    return out;
  }

  /** Encodes one value as a typed json/plain payload, like the SDK's typed converter. */
  encodeValue(name: string, value: SearchAttributeValue): EncodedPayload {
    const definition = this.requireDefinition(name);
    const coerced = this.coerce(definition, value);
    const json = JSON.stringify(coerced instanceof Date ? coerced.toISOString() : coerced);
    return {
      metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from(definition.type) },
      data: Buffer.from(json),
    };
  }

  /**
   * The payloads with their registered type in the `type` metadata, as Temporal's server stores
   * them (searchattribute.SetType), so clients decode Int, Double, Bool, Datetime and KeywordList
   * values to their types even when they were sent untyped. Deletions and unknown names are left
   * as they are.
   */
  withTypeMetadata<P extends PayloadLike>(fields: Record<string, P>): Record<string, P> {
    let out: Record<string, P> | undefined;
    for (const [name, payload] of Object.entries(fields)) {
      const type = this.typeOf(name);
      if (!type || !payload || isDeletion(payload)) continue;
      if (metadataText(payload.metadata?.type) === type) continue;
      out ??= { ...fields };
      out[name] = { ...payload, metadata: { ...payload.metadata, type: Buffer.from(type) } };
    }
    return out ?? fields;
  }

  /** Validates a JS value for an attribute and returns it normalized (fresh Date/array copies). */
  validate(name: string, value: unknown): SearchAttributeValue {
    return this.coerce(this.requireDefinition(name), value);
  }

  /** Applies an upsert to the current values and returns the result (the inputs are not mutated). */
  static merge(
    current: Readonly<SearchAttributeValues>,
    update: Readonly<SearchAttributeUpdate>,
  ): SearchAttributeValues {
    const out: SearchAttributeValues = { ...current };
    for (const [name, value] of Object.entries(update)) {
      if (value === null) delete out[name];
      else out[name] = value;
    }
    return out;
  }

  private requireDefinition(name: string): SearchAttributeDefinition {
    const definition = this.lookup(name);
    if (definition === undefined) {
      throw new SearchAttributeError(
        `search attribute "${name}" is not defined; register it with --search-attribute ${name}=TYPE`,
        name,
        'unknown',
      );
    }
    return definition;
  }

  private payloadText(name: string, bytes: Uint8Array | string): string {
    try {
      return bytesToText(bytes);
    } catch {
      throw new SearchAttributeError(
        `search attribute "${name}" has a payload that is not UTF-8`,
        name,
        'invalid-payload',
      );
    }
  }

  private coerce(definition: SearchAttributeDefinition, value: unknown): SearchAttributeValue {
    const mismatch = (): SearchAttributeError =>
      new SearchAttributeError(
        `search attribute "${definition.name}" of type ${definition.type} cannot hold ${describeValue(value)}`,
        definition.name,
        'type-mismatch',
      );
    switch (definition.type) {
      case 'Text':
      case 'Keyword':
        if (typeof value !== 'string') throw mismatch();
        return value;
      case 'Int':
        if (typeof value !== 'number' || !Number.isInteger(value)) throw mismatch();
        return value;
      case 'Double':
        if (typeof value !== 'number' || !Number.isFinite(value)) throw mismatch();
        return value;
      case 'Bool':
        if (typeof value !== 'boolean') throw mismatch();
        return value;
      case 'Datetime': {
        if (value instanceof Date) {
          if (Number.isNaN(value.getTime())) throw mismatch();
          return new Date(value.getTime());
        }
        const parsed = typeof value === 'string' ? parseRfc3339(value) : undefined;
        if (parsed === undefined) throw mismatch();
        return parsed;
      }
      case 'KeywordList': {
        // A lone string is taken as a one-element list, as the server does for KeywordList.
        if (typeof value === 'string') return [value];
        if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw mismatch();
        return [...(value as string[])];
      }
    }
  }
}
