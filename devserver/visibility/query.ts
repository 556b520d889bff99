import { InvalidQueryError } from './errors';
import { attributeValue, parseExecutionStatus, type VisibilityRecord } from './record';
import {
  parseRfc3339,
  type SearchAttributeDefinition,
  type SearchAttributeRegistry,
  type SearchAttributeValue,
} from './searchAttributes';

/**
 * The visibility query language (List Filter) subset of Temporal's SQL-like syntax:
 *
 *   query     := [expr] [ORDER BY name [ASC|DESC] {, name [ASC|DESC]} | GROUP BY ExecutionStatus]
 *   expr      := and {OR and}            and := primary {AND primary}
 *   primary   := ( expr ) | name op value | name [NOT] IN ( value {, value} )
 *              | name [NOT] BETWEEN value AND value | name STARTS_WITH string | name IS [NOT] NULL
 *   op        := = | != | <> | < | <= | > | >=
 *
 * Keywords are case-insensitive, names case-sensitive (backticks allowed), strings in single or
 * double quotes. A comparison with an attribute the run does not have is false (SQL semantics,
 * as the SQLite-backed `temporal server start-dev` behaves), so `X != 'a'` skips runs without X.
 * The query is compiled once into closures; matching a record does no parsing.
 */

export type SortDirection = 'ASC' | 'DESC';
export interface OrderByItem {
  attribute: string;
  direction: SortDirection;
}

/** Primitive sort key component; null (attribute not set) sorts after every value. */
export type SortKeyPart = number | string | null;

export interface VisibilityQuery {
  /** True when the record satisfies the filter (always true for an empty query). */
  matches(record: VisibilityRecord): boolean;
  /** ORDER BY items as written; empty means the default order (StartTime DESC). */
  orderBy: OrderByItem[];
  /** GROUP BY attributes (only ExecutionStatus is supported), or undefined. */
  groupBy?: string[];
  /** Full sort key of a record: the ORDER BY items (or StartTime), then RunId as tie-breaker. */
  sortKey(record: VisibilityRecord): SortKeyPart[];
  /** Compares two sort keys made by sortKey, honouring each component's direction. */
  compareKeys(a: readonly SortKeyPart[], b: readonly SortKeyPart[]): number;
  /** Shorthand for compareKeys(sortKey(a), sortKey(b)). */
  compare(a: VisibilityRecord, b: VisibilityRecord): number;
}

type Predicate = (record: VisibilityRecord) => boolean;

type Token =
  | { kind: 'name'; value: string; quoted: boolean; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'op'; value: string; pos: number }
  | { kind: 'punct'; value: '(' | ')' | ','; pos: number }
  | { kind: 'eof'; pos: number };

type Literal =
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'number'; value: number; text: string; pos: number }
  | { kind: 'bool'; value: boolean; pos: number };

/** How values of an attribute are compared. */
type Category = 'status' | 'text' | 'keyword' | 'keywordList' | 'int' | 'double' | 'bool' | 'datetime';

const RESERVED_WORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'between',
  'starts_with',
  'is',
  'null',
  'order',
  'group',
  'by',
  'asc',
  'desc',
]);

function tokenize(query: string): Token[] {
  const tokens: Token[] = [];
  const fail = (message: string, pos: number): never => {
    throw new InvalidQueryError(`invalid visibility query: ${message} at position ${pos}`, query, pos);
  };
  let i = 0;
  while (i < query.length) {
    const c = query[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"' || c === '`') {
      // Strings and backticked names: a backslash escapes the next character, a doubled quote is one quote.
      let value = '';
      i++;
      for (;;) {
        if (i >= query.length) fail(`unterminated ${c === '`' ? 'backtick name' : 'string'}`, start);
        const d = query[i] as string;
        if (d === '\\' && c !== '`' && i + 1 < query.length) {
          const e = query[i + 1] as string;
          value += e === 'n' ? '\n' : e === 't' ? '\t' : e;
          i += 2;
        } else if (d === c) {
          if (query[i + 1] === c) {
            value += c;
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          value += d;
          i++;
        }
      }
      if (c === '`') {
        if (value === '') fail('empty backtick name', start);
        tokens.push({ kind: 'name', value, quoted: true, pos: start });
      } else {
        tokens.push({ kind: 'string', value, pos: start });
      }
      continue;
    }
    const number = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(query.slice(i));
    if (number && (/\d/.test(c) || c === '.' || (c === '-' && /[\d.]/.test(query[i + 1] ?? '')))) {
      const text = number[0];
      tokens.push({ kind: 'number', value: Number(text), text, pos: start });
      i += text.length;
      if (/[A-Za-z_]/.test(query[i] ?? ''))
        fail(`unexpected character "${query[i]}" after number ${text}`, i);
      continue;
    }
    const name = /^[A-Za-z_][A-Za-z0-9_.]*/.exec(query.slice(i));
    if (name) {
      tokens.push({ kind: 'name', value: name[0], quoted: false, pos: start });
      i += name[0].length;
      continue;
    }
    const op = /^(?:!=|<>|<=|>=|=|<|>)/.exec(query.slice(i));
    if (op) {
      tokens.push({ kind: 'op', value: op[0] === '<>' ? '!=' : op[0], pos: start });
      i += op[0].length;
      continue;
    }
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punct', value: c, pos: start });
      i++;
      continue;
    }
    fail(`unexpected character "${c}"`, start);
  }
  tokens.push({ kind: 'eof', pos: query.length });
  return tokens;
}

function categoryOf(definition: SearchAttributeDefinition): Category {
  if (definition.name === 'ExecutionStatus') return 'status';
  switch (definition.type) {
    case 'Text':
      return 'text';
    case 'Keyword':
      return 'keyword';
    case 'KeywordList':
      return 'keywordList';
    case 'Int':
      return 'int';
    case 'Double':
      return 'double';
    case 'Bool':
      return 'bool';
    case 'Datetime':
      return 'datetime';
  }
}

const ALLOWED_OPERATORS: Record<Category, ReadonlySet<string>> = {
  status: new Set(['=', '!=', 'IN', 'NOT IN']),
  text: new Set(['=', '!=']),
  keyword: new Set([
    '=',
    '!=',
    '<',
    '<=',
    '>',
    '>=',
    'IN',
    'NOT IN',
    'BETWEEN',
    'NOT BETWEEN',
    'STARTS_WITH',
  ]),
  keywordList: new Set(['=', '!=', 'IN', 'NOT IN']),
  int: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN']),
  double: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN']),
  bool: new Set(['=', '!=']),
  datetime: new Set(['=', '!=', '<', '<=', '>', '>=', 'IN', 'NOT IN', 'BETWEEN', 'NOT BETWEEN']),
};

/** Words of a Text value, roughly as Elasticsearch's standard analyzer splits them. */
function textTokens(text: string): string[] {
  return text
    .toLowerCase()
    .split(/[^\p{L}\p{N}_.:']+/u)
    .map((t) => t.replace(/^[.:']+|[.:']+$/g, ''))
    .filter((t) => t !== '');
}

/** Go duration ("1h30m", "250ms") or "hh:mm:ss" -> nanoseconds; undefined if neither. */
function parseDurationNanos(text: string): number | undefined {
  const clock = /^(\d+):([0-5]\d):([0-5]\d)$/.exec(text);
  if (clock) return ((Number(clock[1]) * 60 + Number(clock[2])) * 60 + Number(clock[3])) * 1e9;
  const units: Record<string, number> = {
    ns: 1,
    us: 1e3,
    µs: 1e3,
    μs: 1e3,
    ms: 1e6,
    s: 1e9,
    m: 60e9,
    h: 3600e9,
  };
  const part = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0;
  let matched = 0;
  let m: RegExpExecArray | null;
  while ((m = part.exec(text)) !== null) {
    total += Number(m[1]) * (units[m[2] as string] as number);
    matched = part.lastIndex;
  }
  return matched > 0 && matched === text.length ? total : undefined;
}

/** A record's Date (or RFC 3339 string) as epoch milliseconds, or undefined. */
function instantOf(value: SearchAttributeValue | undefined): number | undefined {
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'string') return parseRfc3339(value)?.getTime();
  return undefined;
}

/**
 * A literal instant as epoch milliseconds. Record times are JS Dates (whole milliseconds), so a
 * literal with sub-millisecond digits is placed half-way to the next millisecond: it then compares
 * with every record time exactly as the full-precision instant would.
 */
function parseInstantLiteral(text: string): number | undefined {
  const date = parseRfc3339(text);
  if (date === undefined) return undefined;
  const fraction = /\.(\d+)/.exec(text.slice(19))?.[1] ?? '';
  return date.getTime() + (/[1-9]/.test(fraction.slice(3)) ? 0.5 : 0);
}

/** Epoch nanoseconds (an integer literal's digits) as milliseconds, with the same half-millisecond rule. */
function nanosToMillis(digits: string): number {
  // BigInt: epoch nanoseconds are beyond Number's exact integer range.
  const nanos = BigInt(digits);
  let ms = nanos / 1_000_000n;
  if (ms * 1_000_000n > nanos) ms -= 1n; // floor for negative values
  return Number(ms) + (nanos > ms * 1_000_000n ? 0.5 : 0);
}

class Parser {
  private i = 0;
  private readonly tokens: Token[];

  constructor(
    private readonly query: string,
    private readonly registry: SearchAttributeRegistry,
  ) {
    this.tokens = tokenize(query);
  }

  parse(): VisibilityQuery {
    let predicate: Predicate = () => true;
    if (!this.atKeyword('order', 'group') && this.peek().kind !== 'eof') predicate = this.parseOr();
    let orderBy: OrderByItem[] = [];
    let groupBy: string[] | undefined;
    if (this.acceptKeyword('order')) {
      this.expectKeyword('by');
      orderBy = this.parseOrderBy();
    } else if (this.acceptKeyword('group')) {
      this.expectKeyword('by');
      groupBy = this.parseGroupBy();
    }
    const last = this.peek();
    if (last.kind !== 'eof') {
      if (this.atKeyword('order') && groupBy) {
        this.fail('ORDER BY cannot be combined with GROUP BY', last.pos);
      }
      this.fail(`unexpected ${this.describe(last)}`, last.pos);
    }
    return buildQuery(predicate, orderBy, groupBy, this.registry);
  }

  private parseOr(): Predicate {
    const parts = [this.parseAnd()];
    while (this.acceptKeyword('or')) parts.push(this.parseAnd());
    if (parts.length === 1) return parts[0] as Predicate;
    return (r) => parts.some((p) => p(r));
  }

  private parseAnd(): Predicate {
    const parts = [this.parsePrimary()];
    while (this.acceptKeyword('and')) parts.push(this.parsePrimary());
    if (parts.length === 1) return parts[0] as Predicate;
    return (r) => parts.every((p) => p(r));
  }

  private parsePrimary(): Predicate {
    const token = this.peek();
    if (token.kind === 'punct' && token.value === '(') {
      this.i++;
      const inner = this.parseOr();
      this.expectPunct(')');
      return inner;
    }
    if (this.atKeyword('not')) {
      this.fail('NOT is only supported as NOT IN, NOT BETWEEN and IS NOT NULL', token.pos);
    }
    const definition = this.parseAttributeName();
    const category = categoryOf(definition);
    const opToken = this.peek();
    if (opToken.kind === 'op') {
      this.i++;
      this.checkOperator(definition, category, opToken.value, opToken.pos);
      const literal = this.parseLiteral();
      return compileComparison(
        definition,
        category,
        opToken.value,
        this.operand(definition, category, literal),
      );
    }
    if (this.acceptKeyword('is')) {
      const negated = this.acceptKeyword('not');
      this.expectKeyword('null');
      const isNull: Predicate = (r) => isMissing(attributeValue(r, definition.name));
      return negated ? (r) => !isNull(r) : isNull;
    }
    if (this.acceptKeyword('starts_with')) {
      this.checkOperator(definition, category, 'STARTS_WITH', opToken.pos);
      const literal = this.parseLiteral();
      if (literal.kind !== 'string')
        this.fail(`STARTS_WITH on "${definition.name}" needs a string`, literal.pos);
      const prefix = literal.value as string;
      return (r) => {
        const v = attributeValue(r, definition.name);
        return typeof v === 'string' && v.startsWith(prefix);
      };
    }
    const negated = this.acceptKeyword('not');
    if (this.acceptKeyword('in')) {
      this.checkOperator(definition, category, negated ? 'NOT IN' : 'IN', opToken.pos);
      this.expectPunct('(');
      const operands = [this.operand(definition, category, this.parseLiteral())];
      while (this.acceptPunct(',')) operands.push(this.operand(definition, category, this.parseLiteral()));
      this.expectPunct(')');
      const any = operands.map((o) => compileComparison(definition, category, '=', o));
      const present: Predicate = (r) => !isMissing(attributeValue(r, definition.name));
      return negated ? (r) => present(r) && !any.some((p) => p(r)) : (r) => any.some((p) => p(r));
    }
    if (this.acceptKeyword('between')) {
      this.checkOperator(definition, category, negated ? 'NOT BETWEEN' : 'BETWEEN', opToken.pos);
      const low = compileComparison(
        definition,
        category,
        '>=',
        this.operand(definition, category, this.parseLiteral()),
      );
      this.expectKeyword('and');
      const high = compileComparison(
        definition,
        category,
        '<=',
        this.operand(definition, category, this.parseLiteral()),
      );
      const present: Predicate = (r) => !isMissing(attributeValue(r, definition.name));
      return negated ? (r) => present(r) && !(low(r) && high(r)) : (r) => low(r) && high(r);
    }
    const next = this.peek();
    return this.fail(
      `expected an operator after "${definition.name}", found ${this.describe(next)}`,
      next.pos,
    );
  }

  private parseOrderBy(): OrderByItem[] {
    const items: OrderByItem[] = [];
    do {
      const definition = this.parseAttributeName();
      const category = categoryOf(definition);
      if (category === 'text' || category === 'keywordList') {
        this.fail(`cannot ORDER BY ${definition.type} attribute "${definition.name}"`, this.previous().pos);
      }
      let direction: SortDirection = 'ASC';
      if (this.acceptKeyword('desc')) direction = 'DESC';
      else this.acceptKeyword('asc');
      items.push({ attribute: definition.name, direction });
    } while (this.acceptPunct(','));
    return items;
  }

  private parseGroupBy(): string[] {
    const names: string[] = [];
    do {
      const definition = this.parseAttributeName();
      if (definition.name !== 'ExecutionStatus') {
        this.fail(
          `GROUP BY is only supported for ExecutionStatus, not "${definition.name}"`,
          this.previous().pos,
        );
      }
      names.push(definition.name);
    } while (this.acceptPunct(','));
    return names;
  }

  private parseAttributeName(): SearchAttributeDefinition {
    const token = this.peek();
    if (token.kind !== 'name' || (!token.quoted && RESERVED_WORDS.has(token.value.toLowerCase()))) {
      return this.fail(`expected a search attribute name, found ${this.describe(token)}`, token.pos);
    }
    this.i++;
    const definition = this.registry.lookup(token.value);
    if (definition === undefined) {
      return this.fail(`unknown search attribute "${token.value}"`, token.pos);
    }
    return definition;
  }

  private parseLiteral(): Literal {
    const token = this.peek();
    if (token.kind === 'string' || token.kind === 'number') {
      this.i++;
      return token;
    }
    if (token.kind === 'name' && !token.quoted && /^(true|false)$/i.test(token.value)) {
      this.i++;
      return { kind: 'bool', value: token.value.toLowerCase() === 'true', pos: token.pos };
    }
    return this.fail(`expected a value, found ${this.describe(token)}`, token.pos);
  }

  /** Converts a literal into the comparable form of the attribute's category, or fails. */
  private operand(definition: SearchAttributeDefinition, category: Category, literal: Literal): Operand {
    const bad = (expected: string): never =>
      this.fail(
        `${definition.type} attribute "${definition.name}" cannot be compared with ${literalText(literal)}; expected ${expected}`,
        literal.pos,
      );
    switch (category) {
      case 'status': {
        const status =
          literal.kind === 'string'
            ? parseExecutionStatus(literal.value)
            : literal.kind === 'number' && Number.isInteger(literal.value)
              ? literal.value
              : undefined;
        if (status === undefined) {
          bad(
            "an execution status: 'Running', 'Completed', 'Failed', 'Canceled', 'Terminated', 'ContinuedAsNew' or 'TimedOut'",
          );
        }
        return status as number;
      }
      case 'text':
      case 'keyword':
      case 'keywordList':
        if (literal.kind !== 'string') bad('a quoted string');
        return literal.value as string;
      case 'int':
      case 'double': {
        let n: number | undefined;
        if (literal.kind === 'number') n = literal.value;
        else if (
          literal.kind === 'string' &&
          /^\s*-?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(literal.value)
        ) {
          n = Number(literal.value);
        } else if (literal.kind === 'string' && definition.name === 'ExecutionDuration') {
          n = parseDurationNanos(literal.value);
        }
        if (n === undefined || !Number.isFinite(n) || (category === 'int' && !Number.isInteger(n))) {
          bad(
            definition.name === 'ExecutionDuration'
              ? 'nanoseconds, a duration like "1h30m" or "hh:mm:ss"'
              : category === 'int'
                ? 'an integer'
                : 'a number',
          );
        }
        return n as number;
      }
      case 'bool':
        if (literal.kind === 'bool') return literal.value;
        if (literal.kind === 'string' && /^(true|false)$/i.test(literal.value)) {
          return literal.value.toLowerCase() === 'true';
        }
        return bad('true or false');
      case 'datetime': {
        if (literal.kind === 'number' && /^-?\d+$/.test(literal.text)) return nanosToMillis(literal.text);
        const ms = literal.kind === 'string' ? parseInstantLiteral(literal.value) : undefined;
        if (ms === undefined) bad('an RFC 3339 time like "2024-01-02T15:04:05Z" or epoch nanoseconds');
        return ms as number;
      }
    }
  }

  private checkOperator(
    definition: SearchAttributeDefinition,
    category: Category,
    op: string,
    pos: number,
  ): void {
    if (!ALLOWED_OPERATORS[category].has(op)) {
      const kind =
        definition.name === 'ExecutionStatus'
          ? 'ExecutionStatus'
          : `${definition.type} attribute "${definition.name}"`;
      this.fail(`operator ${op} is not supported for ${kind}`, pos);
    }
  }

  private peek(): Token {
    return this.tokens[this.i] as Token;
  }

  private previous(): Token {
    return this.tokens[this.i - 1] as Token;
  }

  private atKeyword(...words: string[]): boolean {
    const t = this.peek();
    return t.kind === 'name' && !t.quoted && words.includes(t.value.toLowerCase());
  }

  private acceptKeyword(word: string): boolean {
    if (!this.atKeyword(word)) return false;
    this.i++;
    return true;
  }

  private expectKeyword(word: string): void {
    if (!this.acceptKeyword(word)) {
      const t = this.peek();
      this.fail(`expected ${word.toUpperCase()}, found ${this.describe(t)}`, t.pos);
    }
  }

  private acceptPunct(value: '(' | ')' | ','): boolean {
    const t = this.peek();
    if (t.kind !== 'punct' || t.value !== value) return false;
    this.i++;
    return true;
  }

  private expectPunct(value: '(' | ')' | ','): void {
    if (!this.acceptPunct(value)) {
      const t = this.peek();
      this.fail(`expected "${value}", found ${this.describe(t)}`, t.pos);
    }
  }

  private describe(token: Token): string {
    switch (token.kind) {
      case 'eof':
        return 'end of query';
      case 'string':
        return `string ${JSON.stringify(token.value)}`;
      case 'number':
        return `number ${token.text}`;
      case 'name':
        return `"${token.value}"`;
      default:
        return `"${token.value}"`;
    }
  }

  private fail(message: string, pos: number): never {
    throw new InvalidQueryError(`invalid visibility query: ${message} at position ${pos}`, this.query, pos);
  }
}

type Operand = string | number | boolean;

function literalText(literal: Literal): string {
  return literal.kind === 'string' ? JSON.stringify(literal.value) : String(literal.value);
}

function isMissing(value: SearchAttributeValue | undefined): boolean {
  return value === undefined || value === null || (Array.isArray(value) && value.length === 0);
}

/** A record's value in the comparable form of its category (undefined when not set or unusable). */
function comparable(
  category: Category,
  value: SearchAttributeValue | undefined,
): Operand | string[] | undefined {
  if (value === undefined || value === null) return undefined;
  switch (category) {
    case 'datetime':
      return instantOf(value);
    case 'keywordList':
      return Array.isArray(value) ? value : typeof value === 'string' ? [value] : undefined;
    case 'status':
    case 'int':
    case 'double':
      return typeof value === 'number' ? value : undefined;
    case 'bool':
      return typeof value === 'boolean' ? value : undefined;
    default:
      return typeof value === 'string' ? value : undefined;
  }
}

function compileComparison(
  definition: SearchAttributeDefinition,
  category: Category,
  op: string,
  operand: Operand,
): Predicate {
  const name = definition.name;
  if (category === 'keywordList') {
    // KeywordList "=" means "contains"; "!=" means "does not contain" (on runs that have the list).
    const contains = (r: VisibilityRecord): boolean | undefined => {
      const v = comparable(category, attributeValue(r, name)) as string[] | undefined;
      return v === undefined || v.length === 0 ? undefined : v.includes(operand as string);
    };
    return op === '=' ? (r) => contains(r) === true : (r) => contains(r) === false;
  }
  if (category === 'text') {
    const wanted = textTokens(operand as string);
    const matchesText = (r: VisibilityRecord): boolean | undefined => {
      const v = comparable(category, attributeValue(r, name)) as string | undefined;
      if (v === undefined) return undefined;
      const words = new Set(textTokens(v));
      return wanted.some((w) => words.has(w));
    };
    return op === '=' ? (r) => matchesText(r) === true : (r) => matchesText(r) === false;
  }
  const test = operatorTest(op);
  return (r) => {
    const v = comparable(category, attributeValue(r, name));
    if (v === undefined || Array.isArray(v)) return false;
    return test(v < operand ? -1 : v > operand ? 1 : 0);
  };
}

function operatorTest(op: string): (cmp: number) => boolean {
  switch (op) {
    case '=':
      return (c) => c === 0;
    case '!=':
      return (c) => c !== 0;
    case '<':
      return (c) => c < 0;
    case '<=':
      return (c) => c <= 0;
    case '>':
      return (c) => c > 0;
    case '>=':
      return (c) => c >= 0;
    default:
      throw new Error(`unexpected operator ${op}`);
  }
}

function buildQuery(
  predicate: Predicate,
  orderBy: OrderByItem[],
  groupBy: string[] | undefined,
  registry: SearchAttributeRegistry,
): VisibilityQuery {
  const effective: OrderByItem[] =
    orderBy.length > 0 ? orderBy : [{ attribute: 'StartTime', direction: 'DESC' }];
  const parts = effective.map((item) => {
    const definition = registry.lookup(item.attribute) as SearchAttributeDefinition;
    const category = categoryOf(definition);
    return (r: VisibilityRecord): SortKeyPart => {
      const v = comparable(category, attributeValue(r, item.attribute));
      if (v === undefined || Array.isArray(v)) return null;
      return typeof v === 'boolean' ? (v ? 1 : 0) : v;
    };
  });
  const directions: SortDirection[] = [...effective.map((o) => o.direction), 'ASC'];
  const sortKey = (r: VisibilityRecord): SortKeyPart[] => [...parts.map((p) => p(r)), r.runId];
  const compareKeys = (a: readonly SortKeyPart[], b: readonly SortKeyPart[]): number => {
    for (let k = 0; k < directions.length; k++) {
      const x = a[k] ?? null;
      const y = b[k] ?? null;
      if (x === y) continue;
      // null (not set) is larger than any value: last when ascending, first when descending.
      const cmp = x === null ? 1 : y === null ? -1 : x < y ? -1 : x > y ? 1 : 0;
      if (cmp !== 0) return directions[k] === 'DESC' ? -cmp : cmp;
    }
    return 0;
  };
  return {
    matches: predicate,
    orderBy,
    ...(groupBy ? { groupBy } : {}),
    sortKey,
    compareKeys,
    compare: (a, b) => compareKeys(sortKey(a), sortKey(b)),
  };
}

/**
 * Parses and compiles a visibility query against the registry's attributes. An empty (or blank)
 * query matches everything. Throws InvalidQueryError naming the problem and its position.
 */
export function parseVisibilityQuery(
  query: string | null | undefined,
  registry: SearchAttributeRegistry,
): VisibilityQuery {
  return new Parser(query ?? '', registry).parse();
}
