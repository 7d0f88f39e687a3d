import { type Static, Type } from '@sinclair/typebox';

export const HealthResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    status: Type.Literal('ok'),
  },
  { $id: 'HealthResponse', description: 'The process is up' },
);

export const ReadyResponseSchema = Type.Object(
  {
    success: Type.Literal(true),
    status: Type.Literal('ready'),
    database: Type.Union([Type.Literal('postgres'), Type.Literal('embedded')], {
      description: 'postgres for a server named by DATABASE_URL, embedded for PGlite',
    }),
  },
  { $id: 'ReadyResponse', description: 'The database responds to queries' },
);
export type ReadyResponse = Static<typeof ReadyResponseSchema>;
