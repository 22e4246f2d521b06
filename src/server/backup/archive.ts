import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract, pack } from 'tar-stream';

/**
 * One backup file: a tar of `manifest.json` and the data files, optionally encrypted with a
 * passphrase (AES-256-GCM, key from scrypt): `CIOPENC1`, salt (16), IV (12), ciphertext, tag (16).
 */
const MAGIC = Buffer.from('CIOPENC1');
const SALT = 16;
const IV = 12;
const TAG = 16;
const HEADER = MAGIC.length + SALT + IV;

export class BackupFileError extends Error {}

function keyOf(passphrase: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

/** The SHA-256 of a file, hex. */
export async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), hash);
  return hash.digest('hex');
}

/** Writes `entries` (a name in the archive → a file on disk, in order) into one archive file. */
export async function writeArchive(
  target: string,
  entries: readonly { name: string; file: string }[],
  passphrase?: string,
): Promise<void> {
  const tar = pack();
  const feeding = (async () => {
    for (const { name, file } of entries) {
      const { size } = await stat(file);
      const entry = tar.entry({ name, size, mode: 0o600 });
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), entry);
    }
    tar.finalize();
  })();
  const out = createWriteStream(target, { mode: 0o600 });
  if (!passphrase) {
    await Promise.all([feeding, pipeline(tar, out)]);
    return;
  }
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', await keyOf(passphrase, salt), iv);
  out.write(Buffer.concat([MAGIC, salt, iv]));
  await Promise.all([feeding, pipeline(tar, cipher, out, { end: false })]);
  await new Promise<void>((resolve, reject) =>
    out.end(cipher.getAuthTag(), (e?: Error | null) => (e ? reject(e) : resolve())),
  );
}

/** Whether a backup file is encrypted. */
export async function isEncrypted(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const head = Buffer.alloc(MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, MAGIC.length, 0);
    return bytesRead === MAGIC.length && head.equals(MAGIC);
  } finally {
    await handle.close();
  }
}

/**
 * Unpacks an archive into `directory` (which must exist), answering the names it held. A wrong
 * passphrase, a changed byte of an encrypted file, or a truncated tar fails with a BackupFileError.
 */
export async function readArchive(file: string, directory: string, passphrase?: string): Promise<string[]> {
  const names: string[] = [];
  const untar = extract();
  untar.on('entry', (header, stream, next) => {
    const name = path.basename(header.name);
    if (header.type !== 'file' || name !== header.name) {
      stream.resume();
      next(new BackupFileError(`unexpected entry ${header.name} in the backup`));
      return;
    }
    names.push(name);
    pipeline(stream, createWriteStream(path.join(directory, name), { mode: 0o600 })).then(
      () => next(),
      (error: Error) => next(error),
    );
  });
  try {
    if (await isEncrypted(file)) {
      if (!passphrase)
        throw new BackupFileError('the backup is encrypted: give its passphrase (CIOP_BACKUP_PASSPHRASE)');
      const { size } = await stat(file);
      if (size < HEADER + TAG) throw new BackupFileError('the backup file is truncated');
      const handle = await open(file, 'r');
      const head = Buffer.alloc(HEADER);
      const tag = Buffer.alloc(TAG);
      await handle.read(head, 0, HEADER, 0);
      await handle.read(tag, 0, TAG, size - TAG);
      await handle.close();
      const salt = head.subarray(MAGIC.length, MAGIC.length + SALT);
      const iv = head.subarray(MAGIC.length + SALT);
      const decipher = createDecipheriv('aes-256-gcm', await keyOf(passphrase, salt), iv);
      decipher.setAuthTag(tag);
      await pipeline(
        createReadStream(file, { start: HEADER, end: size - TAG - 1, highWaterMark: 1 << 20 }),
        decipher,
        untar,
      );
    } else {
      await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), untar);
    }
  } catch (error) {
    if (error instanceof BackupFileError) throw error;
    const message = (error as Error).message;
    throw new BackupFileError(
      /unable to authenticate|auth/i.test(message)
        ? 'the backup cannot be decrypted: a wrong passphrase, or the file was changed'
        : `the backup file is damaged: ${message}`,
    );
  }
  return names;
}
