import { randomUUID } from 'node:crypto';

/** A stored object, shaped like Weaviate's. */
export interface WeaviateObject {
  id: string;
  class: string;
  properties: Record<string, unknown>;
  creationTimeUnix: number;
  lastUpdateTimeUnix: number;
}

/** Thrown for a bad object body; the REST side answers 422. */
export class InvalidObjectError extends Error {
  override readonly name = 'InvalidObjectError';
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const CLASS_NAME = /^[A-Za-z][_0-9A-Za-z]*$/;
const PROPERTY_NAME = /^[_A-Za-z][_0-9A-Za-z]*$/;

/** Objects in memory, in insertion order. Classes exist as long as they have objects. */
export class ObjectStore {
  readonly #objects = new Map<string, WeaviateObject>();

  create(body: unknown): WeaviateObject {
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw new InvalidObjectError(
        'the body must be a JSON object like {"class": "Article", "properties": {...}}',
      );
    }
    const input = body as Record<string, unknown>;
    const className = input.class;
    if (typeof className !== 'string' || !CLASS_NAME.test(className)) {
      throw new InvalidObjectError(
        '"class" must be a name of letters, digits and underscores, starting with a letter',
      );
    }
    const properties = input.properties ?? {};
    if (typeof properties !== 'object' || properties === null || Array.isArray(properties)) {
      throw new InvalidObjectError('"properties" must be a JSON object');
    }
    for (const name of Object.keys(properties)) {
      if (!PROPERTY_NAME.test(name)) {
        throw new InvalidObjectError(
          `property name ${JSON.stringify(name)} is not valid (letters, digits, _)`,
        );
      }
    }
    let id = input.id;
    if (id === undefined) id = randomUUID();
    if (typeof id !== 'string' || !UUID.test(id)) throw new InvalidObjectError('"id" must be a UUID');
    if (this.#objects.has(id)) throw new InvalidObjectError(`an object with id ${id} already exists`);
    const now = Date.now();
    const object: WeaviateObject = {
      id,
      // Weaviate capitalises class names.
      class: className.charAt(0).toUpperCase() + className.slice(1),
      properties: structuredClone(properties as Record<string, unknown>),
      creationTimeUnix: now,
      lastUpdateTimeUnix: now,
    };
    this.#objects.set(id, object);
    return object;
  }

  get(id: string): WeaviateObject | undefined {
    return this.#objects.get(id);
  }

  delete(id: string): boolean {
    return this.#objects.delete(id);
  }

  list(className?: string): WeaviateObject[] {
    const all = [...this.#objects.values()];
    return className === undefined
      ? all
      : all.filter((o) => o.class.toLowerCase() === className.toLowerCase());
  }

  /** Class name -> property name -> the values seen, for the schema and GraphQL. */
  classes(): Map<string, Map<string, unknown[]>> {
    const classes = new Map<string, Map<string, unknown[]>>();
    for (const object of this.#objects.values()) {
      let props = classes.get(object.class);
      if (!props) {
        props = new Map();
        classes.set(object.class, props);
      }
      for (const [name, value] of Object.entries(object.properties)) {
        const values = props.get(name) ?? [];
        values.push(value);
        props.set(name, values);
      }
    }
    return classes;
  }
}

/** Weaviate's dataType for a property, from the values stored. */
export function dataTypeOf(values: unknown[]): string {
  const present = values.filter((v) => v !== null && v !== undefined);
  const kinds = new Set(
    present.map((v) => {
      if (Array.isArray(v)) {
        const inner = v[0];
        if (typeof inner === 'number') return v.every(Number.isInteger) ? 'int[]' : 'number[]';
        if (typeof inner === 'boolean') return 'boolean[]';
        return 'text[]';
      }
      if (typeof v === 'number') return Number.isInteger(v) ? 'int' : 'number';
      if (typeof v === 'boolean') return 'boolean';
      if (typeof v === 'string') return 'text';
      return 'object';
    }),
  );
  if (kinds.size === 0) return 'text';
  if (kinds.size === 1) return [...kinds][0] as string;
  if ([...kinds].every((k) => k === 'int' || k === 'number')) return 'number';
  if ([...kinds].every((k) => k === 'int[]' || k === 'number[]')) return 'number[]';
  return 'text';
}
