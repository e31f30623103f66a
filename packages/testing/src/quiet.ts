/**
 * oidc-provider prints an "Unsupported runtime" warning when it is first loaded on Node 20 (it still works
 * there; checked). Load it once with that one line filtered; every other line still goes through.
 */
type ProviderModule = typeof import('oidc-provider');

let loading: Promise<ProviderModule> | undefined;

const NOISE = [/^oidc-provider WARNING: Unsupported runtime/];

function isNoise(args: unknown[]): boolean {
  const first = args[0];
  if (typeof first !== 'string') return false;
  // The text may be wrapped in ANSI colour codes when stderr is a terminal.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping ANSI escapes on purpose
  const plain = first.replace(/\u001b\[[0-9;]*m/g, '');
  return NOISE.some((pattern) => pattern.test(plain));
}

/** Imports oidc-provider without its runtime warning. */
export function loadOidcProvider(): Promise<ProviderModule> {
  if (!loading) {
    loading = (async () => {
      const original = console.warn;
      console.warn = (...args: unknown[]) => {
        if (!isNoise(args)) original.apply(console, args);
      };
      try {
        return await import('oidc-provider');
      } finally {
        console.warn = original;
      }
    })();
  }
  return loading;
}
