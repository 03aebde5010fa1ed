// The embedded default's session secret: with no SESSION_SECRET outside production, one is made once (32 random
// bytes) and kept in DATA_DIR/session-secret, readable by its owner only, so restarting `npm start` does not sign
// everyone out. Production must set SESSION_SECRET (config.ts refuses to start without it): there a secret is
// configuration handed to every process, not a file one process happened to write.
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, type Config } from '../config.js';

export const SESSION_SECRET_FILE = 'session-secret';

/** The config with its per-process secret replaced by the one kept in DATA_DIR, when that is the rule. */
export async function withKeptSessionSecret(config: Config): Promise<Config> {
  if (!config.sessionSecretGenerated || config.nodeEnv === 'production') return config;
  return { ...config, sessionSecret: await readOrCreateSessionSecret(config.dataDir) };
}

async function readOrCreateSessionSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, SESSION_SECRET_FILE);
  await mkdir(dataDir, { recursive: true });
  // Written whole to a temporary name, then linked into place: link fails if the file exists, so a second process
  // starting at the same moment never reads a half-written secret nor replaces the one the first is using.
  const temporary = `${path}.${process.pid}.${randomBytes(4).toString('hex')}`;
  await writeFile(temporary, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    await link(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  } finally {
    await rm(temporary, { force: true });
  }
  const secret = (await readFile(path, 'utf8')).trim();
  if (secret.length < 32) {
    throw new ConfigError([`${path} must hold at least 32 characters: delete it (a new one is made) or set SESSION_SECRET`]);
  }
  return secret;
}
