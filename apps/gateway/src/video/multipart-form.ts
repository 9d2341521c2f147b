import type { FastifyRequest } from 'fastify';
import { HttpException } from '@nestjs/common';
import { ProblemException, validationProblem } from '../problem/problem.js';

/** A multipart/form-data body read into memory: text fields and the named file fields. */
export interface FormInput {
  fields: Record<string, string>;
  files: Map<string, Buffer>;
}

export interface FormOptions {
  /** Parts that may carry a file; a file anywhere else is refused. */
  fileFields: readonly string[];
  maxFileBytes: number;
}

const TOO_LARGE = 'FST_REQ_FILE_TOO_LARGE';
const FORM_LIMITS = { fields: 64, fieldSize: 64 * 1024, parts: 80 } as const;

/** Reads every part; a file over maxFileBytes is a 422 naming its field (the rest of the body is not buffered). */
export async function readForm(request: FastifyRequest, options: FormOptions): Promise<FormInput> {
  const fields: Record<string, string> = {};
  const files = new Map<string, Buffer>();
  const limits = { ...FORM_LIMITS, files: options.fileFields.length, fileSize: options.maxFileBytes };
  let current = '';
  try {
    for await (const part of request.parts({ limits })) {
      current = part.fieldname;
      if (part.type === 'file') {
        if (!options.fileFields.includes(part.fieldname)) {
          part.file.resume();
          throw validationProblem([{ field: part.fieldname, message: 'is not a file field', allowed: options.fileFields.join(', ') || 'no files' }]);
        }
        files.set(part.fieldname, await part.toBuffer());
      } else {
        fields[part.fieldname] = typeof part.value === 'string' ? part.value : String(part.value);
      }
    }
  } catch (error) {
    if ((error as { code?: string }).code === TOO_LARGE) {
      throw validationProblem([
        { field: current, message: `the file is larger than ${options.maxFileBytes} bytes`, allowed: `at most ${options.maxFileBytes} bytes` },
      ]);
    }
    if (error instanceof HttpException) throw error;
    // busboy's own complaints (truncated body, bad boundary) are the client's fault, not ours.
    const reason = error instanceof Error ? error.message : String(error);
    throw new ProblemException(400, 'malformed-multipart', 'Bad Request', `the multipart/form-data body could not be read: ${reason}`);
  }
  return { fields, files };
}

const NUMBER_TEXT = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const BOOLEAN_TEXT: Record<string, boolean> = { true: true, false: false };

/**
 * Form fields are text: the named number fields become numbers when they read as one (otherwise the
 * text stays and validation names the field); empty fields count as absent, as HTML forms send them.
 */
export function coerceFormFields(
  fields: Record<string, string>,
  numberFields: readonly string[],
  booleanFields: readonly string[] = [],
): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [name, text] of Object.entries(fields)) {
    if (text === '') continue;
    const trimmed = text.trim();
    if (numberFields.includes(name) && NUMBER_TEXT.test(trimmed)) body[name] = Number(trimmed);
    else if (booleanFields.includes(name) && trimmed in BOOLEAN_TEXT) body[name] = BOOLEAN_TEXT[trimmed];
    else body[name] = text;
  }
  return body;
}
