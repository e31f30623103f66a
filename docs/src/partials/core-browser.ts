// What core's README block "In a browser" leaves out: the page it runs in. These tests run it in Node, on a
// page that is not a redirect back from the provider and has no "Sign in" button.
const items = new Map<string, string>();
Object.assign(globalThis, {
  sessionStorage: {
    getItem: (key: string) => items.get(key) ?? null,
    setItem: (key: string, value: string) => void items.set(key, value),
    removeItem: (key: string) => void items.delete(key),
  },
});
export const location = {
  origin: 'http://localhost:8080',
  href: 'http://localhost:8080/',
  pathname: '/',
  assign: (_url: string): void => {},
};
export const history = { replaceState: (_state: unknown, _unused: string, _url: string): void => {} };
export const document = {
  querySelector: (
    _selector: string,
  ): { addEventListener(type: string, listener: () => unknown): void } | null => null,
};
