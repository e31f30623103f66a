// The page script of `pnpm test:runtimes` in Chromium (bundled by drivers/chromium.mjs): the scenario, and
// core README's browser example (`readme-browser.ts`, the README block with this run's server URL).
import { signIn } from './readme-browser.ts';
import { check, runScenario } from './scenario.mjs';

globalThis.runScenario = runScenario;

globalThis.runReadmeExample = (config) =>
  check("core README's browser example", async () => {
    const session = signIn(config.user.username, config.user.password);
    const response = await session.weaviate(`${config.url}/v1/meta`);
    await session.signOut();
    return response.status === 200 || `answered ${response.status}`;
  });
