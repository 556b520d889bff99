// Every error leaves the API as RFC 9457 problem+json: a status, a short title, a detail a person
// can act on, and extension members (issues, allowedActions, ...) a program can act on.
import type { ErrorRequestHandler, Request, Response } from 'express';
import type { Logger } from 'pino';
import { z } from 'zod';
import { refusals } from '../telemetry/metrics';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const titles: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  408: 'Request Timeout',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/**
 * A refusal with its HTTP status; thrown by handlers, rendered by `problemHandler`. `cause` (a
 * failing dependency's error) is logged, never sent: the detail is all the caller sees.
 */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly type: string = 'about:blank',
    cause?: unknown,
  ) {
    super(detail, cause === undefined ? undefined : { cause });
  }
}

export const badRequest = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(400, detail, extensions);
export const unauthorized = (detail: string) => new HttpProblem(401, detail);
export const forbidden = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(403, detail, extensions);
export const notFound = (detail = 'no such resource') => new HttpProblem(404, detail);
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(409, detail, extensions);
export const unprocessable = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpProblem(422, detail, extensions);

export interface Issue {
  readonly path: string;
  readonly message: string;
}

export function zodIssues(error: z.ZodError): Issue[] {
  return error.issues.map((issue) => ({ path: issue.path.map(String).join('.'), message: issue.message }));
}

/** Parses input with a schema, or throws a problem listing every issue. */
export function parseWith<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  status: 400 | 422 = 422,
): z.output<S> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return parsed.data;
  const issues = zodIssues(parsed.error);
  const summary = issues.map((i) => `${i.path || what}: ${i.message}`).join('; ');
  throw new HttpProblem(status, `invalid ${what}: ${summary}`, { issues });
}

export function sendProblem(res: Response, req: Request, problem: HttpProblem): void {
  if (problem.status < 500) {
    const code = problem.extensions.code;
    refusals.inc({ source: 'api', code: typeof code === 'string' ? code : `http_${problem.status}` });
  }
  if (problem.status === 401) res.setHeader('WWW-Authenticate', 'Bearer');
  res
    .status(problem.status)
    .type(PROBLEM_CONTENT_TYPE)
    .json({
      type: problem.type,
      title: titles[problem.status] ?? 'Error',
      status: problem.status,
      detail: problem.message,
      instance: req.originalUrl,
      ...problem.extensions,
    });
}

/**
 * The strict JSON parser refuses any body but an object or array with the same error as broken
 * JSON; a valid `null`, number or string deserves its own message.
 */
function notAnObject(body: unknown): string | undefined {
  if (typeof body !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  const what = value === null ? 'null' : Array.isArray(value) ? 'an array' : `a ${typeof value}`;
  return `the request body must be a JSON object, not ${what}`;
}

/** Errors raised by Express' own parsers (body-parser, router) carry a 4xx status and a `type`. */
function fromParserError(error: unknown): HttpProblem | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { status, statusCode, type } = error as { status?: unknown; statusCode?: unknown; type?: unknown };
  const code = typeof status === 'number' ? status : typeof statusCode === 'number' ? statusCode : undefined;
  if (code === undefined || code < 400 || code >= 500) return undefined;
  switch (type) {
    case 'entity.parse.failed':
      return badRequest(
        notAnObject((error as { body?: unknown }).body) ?? 'the request body is not valid JSON',
      );
    case 'entity.too.large':
      return new HttpProblem(413, 'the request body is too large');
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'unsupported content encoding or charset');
    case 'request.aborted':
      return badRequest('the request was aborted');
    default:
      return new HttpProblem(code, code === 400 ? 'malformed request' : (titles[code] ?? 'request refused'));
  }
}

/** The last middleware: known refusals as they are, anything else a logged 500 without internals. */
export function problemHandler(logger: Logger): ErrorRequestHandler {
  return (error: unknown, req, res, next) => {
    if (res.headersSent) return next(error);
    if (error instanceof HttpProblem) {
      if (error.cause !== undefined) {
        logger.error(
          { err: error.cause, status: error.status, method: req.method, url: req.originalUrl },
          error.message,
        );
      }
      return sendProblem(res, req, error);
    }
    if (error instanceof z.ZodError) {
      return sendProblem(res, req, unprocessable('invalid input', { issues: zodIssues(error) }));
    }
    const parser = fromParserError(error);
    if (parser) return sendProblem(res, req, parser);
    logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    sendProblem(res, req, new HttpProblem(500, 'an unexpected error occurred; it was logged'));
  };
}
