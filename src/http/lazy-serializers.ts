import SerializerSelector from '@fastify/fast-json-stringify-compiler';

type Factory = ReturnType<typeof SerializerSelector>;

/**
 * Fastify's own serializer factory (fast-json-stringify from each route's response schema), compiling each
 * serializer at its first use instead of at start-up: compiling all of them (every route, every status,
 * each checked against the JSON Schema meta-schema) was half of `serve`'s start-up CPU. A response is
 * still serialised by fast-json-stringify from its declared schema; test/http/response-serializers.test.ts
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
