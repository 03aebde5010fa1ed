// How the app logs: JSON lines (for CI, production, tests, and anything reading a pipe), or pino-pretty's readable
// lines when a person runs the server in a terminal in development. Both apps (app and content origin) use this.
import pretty from 'pino-pretty';
import type { Config } from '../config.js';

export function loggerOptions(config: Config, terminal = process.stdout.isTTY === true): { level: string; stream?: NodeJS.WritableStream } {
  if (config.nodeEnv !== 'development' || !terminal) return { level: config.logLevel };
  // Synchronous, so log lines and plain console output (the demo logins) appear in the order they happened.
  return { level: config.logLevel, stream: pretty({ sync: true, singleLine: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname' }) };
}
