/**
 * Files in DATA_DIR hold password hashes and the JWT secret: the folder is
 * owner-only (0700) and every file in it 0600, whoever created them and with
 * whatever umask. Writes are atomic and durable.
 */
import { chmod, mkdir, open, rename } from 'node:fs/promises';
import path from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates `dir` if needed and makes it 0700 even when it existed (mkdir's mode
 * only applies to a folder it creates, and is masked by the umask).
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  await chmod(dir, PRIVATE_DIR_MODE);
}

/** Makes an existing file 0600 (files written by older versions were 0644); absent is fine. */
export async function makePrivate(file: string): Promise<void> {
  try {
    await chmod(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}

/**
 * Replaces `file` with `data` atomically: a 0600 temp file beside it, flushed
 * to disk, renamed over the file, then the folder flushed so the rename
 * survives a power cut. Readers see the old or the new content, never a part.
 */
export async function writePrivateFile(file: string, data: Uint8Array): Promise<void> {
  const temp = path.join(path.dirname(file), `.${path.basename(file)}.tmp`);
  const handle = await open(temp, 'w', PRIVATE_FILE_MODE);
  try {
    // A temp file left by a crash keeps its old mode through open(): set it.
    await handle.chmod(PRIVATE_FILE_MODE);
    await handle.writeFile(data);
    await handle.datasync();
  } finally {
    await handle.close();
  }
  await rename(temp, file);
  const dir = await open(path.dirname(file), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
