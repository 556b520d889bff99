import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';
import {
  decodeSearchAttributes,
  decodeTypedSearchAttributes,
  encodeUnifiedSearchAttributes,
} from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal } from '@temporalio/proto';
import { SearchAttributeError, VisibilityError } from './errors';
import {
  INDEXED_VALUE_TYPE,
  parseRfc3339,
  parseSearchAttributeType,
  SearchAttributeRegistry,
  type PayloadLike,
  type SearchAttributeValues,
} from './searchAttributes';

const ProtoSearchAttributes = temporal.api.common.v1.SearchAttributes;

/** What the server sees: the SDK's payloads after a protobuf wire round trip (Buffers inside). */
function overTheWire(indexedFields: Record<string, unknown>): Record<string, PayloadLike> {
  const bytes = ProtoSearchAttributes.encode(ProtoSearchAttributes.fromObject({ indexedFields })).finish();
  return ProtoSearchAttributes.decode(bytes).indexedFields as Record<string, PayloadLike>;
}

function registryWithAllTypes(): SearchAttributeRegistry {
  return SearchAttributeRegistry.fromCliFlags([
    'CustomText=Text',
    'CustomKeyword=keyword',
    'CustomInt=INT',
    'CustomDouble=Double',
    'CustomBool=bool',
    'CustomDatetime=DateTime',
    'CustomKeywordList=keywordlist',
  ]);
}

const when = new Date('2024-03-04T05:06:07.089Z');

const typedPairs: SearchAttributePair[] = [
  { key: defineSearchAttributeKey('CustomText', SearchAttributeType.TEXT), value: 'hello brave world' },
  { key: defineSearchAttributeKey('CustomKeyword', SearchAttributeType.KEYWORD), value: 'order-42' },
  { key: defineSearchAttributeKey('CustomInt', SearchAttributeType.INT), value: 42 },
  { key: defineSearchAttributeKey('CustomDouble', SearchAttributeType.DOUBLE), value: 2.5 },
  { key: defineSearchAttributeKey('CustomBool', SearchAttributeType.BOOL), value: true },
  { key: defineSearchAttributeKey('CustomDatetime', SearchAttributeType.DATETIME), value: when },
  { key: defineSearchAttributeKey('CustomKeywordList', SearchAttributeType.KEYWORD_LIST), value: ['a', 'b'] },
];

const expectedValues: SearchAttributeValues = {
  CustomText: 'hello brave world',
  CustomKeyword: 'order-42',
  CustomInt: 42,
  CustomDouble: 2.5,
  CustomBool: true,
  CustomDatetime: when,
  CustomKeywordList: ['a', 'b'],
};

function errorOf(fn: () => unknown): SearchAttributeError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SearchAttributeError) return err;
    throw err;
  }
  throw new Error('expected a SearchAttributeError');
}

describe('SearchAttributeRegistry definitions', () => {
  it('knows the builtin attributes with the types the real server gives them', () => {
    const registry = new SearchAttributeRegistry();
    expect(registry.lookup('WorkflowId')).toEqual({ name: 'WorkflowId', type: 'Keyword', kind: 'system' });
    expect(registry.typeOf('StartTime')).toBe('Datetime');
    expect(registry.typeOf('CloseTime')).toBe('Datetime');
    expect(registry.typeOf('ExecutionTime')).toBe('Datetime');
    expect(registry.typeOf('ExecutionStatus')).toBe('Keyword');
    expect(registry.typeOf('ExecutionDuration')).toBe('Int');
    expect(registry.typeOf('HistoryLength')).toBe('Int');
    expect(registry.typeOf('TaskQueue')).toBe('Keyword');
    expect(registry.lookup('BuildIds')).toEqual({
      name: 'BuildIds',
      type: 'KeywordList',
      kind: 'predefined',
    });
    expect(registry.lookup('TemporalChangeVersion')?.type).toBe('KeywordList');
    expect(registry.typeOf('workflowid')).toBeUndefined();
    expect(registry.typeOf('toString')).toBeUndefined();
  });

  it('registers custom attributes from CLI flags with case-insensitive type names', () => {
    const registry = registryWithAllTypes();
    expect(registry.definitions('custom')).toEqual([
      { name: 'CustomText', type: 'Text', kind: 'custom' },
      { name: 'CustomKeyword', type: 'Keyword', kind: 'custom' },
      { name: 'CustomInt', type: 'Int', kind: 'custom' },
      { name: 'CustomDouble', type: 'Double', kind: 'custom' },
      { name: 'CustomBool', type: 'Bool', kind: 'custom' },
      { name: 'CustomDatetime', type: 'Datetime', kind: 'custom' },
      { name: 'CustomKeywordList', type: 'KeywordList', kind: 'custom' },
    ]);
    expect(registry.indexedValueTypes(['custom'])).toEqual({
      CustomText: 1,
      CustomKeyword: 2,
      CustomInt: 3,
      CustomDouble: 4,
      CustomBool: 5,
      CustomDatetime: 6,
      CustomKeywordList: 7,
    });
    expect(registry.indexedValueTypes(['system']).StartTime).toBe(INDEXED_VALUE_TYPE.Datetime);
  });

  it('parses type names in the CLI, proto and SDK spellings', () => {
    expect(parseSearchAttributeType('keywordList')).toBe('KeywordList');
    expect(parseSearchAttributeType('INDEXED_VALUE_TYPE_KEYWORD_LIST')).toBe('KeywordList');
    expect(parseSearchAttributeType('KEYWORD_LIST')).toBe('KeywordList');
    expect(parseSearchAttributeType(6)).toBe('Datetime');
    expect(parseSearchAttributeType('Unspecified')).toBeUndefined();
    expect(parseSearchAttributeType(0)).toBeUndefined();
  });

  it('parses RFC 3339 timestamps strictly', () => {
    expect(parseRfc3339('2024-03-04T05:06:07.089123456Z')?.toISOString()).toBe('2024-03-04T05:06:07.089Z');
    expect(parseRfc3339('2024-01-01 00:00:00+05:30')?.toISOString()).toBe('2023-12-31T18:30:00.000Z');
    expect(parseRfc3339('2024-02-29t00:00:00z')?.toISOString()).toBe('2024-02-29T00:00:00.000Z');
    for (const bad of [
      '2023-02-29T00:00:00Z',
      '2024-01-01T24:00:00Z',
      '2024-01-01',
      '2024-01-01T00:00:00',
      'now',
    ]) {
      expect(parseRfc3339(bad)).toBeUndefined();
    }
  });

  it('rejects bad flags, reserved names and conflicting re-registration', () => {
    const registry = new SearchAttributeRegistry({ Customer: 'Keyword' });
    expect(registry.register('Customer', 'keyword').type).toBe('Keyword');
    expect(errorOf(() => registry.register('Customer', 'Int')).message).toMatch(
      /"Customer" is already registered with type Keyword, not Int/,
    );
    expect(errorOf(() => registry.registerFromCliFlag('NoType')).message).toMatch(/expected NAME=TYPE/);
    expect(errorOf(() => registry.registerFromCliFlag('Foo=Long')).message).toMatch(
      /"Foo" has unsupported type "Long"/,
    );
    expect(errorOf(() => registry.register('WorkflowId', 'Keyword')).reason).toBe('reserved');
    expect(errorOf(() => registry.register('BuildIds', 'KeywordList')).reason).toBe('reserved');
    expect(errorOf(() => registry.register('TemporalFoo', 'Keyword')).message).toMatch(
      /reserved prefix "Temporal"/,
    );
    expect(errorOf(() => registry.register('bad name', 'Keyword')).message).toMatch(
      /invalid search attribute name/,
    );
  });
});

describe('SearchAttributeRegistry payload decoding', () => {
  it('decodes the typed payloads @temporalio/common sends, for every type', () => {
    const registry = registryWithAllTypes();
    const decoded = registry.decode(overTheWire(encodeUnifiedSearchAttributes(undefined, typedPairs)));
    expect(decoded).toEqual(expectedValues);
    expect(decoded.CustomDatetime).toBeInstanceOf(Date);
    expect(registry.decodeValues(overTheWire(encodeUnifiedSearchAttributes(undefined, typedPairs)))).toEqual(
      expectedValues,
    );
  });

  it('decodes the legacy untyped (array-wrapped) payloads', () => {
    const registry = registryWithAllTypes();
    const legacy = encodeUnifiedSearchAttributes({
      CustomText: ['hello brave world'],
      CustomKeyword: ['order-42'],
      CustomInt: [42],
      CustomDouble: [2.5],
      CustomBool: [true],
      CustomDatetime: [when],
      CustomKeywordList: ['a', 'b'],
    });
    expect(registry.decode(overTheWire(legacy))).toEqual(expectedValues);
  });

  it('reads deletions (typed null, legacy empty array, binary/null) as null', () => {
    const registry = registryWithAllTypes();
    const typedDelete = encodeUnifiedSearchAttributes(undefined, [
      { key: defineSearchAttributeKey('CustomInt', SearchAttributeType.INT), value: null },
    ]);
    expect(registry.decode(overTheWire(typedDelete))).toEqual({ CustomInt: null });
    expect(registry.decode(overTheWire(encodeUnifiedSearchAttributes({ CustomKeyword: [] })))).toEqual({
      CustomKeyword: null,
    });
    const binaryNull = { metadata: { encoding: Buffer.from('binary/null') } };
    expect(registry.decodeValue('CustomBool', binaryNull)).toBeNull();
    expect(registry.decode(null)).toEqual({});
    expect(registry.decodeValues({ ...overTheWire(typedDelete), CustomBool: binaryNull })).toEqual({});
  });

  it('accepts the KeywordList payload the SDK core writes for patches (TemporalChangeVersion)', () => {
    const registry = new SearchAttributeRegistry();
    const payload = {
      metadata: { encoding: Buffer.from('json/plain'), type: Buffer.from('KeywordList') },
      data: Buffer.from('["my-patch-1"]'),
    };
    expect(registry.decode({ TemporalChangeVersion: payload })).toEqual({
      TemporalChangeVersion: ['my-patch-1'],
    });
  });

  it('rejects unknown attributes with a message naming them', () => {
    const registry = registryWithAllTypes();
    const err = errorOf(() => registry.decode(overTheWire(encodeUnifiedSearchAttributes({ Nope: ['x'] }))));
    expect(err).toBeInstanceOf(VisibilityError);
    expect(err.reason).toBe('unknown');
    expect(err.attribute).toBe('Nope');
    expect(err.message).toMatch(/search attribute "Nope" is not defined/);
  });

  it('rejects values of the wrong type, naming the attribute and its type', () => {
    const registry = registryWithAllTypes();
    const stringForInt = errorOf(() =>
      registry.decode(overTheWire(encodeUnifiedSearchAttributes({ CustomInt: ['x'] }))),
    );
    expect(stringForInt.reason).toBe('type-mismatch');
    expect(stringForInt.message).toBe('search attribute "CustomInt" of type Int cannot hold "x" (string)');

    const typedAsKeyword = encodeUnifiedSearchAttributes(undefined, [
      { key: defineSearchAttributeKey('CustomInt', SearchAttributeType.KEYWORD), value: '3' },
    ]);
    expect(errorOf(() => registry.decode(overTheWire(typedAsKeyword))).message).toBe(
      'search attribute "CustomInt" is of type Int but the payload says Keyword',
    );

    const twoInts = encodeUnifiedSearchAttributes({ CustomInt: [1, 2] });
    expect(errorOf(() => registry.decode(overTheWire(twoInts))).message).toMatch(
      /"CustomInt" of type Int holds a single value, got 2 values/,
    );
    expect(
      errorOf(() => registry.decode(overTheWire(encodeUnifiedSearchAttributes({ CustomInt: [1.5] }))))
        .message,
    ).toMatch(/"CustomInt" of type Int cannot hold 1\.5/);
    expect(
      errorOf(() =>
        registry.decode(overTheWire(encodeUnifiedSearchAttributes({ CustomDatetime: ['yesterday'] }))),
      ).message,
    ).toMatch(/"CustomDatetime" of type Datetime cannot hold "yesterday"/);
  });

  it('rejects system attributes and malformed payloads', () => {
    const registry = registryWithAllTypes();
    expect(
      errorOf(() => registry.decode(overTheWire(encodeUnifiedSearchAttributes({ WorkflowId: ['x'] }))))
        .message,
    ).toBe('search attribute "WorkflowId" is a system attribute and cannot be set');
    const notJson = { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{oops') };
    expect(errorOf(() => registry.decodeValue('CustomKeyword', notJson)).message).toMatch(/not valid JSON/);
    const protobuf = { metadata: { encoding: Buffer.from('json/protobuf') }, data: Buffer.from('{}') };
    expect(errorOf(() => registry.decodeValue('CustomKeyword', protobuf)).message).toMatch(
      /encoding "json\/protobuf"; expected json\/plain/,
    );
  });
});

describe('SearchAttributeRegistry payload encoding', () => {
  it('round-trips through the SDK typed decoder for every type', () => {
    const registry = registryWithAllTypes();
    const payloads = overTheWire(registry.encode(expectedValues));
    const typed = decodeTypedSearchAttributes(payloads as never);
    expect(typed.getAll()).toEqual(typedPairs);
    // And back into the registry: encode -> decode is the identity.
    expect(registry.decode(payloads)).toEqual(expectedValues);
  });

  it('round-trips through the SDK legacy decoder (values come back as arrays)', () => {
    const registry = registryWithAllTypes();
    const legacy = decodeSearchAttributes(overTheWire(registry.encode(expectedValues)) as never);
    expect(legacy).toEqual({
      CustomText: ['hello brave world'],
      CustomKeyword: ['order-42'],
      CustomInt: [42],
      CustomDouble: [2.5],
      CustomBool: [true],
      CustomDatetime: [when],
      CustomKeywordList: ['a', 'b'],
    });
  });

  it('encodes builtin attributes too, skips nulls, and refuses bad values', () => {
    const registry = registryWithAllTypes();
    const payload = registry.encodeValue('StartTime', when);
    expect(Buffer.from(payload.data).toString()).toBe(JSON.stringify(when.toISOString()));
    expect(Buffer.from(payload.metadata.type as Uint8Array).toString()).toBe('Datetime');
    expect(Object.keys(registry.encode({ CustomInt: 1, CustomKeyword: null as never }))).toEqual([
      'CustomInt',
    ]);
    expect(errorOf(() => registry.encodeValue('CustomBool', 'yes')).message).toMatch(
      /"CustomBool" of type Bool/,
    );
    expect(errorOf(() => registry.encodeValue('Missing', 'x')).reason).toBe('unknown');
  });

  it('merges an upsert into current values, removing nulls', () => {
    const current = { A: 'x', B: 1 };
    expect(SearchAttributeRegistry.merge(current, { A: null, C: true })).toEqual({ B: 1, C: true });
    expect(current).toEqual({ A: 'x', B: 1 });
  });
});
