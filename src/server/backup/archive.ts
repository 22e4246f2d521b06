import { createCipheriv, createDecipheriv, createHash, randomBytes, scrypt } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { extract, pack, type Pack } from 'tar-stream';

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

/** A file of an archive: its name, size and SHA-256 (hex). */
export interface ArchivedFile {
  name: string;
  bytes: number;
  sha256: string;
}

/** Streams a file into an archive entry, hashing it on the way (one read of the data). */
async function packFile(tar: Pack, name: string, file: string): Promise<ArchivedFile> {
  const { size } = await stat(file);
  const hash = createHash('sha256');
  const entry = tar.entry({ name, size, mode: 0o600 });
  const source = createReadStream(file, { highWaterMark: 1 << 20 });
  source.on('data', (chunk) => void hash.update(chunk as Buffer));
  await pipeline(source, entry);
  return { name, bytes: size, sha256: hash.digest('hex') };
}

/**
 * Writes one archive file: the `files` (a name in the archive → a file on disk), each hashed as
 * it is packed, then a last entry `trailerName` whose text `trailer` makes from their sizes and
 * hashes (the manifest).
 */
export async function writeArchive(
  target: string,
  files: readonly { name: string; file: string }[],
  trailerName: string,
  trailer: (files: ArchivedFile[]) => string | Promise<string>,
  passphrase?: string,
): Promise<ArchivedFile[]> {
  const tar = pack();
  const feeding = (async () => {
    const packed: ArchivedFile[] = [];
    for (const { name, file } of files) packed.push(await packFile(tar, name, file));
    const text = Buffer.from(await trailer(packed));
    tar.entry({ name: trailerName, size: text.length, mode: 0o600 }, text);
    tar.finalize();
    return packed;
  })();
  const out = createWriteStream(target, { mode: 0o600 });
  if (!passphrase) {
    const [packed] = await Promise.all([feeding, pipeline(tar, out)]);
    return packed;
  }
  const salt = randomBytes(SALT);
  const iv = randomBytes(IV);
  const cipher = createCipheriv('aes-256-gcm', await keyOf(passphrase, salt), iv);
  out.write(Buffer.concat([MAGIC, salt, iv]));
  const [packed] = await Promise.all([feeding, pipeline(tar, cipher, out, { end: false })]);
  await new Promise<void>((resolve, reject) =>
    out.end(cipher.getAuthTag(), (e?: Error | null) => (e ? reject(e) : resolve())),
  );
  return packed;
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
 * Unpacks an archive into `directory` (which must exist), answering its files in order with the
 * SHA-256 of what was written. A wrong
 * passphrase, a changed byte of an encrypted file, or a truncated tar fails with a BackupFileError.
 */
export async function readArchive(
  file: string,
  directory: string,
  passphrase?: string,
): Promise<ArchivedFile[]> {
  const found: ArchivedFile[] = [];
  const untar = extract();
  untar.on('entry', (header, stream, next) => {
    const name = path.basename(header.name);
    if (header.type !== 'file' || name !== header.name) {
      stream.resume();
      next(new BackupFileError(`unexpected entry ${header.name} in the backup`));
      return;
    }
    const hash = createHash('sha256');
    stream.on('data', (chunk) => void hash.update(chunk as Buffer));
    pipeline(stream, createWriteStream(path.join(directory, name), { mode: 0o600 })).then(
      () => {
        found.push({ name, bytes: header.size ?? 0, sha256: hash.digest('hex') });
        next();
      },
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
  return found;
}
