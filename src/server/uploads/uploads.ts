import multipart from '@fastify/multipart';
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest, HttpProblem } from '../plugins/errors.ts';

/** What an upload route takes: one file, of some media types, up to a size. */
export interface UploadRules {
  /** The largest file, bytes. */
  maxBytes: number;
  /** The multipart/form-data field that carries the file. */
  field: string;
  /** Media types (lower case, without parameters) a file may be sent as, in a part or as the body. */
  types: readonly string[];
  /** What the file is, for people: "a CSV or XLSX file". */
  what: string;
}

/** An uploaded file. */
export interface UploadedFile {
  bytes: Buffer;
  /** The file name the sender gave, or `upload` (with the extension of its type, when it has one). */
  name: string;
  /** Its media type, as sent. */
  type: string;
}

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

/**
 * A spreadsheet, CSV or XLSX. Browsers on Windows label a .csv `application/vnd.ms-excel`, and
 * curl and browsers label a file whose extension they do not know `application/octet-stream`:
 * the content, not the label, tells CSV from XLSX (see spreadsheets/spreadsheet.ts).
 */
export const SPREADSHEET_UPLOAD: UploadRules = {
  maxBytes: 10 * 1024 * 1024,
  field: 'file',
  types: [
    'text/csv',
    XLSX_TYPE,
    'application/csv',
    'text/plain',
    'application/vnd.ms-excel',
    'application/octet-stream',
  ],
  what: 'a CSV or XLSX file',
};

/** Text fields that may come beside the file (a form's other inputs), and their parts. */
const MAX_FIELDS = 20;

/** The media type of a Content-Type header, lower case, without its parameters. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0].trim().toLowerCase();
}

const describeBytes = (bytes: number) =>
  bytes % (1024 * 1024) === 0 ? `${bytes / (1024 * 1024)} MiB (${bytes} bytes)` : `${bytes} bytes`;

const tooLarge = (rules: UploadRules) =>
  new HttpProblem(
    413,
    `The file is larger than ${describeBytes(rules.maxBytes)}, the most this endpoint takes.`,
  );

function unsupported(type: string, rules: UploadRules, where: string): HttpProblem {
  return new HttpProblem(
    415,
    `${where} ${type ? `is of type ${type}` : 'has no type'}; send ${rules.what} (${rules.types.join(', ')}).`,
  );
}

/** Reads a body stream up to a limit: a larger one is refused as soon as it is. */
async function readLimited(stream: NodeJS.ReadableStream, rules: UploadRules): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    length += bytes.length;
    if (length > rules.maxBytes) throw tooLarge(rules);
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** Why a multipart body cannot be read, for whoever sent it. */
function multipartProblem(error: unknown, rules: UploadRules): HttpProblem {
  if (error instanceof HttpProblem) return error;
  const { code, message } = error as { code?: string; message?: string };
  switch (code) {
    case 'FST_REQ_FILE_TOO_LARGE':
      return tooLarge(rules);
    case 'FST_FILES_LIMIT':
      return new HttpProblem(
        413,
        `The multipart body holds more than one file; send one file, in the field "${rules.field}".`,
      );
    case 'FST_FIELDS_LIMIT':
    case 'FST_PARTS_LIMIT':
      return new HttpProblem(
        413,
        `The multipart body holds more than ${MAX_FIELDS} fields; send one file, in the field "${rules.field}".`,
      );
  }
  if (message === 'Multipart: Boundary not found')
    return badRequest(
      'The Content-Type multipart/form-data has no boundary parameter (multipart/form-data; boundary=…), so its parts cannot be told apart.',
    );
  return badRequest(`The multipart body cannot be read: ${message ?? 'it is malformed'}.`);
}

async function readMultipart(request: FastifyRequest, rules: UploadRules): Promise<UploadedFile> {
  let found: UploadedFile | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type !== 'file') continue;
      if (part.fieldname !== rules.field) {
        part.file.resume();
        throw badRequest(
          `The file came in the field "${part.fieldname}"; send it in the field "${rules.field}".`,
        );
      }
      const type = part.mimetype.toLowerCase();
      if (!rules.types.includes(type)) {
        part.file.resume();
        throw unsupported(type, rules, `The file "${part.filename}"`);
      }
      if (found) throw multipartProblem({ code: 'FST_FILES_LIMIT' }, rules);
      // Read to its end even after the file, so that a body cut short is refused, not half-read.
      found = { bytes: await part.toBuffer(), name: part.filename || 'upload', type };
    }
  } catch (error) {
    throw multipartProblem(error, rules);
  }
  if (!found)
    throw badRequest(
      `The multipart body holds no file in the field "${rules.field}" (a part without a file name is a text field, not a file).`,
    );
  return found;
}

/** How an upload route reads its file; one per set of rules, registered in the route's plugin. */
export interface Uploads {
  /** The OpenAPI description of the body: a multipart form, or the file itself. */
  readonly body: { content: Record<string, { schema: unknown }> };
  /** The uploaded file: the field of a multipart body, or the whole body. */
  read(request: FastifyRequest): Promise<UploadedFile>;
}

/**
 * Makes the routes of a plugin upload routes: they take one file as `multipart/form-data` (in
 * `rules.field`) or as the raw body of one of `rules.types`. Registers, in the plugin's scope
 * only, the multipart reader and a raw-body reader in place of the JSON parser. Every way an
 * upload can be wrong ends as a problem: 400 (unreadable, no file, wrong field), 413 (too
 * large, too many files or fields), 415 (a type that is not one of `rules.types`).
 */
export async function acceptUploads(app: FastifyInstance, rules: UploadRules): Promise<Uploads> {
  app.removeAllContentTypeParsers();
  await app.register(multipart, {
    limits: {
      fileSize: rules.maxBytes,
      files: 1,
      fields: MAX_FIELDS,
      parts: MAX_FIELDS + 1,
    },
  });
  app.addContentTypeParser('*', async (request: FastifyRequest, payload: NodeJS.ReadableStream) => {
    const type = mediaTypeOf(request.headers['content-type']);
    if (!rules.types.includes(type)) throw unsupported(type, rules, 'The body');
    const declared = Number(request.headers['content-length']);
    if (!request.headers['content-encoding'] && declared > rules.maxBytes) throw tooLarge(rules);
    return readLimited(payload, rules);
  });

  const names: Record<string, string> = { 'text/csv': 'upload.csv', [XLSX_TYPE]: 'upload.xlsx' };
  const described = ['multipart/form-data', ...rules.types];
  return {
    body: {
      content: Object.fromEntries(
        described.map((type) => [
          type,
          {
            schema: Type.Unsafe<unknown>({
              description:
                type === 'multipart/form-data'
                  ? `${rules.what} in the field \`${rules.field}\`, at most ${describeBytes(rules.maxBytes)}`
                  : `The file itself, at most ${describeBytes(rules.maxBytes)}`,
            }),
          },
        ]),
      ),
    },
    async read(request) {
      if (request.isMultipart()) return readMultipart(request, rules);
      const body = request.body;
      if (!Buffer.isBuffer(body) || body.length === 0)
        throw badRequest(
          `Send ${rules.what} as the body, or in the field "${rules.field}" of a multipart/form-data body.`,
        );
      const type = mediaTypeOf(request.headers['content-type']);
      return { bytes: body, name: names[type] ?? 'upload', type };
    },
  };
}
