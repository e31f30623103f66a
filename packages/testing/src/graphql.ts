import {
  GraphQLBoolean,
  type GraphQLFieldConfigMap,
  GraphQLFloat,
  GraphQLInt,
  GraphQLList,
  GraphQLNonNull,
  GraphQLObjectType,
  type GraphQLOutputType,
  GraphQLSchema,
  GraphQLString,
  graphql,
} from 'graphql';
import { dataTypeOf, type ObjectStore, type WeaviateObject } from './object-store.js';

function outputType(dataType: string): GraphQLOutputType {
  switch (dataType) {
    case 'int':
      return GraphQLInt;
    case 'number':
      return GraphQLFloat;
    case 'boolean':
      return GraphQLBoolean;
    case 'int[]':
      return new GraphQLList(GraphQLInt);
    case 'number[]':
      return new GraphQLList(GraphQLFloat);
    case 'boolean[]':
      return new GraphQLList(GraphQLBoolean);
    case 'text[]':
      return new GraphQLList(GraphQLString);
    default:
      return GraphQLString;
  }
}

function scalar(value: unknown, dataType: string): unknown {
  if (value === null || value === undefined) return null;
  if (dataType === 'text' && typeof value === 'object') return JSON.stringify(value);
  if (dataType === 'text' && typeof value !== 'string') return String(value);
  return value;
}

/**
 * A real graphql-js schema over the stored objects, built per request: `Get { <Class>(limit) { <props>
 * _additional { id } } }` and `Aggregate { <Class> { meta { count } } }`. Classes come from the stored
 * objects' `class`, properties from their `properties`.
 */
export function buildSchema(store: ObjectStore): GraphQLSchema {
  const classes = store.classes();
  const additional = new GraphQLObjectType<WeaviateObject>({
    name: '_Additional',
    fields: {
      id: { type: GraphQLString, resolve: (o) => o.id },
      creationTimeUnix: { type: GraphQLString, resolve: (o) => String(o.creationTimeUnix) },
      lastUpdateTimeUnix: { type: GraphQLString, resolve: (o) => String(o.lastUpdateTimeUnix) },
    },
  });
  const meta = new GraphQLObjectType<{ count: number }>({
    name: '_AggregateMeta',
    fields: { count: { type: GraphQLInt } },
  });

  const getFields: GraphQLFieldConfigMap<unknown, unknown> = {};
  const aggregateFields: GraphQLFieldConfigMap<unknown, unknown> = {};
  for (const [className, props] of classes) {
    const fields: GraphQLFieldConfigMap<WeaviateObject, unknown> = {
      _additional: { type: additional, resolve: (o) => o },
    };
    for (const [prop, values] of props) {
      const dataType = dataTypeOf(values);
      fields[prop] = { type: outputType(dataType), resolve: (o) => scalar(o.properties[prop], dataType) };
    }
    const objectType = new GraphQLObjectType<WeaviateObject>({ name: className, fields });
    getFields[className] = {
      type: new GraphQLList(new GraphQLNonNull(objectType)),
      args: { limit: { type: GraphQLInt }, offset: { type: GraphQLInt } },
      resolve: (_source, args: { limit?: number | null; offset?: number | null }) => {
        const offset = args.offset ?? 0;
        const objects = store.list(className).slice(offset);
        return args.limit === undefined || args.limit === null ? objects : objects.slice(0, args.limit);
      },
    };
    aggregateFields[className] = {
      type: new GraphQLList(
        new GraphQLObjectType({ name: `_Aggregate${className}`, fields: { meta: { type: meta } } }),
      ),
      resolve: () => [{ meta: { count: store.list(className).length } }],
    };
  }

  const queryFields: GraphQLFieldConfigMap<unknown, unknown> = {};
  if (classes.size > 0) {
    queryFields.Get = {
      type: new GraphQLObjectType({ name: '_GetObjectsObj', fields: getFields }),
      resolve: () => ({}),
    };
    queryFields.Aggregate = {
      type: new GraphQLObjectType({ name: '_AggregateObjectsObj', fields: aggregateFields }),
      resolve: () => ({}),
    };
  } else {
    queryFields._empty = {
      type: GraphQLBoolean,
      description: 'No class has objects yet; store an object to get Get and Aggregate.',
      resolve: () => null,
    };
  }
  return new GraphQLSchema({ query: new GraphQLObjectType({ name: '_WeaviateObj', fields: queryFields }) });
}

/** Runs one GraphQL request body (`{ query, variables?, operationName? }`). */
export async function runGraphql(
  store: ObjectStore,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  if (typeof body !== 'object' || body === null || typeof (body as { query?: unknown }).query !== 'string') {
    return {
      status: 422,
      json: { error: [{ message: 'the body must be a JSON object with a "query" string' }] },
    };
  }
  const { query, variables, operationName } = body as {
    query: string;
    variables?: Record<string, unknown> | null;
    operationName?: string | null;
  };
  const result = await graphql({
    schema: buildSchema(store),
    source: query,
    variableValues: variables ?? null,
    operationName: operationName ?? null,
  });
  // Weaviate answers GraphQL errors with 200 and an `errors` array, like most GraphQL servers.
  return { status: 200, json: result };
}
