// Expected failures with a stable code and HTTP status. The error handler
// turns them, and every other failure, into the JSON error envelope.

export type ErrorCode =
  | 'bad_request'
  | 'invalid_value'
  | 'unauthorized'
  | 'not_found'
  | 'conflict'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'too_many_rows'
  | 'database_unavailable'
  | 'internal_error';

export class ApiError extends Error {
  readonly statusCode: number;
  readonly code: ErrorCode;

  constructor(statusCode: number, code: ErrorCode, message: string) {
    super(message);
    this.name = 'ApiError';
    this.statusCode = statusCode;
    this.code = code;
  }
}

/** Renders a request value for a message: quoted and cut to 80 characters. */
export function quoteValue(value: unknown): string {
  const text = typeof value === 'string' ? value : JSON.stringify(value) ?? String(value);
  const cut = text.length > 80 ? `${text.slice(0, 80)}...` : text;
  return JSON.stringify(cut);
}

/** Creates a 400 for one field: `Invalid start_time "x": expected ...`. */
export function invalidField(field: string, value: unknown, reason: string): ApiError {
  return new ApiError(400, 'invalid_value', `Invalid ${field} ${quoteValue(value)}: ${reason}.`);
}

export function missingField(field: string, hint: string): ApiError {
  return new ApiError(400, 'bad_request', `Missing ${field}: ${hint}.`);
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'bad_request', message);
}

export function conflict(message: string): ApiError {
  return new ApiError(409, 'conflict', message);
}
