import type { Spelling } from './secrets.js';

/** A base64 spelling is looked for only when this many of its characters depend on the secret alone. */
const MIN_BASE64_LENGTH = 8;

/** What may stand between two parts of a secret split across lines: a line break (raw, or as a JSON string spells it), with indentation. */
const BREAK = /[ \t]*(?:\r?\n|\\r\\n|\\n)[ \t]*/y;
/** A run of URL escapes (`%C3%A9`), of either case. */
const PERCENT_RUN = /(?:%[0-9A-Fa-f]{2})+/y;
/** A JSON (or JavaScript) escape: `\u00e9`, `\"`, `\/`, `\t`... */
const BACKSLASH = /\\(?:u([0-9A-Fa-f]{4})|(["\\/'])|([tbf]))/y;
/** An HTML character reference: `&#34;`, `&#x22;`, `&quot;`. */
const ENTITY = /&(?:#(\d{1,7})|#[xX]([0-9A-Fa-f]{1,6})|(quot|amp|apos|lt|gt));/y;
const NAMED: Record<string, string> = { quot: '"', amp: '&', apos: "'", lt: '<', gt: '>' };
const CONTROL: Record<string, string> = { t: '\t', b: '\b', f: '\f' };

/**
 * `text` with its escapes decoded (URL `%XX` of any case, JSON `\u00e9` and `\"`, HTML `&quot;` and `&#34;`)
 * and its line breaks (with their indentation) left out, one level deep; `from` and `to` give the span of
 * `text` each character of the result came from. A secret spelled in any of these ways (or several at once,
 * as a URL path escapes some characters and not others) reads as itself in the result.
 */
function canonical(text: string): ReturnType<Spelling['canonical']> {
  // Nothing to decode (the usual case): the text itself.
  if (!/[%\\&\r\n]/.test(text)) return { text, from: (i) => i, to: (i) => i + 1 };
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  const emit = (chars: string, start: number, end: number) => {
    out += chars;
    for (let k = 0; k < chars.length; k++) {
      from.push(start);
      to.push(end);
    }
  };
  for (let i = 0; i < text.length; ) {
    const char = text[i]!;
    const decoded = decodeAt(text, i, char);
    if (decoded === undefined) {
      emit(char, i, i + 1);
      i++;
      continue;
    }
    for (const [chars, width] of decoded) {
      emit(chars, i, i + width);
      i += width;
    }
  }
  return { text: out, from: (i) => from[i]!, to: (i) => to[i]! };
}

/**
 * What the escape or line break at `i` of `text` stands for: each decoded character with the width it takes in
 * `text` (none for a line break); undefined when there is none at `i`.
 */
function decodeAt(text: string, i: number, char: string): [string, number][] | undefined {
  const at = (pattern: RegExp) => {
    pattern.lastIndex = i;
    return pattern.exec(text);
  };
  const lineBreak = ' \t\r\n\\'.includes(char) ? at(BREAK) : null;
  if (lineBreak) return [['', lineBreak[0].length]];
  const escapes = char === '%' ? at(PERCENT_RUN) : null;
  if (escapes) {
    try {
      return Array.from(decodeURIComponent(escapes[0]), (point) => [point, 3 * utf8(point).length]);
    } catch {
      return undefined; // not UTF-8: read as it is
    }
  }
  const backslash = char === '\\' ? at(BACKSLASH) : null;
  if (backslash) {
    const [whole, unit, same, control] = backslash;
    const decoded = unit ? String.fromCharCode(Number.parseInt(unit, 16)) : (same ?? CONTROL[control!]!);
    return [[decoded, whole.length]];
  }
  const entity = char === '&' ? at(ENTITY) : null;
  if (entity) {
    const [whole, decimal, hexadecimal, name] = entity;
    const point = decimal ? Number(decimal) : hexadecimal ? Number.parseInt(hexadecimal, 16) : undefined;
    if (point === undefined) return [[NAMED[name!]!, whole.length]];
    if (point <= 0x10ffff) return [[String.fromCodePoint(point), whole.length]];
  }
  return undefined;
}

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);
/** Bytes as Latin-1 characters: how a UTF-8 header value reads when taken for Latin-1 (`pÃ¤ss` for `päss`). */
function latin1(bytes: Uint8Array): string {
  let out = '';
  // In slices: spreading a long key's bytes at once overflows the call stack.
  for (let i = 0; i < bytes.length; i += 0x8000) out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return out;
}

/**
 * The parts of the base64 (and base64url) spellings of `text` that depend on it alone, whatever comes before or
 * after it (one per alignment: `text` inside a longer base64 value, such as a `Basic` credential `id:secret`).
 */
function base64Cores(text: string): string[] {
  const bytes = utf8(text);
  const cores: string[] = [];
  for (let offset = 0; offset < 3; offset++) {
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const encoded = btoa(latin1(padded)).replace(/=+$/, '');
    const core = encoded.slice([0, 2, 3][offset], encoded.length - (padded.length % 3 === 0 ? 0 : 1));
    if (core.length >= MIN_BASE64_LENGTH) cores.push(core, core.replace(/\+/g, '-').replace(/\//g, '_'));
  }
  return cores;
}

/**
 * What {@link SecretSet.scrub} looks for in the {@link canonical} form of a text, for one secret: the secret as
 * it is, trimmed, and in both Unicode normal forms; each as a form spells it (`+` for a space), as its UTF-8
 * reads as Latin-1, and in base64 or base64url, alone or inside a longer value (also as a form spells it).
 */
function secretTargets(secret: string): string[] {
  const targets = new Set<string>();
  for (const form of new Set([secret, secret.trim(), secret.normalize('NFC'), secret.normalize('NFD')])) {
    const formEncoded = new URLSearchParams({ s: form }).toString().slice(2);
    targets.add(form).add(canonical(form).text).add(form.replace(/ /g, '+'));
    targets.add(latin1(utf8(form)));
    for (const spelled of new Set([form, formEncoded]))
      for (const core of base64Cores(spelled)) targets.add(core);
  }
  return [...targets];
}

/**
 * Every spelling a server may echo a secret in ({@link secretTargets} in the {@link canonical} text). Installed
 * with the code that requests tokens (`spellSecretsEverywhere`): before the first token request only the
 * secret as it is and its URL, form and JSON escapes are looked for, which keeps this module out of what an app
 * loads before then.
 */
export const everySpelling: Spelling = { canonical, targets: secretTargets };
