// What core's README block "Deno" leaves out: Deno's own `Deno.env` (`pnpm test:runtimes` runs the block in
// Deno itself).
export const Deno = { env: { get: (name: string): string | undefined => process.env[name] } };
