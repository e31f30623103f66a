import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { isOneShotBody } from './one-shot.js';

async function* chunks() {
  yield 'a';
}

describe('isOneShotBody', () => {
  it.each([
    ['a ReadableStream', new Blob(['x']).stream()],
    ['a Node stream', Readable.from(['x'])],
    ['an async iterable', chunks()],
  ])('%s can be read once', (_name, body) => {
    expect(isOneShotBody(body)).toBe(true);
  });

  it.each([
    ['nothing', undefined],
    ['null', null],
    ['a string', '{"n":1}'],
    ['a Blob', new Blob(['x'])],
    ['FormData', new FormData()],
    ['URLSearchParams', new URLSearchParams('a=1')],
    ['an ArrayBuffer', new ArrayBuffer(1)],
    ['a Uint8Array', new Uint8Array(1)],
    ['a plain object (axios data)', { n: 1 }],
  ])('%s can be sent again', (_name, body) => {
    expect(isOneShotBody(body)).toBe(false);
  });
});
