import { type Static, type TSchema, Type } from '@sinclair/typebox';

/** Refers to a named schema by its $id and keeps its static type. */
export function refTo<T extends TSchema>(schema: T, options: { description?: string } = {}) {
  if (!schema.$id) throw new Error('refTo needs a schema with an $id');
  return Type.Unsafe<Static<T>>(Type.Ref(schema.$id, options));
}
