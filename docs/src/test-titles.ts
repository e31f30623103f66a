import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import ts from 'typescript';
import {
  Api,
  argumentsOf,
  bind,
  boundNames,
  Closure,
  declare,
  evaluate,
  isUnknown,
  Native,
  Obj,
  parameters,
  plain,
  property,
  Scope,
  truthy,
  UNKNOWN,
  type Unknown,
  type Value,
  VITEST_API,
} from './evaluate.js';

/**
 * The tests a vitest file defines, found without running it: its `describe` / `it` / `test` calls are read
 * with the TypeScript parser, and the expressions their titles are built from are evaluated by the small
 * interpreter of evaluate.ts. It follows what the repository's test files do: `.each` / `.for` tables
 * (vitest's `%s %d %i %f %j %# %$ %%` and `$name` formatting), template strings, `for...of` loops and
 * `if`s over known values, helper functions that define tests (`eachAdapter()` in reliability,
 * `adapterContract()` from @auth/test-utils), and the constants and functions those import from the
 * workspace (relative imports, and `@auth/*` packages through their `@auth/source` export). A title built
 * from a value it cannot compute is reported as unresolved, never guessed; a test under an `if` it cannot
 * decide, or in a loop over values it cannot compute, is marked conditional.
 */

/** One level of a test's name: a `describe` title or the test's own. */
export interface TitlePart {
  /** The title vitest shows, or `undefined` when it depends on a value the interpreter could not compute. */
  readonly title: string | undefined;
  /** For a title of an `.each` / `.for` table: the title as written, e.g. `works with %s` (names every case). */
  readonly template?: string;
}

/** A test as vitest would collect it. */
export interface FoundTest {
  /** The enclosing `describe` titles, outermost first, then the test's own. */
  readonly parts: readonly TitlePart[];
  /** The line of the call that defines it, in `file` (maybe a helper's file, such as the adapter contract). */
  readonly line: number;
  /** Where that call is, relative to the repository root. */
  readonly file: string;
  /** Under an `if` the interpreter could not decide, or in a loop over unknown values: it may not exist. */
  readonly conditional: boolean;
}

/** A parsed file: its top-level scope and its exports (`export *` ones by the module they come from). */
interface Module {
  readonly file: string;
  readonly source: ts.SourceFile;
  readonly scope: Scope;
  readonly exports: Map<string, () => Value>;
  readonly starExports: string[];
}

// ---------------------------------------------------------------------------------------------------------
// Modules: the test files and the workspace files they import.

/** The workspace's packages by name: their folders (`packages/*`, `apps/*`, `reliability`, `bench`, `docs`). */
function workspacePackages(root: string): Map<string, string> {
  const folders = ['packages', 'apps'].flatMap((parent) =>
    existsSync(join(root, parent))
      ? ts.sys.getDirectories(join(root, parent)).map((name) => join(root, parent, name))
      : [],
  );
  const packages = new Map<string, string>();
  for (const folder of [...folders, ...['reliability', 'bench', 'docs'].map((name) => join(root, name))]) {
    const manifest = join(folder, 'package.json');
    if (existsSync(manifest)) packages.set(JSON.parse(readFileSync(manifest, 'utf8')).name, folder);
  }
  return packages;
}

/** Reads the tests of a repository's files; modules are parsed once and shared between the files. */
export class TestCatalog {
  private readonly modules = new Map<string, Module>();
  private readonly tests = new Map<string, FoundTest[]>();

  private packages: Map<string, string> | undefined;

  /** @param root The repository root; files are named relative to it. */
  constructor(readonly root: string) {}

  /**
   * The workspace file an import in `from` names: a relative one, or an `@auth/*` package's export through
   * its `@auth/source` condition; `undefined` for anything else (a package outside the workspace).
   */
  private resolve(from: string, specifier: string): string | undefined {
    if (specifier.startsWith('.')) {
      const base = join(dirname(from), specifier);
      return [base.replace(/\.js$/, '.ts'), `${base}.ts`, join(base, 'index.ts')].find((path) =>
        existsSync(path),
      );
    }
    const match = /^(@auth\/[^/]+)(\/.*)?$/.exec(specifier);
    this.packages ??= workspacePackages(this.root);
    const folder = match === null ? undefined : this.packages.get(match[1]!);
    if (match === null || folder === undefined) return undefined;
    const entry = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')).exports?.[
      `.${match[2] ?? ''}`
    ];
    const target = typeof entry === 'string' ? entry : entry?.['@auth/source'];
    return typeof target === 'string' ? join(folder, target) : undefined;
  }

  /**
   * The tests `file` (relative to the root) defines, in the order vitest collects them; `undefined` when
   * there is no such file.
   */
  testsOf(file: string): readonly FoundTest[] | undefined {
    const path = join(this.root, file);
    if (!existsSync(path)) return undefined;
    let found = this.tests.get(path);
    if (found === undefined) {
      found = [];
      const module = this.module(path);
      walk(module.source.statements, module.scope, {
        parts: [],
        conditional: false,
        out: found,
        catalog: this,
      });
      this.tests.set(path, found);
    }
    return found;
  }

  /**
   * The value of a module's export as plain data (e.g. `adapterNames` of reliability/src/harness.ts), or
   * `undefined` when the interpreter cannot compute it.
   */
  valueOf(file: string, name: string): unknown {
    const value = plain(this.exported(this.module(join(this.root, file)), name, new Set()));
    return value === UNKNOWN ? undefined : value;
  }

  /** A file relative to the root. */
  relative(path: string): string {
    return relative(this.root, path);
  }

  private module(path: string): Module {
    const known = this.modules.get(path);
    if (known) return known;
    const source = ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.Latest, true);
    const module: Module = { file: path, source, scope: new Scope(), exports: new Map(), starExports: [] };
    this.modules.set(path, module);
    this.link(module);
    return module;
  }

  private link(module: Module): void {
    const { scope, exports } = module;
    declare(module.source.statements, scope);
    for (const statement of module.source.statements) {
      if (ts.isImportDeclaration(statement) && ts.isStringLiteral(statement.moduleSpecifier)) {
        const specifier = statement.moduleSpecifier.text;
        const clause = statement.importClause;
        if (clause === undefined || clause.isTypeOnly) continue;
        const bindings = clause.namedBindings;
        if (bindings && ts.isNamespaceImport(bindings)) {
          scope.define(bindings.name.text, () => this.namespace(module.file, specifier));
        } else if (bindings) {
          for (const element of bindings.elements) {
            const imported = (element.propertyName ?? element.name).text;
            scope.define(element.name.text, () => this.imported(module.file, specifier, imported));
          }
        }
        if (clause.name)
          scope.define(clause.name.text, () => this.imported(module.file, specifier, 'default'));
      } else if (ts.isExportDeclaration(statement) && !statement.isTypeOnly) {
        const specifier =
          statement.moduleSpecifier && ts.isStringLiteral(statement.moduleSpecifier)
            ? statement.moduleSpecifier.text
            : undefined;
        const clause = statement.exportClause;
        if (clause === undefined) {
          if (specifier !== undefined) module.starExports.push(specifier);
        } else if (ts.isNamedExports(clause)) {
          for (const element of clause.elements) {
            const local = (element.propertyName ?? element.name).text;
            exports.set(element.name.text, () =>
              specifier === undefined ? scope.lookup(local) : this.imported(module.file, specifier, local),
            );
          }
        }
      } else if (
        (ts.isVariableStatement(statement) || ts.isFunctionDeclaration(statement)) &&
        statement.modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)
      ) {
        const names = ts.isFunctionDeclaration(statement)
          ? statement.name
            ? [statement.name.text]
            : []
          : statement.declarationList.declarations.flatMap((declaration) => boundNames(declaration.name));
        for (const name of names) exports.set(name, () => scope.lookup(name));
      }
    }
  }

  private imported(from: string, specifier: string, name: string): Value {
    if (specifier === 'vitest') {
      const kind = VITEST_API.get(name);
      return kind === undefined ? UNKNOWN : new Api(kind);
    }
    const path = this.resolve(from, specifier);
    return path === undefined ? UNKNOWN : this.exported(this.module(path), name, new Set());
  }

  private exported(module: Module, name: string, seen: Set<Module>): Value {
    if (seen.has(module)) return UNKNOWN;
    seen.add(module);
    const own = module.exports.get(name);
    if (own) return own();
    for (const specifier of module.starExports) {
      const path = this.resolve(module.file, specifier);
      if (path === undefined) continue;
      const target = this.module(path);
      if (target.exports.has(name) || target.starExports.length > 0) {
        const value = this.exported(target, name, seen);
        if (!isUnknown(value)) return value;
      }
    }
    return UNKNOWN;
  }

  private namespace(from: string, specifier: string): Value {
    if (specifier === 'vitest')
      return new Obj(new Map([...VITEST_API].map(([name, kind]) => [name, new Api(kind)])));
    const path = this.resolve(from, specifier);
    if (path === undefined) return UNKNOWN;
    const module = this.module(path);
    return new Obj(
      new Map([...module.exports].map(([key, get]) => [key, get()])),
      module.starExports.length > 0,
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// Walking the code that defines tests.

interface Walk {
  readonly parts: readonly TitlePart[];
  readonly conditional: boolean;
  readonly out: FoundTest[];
  readonly catalog: TestCatalog;
}

/** vitest's `format()` of one `%` placeholder (`%s %d %i %f %j`), or unknown (an object's inspect() output). */
function formatItem(placeholder: string, item: Value): string | Unknown {
  const primitive = typeof item !== 'object' || item === null;
  if (isUnknown(item)) return UNKNOWN;
  switch (placeholder) {
    case '%s':
      if (typeof item === 'bigint') return `${item}n`;
      if (Object.is(item, -0)) return '-0';
      return primitive ? String(item) : UNKNOWN;
    case '%d':
      if (typeof item === 'bigint') return `${item}n`;
      return primitive ? Number(item).toString() : UNKNOWN;
    case '%i':
      if (typeof item === 'bigint') return `${item}n`;
      return primitive ? Number.parseInt(String(item), 10).toString() : UNKNOWN;
    case '%f':
      return primitive ? Number.parseFloat(String(item)).toString() : UNKNOWN;
    case '%j': {
      const data = plain(item);
      return data === UNKNOWN ? UNKNOWN : String(JSON.stringify(data));
    }
    default:
      return UNKNOWN; // %o, %O: inspect() output, not modelled
  }
}

/** vitest's `objDisplay()` of a `$name` value (inspect(), shortened to 40 characters), for primitives. */
function displayItem(value: Value): string | Unknown {
  if (typeof value === 'string') {
    // Escaped as inspect() does for what titles hold: the quote, the backslash, control characters.
    const escaped = [...value]
      .map((char) => {
        if (char === "'" || char === '\\') return `\\${char}`;
        const short = { '\b': '\\b', '\t': '\\t', '\n': '\\n', '\f': '\\f', '\r': '\\r' }[char];
        if (short !== undefined) return short;
        const code = char.charCodeAt(0);
        return code < 0x20 ? `\\u${code.toString(16).padStart(4, '0')}` : char;
      })
      .join('');
    return `'${escaped.length > 38 ? `${escaped.slice(0, 37)}…` : escaped}'`;
  }
  if (Object.is(value, -0)) return '-0';
  if (typeof value === 'number' || typeof value === 'boolean' || value === undefined || value === null)
    return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  return UNKNOWN;
}

/** vitest's title of one row of a table (`formatTitle()`: `%s %d %i %f %j %c %# %$ %%`, `$name`, `$0.a`). */
function formatTitle(template: string, items: Value[], index: number): string | undefined {
  let title = template;
  if (title.includes('%#') || title.includes('%$'))
    title = title
      .replace(/%%/g, '\uE000')
      .replace(/%#/g, String(index))
      .replace(/%\$/g, String(index + 1))
      .replace(/\uE000/g, '%%');
  let i = 0;
  let failed = false;
  title = title.replace(/%[sdifjoOc%]/g, (match) => {
    if (match === '%%') return '%';
    if (i >= items.length) return match;
    const item = items[i++] as Value;
    if (match === '%c') return '';
    const formatted = formatItem(match, item);
    if (isUnknown(formatted)) failed = true;
    return isUnknown(formatted) ? '' : formatted;
  });
  const first = items[0];
  title = title.replace(/\$([$\w.]+)/g, (whole, key: string) => {
    const isIndex = /^\d+/.test(key);
    if (!(first instanceof Obj) && !isIndex) return whole;
    const [head, ...path] = key.split('.');
    let value: Value = isIndex ? items[Number(head)] : property(first, head as string);
    for (const step of path) value = property(value, step);
    const shown = displayItem(value);
    if (isUnknown(shown)) failed = true;
    return isUnknown(shown) ? whole : shown;
  });
  return failed ? undefined : title;
}

/**
 * Walks statements that may define tests (a file, a `describe` body, a helper that defines tests); `true`
 * after a `return`. After a `return` the interpreter cannot decide on, the tests that follow are conditional.
 */
function walk(statements: readonly ts.Statement[], scope: Scope, at: Walk): boolean {
  declare(statements, scope);
  let here = at;
  for (const statement of statements) {
    const outcome = walkStatement(statement, scope, here);
    if (outcome === 'returned') return true;
    if (outcome === 'maybe returned') here = { ...here, conditional: true };
  }
  return false;
}

type Outcome = 'returned' | 'maybe returned' | undefined;

/** Walks one statement. A loop over values the interpreter cannot compute is walked once, conditionally. */
function walkStatement(statement: ts.Statement, scope: Scope, at: Walk): Outcome {
  const body = (node: ts.Statement, inner: Scope, where: Walk) =>
    walk(ts.isBlock(node) ? node.statements : [node], inner, where);
  if (ts.isExpressionStatement(statement)) {
    walkExpression(statement.expression, scope, at);
  } else if (ts.isReturnStatement(statement)) {
    if (statement.expression) walkExpression(statement.expression, scope, at);
    return 'returned';
  } else if (ts.isBlock(statement) || ts.isTryStatement(statement)) {
    const block = ts.isBlock(statement) ? statement : statement.tryBlock;
    if (walk(block.statements, new Scope(scope), at)) return 'returned';
  } else if (ts.isIfStatement(statement)) {
    const condition = truthy(evaluate(statement.expression, scope));
    if (isUnknown(condition)) {
      const maybe = { ...at, conditional: true };
      const returned = [statement.thenStatement, statement.elseStatement].map(
        (branch) => branch !== undefined && body(branch, new Scope(scope), maybe),
      );
      if (returned.includes(true)) return 'maybe returned';
    } else {
      const branch = condition ? statement.thenStatement : statement.elseStatement;
      if (branch !== undefined && body(branch, new Scope(scope), at)) return 'returned';
    }
  } else if (ts.isForOfStatement(statement)) {
    const iterable = evaluate(statement.expression, scope);
    const rows: Value[] = Array.isArray(iterable) ? iterable : [UNKNOWN];
    const where = Array.isArray(iterable) ? at : { ...at, conditional: true };
    for (const row of rows) {
      const inner = new Scope(scope);
      const target = statement.initializer;
      if (ts.isVariableDeclarationList(target))
        for (const declaration of target.declarations) bind(declaration.name, () => row, inner);
      body(statement.statement, inner, where);
    }
  } else if (ts.isIterationStatement(statement, false)) {
    const inner = new Scope(scope);
    if (
      ts.isForStatement(statement) &&
      statement.initializer &&
      ts.isVariableDeclarationList(statement.initializer)
    )
      for (const declaration of statement.initializer.declarations)
        bind(declaration.name, () => UNKNOWN, inner);
    body(statement.statement, inner, { ...at, conditional: true });
  }
  return undefined;
}

function walkExpression(expression: ts.Expression, scope: Scope, at: Walk): void {
  let e = expression;
  while (ts.isAwaitExpression(e) || ts.isVoidExpression(e) || ts.isParenthesizedExpression(e))
    e = e.expression;
  if (!ts.isCallExpression(e)) return;
  const callee = evaluate(e.expression, scope);
  if (callee instanceof Api) {
    define(callee, e, scope, at);
  } else if (callee instanceof Closure) {
    walkCall(callee, argumentsOf(e.arguments, scope), at);
  } else if (callee instanceof Native && callee.elements !== undefined) {
    // `list.forEach(fn)` / `list.map(fn)` for their effect: fn may define tests.
    const fn = e.arguments[0] && evaluate(e.arguments[0], scope);
    if (fn instanceof Closure)
      for (const [index, element] of callee.elements.entries()) walkCall(fn, [element, index], at);
  }
}

/** Walks a call of a function of the code that may define tests (a helper, a `describe` body). */
function walkCall(fn: Closure, args: Value[], at: Walk): void {
  const scope = parameters(fn, args);
  const body = fn.node.body;
  if (body === undefined) return;
  if (ts.isBlock(body)) walk(body.statements, scope, at);
  else walkExpression(body, scope, at);
}

/** A `describe` / `it` / `test` call (maybe `.each(table)(...)` / `.for(table)(...)`). */
function define(api: Api, call: ts.CallExpression, scope: Scope, at: Walk): void {
  const [titleNode, second, third] = call.arguments;
  if (titleNode === undefined) return;
  const title = evaluate(titleNode, scope);
  const fnNode = [second, third].find(
    (node) =>
      node !== undefined &&
      (ts.isArrowFunction(node) || ts.isFunctionExpression(node) || ts.isIdentifier(node)),
  );
  const fn = fnNode ? evaluate(fnNode, scope) : undefined;
  const line = call.getSourceFile().getLineAndCharacterOfPosition(call.getStart()).line + 1;
  const file = at.catalog.relative(call.getSourceFile().fileName);
  // A table the interpreter cannot compute is walked once with unknown values: its tests are conditional.
  const rows = api.table?.rows;
  const where = api.table === undefined || Array.isArray(rows) ? at : { ...at, conditional: true };
  const add = (part: TitlePart, args: Value[]) => {
    if (api.kind === 'test') {
      where.out.push({ parts: [...where.parts, part], line, file, conditional: where.conditional });
    } else if (fn instanceof Closure) {
      walkCall(fn, args, { ...where, parts: [...where.parts, part] });
    }
  };
  const written = typeof title === 'string' ? title : typeof title === 'number' ? String(title) : undefined;
  if (api.table === undefined) {
    add({ title: written }, []);
    return;
  }
  const template = written === undefined ? {} : { template: written };
  if (!Array.isArray(rows)) {
    add({ title: undefined, ...template }, [UNKNOWN, UNKNOWN, UNKNOWN]);
    return;
  }
  const arraysOnly = rows.every(Array.isArray);
  rows.forEach((row, index) => {
    const items: Value[] = Array.isArray(row) ? row : [row];
    const formatted = written === undefined ? undefined : formatTitle(written, items, index);
    const args: Value[] = api.table?.mode === 'for' ? [row] : arraysOnly ? items : [row];
    add({ title: formatted, ...template }, args);
  });
}
