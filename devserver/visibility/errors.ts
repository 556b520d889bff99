/**
 * Errors raised by the visibility module. Every one of them is the caller's fault (a bad query,
 * an undeclared search attribute, a forged page token), so the server maps any VisibilityError to
 * gRPC INVALID_ARGUMENT with the error's message.
 */
export class VisibilityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

export type SearchAttributeErrorReason =
  'unknown' | 'type-mismatch' | 'reserved' | 'invalid-value' | 'invalid-payload';

/** A search attribute that is not registered, is read-only, or holds a value of the wrong type. */
export class SearchAttributeError extends VisibilityError {
  constructor(
    message: string,
    readonly attribute: string,
    readonly reason: SearchAttributeErrorReason,
  ) {
    super(message);
  }
}

/** A visibility query that does not parse or names something the server does not know. */
export class InvalidQueryError extends VisibilityError {
  constructor(
    message: string,
    readonly query: string,
    /** Character offset in the query where the problem was found, when it is known. */
    readonly position?: number,
  ) {
    super(message);
  }
}

/** A nextPageToken this store did not issue (or issued for a query with another sort order). */
export class InvalidPageTokenError extends VisibilityError {}
