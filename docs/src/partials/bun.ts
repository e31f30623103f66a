// What core's README block "Bun" leaves out: Bun's own `Bun.env` (`pnpm test:runtimes` runs the block in Bun
// itself).
export const Bun = { env: process.env };
