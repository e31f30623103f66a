import ts from 'typescript';

/**
 * A small interpreter for the expressions test titles are built from, over the TypeScript parser's syntax
 * tree: literals, template strings, arrays and objects (with spreads), property access, `?:`, `&&`, `||`,
 * `??`, comparisons and arithmetic, destructuring, calls of the code's own functions (straight-line code up
 * to a `return`), a few built-ins (`map`, `filter`, `replace`, `Object.keys`...), and vitest's `describe` /
 * `it` / `test` with their modifiers and tables. Everything else is *unknown*, and so is any value built
 * from an unknown one, and any variable the file assigns to or changes (the interpreter does not follow
 * changes): nothing is guessed.
 */

export const UNKNOWN: unique symbol = Symbol('unknown');
export type Unknown = typeof UNKNOWN;

export type Value =
  | string
  | number
  | boolean
  | bigint
  | undefined
  | null
  | RegExp
  | Value[]
  | Obj
  | Closure
  | Native
  | Api
  | Unknown;

/** An object literal's value; `open` when it was spread from an unknown value (absent keys are unknown). */
export class Obj {
  constructor(
    readonly props: Map<string, Value>,
    readonly open = false,
  ) {}
}

/** A function of the code, with the scope it closes over. */
export class Closure {
  constructor(
    readonly node: ts.FunctionLikeDeclaration,
    readonly scope: Scope,
  ) {}
}

/** A built-in the interpreter models (`Array.prototype.map`, `String.prototype.replace`, `Object.entries`...). */
export class Native {
  constructor(
    readonly call: (args: Value[]) => Value,
    /** For `forEach` / `map` called for their effect: the elements, so that the walker calls the callback. */
    readonly elements?: Value[],
  ) {}
}

/** vitest's `describe` / `suite` (`suite`) or `it` / `test` (`test`), maybe with an `.each` / `.for` table. */
export class Api {
  constructor(
    readonly kind: 'suite' | 'test',
    readonly table?: { rows: Value; mode: 'each' | 'for' },
  ) {}
}

/** Chained modifiers that leave the function what it was (`it.concurrent.fails`, `describe.skip`...). */
const MODIFIERS = new Set(['concurrent', 'sequential', 'shuffle', 'skip', 'only', 'todo', 'fails']);
/** Calls that return the same function (`test.extend({...})`, `it.skipIf(cond)`...). */
const SAME_API_CALLS = new Set(['extend', 'skipIf', 'runIf', 'scoped', 'override']);
/** vitest's exports that define suites and tests. */
export const VITEST_API = new Map<string, Api['kind']>([
  ['describe', 'suite'],
  ['suite', 'suite'],
  ['it', 'test'],
  ['test', 'test'],
]);

/** Variables, each computed when first read (a declaration's order does not matter, as with hoisting). */
export class Scope {
  private readonly vars = new Map<string, { get: () => Value; value?: Value; state: 0 | 1 | 2 }>();

  constructor(readonly parent?: Scope) {}

  define(name: string, get: () => Value): void {
    this.vars.set(name, { get, state: 0 });
  }

  lookup(name: string): Value {
    const entry = this.vars.get(name);
    if (entry === undefined) {
      if (this.parent !== undefined) return this.parent.lookup(name);
      return GLOBALS.has(name) ? GLOBALS.get(name) : UNKNOWN;
    }
    if (entry.state === 2) return entry.value;
    if (entry.state === 1) return UNKNOWN; // a cycle
    entry.state = 1;
    entry.value = entry.get();
    entry.state = 2;
    return entry.value;
  }
}

export const isUnknown = (value: Value): value is Unknown => value === UNKNOWN;

/** Truthiness of a known value; unknown for unknown (objects and functions are truthy). */
export function truthy(value: Value): boolean | Unknown {
  if (isUnknown(value)) return UNKNOWN;
  if (typeof value === 'object' && value !== null) return true;
  return Boolean(value);
}

/** A primitive's text as `${}` gives it; unknown for anything else. */
function text(value: Value): string | Unknown {
  if (
    typeof value === 'string' ||
    typeof value === 'number' ||
    typeof value === 'boolean' ||
    typeof value === 'bigint' ||
    value === undefined ||
    value === null
  )
    return String(value);
  return UNKNOWN;
}

const native = (call: (args: Value[]) => Value, elements?: Value[]) => new Native(call, elements);

/** Calls `fn` with `args`; unknown unless it is a function the interpreter knows. */
function apply(fn: Value, args: Value[]): Value {
  if (fn instanceof Native) return fn.call(args);
  if (fn instanceof Closure) return callClosure(fn, args);
  return UNKNOWN;
}

/** The array methods the interpreter models (a callback that is not a known function makes them unknown). */
function arrayMethod(array: Value[], name: string): Value {
  const each = (fn: Value) => array.map((element, index) => apply(fn, [element, index, array]));
  switch (name) {
    case 'length':
      return array.length;
    case 'map':
    case 'forEach':
      return native(([fn]) => (name === 'map' ? each(fn) : undefined), array);
    case 'flatMap':
      return native(([fn]) => {
        const results = each(fn);
        if (results.some(isUnknown)) return UNKNOWN;
        return results.flatMap((result): Value[] => (Array.isArray(result) ? result : [result]));
      });
    case 'filter':
    case 'find':
    case 'some':
    case 'every':
      return native(([fn]) => {
        const results = each(fn).map(truthy);
        if (results.some(isUnknown)) return UNKNOWN;
        if (name === 'filter') return array.filter((_, index) => results[index]);
        if (name === 'find') return array.find((_, index) => results[index]);
        return name === 'some' ? results.some(Boolean) : results.every(Boolean);
      });
    case 'includes':
      return native(([value]) => (isUnknown(value) ? UNKNOWN : array.includes(value)));
    case 'join':
      return native(([separator]) => {
        const texts = array.map(text);
        if (texts.some(isUnknown) || !(separator === undefined || typeof separator === 'string'))
          return UNKNOWN;
        return texts.join(separator ?? ',');
      });
    default:
      return /^\d+$/.test(name) ? array[Number(name)] : UNKNOWN;
  }
}

/** The string methods the interpreter models. */
function stringMethod(value: string, name: string): Value {
  switch (name) {
    case 'length':
      return value.length;
    case 'replace':
    case 'replaceAll':
      return native(([pattern, replacement]) => {
        if (typeof replacement !== 'string' || !(typeof pattern === 'string' || pattern instanceof RegExp))
          return UNKNOWN;
        return name === 'replace'
          ? value.replace(pattern, replacement)
          : value.replaceAll(pattern, replacement);
      });
    case 'toUpperCase':
    case 'toLowerCase':
    case 'trim':
      return native(() => value[name]());
    default:
      return /^\d+$/.test(name) ? value[Number(name)] : UNKNOWN;
  }
}

export function property(target: Value, name: string): Value {
  if (Array.isArray(target)) return arrayMethod(target, name);
  if (typeof target === 'string') return stringMethod(target, name);
  if (target instanceof Obj) {
    if (target.props.has(name)) return target.props.get(name);
    return target.open ? UNKNOWN : undefined;
  }
  if (target instanceof Api) {
    if (MODIFIERS.has(name)) return target;
    if (name === 'each' || name === 'for') {
      const mode = name;
      return native(([rows]) => new Api(target.kind, { rows: rows as Value, mode }));
    }
    if (SAME_API_CALLS.has(name)) return native(() => target);
  }
  return UNKNOWN;
}

/** Whether a value is a plain object the interpreter knows every key of. */
const known = (value: Value): value is Obj => value instanceof Obj && !value.open;

/** The globals the interpreter models; `undefined` is one. */
const GLOBALS = new Map<string, Value>([
  ['undefined', undefined],
  ['String', native(([value]) => text(value))],
  ['Number', native(([value]) => (isUnknown(value) ? UNKNOWN : Number(value)))],
  [
    'Object',
    new Obj(
      new Map<string, Value>([
        ['keys', native(([object]) => (known(object) ? [...object.props.keys()] : UNKNOWN))],
        ['values', native(([object]) => (known(object) ? [...object.props.values()] : UNKNOWN))],
        [
          'entries',
          native(([object]) => (known(object) ? [...object.props].map(([k, v]) => [k, v]) : UNKNOWN)),
        ],
        ['freeze', native(([object]) => object)],
        [
          'fromEntries',
          native(([entries]) => {
            const props = new Map<string, Value>();
            for (const entry of Array.isArray(entries) ? entries : [UNKNOWN]) {
              const key = Array.isArray(entry) ? text(entry[0]) : UNKNOWN;
              if (isUnknown(key) || !Array.isArray(entry)) return UNKNOWN;
              props.set(key, entry[1]);
            }
            return new Obj(props);
          }),
        ],
      ]),
    ),
  ],
]);

/** The value of `expression` in `scope`, or unknown. */
export function evaluate(expression: ts.Expression, scope: Scope): Value {
  const e = expression;
  if (ts.isStringLiteral(e) || ts.isNoSubstitutionTemplateLiteral(e)) return e.text;
  if (ts.isNumericLiteral(e)) return Number(e.text);
  if (e.kind === ts.SyntaxKind.TrueKeyword) return true;
  if (e.kind === ts.SyntaxKind.FalseKeyword) return false;
  if (e.kind === ts.SyntaxKind.NullKeyword) return null;
  if (ts.isRegularExpressionLiteral(e)) {
    const slash = e.text.lastIndexOf('/');
    return new RegExp(e.text.slice(1, slash), e.text.slice(slash + 1));
  }
  if (ts.isTemplateExpression(e)) {
    let out = e.head.text;
    for (const span of e.templateSpans) {
      const part = text(evaluate(span.expression, scope));
      if (isUnknown(part)) return UNKNOWN;
      out += part + span.literal.text;
    }
    return out;
  }
  if (ts.isIdentifier(e)) return scope.lookup(e.text);
  if (
    ts.isParenthesizedExpression(e) ||
    ts.isAsExpression(e) ||
    ts.isSatisfiesExpression(e) ||
    ts.isNonNullExpression(e) ||
    ts.isTypeAssertionExpression(e)
  )
    return evaluate(e.expression, scope);
  if (ts.isPropertyAccessExpression(e)) {
    const target = evaluate(e.expression, scope);
    if ((target === undefined || target === null) && e.questionDotToken) return undefined;
    return property(target, e.name.text);
  }
  if (ts.isElementAccessExpression(e)) {
    const target = evaluate(e.expression, scope);
    const key = text(evaluate(e.argumentExpression, scope));
    if ((target === undefined || target === null) && e.questionDotToken) return undefined;
    return isUnknown(key) ? UNKNOWN : property(target, key);
  }
  if (ts.isCallExpression(e)) {
    const callee = evaluate(e.expression, scope);
    if ((callee === undefined || callee === null) && e.questionDotToken) return undefined;
    return apply(callee, argumentsOf(e.arguments, scope));
  }
  if (ts.isArrayLiteralExpression(e)) {
    const out: Value[] = [];
    for (const element of e.elements) {
      if (ts.isSpreadElement(element)) {
        const spread = evaluate(element.expression, scope);
        if (!Array.isArray(spread)) return UNKNOWN;
        out.push(...spread);
      } else if (ts.isOmittedExpression(element)) {
        out.push(undefined);
      } else {
        out.push(evaluate(element, scope));
      }
    }
    return out;
  }
  if (ts.isObjectLiteralExpression(e)) return objectLiteral(e, scope);
  if (ts.isArrowFunction(e) || ts.isFunctionExpression(e)) return new Closure(e, scope);
  if (ts.isConditionalExpression(e)) {
    const condition = truthy(evaluate(e.condition, scope));
    if (isUnknown(condition)) return UNKNOWN;
    return evaluate(condition ? e.whenTrue : e.whenFalse, scope);
  }
  if (ts.isPrefixUnaryExpression(e)) {
    const operand = evaluate(e.operand, scope);
    if (e.operator === ts.SyntaxKind.ExclamationToken) {
      const value = truthy(operand);
      return isUnknown(value) ? UNKNOWN : !value;
    }
    if (typeof operand !== 'number') return UNKNOWN;
    if (e.operator === ts.SyntaxKind.MinusToken) return -operand;
    if (e.operator === ts.SyntaxKind.PlusToken) return operand;
    return UNKNOWN;
  }
  if (ts.isBinaryExpression(e)) return binary(e, scope);
  return UNKNOWN;
}

export function argumentsOf(args: ts.NodeArray<ts.Expression>, scope: Scope): Value[] {
  const out: Value[] = [];
  for (const arg of args) {
    if (ts.isSpreadElement(arg)) {
      const spread = evaluate(arg.expression, scope);
      if (!Array.isArray(spread)) return [UNKNOWN];
      out.push(...spread);
    } else {
      out.push(evaluate(arg, scope));
    }
  }
  return out;
}

function propertyName(name: ts.PropertyName, scope: Scope): string | Unknown {
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name)) return name.text;
  if (ts.isComputedPropertyName(name)) return text(evaluate(name.expression, scope));
  return UNKNOWN;
}

function objectLiteral(e: ts.ObjectLiteralExpression, scope: Scope): Value {
  const props = new Map<string, Value>();
  let open = false;
  for (const member of e.properties) {
    if (ts.isSpreadAssignment(member)) {
      const spread = evaluate(member.expression, scope);
      if (spread instanceof Obj) {
        for (const [key, value] of spread.props) props.set(key, value);
        open ||= spread.open;
      } else if (spread !== undefined && spread !== null) {
        open = true;
      }
      continue;
    }
    if (ts.isShorthandPropertyAssignment(member)) {
      props.set(member.name.text, scope.lookup(member.name.text));
      continue;
    }
    const key = propertyName(member.name, scope);
    if (isUnknown(key)) {
      open = true;
      continue;
    }
    if (ts.isPropertyAssignment(member)) props.set(key, evaluate(member.initializer, scope));
    else if (ts.isMethodDeclaration(member)) props.set(key, new Closure(member, scope));
    else props.set(key, UNKNOWN); // an accessor
  }
  return new Obj(props, open);
}

function binary(e: ts.BinaryExpression, scope: Scope): Value {
  const op = e.operatorToken.kind;
  const left = evaluate(e.left, scope);
  if (op === ts.SyntaxKind.AmpersandAmpersandToken || op === ts.SyntaxKind.BarBarToken) {
    const value = truthy(left);
    if (isUnknown(value)) return UNKNOWN;
    if (op === ts.SyntaxKind.AmpersandAmpersandToken) return value ? evaluate(e.right, scope) : left;
    return value ? left : evaluate(e.right, scope);
  }
  if (op === ts.SyntaxKind.QuestionQuestionToken) {
    if (isUnknown(left)) return UNKNOWN;
    return left === undefined || left === null ? evaluate(e.right, scope) : left;
  }
  const right = evaluate(e.right, scope);
  const primitive = (value: Value) =>
    value === null || ['string', 'number', 'boolean', 'undefined', 'bigint'].includes(typeof value);
  if (op === ts.SyntaxKind.EqualsEqualsEqualsToken || op === ts.SyntaxKind.ExclamationEqualsEqualsToken) {
    // Two different objects are never identical; an unknown value might be anything.
    if (isUnknown(left) || isUnknown(right)) return UNKNOWN;
    if (!primitive(left) && !primitive(right) && left !== right) return UNKNOWN;
    const same = left === right;
    return op === ts.SyntaxKind.EqualsEqualsEqualsToken ? same : !same;
  }
  if (!primitive(left) || !primitive(right)) return UNKNOWN;
  const [l, r] = [left as number, right as number];
  switch (op) {
    case ts.SyntaxKind.PlusToken:
      return (l as unknown as string) + (r as unknown as string);
    case ts.SyntaxKind.MinusToken:
      return l - r;
    case ts.SyntaxKind.AsteriskToken:
      return l * r;
    case ts.SyntaxKind.SlashToken:
      return l / r;
    case ts.SyntaxKind.AsteriskAsteriskToken:
      return l ** r;
    case ts.SyntaxKind.LessThanToken:
      return l < r;
    case ts.SyntaxKind.GreaterThanToken:
      return l > r;
    case ts.SyntaxKind.LessThanEqualsToken:
      return l <= r;
    case ts.SyntaxKind.GreaterThanEqualsToken:
      return l >= r;
    case ts.SyntaxKind.EqualsEqualsToken:
      // biome-ignore lint/suspicious/noDoubleEquals: the code's own `==`
      return left == right;
    case ts.SyntaxKind.ExclamationEqualsToken:
      // biome-ignore lint/suspicious/noDoubleEquals: the code's own `!=`
      return left != right;
    default:
      return UNKNOWN;
  }
}

const MUTATORS = new Set([
  'push',
  'pop',
  'shift',
  'unshift',
  'splice',
  'sort',
  'reverse',
  'fill',
  'set',
  'add',
  'delete',
  'clear',
  'assign',
]);
const mutations = new WeakMap<ts.SourceFile, Set<string>>();

/**
 * The names a file assigns to or changes anywhere (`x = `, `x.y = `, `x++`, `x.push()`, `delete x.y`,
 * `Object.assign(x)`): the interpreter does not follow changes, so it takes their values as unknown. By name,
 * in any scope of the file: more unknowns than needed, never a stale value.
 */
function mutatedIn(source: ts.SourceFile): Set<string> {
  const known = mutations.get(source);
  if (known) return known;
  const names = new Set<string>();
  const base = (node: ts.Expression): ts.Expression =>
    ts.isPropertyAccessExpression(node) ||
    ts.isElementAccessExpression(node) ||
    ts.isParenthesizedExpression(node) ||
    ts.isNonNullExpression(node)
      ? base(node.expression)
      : node;
  const visit = (node: ts.Node): void => {
    let target: ts.Expression | undefined;
    if (
      ts.isBinaryExpression(node) &&
      node.operatorToken.kind >= ts.SyntaxKind.FirstAssignment &&
      node.operatorToken.kind <= ts.SyntaxKind.LastAssignment
    )
      target = node.left;
    else if (
      (ts.isPrefixUnaryExpression(node) || ts.isPostfixUnaryExpression(node)) &&
      (node.operator === ts.SyntaxKind.PlusPlusToken || node.operator === ts.SyntaxKind.MinusMinusToken)
    )
      target = node.operand;
    else if (ts.isDeleteExpression(node)) target = node.expression;
    else if (ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
      const method = node.expression.name.text;
      if (method === 'assign') target = node.arguments[0];
      else if (MUTATORS.has(method)) target = node.expression.expression;
    }
    const name = target && base(target);
    if (name && ts.isIdentifier(name)) names.add(name.text);
    ts.forEachChild(node, visit);
  };
  visit(source);
  mutations.set(source, names);
  return names;
}

/**
 * Binds a declaration's name (maybe a destructuring pattern) to `value()`, computed when first read; a name
 * the file changes somewhere is unknown.
 */
export function bind(name: ts.BindingName, value: () => Value, scope: Scope): void {
  if (ts.isIdentifier(name)) {
    const changed = mutatedIn(name.getSourceFile()).has(name.text);
    scope.define(name.text, changed ? () => UNKNOWN : value);
    return;
  }
  let cached: { value: Value } | undefined;
  const whole = () => {
    cached ??= { value: value() };
    return cached.value;
  };
  name.elements.forEach((element, index) => {
    if (ts.isOmittedExpression(element)) return;
    const part = (): Value => {
      const source = whole();
      if (element.dotDotDotToken) {
        return Array.isArray(source) && ts.isArrayBindingPattern(name) ? source.slice(index) : UNKNOWN;
      }
      let key: string | Unknown = String(index);
      if (ts.isObjectBindingPattern(name)) {
        const keyNode = element.propertyName ?? element.name;
        key = ts.isIdentifier(keyNode) ? keyNode.text : propertyName(keyNode as ts.PropertyName, scope);
      }
      const got = isUnknown(key) ? UNKNOWN : property(source, key);
      return got === undefined && element.initializer ? evaluate(element.initializer, scope) : got;
    };
    bind(element.name, part, scope);
  });
}

/** Binds a function's parameters to `args` in a new scope below the function's own. */
export function parameters(fn: Closure, args: Value[]): Scope {
  const scope = new Scope(fn.scope);
  fn.node.parameters.forEach((parameter, index) => {
    const arg = parameter.dotDotDotToken ? args.slice(index) : args[index];
    const value = () =>
      arg === undefined && parameter.initializer ? evaluate(parameter.initializer, scope) : (arg as Value);
    bind(parameter.name, value, scope);
  });
  return scope;
}

/** Declares what a block's statements declare (functions, `const` / `let`), each computed when read. */
export function declare(statements: readonly ts.Statement[], scope: Scope): void {
  for (const statement of statements) {
    if (ts.isFunctionDeclaration(statement) && statement.name) {
      const fn = new Closure(statement, scope);
      scope.define(statement.name.text, () => fn);
    } else if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        const init = declaration.initializer;
        bind(declaration.name, () => (init ? evaluate(init, scope) : undefined), scope);
      }
    }
  }
}

let depth = 0;

/**
 * Runs a function for its return value. Only straight-line code is followed (declarations, `if`, `return`);
 * anything else before the `return` (a loop, a call for its effect) makes the result unknown.
 */
function callClosure(fn: Closure, args: Value[]): Value {
  if (depth > 100) return UNKNOWN; // recursion the interpreter does not follow
  depth++;
  try {
    const scope = parameters(fn, args);
    const body = fn.node.body;
    if (body === undefined) return UNKNOWN;
    if (!ts.isBlock(body)) return evaluate(body, scope);
    const result = straightLine(body.statements, scope);
    return result === 'unknown' ? UNKNOWN : result?.value;
  } finally {
    depth--;
  }
}

/** Runs statements up to a `return`: its value, `undefined` without one, `'unknown'` past anything else. */
function straightLine(
  statements: readonly ts.Statement[],
  scope: Scope,
): { value: Value } | undefined | 'unknown' {
  declare(statements, scope);
  for (const statement of statements) {
    if (
      ts.isFunctionDeclaration(statement) ||
      ts.isVariableStatement(statement) ||
      ts.isEmptyStatement(statement)
    )
      continue;
    if (ts.isReturnStatement(statement))
      return { value: statement.expression ? evaluate(statement.expression, scope) : undefined };
    if (!ts.isIfStatement(statement)) return 'unknown';
    const condition = truthy(evaluate(statement.expression, scope));
    if (isUnknown(condition)) return 'unknown';
    const branch = condition ? statement.thenStatement : statement.elseStatement;
    if (branch === undefined) continue;
    const result = straightLine(ts.isBlock(branch) ? branch.statements : [branch], new Scope(scope));
    if (result !== undefined) return result;
  }
  return undefined;
}

export function boundNames(name: ts.BindingName): string[] {
  if (ts.isIdentifier(name)) return [name.text];
  return name.elements.flatMap((element) =>
    ts.isOmittedExpression(element) ? [] : boundNames(element.name),
  );
}

/** A known value as plain data (objects, arrays, primitives), or unknown: for `%j`. */
export function plain(value: Value): unknown {
  if (value instanceof Obj) {
    if (value.open) return UNKNOWN;
    const out: Record<string, unknown> = {};
    for (const [key, item] of value.props) {
      const converted = plain(item);
      if (converted === UNKNOWN) return UNKNOWN;
      if (converted !== undefined) out[key] = converted;
    }
    return out;
  }
  if (Array.isArray(value)) {
    const out = value.map(plain);
    return out.includes(UNKNOWN) ? UNKNOWN : out;
  }
  if (value instanceof Closure || value instanceof Native) return undefined;
  if (isUnknown(value) || value instanceof Api || value instanceof RegExp) return UNKNOWN;
  return value;
}
