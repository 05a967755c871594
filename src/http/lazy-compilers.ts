import ValidatorSelector from '@fastify/ajv-compiler';
import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's own serializer factory (fast-json-stringify from each route's response schema), compiling each
 * serializer at its first use instead of at start-up: compiling all of them (every route, every status,
 * each checked against the JSON Schema meta-schema) was half of `serve`'s start-up CPU. A response is
 * still serialised by fast-json-stringify from its declared schema; test/http/lazy-compilers.test.ts
 * compiles every one, so a broken schema still fails before it ships.
 */
export function lazySerializers(): Factory {
  const factory = SerializerSelector();
  return (externalSchemas, serializerOpts) => {
    const compile = factory(externalSchemas, serializerOpts);
    return (route) => {
      let serialize: ((data: unknown) => string) | undefined;
      return (data: unknown) => {
        serialize ??= compile(route) as (data: unknown) => string;
        return serialize(data);
      };
    };
  };
}

type ValidatorFactory = ReturnType<typeof ValidatorSelector>;
type Validator = ((data: unknown, context?: unknown) => boolean) & { errors?: unknown; schemaEnv?: unknown };

/**
 * Fastify's own Ajv validator factory, compiling each route's request validators at first use: the other
 * large part of start-up. The wrapper hands on Ajv's `errors`, which Fastify reads after a failed check,
 * and says it is an Ajv function (`schemaEnv`), so that Fastify passes the parent Ajv needs to coerce a
 * root value.
 */
export function lazyValidators(): ValidatorFactory {
  const factory = ValidatorSelector();
  return (externalSchemas, options) => {
    const compile = factory(externalSchemas, options);
    return (route) => {
      let validate: Validator | undefined;
      const lazy: Validator = (data: unknown, context?: unknown) => {
        validate ??= compile(route) as Validator;
        const valid = validate(data, context);
        lazy.errors = validate.errors;
        return valid;
      };
      lazy.schemaEnv = true;
      // Typed as Ajv's function, of which Fastify uses only the call and `errors`.
      return lazy as never;
    };
  };
}
