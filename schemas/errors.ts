import { type Static, type TUnsafe, Type } from '@sinclair/typebox';
import { refTo } from './ref.js';

export const ErrorResponseSchema = Type.Object(
  {
    success: Type.Literal(false),
    message: Type.String({
      description: 'What failed, on which value, and what to do next',
      examples: ['Invalid mac "not-a-mac": expected a MAC address such as AA:BB:CC:DD:EE:FF.'],
    }),
    error: Type.String({
      description: 'Stable short code of the failure',
      examples: ['invalid_value'],
    }),
  },
  { $id: 'ErrorResponse', description: 'The envelope of every error response' },
);

export type ErrorResponse = Static<typeof ErrorResponseSchema>;

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Invalid input; the message names the field and value',
  401: 'Missing or wrong bearer token',
  404: 'Unknown route',
  409: 'Conflict with a stored session',
  413: 'Body larger than 1 MiB',
  415: 'Content type other than application/json',
  500: 'Unexpected failure; details are in the service log under the request id',
  503: 'Database unavailable; retry later',
};

/** Declares the error envelope for each status code a route can return. */
export function errorResponses(...codes: number[]) {
  const responses: Record<number, TUnsafe<ErrorResponse>> = {};
  for (const code of [...codes, 500]) {
    const description = ERROR_DESCRIPTIONS[code] ?? 'Error';
    responses[code] = refTo(ErrorResponseSchema, { description });
  }
  return responses;
}
