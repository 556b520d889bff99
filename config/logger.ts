import pino, { type Logger } from 'pino';
import pretty from 'pino-pretty';

// Keys and credentials never reach the logs, whichever object they hide in.
const redact = {
  paths: [
    'req.headers.authorization',
    'req.headers.cookie',
    'headers.authorization',
    '*.apiKey',
    '*.password',
    'apiKey',
    'password',
  ],
  censor: '[redacted]',
};

/** `pretty`: one readable line per entry, for a person at a terminal; `json`: one object per line. */
export type LogFormat = 'pretty' | 'json';

/** JSON unless stdout is a terminal: a log collector reads JSON, a person reads lines. */
export function defaultLogFormat(stream: { isTTY?: boolean } = process.stdout): LogFormat {
  return stream.isTTY ? 'pretty' : 'json';
}

export function createLogger(
  name: string,
  level = process.env.LOG_LEVEL ?? 'info',
  format: LogFormat = defaultLogFormat(),
): Logger {
  return format === 'json' ? pino({ name, level, redact }) : pino({ name, level, redact }, prettyStream());
}

/** Readable lines (`12:00:01.234 INFO: [start] message` and the entry's fields below it). */
export function prettyStream(destination: NodeJS.WritableStream | number = 1): pretty.PrettyStream {
  return pretty({
    destination,
    // Synchronous, in this thread: a line logged just before an exit is not lost in a worker.
    sync: true,
    colorize: destination === 1 && pretty.isColorSupported,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name',
    messageFormat: '{if name}[{name}] {end}{msg}',
  });
}
